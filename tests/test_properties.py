"""Property-based tests (Hypothesis, a bounded number of examples each): whatever text a person
types or a file holds, `ask`, `search`, batch lines, project names and notes end in an answer,
a hit list or a plain refusal, never a traceback, and nothing they print drives a terminal
(issue 23). On the real corpus and model; in-process, so that many inputs are cheap."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from guide_assistant.answers.composer import without_sources
from guide_assistant.common.safetext import for_terminal, from_input
from guide_assistant.interfaces.cli.core import BatchLine
from guide_assistant.stores.progress import ProjectError, ProjectState, ProjectStore

EXAMPLES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # what would drive a terminal (newlines and tabs aside)

# text as people and files give it: letters of the three languages, punctuation, markup-like
# brackets, control characters and escape sequences, lone surrogates (bytes that were not UTF-8)
ANY_TEXT = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("åäöæøÅÄÖÆØ[]()*_`#|<>&;'\"\\\n\t\x1b\x9b\x07\x00")),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    ),
    max_size=300,
)
DOMAIN_WORDS = st.sampled_from(["upphandling", "avtal", "pilot", "Who signs the contract?", "HUKI", "tildeling", "risk", "drift"])
QUESTIONS = st.one_of(ANY_TEXT, st.lists(st.one_of(DOMAIN_WORDS, ANY_TEXT), max_size=6).map(" ".join))


@EXAMPLES
@given(QUESTIONS)
def test_any_question_gets_an_answer_or_the_empty_question_error(composer, kb, text):
    question = from_input(text)  # as the process start reads an argument
    try:
        a = composer.ask(question, state=ProjectState())
    except ValueError as e:
        assert str(e) == "the question is empty"
        return
    assert a.answer.strip()
    assert not CONTROL.search(a.answer), repr(a.answer)
    refs = {int(n) for n in re.findall(r"\[(\d+)\]", without_sources(a.answer))}
    assert refs == set(range(1, len(a.citations) + 1))
    for h in a.citations:
        assert kb.guide_for_file(h.source).text.in_range(h.line_start, h.line_end)


@EXAMPLES
@given(QUESTIONS)
def test_any_search_gives_hits_within_the_guides(engine, kb, text):
    for h in engine.search(from_input(text), 5):
        assert kb.guide_for_file(h.source).text.in_range(h.line_start, h.line_end)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(["id", "question", "x"]), children, max_size=3),
    max_leaves=12,
)


@EXAMPLES
@given(st.one_of(JSON_VALUES.map(lambda v: json.dumps(v)), ANY_TEXT, st.integers(1, 3000).map(lambda n: "[" * n + "]" * n)))
def test_any_batch_line_is_a_question_or_a_validation_error(line):
    try:
        row = BatchLine.model_validate_json(line)
    except ValidationError as e:
        assert e.errors()  # the CLI names FILE:LINE and the first of them
        return
    assert isinstance(row.question, str) and isinstance(row.id, str | int)


@EXAMPLES
@given(name=ANY_TEXT, note=ANY_TEXT, user=ANY_TEXT)
def test_any_project_name_note_and_user_is_saved_or_refused_and_prints_inert(tmp_path_factory, name, note, user):
    store = ProjectStore(tmp_path_factory.mktemp("store") / "s.sqlite3", user=from_input(user))
    try:
        try:
            store.create(from_input(name))
        except ProjectError:
            pass  # a name refused plainly (empty, too long, control characters)
        store.add_note("default", from_input(note))
        shown = [for_terminal(f"{e.at} {e.user} {e.project} {e.action} {e.target}") for e in store.log()]
        shown += [for_terminal(p.name) for p in store.projects()]
        for line in shown:
            assert "\x1b" not in line and "\x9b" not in line and not CONTROL.search(line.replace("\n", " ")), repr(line)
    finally:
        store.close()
