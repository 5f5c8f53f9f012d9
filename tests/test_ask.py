"""`ask`: answers shaped by intent from item-level evidence, on the real corpus and model,
in English, Swedish and Norwegian; follow-ups; out-of-scope questions; no garble shown."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from guide_assistant.answers.composer import Composer, without_sources
from guide_assistant.kb import fidelity
from guide_assistant.retrieval.search import SearchEngine
from guide_assistant.stores.conversations import ConversationStore
from guide_assistant.stores.progress import ProjectState

ROOT = Path(__file__).resolve().parents[1]
KINDS = {"passage", "step", "deliverable", "decision", "roles", "tool", "summary"}


@pytest.fixture(scope="module")
def composer(kb, paths):
    return Composer(kb, SearchEngine(paths, kb=kb))


def ask(composer, q, **kw):
    return composer.ask(q, state=kw.pop("state", ProjectState()), **kw)


def cited(a, source_prefix: str, start: int, end: int) -> bool:
    return any(h.source.startswith(source_prefix) and h.line_start <= end and h.line_end >= start for h in a.citations)


def assert_well_formed(a, kb) -> None:
    """What every covered answer owes its reader: each citation is referred to in the text,
    is of a known kind, and its lines hold the text it stands for."""
    body = without_sources(a.answer)
    refs = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
    assert refs == set(range(1, len(a.citations) + 1)), (refs, len(a.citations))
    for h in a.citations:
        assert h.kind in KINDS
        guide = kb.guide_for_file(h.source)
        assert guide.text.in_range(h.line_start, h.line_end)
        if h.kind != "roles":  # a HUKI list is cited by its lines; its text is the readable list itself
            assert fidelity.containment(h.text, guide.cleaned_span(h.line_start, h.line_end)) >= fidelity.THRESHOLD, h


# --- phase: what now / before / after ---------------------------------------------------


@pytest.mark.parametrize(
    "question,lang,label",
    [
        ("what should we do before tendering?", "en", "accountable: Business developer"),
        ("Vad ska vi göra innan upphandlingen?", "sv", "huvudansvarig: Verksamhetsutvecklare"),
        ("Hva må vi gjøre før vi kunngjør konkurransen?", "no", "hovedansvarlig: Virksomhetsutvikler"),
    ],
)
def test_before_tendering_gives_the_prepare_phase_and_its_next_activities(composer, kb, question, lang, label):
    a = ask(composer, question)
    assert a.covered and a.language == lang and a.phases == ["prepare"] and a.intent == "phase"
    assert label in a.answer  # SKR's HUKI for Kartlägga och analysera
    assert "checklist --phase prepare" in a.answer
    rows = re.findall(r"^\d+\. \*\*", a.answer, flags=re.M)
    assert 1 <= len(rows) <= 7
    assert_well_formed(a, kb)


@pytest.mark.parametrize(
    "question,phase",
    [
        ("after the contract is signed, what now?", "implement"),
        ("We have just signed the contract. What happens now?", "implement"),
        ("What should we do during the test period before the broad rollout?", "implement"),
        ("Vad gör vi inför upphandlingen?", "prepare"),
        ("Hva gjør vi etter implementering?", "operate"),
        ("Vad gör vi innan vi annonserar?", "prepare"),
        ("Hva gjør vi etter utprøvingen?", "prepare"),
    ],
)
def test_relative_phrases_land_on_the_right_phase(composer, question, phase):
    a = ask(composer, question)
    assert a.phases == [phase] and a.intent == "phase"


def test_saved_phase_and_done_steps_personalise_the_answer(composer, kb):
    first = next(a for _, a in kb.activities if a.phase == "tender")
    state = ProjectState(phase="tender", roles=["procurement-officer"], done=[first.id])
    a = ask(composer, "What should we do now?", state=state)
    assert a.phases == ["tender"] and a.phase_source == "saved"
    assert f"**{first.title}**" not in without_sources(a.answer)  # done: not listed as next
    assert a.next_activities and a.next_activities[0].phase == "tender"
    assert any(n.kind == "next-phase" and n.phase == "implement" for n in a.next_activities)


def test_phase_option_overrides_the_question(composer):
    a = composer.ask("what should we do?", phases=["operate"], state=ProjectState())
    assert a.phases == ["operate"] and a.phase_source == "option"


# --- who -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    ["Who signs the contract?", "Vem tecknar avtalet?", "Hvem signerer kontrakten?", "Vem ska skriva under avtalet med leverantören?"],
)
def test_who_signs_the_contract_leads_with_the_huki_list_that_says_so(composer, kb, question):
    a = ask(composer, question)
    assert a.covered and a.intent == "who"
    first = without_sources(a.answer).split("\n")[1]  # the answer first: the HUKI line that says who signs
    assert "«Verksamhetsägare/ Beställare (tecknar avtal)»" in first and "[1]" in first
    assert a.citations[0].kind == "roles"
    assert (a.citations[0].line_start, a.citations[0].line_end) == (347, 356)  # SKR Upphandla's HUKI lines
    assert_well_formed(a, kb)


def test_who_for_a_guide_without_huki_lists_says_so_and_quotes_the_guide(composer, kb):
    a = ask(composer, "Hvem bør være prosjekteier når vi går videre etter behovsfasen?")
    assert a.intent == "who" and a.language == "no"
    assert "gir ingen HUKI" in a.answer and "kommunalsjef for helse" in a.answer
    assert not re.search(r"\((H|U|K|I)\):", a.answer)  # no role letters inferred from prose
    assert_well_formed(a, kb)


def test_role_question_in_swedish(composer, kb):
    a = ask(composer, "Vem är huvudansvarig för att följa upp IoT-tjänsten?")
    assert a.intent == "who" and "huvudansvarig (H): Uppföljningsansvarig" in a.answer
    assert cited(a, "skr-realisera", 522, 542)
    assert_well_formed(a, kb)


# --- deliverables and decisions ---------------------------------------------------------------


def test_deliverables_of_an_activity_are_listed_completely(composer, kb):
    a = ask(composer, "Hvilke leveranser skal være klare når vi er ferdige med å planlegge prosjektet?")
    assert a.language == "no" and a.intent == "deliverables" and a.phases == ["plan"]
    for d in ("Prosjektmandat", "Prosjektplan", "Gevinstrealiseringsplan", "Prosjektpresentasjon"):
        assert d in a.answer
    assert cited(a, "veien-til", 361, 368)
    assert_well_formed(a, kb)


def test_deliverables_in_english_read_in_english(composer, kb):
    a = ask(composer, "What are the deliverables of the planning phase in the Norwegian guide?")
    assert a.intent == "deliverables" and "Project mandate" in a.answer and "Prosjektmandat" not in a.answer


def test_decision_question_gives_the_decision_its_questions_and_who_decides(composer, kb):
    a = ask(composer, "What should we ask ourselves before we take the decision on the final procurement documents?")
    assert a.intent == "decision"
    body = without_sources(a.answer)
    assert "Have we done a correct needs analysis?" in body
    assert "accountable (H): Procurement officer" in body
    assert cited(a, "skr-realisera", 339, 345)
    assert len(a.citations) <= 4  # the questions lie inside the decision's lines: one citation
    assert_well_formed(a, kb)


@pytest.mark.parametrize("question", ["Vilket beslut avslutar behovsfasen?", "Hvilken beslutning avslutter behovsfasen?"])
def test_decision_in_swedish_and_norwegian(composer, kb, question):
    a = ask(composer, question)
    assert a.intent == "decision" and a.phases == ["needs"]
    assert "Beslut" in a.answer
    assert_well_formed(a, kb)


# --- how / when / definition --------------------------------------------------------------------


def test_topic_question_gets_the_items_that_answer_it_not_a_phase_template(composer, kb):
    a = ask(composer, "What information security requirements should we put in the tender?")
    body = without_sources(a.answer)
    assert a.intent == "how"
    assert "Information security with requirements on availability, integrity and confidentiality" in body
    assert "Next activities" not in body and "Decision that closes the phase" not in body
    assert len(a.citations) <= 8 and len(body) <= 1500
    assert_well_formed(a, kb)


def test_how_question_in_swedish_quotes_the_guide_in_swedish(composer, kb):
    a = ask(composer, "Är huvudsyftet med en pilot att testa tekniken?")
    assert a.language == "sv"
    assert "Att testa tekniken är bra med det borde inte vara grundsyftet med piloten." in a.answer
    assert_well_formed(a, kb)


def test_originals_show_the_guides_wording_beside_the_english(composer):
    plain = ask(composer, "What should a benefits realisation plan include?")
    both = ask(composer, "What should a benefits realisation plan include?", originals=True)
    assert "Gevinstrealiseringsplan" not in without_sources(plain.answer)
    assert "«" in both.answer and "gevinst" in without_sources(both.answer).casefold()


def test_when_question_says_where_it_sits(composer, kb):
    a = ask(composer, "Når skal vi gjøre nullpunktsmålingen?")
    assert a.intent == "when" and a.language == "no"
    assert "fase 2 (Planlegge prosjektet)" in a.answer and "nullpunktsmåling" in a.answer
    assert_well_formed(a, kb)


def test_definition_question(composer, kb):
    a = ask(composer, "What is the standstill period?")
    assert a.intent == "definition"
    assert "avtalsspärr" in a.answer  # the glossary line in three languages
    assert_well_formed(a, kb)


# --- follow-ups ----------------------------------------------------------------------------------


def test_follow_up_who_resolves_to_the_previous_activity(composer, kb):
    first = ask(composer, "We have just signed the contract with the supplier. What should we be doing now?")
    assert first.activity == "skr-implementera-avtal"
    a = ask(composer, "And who is responsible for that?", previous=first)
    assert a.intent == "who" and a.activity == "skr-implementera-avtal"
    assert "accountable (H): Business owner / purchaser" in a.answer
    assert_well_formed(a, kb)


def test_follow_up_after_that_moves_to_the_next_phase(composer):
    first = ask(composer, "Vad gör vi när vi förbereder upphandlingen?")
    a = ask(composer, "Och vad gör vi efter det?", previous=first)
    assert first.phases == ["prepare"] and a.phases == ["tender"] and a.phase_source == "context"


def test_after_that_is_one_step_on_in_the_guide_not_the_end_of_the_process(composer):
    """It jumped a phase: from the acceptance tests to operation, from the contract to
    decommissioning. The step after an activity is the guide's next activity."""
    first = ask(composer, "Hur genomför vi acceptanstesterna?")
    a = ask(composer, "Och vad gör vi efter det?", previous=first)
    assert first.activity == "kvickguide-acceptanstester" and a.phases == ["implement"] and "Testperiod" in a.answer
    first = ask(composer, "We have just signed the contract with the supplier. What should we be doing now?")
    a = ask(composer, "And after that?", previous=first)
    assert a.phases == ["implement"] and "Implement the technology for the IoT service" in a.answer


