"""The end of a process's start (see interfaces/process.py): the garbage collector is
off while a command starts; work that runs on calls ``started()``."""

from __future__ import annotations

import gc


def started() -> None:
    """The start is over and the work may run on: collect garbage again, but never walk
    what the start made."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
