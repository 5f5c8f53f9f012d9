"""Keep every citation true when a guide changes: re-anchor the knowledge to the new text.

For each source, ``knowledge/anchored/<file>`` keeps the text the knowledge was anchored to
(a byte copy: the W3C Web Annotation idea of a selector with its document, kept whole).
When a source in ``knowledge/sources/`` differs from it (a file replaced in place, or
``kb update``), every reference to it is mapped to the new text:

1. through a line diff of old and new text (``difflib.SequenceMatcher``, ``autojunk=False``):
   a range whose every line is unchanged moves with it; then through a word diff, so that
   text re-flowed onto other lines (an OCR run, a re-wrapped web page) moves with its words;
2. by exact search of the cited lines (unique; where the text occurs more than once, the
   surrounding lines decide; a tie is never broken by picking the nearest);
3. by fuzzy search (rapidfuzz) of the item's wording over windows of the new text: a window
   that holds every word of it in order is a move (re-flowed text); one that is clearly the
   same passage with words changed is applied and marked ``review: reworded``;
4. otherwise the reference is marked ``review: removed``: kept in the file, never shown as fact.

Spans (an activity's lines, a crosswalk entry) move by their first and last unchanged lines.
The YAML files are edited in place line by line (comments and layout kept): only the
``lines: [a, b]`` values change and ``review:`` lines are added. Step ids never change, so
saved progress keeps its meaning. Everything is computed first, then written as one
transaction (kb/transaction.py): staged, checked as ``kb validate`` checks, committed
with a journal, so a crash leaves the old knowledge or the new, never a mix.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from rapidfuzz import fuzz

from guide_assistant.common.config import Paths
from guide_assistant.common.fsutil import atomic_write_bytes
from guide_assistant.common.i18n import _
from guide_assistant.kb import fidelity
from guide_assistant.kb.anchored import anchored_path, differs, previous_path, report_path
from guide_assistant.kb.cleanup import Cleaner
from guide_assistant.kb.fingerprint import knowledge_hashes
from guide_assistant.kb.schema import ActivitiesFile, Item, PassageFixesFile, PhasesFile, SourceEntry, SourcesFile
from guide_assistant.kb.textnorm import ocr_fold, words
from guide_assistant.kb.transaction import KnowledgeWriteError, recover_knowledge, write_knowledge
from guide_assistant.kb.yamlio import YamlDoc, compose_and_load, load_model

CONTEXT = 3  # lines of context before and after a cited range that decide between equal matches
REWORDED_MIN = 60  # rapidfuzz token_sort_ratio: at least this similar to count as the same text reworded
WINDOW_SLACK = 2  # a reworded range may be this many lines longer or shorter
WORDS_KEPT = 0.5  # a range whose words mostly survive the word diff is found where they went
WHOLE = 0.999  # containment of every word: moved; less (a word changed): reworded, for a person to check


class AnchorError(Exception):
    """The knowledge cannot be re-anchored (problems as file:line: message)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class Change(BaseModel):
    file: str  # knowledge file (relative to knowledge/), e.g. activities/skr.yaml
    line: int  # its line in that file (before the edit)
    what: str  # e.g. "step 3 of skr-planera"
    kind: str  # moved | reworded | removed | restored (found again where it was before the last update)
    old: tuple[int, int]
    new: tuple[int, int] | None = None
    old_text: str = ""
    new_text: str = ""
    section: str = ""
    was_review: str | None = None  # the reference's review mark before this change (put back if it is restored)


class Uncovered(BaseModel):
    lines: tuple[int, int]
    text: str


class Report(BaseModel):
    source: str
    at: str
    old_sha256: str
    new_sha256: str
    unchanged: int = 0
    changes: list[Change] = []
    uncovered: list[Uncovered] = []
    # the knowledge files (relative -> sha256) before this re-anchoring edited them: an index
    # built from those still holds the same facts, its lines mapped through the guide's diff
    knowledge_before: dict[str, str] = {}

    def count(self, kind: str) -> int:
        return sum(c.kind == kind for c in self.changes)

    def summary(self) -> str:
        restored = f", {self.count('restored')} restored" if self.count("restored") else ""
        return (
            f"{self.source}: {self.unchanged} references unchanged, {self.count('moved')} moved, "
            f"{self.count('reworded')} reworded, {self.count('removed')} removed{restored}; "
            f"{len(self.uncovered)} new passages no item covers yet"
        )