def test_near_domain_questions_the_question_model_reads_as_outside_the_guides(composer):
    for q in (
        "Vad kostar en nattkamera för digital tillsyn per styck?",
        "What is the EU threshold in SEK for service contracts under LOU?",
        "Hvilken paragraf i helse- og omsorgstjenesteloven gjelder for GPS-sporing?",
    ):
        a = ask(composer, q)
        assert not a.covered and a.citations == [], q


def test_follow_up_without_context_says_what_is_unclear(composer):
    for q, word in [
        ("and who is responsible for that?", "that"),
        ("och vem ansvarar för det?", "det"),
        ("hvem har ansvaret for dette?", "dette"),
    ]:
        a = ask(composer, q)
        assert a.needs_context and not a.covered and a.citations == []
        assert f"“{word}”" in a.answer or f"”{word}”" in a.answer or f"«{word}»" in a.answer
        assert a.answer.count("\n- ") >= 2  # likely topics offered


# --- out of scope -----------------------------------------------------------------------------------

OUT_OF_SCOPE = yaml.safe_load((ROOT / "tests/data/out_of_scope.yaml").read_text(encoding="utf-8"))


def test_near_domain_questions_the_guides_do_not_answer_are_mostly_refused(composer):
    answered = [r["q"] for r in OUT_OF_SCOPE if ask(composer, r["q"]).covered]
    # measured with scripts/calibrate_coverage.py: 21 of 69 answered at threshold 0.87 (0 of 183 in-scope
    # questions refused); most are English device and law questions, whose words are common English words
    assert len(answered) <= 22, answered
    for lang in ("en", "sv", "no"):
        rows = [r for r in OUT_OF_SCOPE if r["lang"] == lang]
        assert sum(r["q"] in answered for r in rows) <= len(rows) // 2, lang


