"""A change of several knowledge files as one transaction (``kb update``, the re-anchoring of
``index build``): staged, checked as ``kb validate`` checks the knowledge, then committed
with a journal (``common/journal.py``), so that the knowledge on disk is always the old or
the new, never a mix, whatever point a process is killed at."""

from __future__ import annotations

import shutil
from pathlib import Path

from guide_assistant.common.config import Paths
from guide_assistant.common.i18n import _
from guide_assistant.common.journal import JournalError, Transaction, recover
from guide_assistant.kb.anchored import ANCHORED

CHECK = "check"  # the staged knowledge put together for checking, inside the staging folder


class KnowledgeWriteError(Exception):
    """The change was not made (the knowledge is as it was): ``problems`` say why."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def recover_knowledge(paths: Paths) -> None:
    """Finish (or discard) a change of the knowledge a killed process left half made."""
    recover(paths.staging)


def check_staged(paths: Paths, staged: dict[Path, Path], check: Path) -> list[str]:
    """The problems ``kb validate`` would report in the knowledge as it will be: a copy of
    ``knowledge/`` with the staged files in, each guide as the text it is anchored to (a
    guide replaced in place and not yet re-anchored is checked against its anchored copy)."""
    from guide_assistant.kb.load import validate_knowledge

    target = check / "knowledge"
    for path in paths.knowledge.rglob("*"):  # the files only: a copied folder's permissions would stop the staged files going in
        rel = path.relative_to(paths.knowledge)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / rel)
    for dest, src in staged.items():
        try:
            rel = dest.relative_to(paths.knowledge)
        except ValueError:
            continue
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target / rel)
    for snap in (target / ANCHORED).glob("*"):
        if snap.is_file() and (target / "sources" / snap.name).exists():
            shutil.copyfile(snap, target / "sources" / snap.name)
    _kb, problems, _warnings = validate_knowledge(Paths(check), check_fidelity=True)
    shutil.rmtree(check, ignore_errors=True)
    return [str(p) for p in problems]


def write_knowledge(paths: Paths, files: dict[Path, bytes]) -> None:
    """Replace ``files`` (absolute paths under the project root) together, after checking
    the knowledge they make; KnowledgeWriteError (nothing changed) when it does not check
    or a folder cannot be written."""
    try:
        with Transaction(paths.staging) as tx:
            for path, data in files.items():
                tx.stage(path, data)
            problems = check_staged(paths, tx.staged, paths.staging / CHECK)
            if problems:
                raise KnowledgeWriteError(problems)
            tx.commit()
    except JournalError as e:
        raise KnowledgeWriteError(
            [_("cannot write in {folder}: {problem}; nothing was changed").format(folder=paths.rel(e.folder), problem=e.problem)]
        ) from None
    except OSError as e:
        raise KnowledgeWriteError(
            [
                _("cannot stage the change in {folder}: {problem}; nothing was changed").format(
                    folder=paths.rel(paths.staging), problem=e.strerror or e
                )
            ]
        ) from None