# --- the text mapping -------------------------------------------------------------------


class TextMap:
    """Old text -> new text, line by line."""

    def __init__(self, old: list[str], new: list[str], cleaner: Cleaner):
        self.old, self.new, self.cleaner = old, new, cleaner
        self._tokens: dict[int, set[str]] = {}
        self.line: dict[int, int] = {}  # old line -> new line, for lines in equal blocks (1-based)
        self.inserted: list[tuple[int, int]] = []  # new line ranges with no old counterpart
        sm = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if tag == "equal":
                for k in range(i2 - i1):
                    self.line[i1 + k + 1] = j1 + k + 1
            elif tag in ("insert", "replace") and j2 > j1:
                self.inserted.append((j1 + 1, j2))
        self._words: tuple[list[int], list[int], dict[int, int]] | None = None

    def word_map(self) -> tuple[list[int], list[int], dict[int, int]]:
        """Word-level diff (computed once, when a line diff is not enough): the line of each
        old and new word, and old word -> new word for unchanged words. Text re-flowed onto
        other lines keeps its words, so its items move with them."""
        if self._words is None:

            def split(lines: list[str]) -> tuple[list[str], list[int]]:
                toks, where = [], []
                for n, line in enumerate(lines, 1):
                    for w in line.split():
                        toks.append(w)
                        where.append(n)
                return toks, where

            ot, ol = split(self.old)
            nt, nl = split(self.new)
            mapping: dict[int, int] = {}
            for tag, i1, i2, j1, _j2 in difflib.SequenceMatcher(None, ot, nt, autojunk=False).get_opcodes():
                if tag == "equal":
                    for k in range(i2 - i1):
                        mapping[i1 + k] = j1 + k
            self._words = (ol, nl, mapping)
        return self._words

    def added_text(self) -> list[tuple[int, int]]:
        """Line ranges of the new text whose words are new (not old words re-flowed)."""
        if not self.inserted:
            return []
        _ol, nl, mapping = self.word_map()
        kept = set(mapping.values())
        lines = sorted({nl[j] for j in range(len(nl)) if j not in kept})
        out: list[tuple[int, int]] = []
        for n in lines:
            if out and n - out[-1][1] <= 2:
                out[-1] = (out[-1][0], n)
            else:
                out.append((n, n))
        return out

    def by_words(self, a: int, b: int) -> tuple[str, tuple[int, int]] | None:
        """Where the words of old lines a..b went: all of them, together ('moved'), or most
        of them ('partly': the text around them or in them changed); None if few survive."""
        ol, nl, mapping = self.word_map()
        idx = [i for i, n in enumerate(ol) if a <= n <= b]
        if not idx:
            return None
        mapped = [mapping[i] for i in idx if i in mapping]
        if len(mapped) < WORDS_KEPT * len(idx):
            return None
        rng = (nl[min(mapped)], nl[max(mapped)])
        whole = len(mapped) == len(idx) and max(mapped) - min(mapped) == len(idx) - 1
        return ("moved" if whole else "partly"), rng

    def exact(self, a: int, b: int) -> tuple[int, int] | None:
        """Every line of a..b unchanged and still together."""
        mapped = [self.line.get(n) for n in range(a, b + 1)]
        if None in mapped or mapped[-1] - mapped[0] != b - a:  # type: ignore[operator]
            return None
        return mapped[0], mapped[-1]  # type: ignore[return-value]

    def span(self, a: int, b: int) -> tuple[int, int] | None:
        """A large range (an activity, a crosswalk entry): from its first to its last line that
        is still there; None if neither end survives."""
        first = next((self.line[n] for n in range(a, b + 1) if n in self.line), None)
        last = next((self.line[n] for n in range(b, a - 1, -1) if n in self.line), None)
        if first is None or last is None or last < first:
            return None
        return first, last

    def cleaned(self, lines: list[str], a: int, b: int) -> str:
        return "\n".join(self.cleaner.clean_line(x)[0] for x in lines[a - 1 : b])

    def search(self, a: int, b: int) -> tuple[int, int] | str | None:
        """The cited lines found verbatim elsewhere: the unique place, the place whose context
        matches best, or "tie" when context cannot decide."""
        want = [x for x in self.old[a - 1 : b]]
        if not any(x.strip() for x in want):
            return None
        n = len(want)
        hits = [j for j in range(len(self.new) - n + 1) if self.new[j : j + n] == want]
        if not hits:
            return None
        if len(hits) == 1:
            return hits[0] + 1, hits[0] + n
        before = "\n".join(self.old[max(0, a - 1 - CONTEXT) : a - 1])
        after = "\n".join(self.old[b : b + CONTEXT])
        scored = sorted(
            (
                (
                    fuzz.ratio(before, "\n".join(self.new[max(0, j - CONTEXT) : j]))
                    + fuzz.ratio(after, "\n".join(self.new[j + n : j + n + CONTEXT])),
                    j,
                )
                for j in hits
            ),
            reverse=True,
        )
        if scored[0][0] == scored[1][0]:
            return "tie"
        j = scored[0][1]
        return j + 1, j + n

    def tokens(self, n: int) -> set[str]:
        if n not in self._tokens:
            self._tokens[n] = set(words(ocr_fold(self.cleaner.clean_line(self.new[n - 1])[0])))
        return self._tokens[n]

    def fuzzy(self, wording: str, a: int, b: int) -> tuple[str, tuple[int, int]] | str | None:
        """Windows of the new text that hold the wording (containment >= THRESHOLD: 'moved') or
        are the same text reworded (token_sort_ratio >= REWORDED_MIN: 'reworded'). Only
        windows that share a third of the wording's words are compared."""
        want = set(words(ocr_fold(wording)))
        if not want:
            return None
        size = b - a + 1
        folded = ocr_fold(wording)
        candidates: list[tuple[float, int, int, str]] = []
        for length in range(max(1, size - WINDOW_SLACK), size + WINDOW_SLACK + 1):
            for j in range(1, len(self.new) - length + 2):
                have = set().union(*(self.tokens(n) for n in range(j, j + length)))
                if len(want & have) < max(1, len(want) / 3):
                    continue
                window = self.cleaned(self.new, j, j + length - 1)
                held = fidelity.containment(wording, window)
                if held >= WHOLE:  # every word still there, in order: the text only moved or re-flowed
                    candidates.append((2.0 - 0.001 * length, j, j + length - 1, "moved"))
                    continue
                similar = max(held, fuzz.token_sort_ratio(folded, ocr_fold(window)) / 100)
                if held >= fidelity.THRESHOLD or similar * 100 >= REWORDED_MIN:
                    candidates.append((similar - 0.001 * length, j, j + length - 1, "reworded"))
        if not candidates:
            return None
        candidates.sort(reverse=True)
        best = candidates[0]
        rivals = [c for c in candidates[1:] if abs(c[0] - best[0]) < 1e-9 and not (c[1] <= best[2] and best[1] <= c[2])]
        if rivals:
            return "tie"
        return best[3], (best[1], best[2])