@pytest.mark.parametrize(
    "question",
    [
        "what is the weather in Oslo?",
        "how do I bake bread?",
        "Hvordan baker jeg brød?",
        "Vilken tid går tåget till Göteborg?",
        "Hur parkopplar man en dörrsensor med trygghetslarmets basenhet?",
        "Hvordan klager vi en anskaffelse inn for KOFA?",
    ],
)
def test_out_of_scope_answer_says_so_and_cites_nothing(composer, question):
    a = ask(composer, question)
    assert a.covered is False and a.citations == []
    assert any(s in a.answer for s in ("do not cover", "tar inte upp", "dekker ikke"))
    assert "[1]" not in a.answer


def test_in_scope_phrasings_are_covered(composer):
    rows = yaml.safe_load((ROOT / "tests/data/phrasings.yaml").read_text(encoding="utf-8"))
    refused = [r["q"] for r in rows if not ask(composer, r["q"]).covered]
    assert refused == []


# --- readable text --------------------------------------------------------------------------------


def test_no_garbled_word_in_answers_or_citations(composer):
    from guide_assistant.kb.garble import garbled_words

    questions = [r["q"] for r in yaml.safe_load((ROOT / "tests/data/phrasings.yaml").read_text(encoding="utf-8"))][::3]
    bad: set[str] = set()
    for q in questions:
        a = ask(composer, q)
        # the answer mixes the guides' Swedish and Norwegian: a word is garble when both checks say so
        if a.language != "en":  # English answers read the knowledge's English text; their quotes are citations
            body = without_sources(a.answer)
            bad |= set(garbled_words(body, "sv")) & set(garbled_words(body, "nb"))
        for h in a.citations:  # each cited text in its guide's language
            bad |= set(garbled_words(h.text, h.language))
    assert not bad, sorted(bad)


