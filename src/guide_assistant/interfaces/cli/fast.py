"""A plain ``ask``, ``search`` or UI start without the CLI framework.

Importing Typer and building a command from its signature takes ~20 ms of every start,
a tenth of what a bare process with the index and the embedder takes (scripts/bench.py).
For the two commands people run most and for the UI (no command), given in the plain
forms below, ``run`` calls the functions that cli.py calls (cli_core) with the same
arguments, and Typer is never imported. Anything else goes to Typer, which parses it, reports errors and shows
help as always: ``--help``, an option this table does not know, a value that is missing,
empty or starts with ``-``, an option given twice, ``--batch``, short options run
together, a shell's request for completions, and every other command.

The plain forms: the global options ``--state``, ``--lang``, ``--project`` and ``--user``
before the command (or alone: the UI); after it, the command's options by their full names (``--opt VALUE``
or ``--opt=VALUE``; a flag alone) or their one-letter names (``-p VALUE``), arguments,
``-`` and ``--``. tests/test_cli_fast.py checks, form by form, that the functions are
called with what Typer calls them with, and that the other forms are left to Typer.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Opt:
    dest: str  # the parameter of the cli_core function
    kind: str  # flag | text | path | multi | count (an int within bounds)


def _text(v: str) -> Any:
    return v


def _path(v: str) -> Any:
    """click's Path as Typer makes it: a path that exists must be readable (else Typer's error)."""
    try:
        os.stat(v)
    except OSError:
        return Path(v)
    return Path(v) if os.access(v, os.R_OK) else None


def _top_k(v: str) -> Any:
    """click's IntRange(1, 200), for digits only (anything else goes to Typer)."""
    n = int(v) if v.isascii() and v.isdigit() else 0
    return n if 1 <= n <= 200 else None


CONVERT: dict[str, Callable[[str], Any]] = {"text": _text, "path": _path, "multi": _text, "count": _top_k}

GLOBAL = {
    "--state": Opt("state", "path"),
    "--lang": Opt("lang", "text"),
    "--project": Opt("project", "text"),
    "--user": Opt("user", "text"),
}
_PHASE, _ROLE, _JSON, _EMBEDDER = Opt("phase", "multi"), Opt("role", "multi"), Opt("json_out", "flag"), Opt("embedder", "text")
ASK = {
    "--phase": _PHASE,
    "-p": _PHASE,
    "--role": _ROLE,
    "-r": _ROLE,
    "--json": _JSON,
    "--format": Opt("fmt", "text"),
    "--state": Opt("state", "path"),
    "--continue": Opt("continue_", "flag"),
    "-c": Opt("continue_", "flag"),
    "--conversation": Opt("conversation", "text"),
    "--originals": Opt("originals", "flag"),
    "--chat": Opt("chat", "path"),
    "--embedder": _EMBEDDER,
}
SEARCH = {
    "--top-k": Opt("top_k", "count"),
    "-k": Opt("top_k", "count"),
    "--mode": Opt("mode", "text"),
    "--phase": _PHASE,
    "-p": _PHASE,
    "--role": _ROLE,
    "-r": _ROLE,
    "--json": _JSON,
    "--embedder": _EMBEDDER,
}
COMMANDS = {"ask": ASK, "search": SEARCH}
COMPLETE_VAR = "_GUIDE_ASSISTANT_COMPLETE"  # click's shell-completion protocol for the prog name guide-assistant


@dataclass
class Plain:
    """A plain ``ask``, ``search`` or UI start (command ``ui``): the command, the global options, its arguments."""

    command: str
    globals: dict[str, Any]
    kwargs: dict[str, Any]


def _options(args: list[str], table: dict[str, Opt], out: dict[str, Any], positional: list[str] | None) -> int | None:
    """Read the options of ``table`` from ``args`` into ``out`` (and, if ``positional`` is
    a list, the arguments into it) up to the first argument when ``positional`` is None;
    the number of tokens read (all of them: no argument), or None when a token is not of
    the plain forms."""
    i = 0
    while i < len(args):
        arg = args[i]
        if positional is not None and arg == "--":
            positional.extend(args[i + 1 :])
            return len(args)
        if arg == "-" or not arg.startswith("-"):
            if positional is None:
                return i  # the command
            positional.append(arg)
            i += 1
            continue
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        opt = table.get(name)
        if opt is None:
            return None
        if opt.kind == "flag":
            if eq or opt.dest in out:
                return None
            out[opt.dest] = True
            i += 1
            continue
        if not eq:
            if i + 1 >= len(args):
                return None
            value = args[i + 1]
            i += 1
        i += 1
        if not value or value.startswith("-") or (opt.kind != "multi" and opt.dest in out):
            return None
        converted = CONVERT[opt.kind](value)
        if converted is None:
            return None
        if opt.kind == "multi":
            out.setdefault(opt.dest, []).append(converted)
        else:
            out[opt.dest] = converted
    return i


def parse(argv: list[str]) -> Plain | None:
    """The plain ``ask``, ``search`` or UI start that ``argv`` is, or None (Typer's to parse)."""
    globals_: dict[str, Any] = {}
    at = _options(argv, GLOBAL, globals_, None)
    if at == len(argv):
        return Plain("ui", globals_, {})
    if at is None or argv[at] not in COMMANDS:
        return None
    command, rest = argv[at], argv[at + 1 :]
    kwargs: dict[str, Any] = {}
    positional: list[str] = []
    if _options(rest, COMMANDS[command], kwargs, positional) is None:
        return None
    if command == "ask":
        if not positional:
            return None
        kwargs["question"] = positional
    else:
        if len(positional) != 1:
            return None
        kwargs["query"] = positional[0]
    return Plain(command, globals_, kwargs)


def run(argv: list[str]) -> bool:
    """Run ``argv`` if it is a plain ``ask``, ``search`` or UI start; False if it is Typer's to run.
    Ends as a Typer command does: an interrupt exits 130, a closed pipe 1, quietly."""
    if os.environ.get(COMPLETE_VAR):  # a shell asks for completions: the framework answers
        return False
    plain = parse(argv)
    if plain is None:
        return False
    from guide_assistant.common.i18n import set_language
    from guide_assistant.interfaces.cli import core
    from guide_assistant.interfaces.cli.locale import early_language

    set_language(early_language(argv))  # what cli.main does before Typer parses
    try:
        g = core.settle_globals(**{k: plain.globals.get(k) for k in ("state", "lang", "project", "user")})
        if plain.command == "ui":
            core.run_ui(g)
        elif plain.command == "ask":
            core.ask(g, **plain.kwargs)
        else:
            core.search(**plain.kwargs)
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except OSError as e:
        if e.errno != errno.EPIPE:
            raise
        devnull = os.open(os.devnull, os.O_WRONLY)  # nothing more reaches the closed pipe, not even at exit
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(1) from None
    return True
