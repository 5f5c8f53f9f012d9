"""Words hyphenated at a line end are joined in the readable text (kb/cleanup.py), also
across the one blank line the OCR'd Färdplan often puts between the halves; suspended
compounds ("vård- och omsorg") and hyphens that make no word stay."""

from __future__ import annotations

import re

import pytest

from guide_assistant.kb import garble, quality
from guide_assistant.kb.cleanup import Cleaner
from guide_assistant.kb.load import Guide, KnowledgeBase

LANG = {"sv": "sv", "nb": "nb"}
SUSPENDED = {"och", "eller", "samt", "till", "and", "or", "og"}
_BROKEN_RE = re.compile(r"(?<![\w-])([^\W\d_]\w*)-(\s+)([^\W\d_]+)")


def broken_words(text: str, lang: str) -> list[str]:
    """Hyphen + whitespace + lowercase word, where the joined form is a dictionary word."""
    out = []
    for m in _BROKEN_RE.finditer(text):
        head, space, tail = m.groups()
        if not tail[:1].islower() or tail.casefold() in SUSPENDED:
            continue
        if garble.known(head + tail, lang):
            out.append(f"{head}-{space!r}{tail}")
    return out


@pytest.fixture(scope="module")
def fardplan(kb: KnowledgeBase) -> Guide:
    return kb.guides["fardplan"]


def _line(guide: Guide, needle: str) -> int:
    """The raw line number (1-based) of the one source line that ends with ``needle``."""
    hits = [i + 1 for i, raw in enumerate(guide.text.lines) if raw.rstrip().endswith(needle)]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def test_words_broken_across_a_blank_line_are_joined(fardplan: Guide) -> None:
    text = fardplan.readable(1, len(fardplan.text.lines))
    for word in (
        "anpassa",
        "kontinuitet",
        "anställda blir",
        "januari 2020",
        "spenderas",
        "stimulera",
        "kartläggning",
        "insiktsarbetet",
        "mellanmänsklig",
        "önskade effekterna",
        "omsorgsgivaren vill",
    ):
        assert word in text, word
    for broken in ("an- passa", "an-\n\npassa", "kon-\n\ntinuitet", "anställ-\n\n", "anställ- då", "stimu-\n\nlera"):
        assert broken not in text, broken


def test_join_keeps_raw_line_numbers(fardplan: Guide) -> None:
    n = _line(fardplan, "Genom att &teranvdnda och an-")
    assert not fardplan.text.lines[n].strip() and fardplan.text.lines[n + 1].startswith("passa ")
    # the range that holds both halves joins them; a range holding only one half does not invent the other
    assert "återanvända och anpassa andra" in fardplan.readable(n, n + 2)
    assert fardplan.readable(n, n).endswith("och an-")
    assert fardplan.readable(n + 2, n + 2).startswith("passa andra")
    # with ``keep`` (a section's own lines) the blank line between still counts as one
    assert "anpassa" in fardplan.readable(n, n + 2, {n, n + 2})


def test_suspended_compound_keeps_its_hyphen(fardplan: Guide) -> None:
    n = _line(fardplan, "studera hur andra vard-")
    text = fardplan.readable(n, n + 1)
    assert "vård- och omsorgsgivare" in text
    assert "vårdoch" not in fardplan.readable(1, len(fardplan.text.lines))


def test_hyphen_before_blank_line_that_makes_no_word_stays(fardplan: Guide) -> None:
    # "innovations-" / blank / "iset 2018." (a column mix, hand-fixed as a whole passage): no word "innovationsiset"
    n = _line(fardplan, "vann de innovations-")
    assert not fardplan.text.lines[n].strip()
    text = fardplan.readable(n, n + 2)
    assert "innovations-\n\niset 2018." in text
    assert "innovationsiset" not in text


def test_every_guide_has_no_broken_words_left(kb: KnowledgeBase) -> None:
    left = {gid: found for gid, g in kb.guides.items() if (found := broken_words(quality.texts(g)[1], LANG[g.entry.language]))}
    assert not left, f"words still broken at a hyphen: {left}"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["och an-", "passa andra"], "och anpassa andra"),
        (["och an-", "", "passa andra"], "och anpassa andra"),
        (["och an-", "", "", "passa andra"], "och an-\n\npassa andra"),  # two blank lines: a new paragraph
        (["andra vård-", "och omsorgsgivare"], "andra vård- och omsorgsgivare"),
        (["andra vård-", "eller omsorgsgivare"], "andra vård- eller omsorgsgivare"),
        (["involvere IT-", "avdelingen og"], "involvere IT-avdelingen og"),
        (["omsorgsplan, IKT-", "", "strategi og helse"], "omsorgsplan, IKT-strategi og helse"),
        (["de innovations-", "", "iset 2018."], "de innovations-\n\niset 2018."),
        (["resultatindikato-", "", "Ibland behövs"], "resultatindikato-\n\nIbland behövs"),
        (["en lista med an-", "", "- punkt ett"], "en lista med an-\n\n- punkt ett"),  # a bullet is not a tail
    ],
)
def test_cleaner_joins(lines: list[str], expected: str) -> None:
    assert Cleaner().readable(lines, 1) == expected


def test_reviewed_fix_of_the_raw_word_wins() -> None:
    # "anstall-" + "da": the word fixes turn "da" alone into "då", the joined raw word into "anställda"
    cleaner = Cleaner(words={"anstall-": "anställ-", "da": "då", "anstallda": "anställda"})
    assert cleaner.readable(["vanligt att anstall-", "", "da blir"], 1) == "vanligt att anställda blir"
    # without the reviewed whole word, the raw half that makes a word is taken
    cleaner = Cleaner(words={"ar": "är"})
    assert cleaner.readable(["tekniska lösning-", "ar, som"], 1) == "tekniska lösningar, som"