def fuzzy_prefilter(wording: str, new: list[str]) -> bool:
    """Cheap test that a fuzzy search can find anything: some word of the wording is in the text."""
    words = {w for w in re.findall(r"\w{5,}", wording.casefold())}
    text = "\n".join(new).casefold()
    return any(w in text for w in words)


# --- references in the knowledge files ------------------------------------------------------


@dataclass
class Ref:
    file: str  # relative to knowledge/
    loc: tuple[Any, ...]  # data path to the mapping that has `lines`
    what: str
    a: int
    b: int
    wording: str | None  # the item's original wording (None for spans)
    span: bool  # an activity or crosswalk range: moves by its ends
    review: str | None = None
    section: str = ""


@dataclass
class Edit:
    ref: Ref
    new: tuple[int, int] | None
    review: str | None  # the review mark to set (None: leave as is)
    change: Change  # its line in the report, filled in when the file is edited
    restore: bool = False  # put the review mark back as it was before the last update: ``restore_to``, or none
    restore_to: str | None = None


@dataclass
class Plan:
    source: str
    report: Report
    edits: dict[str, list[Edit]] = field(default_factory=dict)  # knowledge file -> edits
    problems: list[str] = field(default_factory=list)


def _item_refs(file: str, loc: tuple[Any, ...], what: str, item: Item, section: str) -> Ref:
    return Ref(file, loc, what, item.lines.start, item.lines.end, item.original, False, item.review, section)


