#!/usr/bin/env python3
"""Propose OCR word fixes for the scanned guides and write them for review.

For every token of an OCR'd source that the language's word list does not know (or
knows far less than a look-alike), try the character confusions this OCR makes
(ø read as g/e/a, å as a/&, ä as d/&/@, ö as é/6, l as I/|/[ ...) and keep the
candidate the word list knows best. The result is written to
knowledge/cleanup/words/<source-id>.yaml, to be read through and corrected by a person
before it is committed; entries already in that file are kept as they are (a
reviewed entry is never overwritten), unless --fresh is given.

With --garbled, the proposals come from the hunspell garble check instead
(src/guide_assistant/kb/garble.py): every token of the readable text (after the
cleanup so far; lines replaced by hand-fixed passages left out) that the check calls
garbled, with the dictionary word its OCR confusions make of it. Each proposal is
printed with its line and context for review (--review FILE writes that list to a
file); tokens with no dictionary correction are listed for a hand fix (a word entry
written by hand, or a passage in knowledge/cleanup/passages/). --garbled covers every
guide, OCR'd or not.

Usage: python scripts/build_ocr_fixes.py [--fresh] [--garbled [--review FILE]] [SOURCE_ID ...]
"""

from __future__ import annotations

import argparse
import difflib
import itertools
import re
import sys
from collections import Counter
from pathlib import Path

import yaml
from wordfreq import zipf_frequency

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guide_assistant.kb import garble  # noqa: E402
from guide_assistant.kb.cleanup import _BULLET_RE  # noqa: E402
from guide_assistant.kb.schema import SourcesFile, WordFixesFile  # noqa: E402
from guide_assistant.kb.textnorm import OCR_TOKEN_RE  # noqa: E402

CONFUSIONS = {
    "nb": {
        "g": "gø",
        "e": "eø",
        "a": "aåø",
        "&": "å",
        "é": "åø",
        "@": "æ",
        "i": "ij",
        "I": "Il",
        "z": "zæ",
        "o": "oø",
        "|": "I",
        "u": "uø",
    },
    "sv": {
        "d": "däå",
        "&": "äå",
        "@": "äå",
        "é": "éöåä",
        "6": "ö",
        "a": "aäå",
        "o": "oö",
        "e": "eé",
        "|": "Il",
        "[": "l",
        "I": "Il",
        "8": "ö",
        "0": "ö",
    },
}
DIGRAPHS = {"nb": {"ee": "æ", "z": "æ"}, "sv": {}}
LANG = {"nb": "nb", "sv": "sv"}
MAX_CANDIDATES = 4096


def known(word: str, lang: str) -> float:
    """How well the word list knows a word; a compound of two known words (with an
    optional linking s/e) counts, a little lower than its weaker part."""
    w = word.lower()
    z = zipf_frequency(w, lang)
    if z > 0 or len(w) < 8 or not w.isalpha():
        return z
    best = 0.0
    for i in range(4, len(w) - 3):
        head, tail = w[:i], w[i:]
        for link in ("", "s", "e"):
            if link and not head.endswith(link):
                continue
            h = head[: len(head) - len(link)] if link else head
            if len(h) < 3:
                continue
            zh, zt = zipf_frequency(h, lang), zipf_frequency(tail, lang)
            if zh >= 2.5 and zt >= 2.5:
                best = max(best, min(zh, zt) - 1.0)
    return best


def candidates(token: str, lang: str):
    table = CONFUSIONS[lang]
    bases = {token}
    for a, b in DIGRAPHS[lang].items():
        if a in token:
            bases.add(token.replace(a, b))
    for base in bases:
        slots = [table.get(c, c) for c in base]
        n = 1
        for s in slots:
            n *= len(s)
        if n > MAX_CANDIDATES:
            continue
        for combo in itertools.product(*slots):
            yield "".join(combo)


def best_fix(token: str, lang: str) -> str | None:
    if not any(c.isalpha() for c in token) or token.startswith("http") or "www" in token:
        return None
    core = token
    own = known(core, lang)
    best, best_score = None, own
    for cand in candidates(core, lang):
        if cand == core or not cand.replace("-", "").isalpha():
            continue
        score = known(cand, lang)
        if score > best_score:
            best, best_score = cand, score
    if best is None:
        return None
    if own == 0 and best_score >= 1.5:
        return best
    if own > 0 and best_score - own >= 2.0:
        return best
    return None


