"""The command line's help and the CLI framework's own words in the interface language.

Typer takes help texts when the commands are defined (English msgids, marked with ``N_``);
``localize_commands`` translates the built command tree once the language is known, before
it runs. Typer's own panel titles ("Options", "Commands", "Error") are module constants,
translated with our catalog too, and so are the few messages Typer's core asks the standard
library's gettext for (its own copy of click words the rest of its parse errors in English,
without gettext).
"""

from __future__ import annotations

import os
from typing import Any

from guide_assistant.common.i18n import ENV_LANG, N_, UnknownLanguage, _, resolve_language

# the framework's words our help screens and errors show (extracted into our catalog)
HELP_OPTION_MESSAGE = N_("Show this message and exit.")
FRAMEWORK_MESSAGES = (
    N_("Options"),
    N_("Commands"),
    N_("Arguments"),
    N_("Error"),
    HELP_OPTION_MESSAGE,
    N_("Aborted."),
    N_("[default: {}]"),
    N_("[env var: {}]"),
    N_("[required]"),
    N_("Try [blue]'{command_path} {help_option}'[/] for help."),
)
# what typer.core words through gettext (msgids of our catalog): a mistyped or missing command
TYPER_CORE_MESSAGES = (N_("No such command {name!r}."), N_("Missing command."), N_("Aborted!"))
RICH_UTILS_NAMES = (
    "ARGUMENTS_PANEL_TITLE",
    "OPTIONS_PANEL_TITLE",
    "COMMANDS_PANEL_TITLE",
    "ERRORS_PANEL_TITLE",
    "ABORTED_TEXT",
    "RICH_HELP",
    "DEFAULT_STRING",
    "ENVVAR_STRING",
    "REQUIRED_LONG_STRING",
)


def early_language(argv: list[str]) -> str:
    """The interface language before the command line is parsed (help texts are set then):
    ``--lang X`` / ``--lang=X`` among the arguments, else the usual precedence; an unknown
    value is left for the parser to report (English until then)."""
    explicit = None
    for n, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and n + 1 < len(argv):
            explicit = argv[n + 1]
        elif arg.startswith("--lang="):
            explicit = arg.split("=", 1)[1]
    from guide_assistant.common.settings import load_settings

    saved = load_settings().lang
    try:
        return resolve_language(explicit, saved)
    except UnknownLanguage:
        try:
            return resolve_language(None, saved, {k: v for k, v in os.environ.items() if k != ENV_LANG})
        except UnknownLanguage:
            return "en"


def localize_framework() -> None:
    """Typer's panel titles and notes, and the messages typer.core asks gettext for, in the
    interface language (read when help or an error is shown); a message our catalog lacks
    stays in English."""
    import typer.core
    import typer.rich_utils as rich_utils

    for name in RICH_UTILS_NAMES:
        setattr(rich_utils, name, _(getattr(rich_utils, name)))
    typer.core._ = _  # type: ignore[attr-defined]  # typer.core: `from gettext import gettext as _`


def localize_commands(command: Any) -> None:
    """Translate the help of ``command``, its options (``--help`` too) and its subcommands
    (msgids: the English)."""
    if command.help:
        command.help = _(command.help)
    if command.short_help:
        command.short_help = _(command.short_help)
    # click makes the --help option when it is first asked for, with its own English text;
    # make it now (click keeps it) with ours
    help_option = command.get_help_option(command.context_class(command, **command.context_settings))
    if help_option is not None and help_option.help:
        help_option.help = _(HELP_OPTION_MESSAGE)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = _(param.help)
    for sub in getattr(command, "commands", {}).values():
        localize_commands(sub)


def extract_command_help(fileobj, keywords, comment_tags, options):
    """Babel extractor for the command modules (babel.cfg): the ``_()``/``N_()`` messages as
    Babel's Python extractor finds them, and the docstrings of functions decorated as
    commands or callbacks — Typer's help for them, as ``inspect.getdoc`` cleans it."""
    import ast
    import io

    from babel.messages.extract import extract_python

    data = fileobj.read()
    yield from extract_python(io.BytesIO(data), keywords, comment_tags, options)
    for node in ast.walk(ast.parse(data)):
        if isinstance(node, ast.FunctionDef) and any(_is_command(d) for d in node.decorator_list):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield node.body[0].lineno, None, doc, []


def _is_command(decorator) -> bool:
    func = decorator.func if hasattr(decorator, "func") else decorator
    return getattr(func, "attr", None) in ("command", "callback")