def references(paths: Paths, source_file: str, source_id: str) -> list[Ref]:
    """Every reference to a source in the knowledge files (data only, no checking)."""
    k = paths.knowledge
    refs: list[Ref] = []
    path = k / "activities" / f"{source_id}.yaml"
    if path.exists():
        acts, _doc, _ = load_model(path, str(path), ActivitiesFile)
        if acts is not None:
            f = f"activities/{source_id}.yaml"
            for i, act in enumerate(acts.activities):
                base = ("activities", i)
                refs.append(Ref(f, base, f"activity {act.id}", act.lines.start, act.lines.end, None, True, act.review, act.section))
                if act.summary:
                    refs.append(_item_refs(f, base + ("summary",), f"summary of {act.id}", act.summary, act.section))
                if act.roles.lines is not None:
                    refs.append(
                        Ref(
                            f,
                            base + ("roles",),
                            f"HUKI list of {act.id}",
                            act.roles.lines.start,
                            act.roles.lines.end,
                            None,
                            False,
                            act.roles.review,
                            act.section,
                        )
                    )
                for n, it in enumerate(act.steps):
                    refs.append(_item_refs(f, base + ("steps", n), f"step {n + 1} of {act.id}", it, act.section))
                for n, deliverable in enumerate(act.deliverables):
                    refs.append(_item_refs(f, base + ("deliverables", n), f"deliverable {n + 1} of {act.id}", deliverable, act.section))
                if act.decision:
                    refs.append(_item_refs(f, base + ("decision",), f"decision of {act.id}", act.decision, act.section))
                    for n, question in enumerate(act.decision.questions):
                        refs.append(
                            _item_refs(
                                f, base + ("decision", "questions", n), f"decision question {n + 1} of {act.id}", question, act.section
                            )
                        )
                for n, tool in enumerate(act.tools):
                    refs.append(_item_refs(f, base + ("tools", n), f"tool {n + 1} of {act.id}", tool, act.section))
    phases, _, _ = load_model(k / "phases.yaml", "phases.yaml", PhasesFile)
    if phases is not None:
        for i, c in enumerate(phases.crosswalk):
            if c.source == source_file:
                refs.append(
                    Ref(
                        "phases.yaml",
                        ("crosswalk", i),
                        f"crosswalk entry '{c.section}'",
                        c.lines.start,
                        c.lines.end,
                        None,
                        True,
                        c.review,
                        c.section,
                    )
                )
    fixes_path = k / "cleanup" / "passages" / f"{source_id}.yaml"
    if fixes_path.exists():
        fixes, _, _ = load_model(fixes_path, str(fixes_path), PassageFixesFile)
        if fixes is not None:
            for i, p in enumerate(fixes.passages):
                refs.append(
                    Ref(
                        f"cleanup/passages/{source_id}.yaml",
                        ("passages", i),
                        f"hand-fixed passage {i + 1}",
                        p.lines.start,
                        p.lines.end,
                        None,
                        False,
                        p.review,
                    )
                )
    return refs


