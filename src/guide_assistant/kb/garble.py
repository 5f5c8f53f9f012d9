"""Which words of a text are OCR garble? A hunspell dictionary decides.

A word is *garbled* when the language's hunspell dictionary (with its compounding rules)
does not know it, and either

- it has OCR symbols mixed into its letters: digits inside or in front of letters
  ("1art", "I16sningen", "6ka"), ``& @ | [ ]`` ("l&dnge", "tj@nster"), "é" where the
  language has ö/å/ä ("anvénda"), or a capital I between small letters; or
- one of the character confusions that the OCR of these guides makes turns it into a
  word the dictionary knows: ä/å/ö read as d, a, é, &, @, 6, g, da/ad, dé ... in Swedish
  ("tjadnst" -> tjänst), ø/å/æ read as g, a, e, o, &, é, ee, ae ... in Norwegian
  ("Gjenngmfar" -> Gjennomfør), l read as 1/I/|/[.

Words the dictionary simply does not know (rare compounds, names, English words,
abbreviations) are not garbled. A word that only wordfreq's list knows (hunspell's
Norwegian list lacks even "noen") is garbled only when a confusion gives a dictionary
word that is far more frequent ("lara" -> lära, "sd" -> så).

The dictionaries are Debian's ``hunspell-sv`` and ``hunspell-no`` packages
(/usr/share/hunspell/sv_SE.{dic,aff}, nb_NO.{dic,aff}), read with spylls, a pure Python
port of hunspell. Lookups and decisions are cached, and cheap wordfreq look-ups decide
which confusion candidates are worth asking hunspell about, so a whole guide takes a
few seconds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import combinations
from math import log10
from pathlib import Path
from typing import Any

from guide_assistant.kb.textnorm import OCR_TOKEN_RE, WORD_EDGE, match_case

HUNSPELL_DIRS = (Path("/usr/share/hunspell"), Path("/usr/share/myspell/dicts"), Path("/usr/share/myspell"))
DICT_NAMES = {"sv": "sv_SE", "nb": "nb_NO"}
# The guides quote each other's language ("velferdsteknologi" in a Swedish guide): a word
# the neighbour language's dictionary knows is not garbled.
NEIGHBOUR = {"sv": "nb", "nb": "sv"}
DEBIAN_PACKAGES = "hunspell-sv hunspell-no"

# Chunks that are addresses, not words.
ADDRESS_RE = re.compile(
    r"://|^www\.|@\w[\w-]*\.\w|\w\.(se|no|nu|com|org|net|eu|dk|fi)(/|$)|/.*/"  # URLs, e-mail, paths
    r"|^[a-z0-9/._-]*(-[a-z0-9._]*/|/[a-z0-9._]*-|-[a-z0-9._]+-[a-z0-9._]*-)[a-z0-9/._-]*$",  # URL slugs (a-b-c, a/b-c)
    re.I,
)
_EDGE = WORD_EDGE
_LETTER_RE = re.compile(r"[^\W\d_]")
# OCR symbols inside a word.
_SYMBOL_RE = re.compile(r"[&@|\[\]{}§¤$£©®°~^<>\\]")
_DIGIT_GARBLE_RE = re.compile(r"\d[a-zåäöæøéü]|[a-zåäöæøé]\d+[a-zåäöæøé]|[a-zåäöæø]\d[a-zåäöæø]")
_ORDINAL_RE = re.compile(r"^\d+:?(a|e|de|te|dje|nde)$")
_CAPITAL_I_RE = re.compile(r"[a-zåäöæø]I[a-zåäöæø]")

# One OCR'd character (or a run of up to three) standing for one letter. ``_RUN_CHARS``
# are the characters that may form a run; a run of two or three must hold a "strong" one
# (a symbol, or a letter that OCR often puts for the lost vowel).
_SINGLE = {
    "sv": {
        "d": "äåö",
        "é": "öåä",
        "&": "äå",
        "@": "äå",
        "a": "äåö",
        "o": "ö",
        "g": "öä",
        "e": "ä",
        "6": "ö",
        "8": "ö",
        "0": "ö",
        "3": "ö",
        "1": "l",
        "I": "l",
        "|": "lI",
        "[": "l",
        "]": "l",
        "O": "Ö",
        "A": "ÄÅ",
        "S": "Ö",
        "D": "ÄÖ",
        "ö": "o",
        "ä": "a",
        "å": "a",
    },
    "nb": {
        "g": "øo",
        "a": "åøæ",
        "e": "øæ",
        "o": "ø",
        "u": "ø",
        "&": "åæø",
        "é": "åøe",
        "@": "æ",
        "z": "æ",
        "d": "åø",
        "i": "j",
        "1": "l",
        "I": "l",
        "|": "l",
        "[": "l",
        "]": "l",
        "O": "Ø",
        "A": "ÅÆ",
        "E": "Æ",
        "ø": "o",
        "å": "a",
        "æ": "e",
    },
}
_RUN_CHARS = {"sv": set("déa&@o6830g"), "nb": set("gaeo&é@zdu")}
_STRONG = {"sv": set("dé&@6830g"), "nb": set("g&é@zed")}
_RUN_TO = {"sv": "äåö", "nb": "øåæ"}
# Two OCR'd characters for two letters ("16sning" -> lösning).
_PAIRS = {
    "sv": {
        "16": ["lö"],
        "18": ["lö"],
        "I6": ["lö"],
        "|6": ["lö"],
        "[6": ["lö"],
        "1&": ["lö", "lä", "lå"],
        "I&": ["lö", "lä", "lå"],
        "[&": ["lö", "lä", "lå"],
        "|&": ["lö", "lä", "lå"],
    },
    "nb": {"1g": ["lø"], "Ig": ["lø"]},
}
MAX_EDITS = 2
MAX_CANDIDATES = 20000


class DictionaryMissing(RuntimeError):
    """The hunspell dictionaries are not installed."""


def supports(lang: str) -> bool:
    """Is there a garble check for this language? Only Swedish and Norwegian (bokmål): the
    OCR confusions are those of the two scanned guides; other languages are not checked."""
    return lang in DICT_NAMES


def dictionary_path(lang: str) -> Path:
    """The .dic/.aff stem for a language; DictionaryMissing names the packages to install."""
    if lang not in DICT_NAMES:
        raise ValueError(f"no hunspell dictionary for language '{lang}' (known: {', '.join(DICT_NAMES)})")
    name = DICT_NAMES[lang]
    dirs = [Path(d) for d in os.environ.get("GUIDE_ASSISTANT_HUNSPELL_DIR", "").split(os.pathsep) if d]
    for folder in (*dirs, *HUNSPELL_DIRS):
        if (folder / f"{name}.dic").is_file() and (folder / f"{name}.aff").is_file():
            return folder / name
    raise DictionaryMissing(
        f"hunspell dictionary {name}.dic/.aff not found in {HUNSPELL_DIRS[0]}: install the Debian packages "
        f"{DEBIAN_PACKAGES} (apt-get install -y {DEBIAN_PACKAGES}); `make test` does this when run as root"
    )


@cache
def load_dictionary(lang: str) -> Any:
    """The spylls hunspell Dictionary for ``sv`` or ``nb`` (loaded once)."""
    from spylls.hunspell import Dictionary

    return Dictionary.from_files(str(dictionary_path(lang)))


@cache
def _freqs(lang: str) -> dict[str, float]:
    from wordfreq import get_frequency_dict

    return get_frequency_dict(lang, wordlist="best")


def zipf(word: str, lang: str) -> float:
    """wordfreq's Zipf frequency of a lowercase word (0 when unknown); a plain dict look-up."""
    f = _freqs(lang).get(word)
    return log10(f) + 9 if f else 0.0


