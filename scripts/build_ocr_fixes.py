#!/usr/bin/env python3
"""Propose OCR word fixes for the scanned guides and write them for review.

For every token of an OCR'd source that the language's word list does not know (or
knows far less than a look-alike), try the character confusions this OCR makes
(ø read as g/e/a, å as a/&, ä as d/&/@, ö as é/6, l as I/|/[ ...) and keep the
candidate the word list knows best. The result is written to
knowledge/cleanup/words/<source-id>.yaml, to be read through and corrected by a person
before it is committed; entries already in that file are kept as they are (a
reviewed entry is never overwritten), unless --fresh is given.

Usage: python scripts/build_ocr_fixes.py [--fresh] [SOURCE_ID ...]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import Counter
from pathlib import Path

import yaml
from wordfreq import zipf_frequency

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guide_assistant.kb.schema import SourcesFile, WordFixesFile  # noqa: E402
from guide_assistant.kb.textnorm import OCR_TOKEN_RE  # noqa: E402

CONFUSIONS = {
    "nb": {"g": "gø", "e": "eø", "a": "aåø", "&": "å", "é": "åø", "@": "æ", "i": "ij", "I": "Il",
           "z": "zæ", "o": "oø", "|": "I", "u": "uø"},
    "sv": {"d": "däå", "&": "äå", "@": "äå", "é": "éöåä", "6": "ö", "a": "aäå", "o": "oö", "e": "eé",
           "|": "Il", "[": "l", "I": "Il", "8": "ö", "0": "ö"},
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ids", nargs="*")
    ap.add_argument("--fresh", action="store_true", help="drop existing entries first")
    args = ap.parse_args()
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
        data = {"source": entry.file, "line_prefixes": existing.line_prefixes,
                "rejected": sorted(existing.rejected, key=str.casefold),
                "words": dict(sorted(words.items(), key=lambda kv: kv[0].casefold()))}
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            "# OCR word fixes for " + entry.file + ": generated by scripts/build_ocr_fixes.py,\n"
            "# then reviewed by hand (wrong proposals removed or corrected).\n"
            + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100),
            encoding="utf-8",
        )
        print(f"{entry.id}: {proposed} new proposals, {len(words)} entries -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
