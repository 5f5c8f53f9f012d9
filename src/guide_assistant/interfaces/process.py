"""How a ``guide-assistant`` process starts and ends (the console script and ``python -m``).

It sits above the interfaces: a command goes to the command line (interfaces/cli), no
command starts the terminal UI (interfaces/tui), ``serve`` starts the web app
(interfaces/web), and none of the three imports another.

A command's start makes a few hundred thousand objects that live until the process ends:
modules, the pydantic models and their validators, the knowledge, the indexes. While they
are being made, Python's cyclic garbage collector walks them again and again (~45 ms of an
``ask``); at exit, the interpreter's teardown frees them one by one (~60 ms), although the
operating system takes the memory back at once. Neither does anything for a command that
answers and ends. So:

- the collector is off while a command starts (``gc.disable``); work that runs on calls
  ``started()`` (common/startup.py), which freezes what the start made (``gc.freeze``: never walked again) and
  turns the collector back on: the UI once it is on screen, ``search --batch`` before its
  first line, and every command not in ``commands.ONE_SHOT`` (index builds, ``kb`` ...) before it runs;
- the process ends like any other (non-daemon threads joined, every ``atexit`` handler
  run, standard output flushed) and then skips the teardown: the first ``atexit`` handler,
  which runs last, ends the process with ``os._exit`` and the exit status. Nothing is
  left to write by then: files are written atomically and the project store commits
  before each command returns. If the output cannot be flushed (a closed pipe), the
  interpreter ends as usual and reports it.

And pydantic does not look for plugins: at its first model it would read the entry points
of every installed distribution (~5 ms) for observability plugins this program does not
use. ``PYDANTIC_DISABLE_PLUGINS`` set in the environment is kept as it is.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys

_status: int | None = 0  # None: end as Python does (an interrupt ends by the signal)


def _status_of(code: object) -> int:
    """The exit status Python gives for ``SystemExit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    return 1  # a message: the interpreter prints it to stderr and exits 1


def _end() -> None:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe or stream: let the interpreter end and report it
        return
    if _status is not None:
        os._exit(_status)


def _start_ui(paths, state, project, user) -> None:
    """No command: the terminal UI, imported only now (Textual is not loaded for a command).
    Without a terminal on both ends (``echo | guide-assistant``, a cron job) there is no one
    to show it to: say so and end, instead of a UI that waits for keys that never come."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        from guide_assistant.common.i18n import _

        print(
            _("error: the terminal UI needs a terminal; give a command instead (guide-assistant --help lists them)"),
            file=sys.stderr,
        )
        raise SystemExit(2)
    from guide_assistant.interfaces.tui.app import run_tui

    run_tui(paths, state, project=project, user=user)


def _start_server(host, port, token, workers, state) -> None:
    """``serve``: the web app, imported only now (FastAPI is not loaded for another command).
    A non-loopback host without a token raises ValueError (NeedsToken)."""
    from guide_assistant.interfaces.web.server import serve

    serve(host, port, token, workers, state)


def main() -> None:
    global _status
    gc.disable()
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")
    atexit.register(_end)  # registered first, so it runs after every other atexit handler
    from guide_assistant.common.safetext import from_input

    # bytes that are not UTF-8 in an argument (a question, a note, a name) arrive as lone
    # surrogates, which no terminal, file or SQLite takes: they become U+FFFD here, once
    sys.argv = [from_input(a) for a in sys.argv]
    try:
        from guide_assistant.interfaces.cli import core
        from guide_assistant.interfaces.cli.fast import run as run_plain

        core.use_ui(_start_ui)
        core.use_server(_start_server)

        if not run_plain(sys.argv[1:]):  # a plain ask, search or UI start runs without Typer
            from guide_assistant.interfaces.cli.commands import main as cli_main

            cli_main()
    except SystemExit as e:
        _status = _status_of(e.code)
        raise
    except KeyboardInterrupt:
        _status = None
        raise
    except BaseException:  # the traceback is printed as usual; the status is 1
        _status = 1
        raise
