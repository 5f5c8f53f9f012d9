"""Text from documents and from other people (guide text, notes, project and user names) made
safe for where it is shown.

- ``for_terminal``: no control characters reach a terminal: C0 controls but tab and newline,
  DEL, the C1 controls (U+0080-U+009F: U+009B is a one-character CSI), and whole escape
  sequences (CSI ``ESC [ ... final``, OSC ``ESC ] ... BEL/ST``, two-character ``ESC x``) are
  removed, so a guide or a colleague's note cannot retitle, clear or rewrite a terminal.
- ``json_for_terminal``: JSON text with the C1 controls escaped as ``\\u0080``... (``json.dumps``
  with ``ensure_ascii=False`` escapes only C0): the same data, safe to print.

- ``from_input``: a command-line argument with no lone surrogates left (bytes that were not
  UTF-8 arrive as U+DC80-U+DCFF escapes): they become U+FFFD, so that nothing fails later at
  a terminal, a file or SQLite. interfaces/process.py applies it to every argument, once.

The XLSX export keeps every cell a string (exports/xlsx.py: openpyxl would store text that
starts with ``=`` as a formula).
"""

from __future__ import annotations

import re

_TERMINAL_UNSAFE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI ... final byte (ESC [ or the one-character CSI)
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL or ST
    r"|\x1b[ -~]?"  # other escapes (ESC c resets the terminal), or a lone ESC
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # the other C0 controls (tab and newline kept), DEL, C1
)
_C1 = re.compile(r"[\x80-\x9f]")


def for_terminal(text: str) -> str:
    return _TERMINAL_UNSAFE.sub("", text)


def json_for_terminal(text: str) -> str:
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def from_input(text: str) -> str:
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # surrogates that are not escaped bytes
        return _SURROGATE.sub("\ufffd", text)