def _split_fix(joined: str, fixed: str, k: int) -> tuple[str, str] | None:
    """Cut ``fixed`` (a correction of ``joined``) where ``joined`` is cut at ``k``; None when
    an edit spans the cut."""
    for tag, i1, i2, j1, _j2 in difflib.SequenceMatcher(None, joined, fixed, autojunk=False).get_opcodes():
        if i1 < k < i2 and tag != "equal":
            return None
        if i1 <= k <= i2 and tag == "equal":
            return fixed[: j1 + (k - i1)], fixed[j1 + (k - i1) :]
        if tag != "equal" and k == i1:
            return fixed[:j1], fixed[j1:]
    return fixed, ""


def _with_fix(token: str, core: str, fix: str) -> str:
    start = token.index(core)
    return token[:start] + fix + token[start + len(core) :]


def _line_tokens(cleaner, line: str) -> list[tuple[str, str]]:
    """(raw token, cleaned token) pairs of a line, as Cleaner.clean_line cuts and fixes them."""
    text = line.strip()
    m = _BULLET_RE.match(text)
    if m:
        text = text[m.end() :]
    for prefix in cleaner.line_prefixes:
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix) :].lstrip()
            break
    out = []
    for chunk in text.split():
        if garble.ADDRESS_RE.search(cleaner.fix_token(chunk)):
            continue
        out.extend((t, cleaner.fix_token(t)) for t in OCR_TOKEN_RE.findall(chunk))
    return out


def garbled_proposals(guide) -> tuple[dict[str, str], dict[str, list[tuple[int, str, str]]]]:
    """Proposals (raw token -> fix) from the hunspell garble check over the guide's readable
    lines, and where each flagged raw token occurs (line number, what the cleanup makes of
    it now, cleaned line). A word cut by a hyphen at a line end is checked joined, as the
    readable text shows it, and the fix is cut back into the two tokens."""
    lang = LANG[guide.entry.language]
    cleaner = guide.cleaner
    covered = {n for p in cleaner.passages for n in range(p.lines.start, p.lines.end + 1)}
    content = sorted({n for sec in guide.sections.walk() for n in sec.content if n not in covered})
    titles = sorted({sec.line_start for sec in guide.sections.walk() if sec.level > 0})
    raw = {n: guide.text.lines[n - 1] for n in content + titles}
    cleaned = {n: cleaner.clean_line(raw[n])[0] for n in raw}
    where: dict[str, list[tuple[int, str, str]]] = {}
    proposals: dict[str, str] = {}

    def flag(token: str, now: str, n: int, fix: str | None) -> None:
        where.setdefault(token, []).append((n, now, cleaned[n]))
        if fix is not None and fix != now:
            proposals.setdefault(token, fix)

    def single(token: str, now: str, n: int) -> None:
        if any(garble.is_garbled(w, lang) for w in now.split()):
            core = now.strip(garble._EDGE)
            fix = garble.correction(core, lang) if core and " " not in now else None
            flag(token, now, n, _with_fix(now, core, fix) if fix else None)

    carry: tuple[str, str, int] | None = None  # a line's last token, cut by a hyphen
    for idx, n in enumerate(content):
        tokens = _line_tokens(cleaner, raw[n])
        if carry is not None and tokens and tokens[0][1][:1].islower() and content[idx - 1] == n - 1:
            (a, a_now, an), (b, b_now) = carry, tokens.pop(0)
            a_core, b_core = a_now.strip(garble._EDGE), b_now.strip(garble._EDGE)
            joined = a_core + b_core
            if " " not in joined and garble.is_garbled(joined, lang):
                fix = garble.correction(joined, lang)
                parts = _split_fix(joined, fix, len(a_core)) if fix else None
                if parts is None or parts[0] != a_core:
                    flag(a, a_now, an, _with_fix(a_now, a_core, parts[0]) if parts else None)
                if parts and parts[1] != b_core:
                    flag(b, b_now, n, _with_fix(b_now, b_core, parts[1]))
        elif carry is not None:
            single(*carry)
        carry = None
        if tokens and re.search(r"\w-$", cleaned[n].rstrip()) and tokens[-1][1].endswith("-"):
            carry = (*tokens.pop(), n)
        for token, now in tokens:
            single(token, now, n)
    if carry is not None:
        single(*carry)
    for n in titles:
        for token, now in _line_tokens(cleaner, raw[n]):
            single(token, now, n)
    return proposals, where