def map_reference(ref: Ref, tm: TextMap) -> tuple[str, tuple[int, int] | None]:
    """What becomes of one reference: (kind, new range); kind is unchanged / moved / reworded / removed."""
    if ref.review == "removed":
        return "unchanged", (ref.a, ref.b)  # already set aside; nothing to map
    if ref.b > len(tm.old):
        return "removed", None
    exact = tm.exact(ref.a, ref.b)
    if exact is not None:
        return ("unchanged" if exact == (ref.a, ref.b) else "moved"), exact
    if ref.span:
        moved = tm.span(ref.a, ref.b)
        if moved is None:  # the whole block moved elsewhere: find it
            found = tm.search(ref.a, ref.b)
            moved = found if isinstance(found, tuple) else None
        return ("moved", moved) if moved is not None else ("removed", None)
    words = tm.by_words(ref.a, ref.b)
    if words is not None:
        kind, rng = words
        if kind == "partly":  # some words changed or the text around it did: does it still say the same?
            wording = ref.wording or tm.cleaned(tm.old, ref.a, ref.b)
            same = (
                fidelity.containment(wording, tm.cleaned(tm.new, *rng)) >= WHOLE
                if ref.wording
                else tm.cleaned(tm.new, *rng).split() == wording.split()
            )
            kind = "moved" if same else "reworded"
        return kind, rng
    found = tm.search(ref.a, ref.b)
    if isinstance(found, tuple):
        return "moved", found
    if found == "tie":
        return "removed", None  # the same text in several places, context cannot decide: a person decides
    wording = ref.wording or tm.cleaned(tm.old, ref.a, ref.b)
    if not wording.strip() or not fuzzy_prefilter(wording, tm.new):
        return "removed", None
    fz = tm.fuzzy(wording, ref.a, ref.b)
    if isinstance(fz, tuple):
        kind, rng = fz
        if ref.wording is None and kind == "moved":
            # a HUKI list or a hand-fixed passage is anchored to its exact text: changed is reworded
            kind = "moved" if tm.cleaned(tm.new, *rng) == tm.cleaned(tm.old, ref.a, ref.b) else "reworded"
        return kind, rng
    return "removed", None


def last_update(
    paths: Paths, source_id: str, old_text: str, new: list[str], cleaner: Cleaner
) -> tuple[TextMap, dict[tuple[str, str], Change]] | None:
    """The text before the last update of a source (kept beside its report) mapped to ``new``,
    and the references that update changed; None when the knowledge is not anchored to what
    that update installed (or the update predates the kept text)."""
    report = load_report(paths, source_id)
    prev = previous_path(paths, source_id)
    if report is None or not prev.exists():
        return None
    try:
        prev_text = prev.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if (
        hashlib.sha256(prev_text.encode()).hexdigest() != report.old_sha256
        or hashlib.sha256(old_text.encode()).hexdigest() != report.new_sha256
    ):
        return None
    return TextMap(prev_text.split("\n"), new, cleaner), {(c.file, c.what): c for c in report.changes}


def restored(ref: Ref, last: tuple[TextMap, dict[tuple[str, str], Change]] | None) -> tuple[tuple[int, int], str | None] | None:
    """A reference the last update changed (moved, cut, reworded, removed), found unchanged
    where it was before that update: the guide's earlier text is back (an update undone).
    Its range there and the review mark it had then."""
    if last is None:
        return None
    prev_tm, changed = last
    c = changed.get((ref.file, ref.what))
    if c is None or c.kind == "restored":
        return None
    before = Ref(ref.file, ref.loc, ref.what, c.old[0], c.old[1], ref.wording, ref.span, None, ref.section)
    kind, rng = map_reference(before, prev_tm)
    if kind in ("unchanged", "moved") and rng is not None:
        return rng, c.was_review
    return None