def test_text_from_documents_is_not_markup(composer):
    a = ask(composer, "What should the procurement strategy contain?")
    body = a.answer.replace("\\[", "").replace("\\]", "")
    assert "[bold]" not in body


# --- the command line ----------------------------------------------------------------------------------


def run(args, tmp_path, stdin=None):
    env = {**os.environ, "GUIDE_ASSISTANT_STATE": str(tmp_path / "state.json"), "GUIDE_ASSISTANT_CHAT": str(tmp_path / "chat.json")}
    return subprocess.run([sys.executable, "-m", "guide_assistant", *args], capture_output=True, text=True, cwd=ROOT, env=env, input=stdin)


def test_ask_json_contract_and_follow_up_through_the_cli(tmp_path):
    out = run(["ask", "Who signs the contract?", "--json"], tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"question", "language", "phases", "covered", "answer", "citations", "next_activities", "intent", "conversation_id"} <= set(data)
    assert data["covered"] is True and data["citations"] and data["intent"] == "who" and data["conversation_id"]
    assert {"source", "line_start", "line_end", "score", "section", "phases", "roles", "text", "kind"} <= set(data["citations"][0])
    for n in data["next_activities"]:
        assert {"id", "title", "phase"} <= set(n)
    # -c continues the latest conversation; --conversation ID a given one
    again = json.loads(run(["ask", "-c", "and what do they decide?", "--json"], tmp_path).stdout)
    assert again["conversation_id"] == data["conversation_id"]
    other = json.loads(run(["ask", "What is a HUKI?", "--json"], tmp_path).stdout)
    assert other["conversation_id"] != data["conversation_id"]
    named = run(["ask", "--conversation", data["conversation_id"], "and who is responsible for that?", "--json"], tmp_path)
    assert json.loads(named.stdout)["conversation_id"] == data["conversation_id"]
    assert json.loads(named.stdout)["covered"] is True
    missing = run(["ask", "--conversation", "nope", "hello"], tmp_path)
    assert missing.returncode == 2 and "no conversation 'nope'" in missing.stderr