def write_fixes(out: Path, entry, existing: WordFixesFile, words: dict[str, str]) -> None:
    data = {
        "source": entry.file,
        "line_prefixes": existing.line_prefixes,
        "rejected": sorted(existing.rejected, key=str.casefold),
        "words": dict(sorted(words.items(), key=lambda kv: kv[0].casefold())),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        "# OCR word fixes for " + entry.file + ": generated by scripts/build_ocr_fixes.py,\n"
        "# then reviewed by hand (wrong proposals removed or corrected).\n"
        + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100),
        encoding="utf-8",
    )


def main_garbled(args) -> None:
    from guide_assistant.common.config import find_paths
    from guide_assistant.kb.load import load_knowledge

    kb = load_knowledge(find_paths(ROOT))
    report: list[str] = []
    for gid, guide in kb.guides.items():
        if args.ids and gid not in args.ids:
            continue
        out = ROOT / "knowledge/cleanup/words" / f"{gid}.yaml"
        existing = WordFixesFile(source=guide.entry.file)
        if out.exists():
            existing = WordFixesFile.model_validate(yaml.safe_load(out.read_text(encoding="utf-8")))
        proposals, where = garbled_proposals(guide)
        words = dict(existing.words)
        lower = {k.casefold() for k in words}
        rejected = {r.casefold() for r in existing.rejected}
        new = 0
        report.append(f"## {gid} ({guide.entry.file}): {len(where)} garbled tokens")
        for token, places in sorted(where.items(), key=lambda kv: kv[1][0][0]):
            fix = proposals.get(token)
            n, now, text = places[0]
            if token.casefold() in rejected:
                mark = "rejected"
            elif token.casefold() in lower:
                mark = "REVISE" if fix else "HAND"  # a reviewed entry that still gives garble
            else:
                mark = "PROPOSE" if fix else "HAND"
            shown = token if now == token else f"{token} (now {now})"
            report.append(f"{mark:8} {shown!r:32} -> {fix or '?'!s:24} line {n} (x{len(places)}): {text[:130]}")
            if fix and mark == "PROPOSE":
                words[token] = fix
                new += 1
        if new:
            write_fixes(out, guide.entry, existing, words)
        print(f"{gid}: {len(where)} garbled tokens, {new} new proposals" + (f" -> {out.relative_to(ROOT)}" if new else ""))
    text = "\n".join(report) + "\n"
    if args.review:
        Path(args.review).write_text(text, encoding="utf-8")
    else:
        print(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ids", nargs="*")
    ap.add_argument("--fresh", action="store_true", help="drop existing entries first")
    ap.add_argument("--garbled", action="store_true", help="propose from the hunspell garble check")
    ap.add_argument("--review", metavar="FILE", help="with --garbled: write the review list here")
    args = ap.parse_args()
    if args.garbled:
        main_garbled(args)
        return
    reg = SourcesFile.model_validate(yaml.safe_load((ROOT / "knowledge/sources.yaml").read_text()))
    for entry in reg.sources:
        if not entry.ocr or (args.ids and entry.id not in args.ids):
            continue
        lang = LANG[entry.language]
        text = (ROOT / "knowledge/sources" / entry.file).read_text(encoding="utf-8")
        out = ROOT / "knowledge/cleanup/words" / f"{entry.id}.yaml"
        existing = WordFixesFile(source=entry.file)
        if out.exists() and not args.fresh:
            existing = WordFixesFile.model_validate(yaml.safe_load(out.read_text(encoding="utf-8")))
        counts = Counter(OCR_TOKEN_RE.findall(text))
        words = dict(existing.words)
        proposed = 0
        for token, _ in counts.most_common():
            if token in words or token in existing.rejected:
                continue
            fix = best_fix(token, lang)
            if fix:
                words[token] = fix
                proposed += 1
        write_fixes(out, entry, existing, words)
        print(f"{entry.id}: {proposed} new proposals, {len(words)} entries -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