def plan_reanchor(paths: Paths, source_id: str, source_file: str, old_text: str, new_text: str, cleaner: Cleaner) -> Plan:
    old, new = old_text.split("\n"), new_text.split("\n")
    tm = TextMap(old, new, cleaner)
    last = last_update(paths, source_id, old_text, new, cleaner)
    report = Report(
        source=source_file,
        at=datetime.now(UTC).isoformat(timespec="seconds"),
        old_sha256=hashlib.sha256(old_text.encode()).hexdigest(),
        new_sha256=hashlib.sha256(new_text.encode()).hexdigest(),
    )
    plan = Plan(source_file, report)
    covered: list[tuple[int, int]] = []
    for ref in references(paths, source_file, source_id):
        back = restored(ref, last)
        if back is not None:
            found, was = back
            covered.append(found)
            if found == (ref.a, ref.b) and ref.review == was:
                report.unchanged += 1
                continue
            change = Change(
                file=ref.file,
                line=0,
                what=ref.what,
                kind="restored",
                old=(ref.a, ref.b),
                new=found,
                new_text=tm.cleaned(new, *found) if not ref.span else "",
                section=ref.section,
                was_review=ref.review,
            )
            report.changes.append(change)
            plan.edits.setdefault(ref.file, []).append(Edit(ref, found, None, change, restore=True, restore_to=was))
            continue
        kind, rng = map_reference(ref, tm)
        if kind == "unchanged":
            report.unchanged += 1
            if rng:
                covered.append(rng)
            continue
        review = {"reworded": "reworded", "removed": "removed"}.get(kind)
        if review == "reworded" and ref.review == "draft":
            review = "draft"
        if rng:
            covered.append(rng)
        change = Change(
            file=ref.file,
            line=0,
            what=ref.what,
            kind=kind,
            old=(ref.a, ref.b),
            new=rng,
            old_text=tm.cleaned(old, ref.a, min(ref.b, len(old))) if not ref.span else "",
            new_text=tm.cleaned(new, *rng) if rng and not ref.span else "",
            section=ref.section,
            was_review=ref.review,
        )
        report.changes.append(change)
        plan.edits.setdefault(ref.file, []).append(Edit(ref, rng, review, change))
    for a, b in tm.added_text():  # new text (not re-flowed old text) that no item's lines cover
        if any(x <= b and a <= y for x, y in covered if y - x < 40):
            continue
        text = tm.cleaned(new, a, b).strip()
        if len(re.findall(r"\w{3,}", text)) >= 3:
            report.uncovered.append(Uncovered(lines=(a, b), text=text))
    return plan


# --- writing ----------------------------------------------------------------------------------

_LINES_RE = re.compile(r"^(\s*(?:-\s+)?lines:\s*)\[\s*\d+\s*,\s*\d+\s*\](.*)$")
_REVIEW_RE = re.compile(r"^(\s*review:\s*)(\S+)(.*)$")


def edit_yaml(text: str, doc: YamlDoc, edits: list[Edit]) -> tuple[str, list[tuple[Edit, int]]]:
    """Apply the edits to the YAML text line by line; returns the text and each edit's line."""
    lines = text.split("\n")
    placed: list[tuple[int, Edit]] = []
    for e in edits:
        n = doc.line_of(e.ref.loc + ("lines",))
        placed.append((n, e))
    out: list[tuple[Edit, int]] = []

    def review_row(loc: tuple[int | str, ...]) -> tuple[int, re.Match[str] | None] | None:
        """The line of a reference's review mark and its match; None when it has no mark."""
        data = doc.data
        for part in loc:
            data = data[part]
        if not (isinstance(data, dict) and "review" in data):
            return None
        r = doc.line_of(loc + ("review",))
        return r, _REVIEW_RE.match(lines[r - 1])

    for n, e in sorted(placed, key=lambda t: -t[0]):
        m = _LINES_RE.match(lines[n - 1])
        if m is None:
            raise AnchorError([f"{doc.label}:{n}: expected 'lines: [a, b]' here; cannot re-anchor this reference"])
        if e.new is not None:
            lines[n - 1] = f"{m.group(1)}[{e.new[0]}, {e.new[1]}]{m.group(2)}"
        if e.restore:
            row = review_row(e.ref.loc)
            if row is not None:
                r, rm = row
                if rm and e.restore_to:
                    lines[r - 1] = f"{rm.group(1)}{e.restore_to}{rm.group(3)}"
                elif rm:
                    del lines[r - 1]
            elif e.restore_to:
                e = Edit(e.ref, e.new, e.restore_to, e.change)
        if e.review:
            row = review_row(e.ref.loc)
            if row is not None:
                r, rm = row
                if rm:
                    lines[r - 1] = f"{rm.group(1)}{e.review}{rm.group(3)}"
            else:
                indent = lines[n - 1][: len(lines[n - 1]) - len(lines[n - 1].lstrip())]
                if lines[n - 1].lstrip().startswith("- "):
                    indent += "  "
                lines.insert(n, f"{indent}review: {e.review}")
        out.append((e, n))
    return "\n".join(lines), out