def test_empty_question_is_a_clear_error(tmp_path):
    out = run(["ask", "   "], tmp_path)
    assert out.returncode == 2 and "empty" in out.stderr and "Traceback" not in out.stderr


def test_unreadable_conversation_store_is_set_aside_and_the_answer_still_given(tmp_path):
    (tmp_path / "chat.json").write_text("{not json", encoding="utf-8")
    out = run(["ask", "-c", "Who signs the contract?"], tmp_path)
    assert out.returncode == 0 and "tecknar avtal" in out.stdout
    assert "could not be read" in out.stderr and list(tmp_path.glob("chat.json.corrupt-*"))
    assert ConversationStore(tmp_path / "chat.json").latest().turns[0].question == "Who signs the contract?"


def test_conversation_file_of_the_first_version_is_upgraded_and_continued(tmp_path, composer):
    first = ask(composer, "We have just signed the contract with the supplier. What should we be doing now?")
    old = {
        "schema_version": 1,
        "turns": [{"at": "2026-11-01T10:00:00+00:00", "question": first.question, "answer": first.model_dump(mode="json")}],
    }
    (tmp_path / "chat.json").write_text(json.dumps(old), encoding="utf-8")
    data = json.loads(run(["ask", "-c", "And who is responsible for that?", "--json"], tmp_path).stdout)
    assert data["intent"] == "who" and data["activity"] == first.activity and data["conversation_id"] == "conversation-1"
    assert list(tmp_path.glob("chat.json.imported-*"))  # the old file is kept
    assert len(ConversationStore(tmp_path / "chat.json").get("conversation-1").turns) == 2