def _plausible(word: str, lang: str) -> float:
    """How likely a candidate is a word, from wordfreq alone: its Zipf frequency, or for a
    compound of two known words (optionally linked by s/e) a little less than its weaker part."""
    w = word.lower()
    z = zipf(w, lang)
    if z > 0 or len(w) < 7:
        return z
    best = 0.0
    for i in range(3, len(w) - 2):
        head, tail = w[:i], w[i:]
        zt = zipf(tail, lang)
        if zt < 2.0:
            continue
        zh = zipf(head, lang)
        if zh < 2.0 and head[-1] in "se" and len(head) > 3:
            zh = zipf(head[:-1], lang)
        if zh >= 2.0:
            best = max(best, min(zh, zt) - 1.0)
    return best


@lru_cache(maxsize=200_000)
def known(word: str, lang: str) -> bool:
    """Does the hunspell dictionary know the word (in this capitalisation or a lower one)?"""
    return bool(load_dictionary(lang).lookup(word))


def _has_symbols(word: str) -> bool:
    if _SYMBOL_RE.search(word) or "é" in word or _CAPITAL_I_RE.search(word):
        return True
    return bool(_DIGIT_GARBLE_RE.search(word)) and not _ORDINAL_RE.match(word)


def _edits(word: str, lang: str) -> list[tuple[int, int, str]]:
    """Every single confusion edit: (start, end, replacement)."""
    single, runs, strong, to = _SINGLE[lang], _RUN_CHARS[lang], _STRONG[lang], _RUN_TO[lang]
    out: list[tuple[int, int, str]] = []
    for i, c in enumerate(word):
        out.extend((i, i + 1, r) for r in single.get(c, ""))
        for length in (2, 3):
            run = word[i : i + length]
            if len(run) < length or not all(ch in runs for ch in run) or not any(ch in strong for ch in run):
                continue
            for r in to:
                out.append((i, i + length, r))
        for pair, reps in _PAIRS[lang].items():
            if word.startswith(pair, i):
                out.extend((i, i + len(pair), r) for r in reps)
    return out