def plan_files(paths: Paths, plan: Plan, source_id: str, new_text: str, old_text: str) -> dict[Path, bytes]:
    """The files a plan writes: the edited knowledge files, the report with the text it
    started from, the anchored copy."""
    files: dict[Path, bytes] = {}
    for file, edits in plan.edits.items():
        text = (paths.knowledge / file).read_text(encoding="utf-8")
        try:
            root, data = compose_and_load(text)
        except yaml.YAMLError as e:
            raise AnchorError([f"knowledge/{file}: invalid YAML ({e}); cannot re-anchor it"]) from None
        new, placed = edit_yaml(text, YamlDoc(file, data, root), edits)
        files[paths.knowledge / file] = new.encode("utf-8")
        for edit, line in placed:
            edit.change.line = line
    files[report_path(paths, source_id)] = plan.report.model_dump_json(indent=1).encode("utf-8")
    files[previous_path(paths, source_id)] = old_text.encode("utf-8")  # what a later update that undoes this one restores from
    files[anchored_path(paths, plan.source)] = new_text.encode("utf-8")
    return files


def apply_plan(paths: Paths, plan: Plan, source_id: str, new_text: str, old_text: str, source: bytes | None = None) -> Report:
    """Write the edited knowledge files, the report, the anchored copy (and with ``source``
    the guide itself) as one transaction (kb/transaction.py): checked first, then all or
    nothing. AnchorError (nothing changed) when the result does not check or cannot be written."""
    plan.report.knowledge_before = knowledge_hashes(paths)
    files = plan_files(paths, plan, source_id, new_text, old_text)
    if source is not None:
        files[paths.sources / plan.source] = source
    try:
        write_knowledge(paths, files)
    except KnowledgeWriteError as e:
        raise AnchorError(e.problems) from None
    return plan.report


def snapshot(paths: Paths, source_file: str) -> None:
    """Record the current source as the text the knowledge is anchored to."""
    atomic_write_bytes(anchored_path(paths, source_file), (paths.sources / source_file).read_bytes())


def changed_sources(paths: Paths) -> list[tuple[str, str, str]]:
    """(source id, file, anchored text) for every registered source that differs from its snapshot."""
    recover_knowledge(paths)
    reg, _, _ = load_model(paths.knowledge / "sources.yaml", "sources.yaml", SourcesFile)
    out: list[tuple[str, str, str]] = []
    if reg is None:
        return out
    for s in reg.sources:
        if differs(paths, s.file):
            out.append((s.id, s.file, anchored_path(paths, s.file).read_text(encoding="utf-8")))
    return out


# --- what the commands call --------------------------------------------------------------------


def cleaner_for(paths: Paths, source_id: str, language: str | None = None) -> Cleaner:
    """The OCR cleanup of a source, read directly (the knowledge need not load while its
    references are being moved)."""
    from guide_assistant.kb.schema import WordFixesFile

    words_path = paths.knowledge / "cleanup" / "words" / f"{source_id}.yaml"
    fixes_path = paths.knowledge / "cleanup" / "passages" / f"{source_id}.yaml"
    w = load_model(words_path, str(words_path), WordFixesFile)[0] if words_path.exists() else None
    p = load_model(fixes_path, str(fixes_path), PassageFixesFile)[0] if fixes_path.exists() else None
    return Cleaner(
        w.words if w else {},
        tuple(w.line_prefixes) if w else (),
        tuple(x for x in (p.passages if p else []) if x.review is None),
        language=language,
    )


def _entry(paths: Paths, source_id: str) -> SourceEntry:
    recover_knowledge(paths)
    reg, _, _ = load_model(paths.knowledge / "sources.yaml", "sources.yaml", SourcesFile)
    if reg is None:
        raise AnchorError(["knowledge/sources.yaml: cannot be read"])
    for s in reg.sources:
        if s.id == source_id:
            return s
    raise AnchorError([f"knowledge/sources.yaml:1: no source with id '{source_id}' (known: {', '.join(x.id for x in reg.sources)})"])