def test_conversations_of_the_json_store_are_imported_and_the_latest_continued(tmp_path, composer):
    """The JSON file of the previous version (every conversation) at the default place is
    imported into the database once; `ask -c` continues its latest conversation."""
    first = ask(composer, "We have just signed the contract with the supplier. What should we be doing now?")
    other = ask(composer, "Who signs the contract?")

    def turn(a):
        return {"at": "2026-11-01T10:00:00+00:00", "question": a.question, "answer": a.model_dump(mode="json")}

    old = {
        "schema_version": 2,
        "conversations": [
            {"id": "c-old", "started": "2026-11-01T09:00:00+00:00", "turns": [turn(other)]},
            {"id": "c-new", "started": "2026-11-01T10:00:00+00:00", "turns": [turn(first)]},
        ],
    }
    data_home = tmp_path / "data"
    (data_home / "guide-assistant").mkdir(parents=True)
    (data_home / "guide-assistant" / "conversation.json").write_text(json.dumps(old), encoding="utf-8")
    env = {**os.environ, "GUIDE_ASSISTANT_STATE": str(tmp_path / "s.db"), "XDG_DATA_HOME": str(data_home)}
    env.pop("GUIDE_ASSISTANT_CHAT", None)
    for _n in (1, 2):
        out = subprocess.run(
            [sys.executable, "-m", "guide_assistant", "ask", "-c", "And who is responsible for that?", "--json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
        )
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["conversation_id"] == "c-new"
    folder = data_home / "guide-assistant"
    assert len(list(folder.glob("conversation.json.imported-*"))) == 1 and not (folder / "conversation.json").exists()
    store = ConversationStore(folder / "conversations.sqlite3")
    assert [len(store.get(c).turns) for c in ("c-old", "c-new")] == [1, 3]


def test_a_conversation_that_cannot_be_saved_still_answers(tmp_path):
    env_dir = tmp_path / "ro"
    env_dir.mkdir()
    chat = env_dir / "chat.json"
    chat.mkdir()  # a folder where the file should be: the save fails, the answer stands
    out = subprocess.run(
        [sys.executable, "-m", "guide_assistant", "ask", "Who signs the contract?"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "GUIDE_ASSISTANT_STATE": str(tmp_path / "s.json"), "GUIDE_ASSISTANT_CHAT": str(chat)},
    )
    assert out.returncode == 0 and "tecknar avtal" in out.stdout and "could not be saved" in out.stderr


@pytest.mark.parametrize(
    "question,lang,intent",
    [
        ("What should we do after the pilot?", "en", "phase"),
        ("Vad gör vi efter piloten?", "sv", "phase"),
        ("Hva gjør vi etter utprøvingen?", "no", "phase"),
        ("Who is accountable for implementing the technology?", "en", "who"),
        ("Vem är huvudansvarig för att implementera tekniken?", "sv", "who"),
        ("Hvem har hovedansvaret for å implementere teknologien?", "no", "who"),
        ("What are the deliverables when the procurement is prepared?", "en", "deliverables"),
        ("Vilka leveranser ska finnas när upphandlingen är förberedd?", "sv", "deliverables"),
        ("Hvilke leveranser skal være klare etter behovsfasen?", "no", "deliverables"),
        ("Which decision closes the implementation phase?", "en", "decision"),
        ("Vilket beslut avslutar piloteringen?", "sv", "decision"),
        ("Hvilken beslutning tas etter planleggingsfasen?", "no", "decision"),
        ("When should we do the baseline measurement?", "en", "when"),
        ("När ska vi göra riskanalysen?", "sv", "when"),
        ("Når bør vi lage opplæringsplanen?", "no", "when"),
        ("How do we organise first-line support?", "en", "how"),
        ("Hur ska vi organisera första linjens support?", "sv", "how"),
        ("Hvordan bør vi involvere de ansatte i behovskartleggingen?", "no", "how"),
        ("What is benefits realisation?", "en", "definition"),
        ("Vad är en nollpunktsmätning?", "sv", "definition"),
        ("Hva er en anskaffelsesstrategi?", "no", "definition"),
    ],
)
def test_every_intent_in_every_language_gives_a_cited_answer(composer, kb, question, lang, intent):
    a = ask(composer, question)
    assert (a.language, a.intent, a.covered) == (lang, intent, True)
    assert 1 <= len(a.citations) <= 16 and len(without_sources(a.answer)) <= 2500  # a phase's deliverables may be long
    assert_well_formed(a, kb)


def test_phase_rows_never_cut_a_sentence_and_decisions_are_not_repeated(composer):
    a = ask(composer, "We have just signed the contract with the supplier. What should we be doing now?")
    for row in re.findall(r"^\d+\. .*$", without_sources(a.answer), flags=re.M):
        do = re.sub(r"\s*\[\d+\].*$", "", row.split("): ", 1)[1]) if "): " in row else ""
        assert not do or do.endswith((".", "!", "?", ")")), row  # a whole first sentence or none
        assert not do.endswith(("e.g.", "i.e.", "t.ex.", "f.eks.")), row  # an abbreviation does not end a sentence
    d = ask(composer, "Hvilken beslutning avslutter behovsfasen?")
    body = without_sources(d.answer)
    assert body.count("Gir de kartlagte behovene grunnlag for å sette i gang et prosjekt") == 1