def candidates(word: str, lang: str, max_edits: int = MAX_EDITS) -> Iterator[tuple[int, str]]:
    """Words the OCR confusions make of ``word`` with up to ``max_edits`` non-overlapping edits,
    fewest edits first."""
    edits = [e for e in _edits(word, lang) if word[e[0] : e[1]] != e[2]]
    seen: set[str] = set()
    count = 0
    for k in range(1, max_edits + 1):
        for combo in combinations(edits, k):
            if any(combo[j][0] < combo[j - 1][1] for j in range(1, k)):
                continue
            parts, pos = [], 0
            for a, b, r in combo:
                parts.append(word[pos:a])
                parts.append(r)
                pos = b
            parts.append(word[pos:])
            cand = "".join(parts)
            if cand in seen:
                continue
            seen.add(cand)
            count += 1
            if count > MAX_CANDIDATES:
                return
            yield k, cand


def _lookup_form(original: str, cand: str) -> str:
    if original[:1].isupper() and cand[:1].islower():
        return match_case(original, cand)
    return cand


def _clean_candidate(cand: str) -> bool:
    return bool(cand) and all(ch.isalpha() or ch == "-" for ch in cand) and not _CAPITAL_I_RE.search(cand)


@lru_cache(maxsize=100_000)
def correction(word: str, lang: str) -> str | None:
    """The dictionary word the OCR confusions make of ``word``, the most frequent of those
    with the fewest edits; None when there is none."""
    best: tuple[int, float, str] | None = None
    scored: list[tuple[int, float, str]] = []
    for k, cand in candidates(word, lang):
        if best is not None and k > best[0]:
            break
        if not _clean_candidate(cand):
            continue
        score = _plausible(cand, lang)
        if score <= 0:
            continue
        scored.append((k, score, cand))
        if len(scored) >= 400:
            break
    for k, score, cand in sorted(scored, key=lambda t: (t[0], -t[1])):
        if best is not None and (k > best[0] or score <= best[1]):
            continue
        if known(_lookup_form(word, cand), lang):
            best = (k, score, _lookup_form(word, cand))
    return best[2] if best else None


@lru_cache(maxsize=200_000)
def _garbled_core(core: str, lang: str) -> bool:
    letters = len(_LETTER_RE.findall(core))
    if letters == 0:
        return False
    if known(core, lang):
        return False
    if "-" in core or "–" in core:
        parts = [p for p in re.split(r"[-–]", core) if p]
        if len(parts) > 1:
            return any(_garbled_core(p.strip(_EDGE), lang) for p in parts if p.strip(_EDGE))
    if _has_symbols(core):
        return True
    if letters < 2 or not core.isalpha() or core.isupper():
        return False  # abbreviations (SLA, IKT) are not confusion-checked
    fix = correction(core, lang)
    if fix is None:
        return False
    own = zipf(core.lower(), lang)
    if own > 0 and _plausible(fix, lang) < own + 1.0:
        return False
    return not (len(core) >= 4 and _neighbour_word(core, lang))


def _neighbour_word(word: str, lang: str) -> bool:
    """Is this a word of the neighbour language, quoted? Its dictionary knows it, or its
    word list knows it clearly better than this language's list does."""
    other, w = NEIGHBOUR[lang], word.lower()
    return known(word, other) or zipf(w, other) >= max(1.5, zipf(w, lang) + 0.5)


def words(text: str) -> list[str]:
    """The word tokens of a text (addresses left out): what the garbled share is counted over."""
    out: list[str] = []
    for chunk in text.split():
        if ADDRESS_RE.search(chunk):
            continue
        for token in OCR_TOKEN_RE.findall(chunk):
            if _LETTER_RE.search(token):
                out.append(token)
    return out


def is_garbled(token: str, lang: str) -> bool:
    """Is this one token (as ``words`` cuts them) OCR garble?"""
    core = token.strip(_EDGE)
    return bool(core) and _garbled_core(core, lang)


def garbled_words(text: str, lang: str) -> list[str]:
    """The garbled words of ``text`` in language ``sv`` or ``nb``, in order, repeats kept."""
    return [t for t in words(text) if is_garbled(t, lang)]


@dataclass
class GarbleCount:
    words: int
    garbled: list[str]

    @property
    def share(self) -> float:
        return len(self.garbled) / self.words if self.words else 0.0


def count(text: str, lang: str) -> GarbleCount:
    toks = words(text)
    return GarbleCount(len(toks), [t for t in toks if is_garbled(t, lang)])