MOST_REMOVED = 0.5  # kb update refuses a version that would remove more than this share of the references (unless forced)


def reanchor(paths: Paths, source_id: str, old_text: str, new_text: str, write_source: bool = False, force: bool = True) -> Report:
    """Move every reference to a source from ``old_text`` to ``new_text`` and record the new
    text as anchored; with ``write_source`` also install ``new_text`` as the source file.
    Without ``force``, a new text that would remove most references is refused."""
    entry = _entry(paths, source_id)
    plan = plan_reanchor(paths, source_id, entry.file, old_text, new_text, cleaner_for(paths, source_id, entry.language))
    if plan.problems:
        raise AnchorError(plan.problems)
    if not force:
        live = sum(1 for r in references(paths, entry.file, source_id) if r.review != "removed")
        removed = plan.report.count("removed")
        if live and removed > MOST_REMOVED * live:
            raise AnchorError(
                [
                    _(
                        "the new version would remove {removed} of the {total} references to {file} ({share}); "
                        "nothing was changed. Is it the whole guide? Give --force to install it anyway"
                    ).format(removed=removed, total=live, file=entry.file, share=f"{removed / live:.0%}")
                ]
            )
    return apply_plan(paths, plan, source_id, new_text, old_text, new_text.encode("utf-8") if write_source else None)


def reanchor_changed(paths: Paths) -> list[Report]:
    """Re-anchor every source that was replaced in place since it was last anchored."""
    reports = []
    for sid, file, old_text in changed_sources(paths):
        new_text = (paths.sources / file).read_text(encoding="utf-8")
        reports.append(reanchor(paths, sid, old_text, new_text))
    return reports


def update_source(paths: Paths, source_id: str, new_file: Path, force: bool = False) -> Report:
    """`kb update`: install a new version of a guide and re-anchor every reference to it. An
    empty file is refused, and (without ``force``) one that would remove most references."""
    entry = _entry(paths, source_id)
    try:
        new_text = new_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise AnchorError([f"{new_file}: cannot be read as UTF-8 text ({getattr(e, 'strerror', None) or e})"]) from None
    if not new_text.strip():
        raise AnchorError([_("{file} is empty; nothing was changed (a guide's new version holds its whole text)").format(file=new_file)])
    snap = anchored_path(paths, entry.file)
    current = (paths.sources / entry.file).read_text(encoding="utf-8")
    old_text = snap.read_text(encoding="utf-8") if snap.exists() else current
    if new_text == old_text == current:  # installed already (a retry after an update that did finish): nothing to move
        sha = hashlib.sha256(new_text.encode()).hexdigest()
        refs = references(paths, entry.file, source_id)
        return Report(
            source=entry.file, at=datetime.now(UTC).isoformat(timespec="seconds"), old_sha256=sha, new_sha256=sha, unchanged=len(refs)
        )
    return reanchor(paths, source_id, old_text, new_text, write_source=True, force=force)


def ensure_snapshots(paths: Paths) -> list[str]:
    """Record the anchored text of every source that has none yet (a new guide, or a
    project from before re-anchoring): its knowledge is taken as anchored to it now."""
    recover_knowledge(paths)
    reg, _, _ = load_model(paths.knowledge / "sources.yaml", "sources.yaml", SourcesFile)
    made = []
    for s in reg.sources if reg else []:
        if (paths.sources / s.file).exists() and not anchored_path(paths, s.file).exists():
            snapshot(paths, s.file)
            made.append(s.file)
    return made


def load_report(paths: Paths, source_id: str) -> Report | None:
    path = report_path(paths, source_id)
    try:
        return Report.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def pending_report(paths: Paths, source_id: str) -> Report | None:
    """What re-anchoring would do now (a source changed in place, not yet re-anchored)."""
    entry = _entry(paths, source_id)
    snap = anchored_path(paths, entry.file)
    if not snap.exists():
        return None
    old_text = snap.read_text(encoding="utf-8")
    new_text = (paths.sources / entry.file).read_text(encoding="utf-8")
    if old_text == new_text:
        return None
    return plan_reanchor(paths, source_id, entry.file, old_text, new_text, cleaner_for(paths, source_id, entry.language)).report
