"""The terminal UI driven by Textual's pilot, on the real knowledge, index and model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from textual.widgets import Input, ProgressBar, Static, Tree

from guide_assistant.common.config import find_paths
from guide_assistant.interfaces.tui.app import AnswerView, GuideApp
from guide_assistant.interfaces.tui.screens import Picker, SourceViewer
from guide_assistant.stores.conversations import ConversationStore
from guide_assistant.stores.progress import ProjectStore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app(tmp_path) -> GuideApp:
    return GuideApp(find_paths(ROOT), state_file=tmp_path / "state.json", chat_file=tmp_path / "chat.json")


async def ask(pilot, question: str) -> None:
    await pilot.app.workers.wait_for_complete()
    pilot.app.query_one("#question", Input).value = question
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_type_a_question_and_get_a_cited_answer(app, tmp_path):
    async with app.run_test(size=(120, 40)) as pilot:
        await ask(pilot, "Who signs the contract?")
        views = app.query(AnswerView)
        assert len(views) == 1
        answer = views.first().answer
        assert "Verksamhetsägare/ Beställare (tecknar avtal)" in answer.answer and answer.citations
        saved = ConversationStore(tmp_path / "chat.json").latest()
        assert saved.turns[0].question == "Who signs the contract?"
    # the conversation is kept across restarts
    again = GuideApp(find_paths(ROOT), state_file=tmp_path / "state.json", chat_file=tmp_path / "chat.json")
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert len(again.query(AnswerView)) == 1


async def test_follow_up_in_the_chat_refers_to_the_previous_answer(app, tmp_path):
    async with app.run_test(size=(120, 40)) as pilot:
        await ask(pilot, "We have just signed the contract with the supplier. What should we be doing now?")
        await ask(pilot, "And who is responsible for that?")
        answers = [v.answer for v in app.query(AnswerView)]
        assert len(answers) == 2 and answers[1].intent == "who" and answers[1].activity == answers[0].activity
        assert "Business owner / purchaser" in answers[1].answer
        saved = ConversationStore(tmp_path / "chat.json").latest()
        assert saved.turns[-1].question == "And who is responsible for that?"


async def test_open_a_citation_lands_on_the_cited_lines(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await ask(pilot, "Vem tecknar avtalet?")
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("enter")  # the first citation
        await pilot.pause()
        viewer = app.screen
        assert isinstance(viewer, SourceViewer)
        hit = app.last_answer.citations[0]
        assert (viewer.line_start, viewer.line_end) == (hit.line_start, hit.line_end)
        raw = viewer.query_one("#raw-text", Static).render()
        plain = str(raw)
        assert f"{hit.line_start:5d} " in plain
        pane = viewer.query_one("#raw-pane")
        await pilot.pause()
        assert pane.scroll_y >= hit.line_start - 10 or hit.line_start < 20
        await pilot.press("escape")
        assert not isinstance(app.screen, SourceViewer)


async def first_tender_activity(app, pilot):
    """The checklist tab open on the first activity of phase 5 (Tender and award), expanded:
    the tree and the activity's node."""
    app.action_tab("checklist")
    await pilot.pause()
    tree = app.query_one("#checklist-tree", Tree)
    phase = tree.root.children[4]  # 5. Tender and award
    phase.expand()
    activity = phase.children[0]
    activity.expand()
    await pilot.pause()
    return tree, activity


async def test_tick_a_step_updates_progress_and_saved_state(app, tmp_path):
    async with app.run_test(size=(120, 40)) as pilot:
        tree, activity = await first_tender_activity(app, pilot)
        step = activity.children[0]
        tree.move_cursor(step)
        bar = app.query_one("#bar-tender", ProgressBar)
        before = bar.progress
        await pilot.press("space")
        await pilot.pause()
        assert bar.progress == before + 1
        assert ProjectStore(tmp_path / "state.json").load().done == [step.data["id"]]
        assert str(step.label).startswith("[x]")


async def test_filter_the_checklist_by_role(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()  # the engine loads in a worker; let it finish first
        app.action_tab("checklist")
        app.query_one("#role-filter").value = "contract-owner"
        await pilot.pause()
        tree = app.query_one("#checklist-tree", Tree)
        acts = [a for p in tree.root.children for a in p.children]
        ids = {a.data["activity"].id for a in acts}
        assert "skr-implementera-avtal" in ids and "kvickguide-annonsering" not in ids
        assert all(a.data["activity"].role_match for a in acts)


def project_with_line(tmp_path: Path, line: str) -> None:
    """A copy of the project whose short Swedish guide ends with one more line."""
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    shutil.copytree(ROOT / "index" / "current", tmp_path / "index" / "current")
    src = tmp_path / "knowledge" / "sources" / "genomfora-upphandlingar-och-overgang-till-drift.txt"
    src.write_text(src.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


async def test_rebuild_the_index_from_the_ui(tmp_path):
    project_with_line(tmp_path, "Tillägg om kvartalsvis nyttouppföljning i ledningsgruppen.")
    app = GuideApp(find_paths(tmp_path), state_file=tmp_path / "s.json", chat_file=tmp_path / "c.json")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()  # stale on start: rebuilt with a progress bar
        await pilot.pause()
        assert app.assistant.index_status().fresh
        # the guide was changed in place: the build re-anchored it and lists what changed
        assert isinstance(app.screen, Picker) and "The guidance was updated" in app.screen.title_text
        labels = [label for _, label in app.screen.options]
        assert any("kvartalsvis nyttouppföljning" in label for label in labels)  # the new text no item covers yet
        await pilot.press("enter")  # opens the first entry in the source viewer, at its lines
        await pilot.pause()
        assert isinstance(app.screen, SourceViewer)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.assistant.index_status().fresh
        hits = app.assistant.load_engine().search("kvartalsvis nyttouppföljning i ledningsgruppen", 3)
        assert any("kvartalsvis" in h.text for h in hits)  # the rebuilt index holds the new text
        await ask(pilot, "Vad säger guiden om nyttouppföljning i ledningsgruppen?")
        assert app.last_answer.covered and app.last_answer.citations


async def test_markup_like_text_shows_literally(tmp_path):
    project_with_line(tmp_path, "[bold]Inte fet[/bold] och [link=file:///etc/passwd]x[/link]")
    app = GuideApp(find_paths(tmp_path), state_file=tmp_path / "s.json", chat_file=tmp_path / "c.json", check_index=False)
    async with app.run_test(size=(120, 40)) as pilot:
        guide = app.assistant.kb.guides["genomfora"]
        n = len(guide.text.lines)
        app.push_screen(SourceViewer(guide, n, n, "test"))
        await pilot.pause()
        raw = app.screen.query_one("#raw-text", Static).render()
        assert "[bold]Inte fet[/bold]" in str(raw) and "[link=file:///etc/passwd]x[/link]" in str(raw)
        readable = app.screen.query_one("#readable-text", Static).render()
        assert "[bold]" in str(readable)
        await pilot.press("escape")
        await ask(pilot, "[bold]Vem[/bold] tecknar [link=file:///etc/passwd]avtalet[/link]?")
        shown = [w for w in app.query(".question")][-1]
        assert "[bold]Vem[/bold]" in str(shown.render())


async def test_empty_question_is_refused_politely(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, "   ")
        assert len(app.query(AnswerView)) == 0


async def _ready(pilot):
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _snap(tab: str):
    async def run_before(pilot):
        await _ready(pilot)
        for field in pilot.app.query(Input):
            field.cursor_blink = False  # a blinking cursor makes the screen depend on timing
        pilot.app.action_tab(tab)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("tab", ["chat", "checklist", "sources"])
def test_snapshots(snap_compare, tmp_path, monkeypatch, size, tab):
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    app = GuideApp(find_paths(ROOT), state_file=tmp_path / "state.json", chat_file=tmp_path / "chat.json")
    assert snap_compare(app, terminal_size=size, run_before=_snap(tab))


@pytest.mark.parametrize("lang", ["sv", "no"])
@pytest.mark.parametrize("tab", ["chat", "checklist"])
def test_snapshots_in_swedish_and_norwegian(snap_compare, tmp_path, monkeypatch, lang, tab):
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    app = GuideApp(find_paths(ROOT), state_file=tmp_path / "state.json", chat_file=tmp_path / "chat.json", lang=lang)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_snap(tab))


async def test_saved_phase_shows_next_activities_and_the_closing_decision(tmp_path):
    (tmp_path / "state.json").write_text(json.dumps({"schema_version": 1, "phase": "tender"}))
    app = GuideApp(find_paths(ROOT), state_file=tmp_path / "state.json", chat_file=tmp_path / "chat.json")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        from textual.widgets import OptionList

        options = app.query_one("#next", OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels[0].startswith("activity:") and any(l.startswith("decision:") for l in labels)
        assert "Tender and award" in app.sub_title


async def test_huge_and_control_character_questions_in_the_tui(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, "Vem tecknar avtalet? " * 5000)
        assert len(app.last_answer.question) <= 1000
        await ask(pilot, "\x1b[31mWho\x07 signs the contract?\x00")
        assert app.last_answer.question == "[31mWho signs the contract?"
        assert len(app.query(AnswerView)) == 2


@pytest.mark.parametrize(
    "lang, words",
    [
        ("sv", ["Chatt", "Checklista", "Källor", "Hjälp", "Förbereda upphandlingen"]),
        ("no", ["Chat", "Sjekkliste", "Kilder", "Hjelp", "Forberede anskaffelsen"]),
    ],
)
async def test_the_ui_speaks_swedish_and_norwegian(tmp_path, lang, words):
    app = GuideApp(find_paths(ROOT), state_file=tmp_path / "state.json", chat_file=tmp_path / "chat.json", lang=lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        tabs = [str(t.label) for t in app.query("Tab")]
        footer = [b.description for _, b, *_ in app.active_bindings.values()]
        tree = app.query_one("#checklist-tree", Tree)
        phases = [str(n.label) for n in tree.root.children]
        shown = " ".join([*tabs, *footer, *phases])
        for word in words:
            assert word in shown, (word, shown)
        assert "Checklist" not in tabs and "Help" not in footer


async def test_switch_and_create_projects_in_the_ui(tmp_path):
    app = GuideApp(find_paths(ROOT), state_file=tmp_path / "state.json", chat_file=tmp_path / "chat.json")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        sid = app.assistant.checklist(phases=["tender"])[0].steps[0].id
        app.assistant.toggle_step(sid)  # ticked in the default project
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, Picker)
        picker = app.screen.query_one("#picker-list")
        picker.highlighted = picker.option_count - 1  # "+ New project …"
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one("#prompt-input", Input).value = "Trygghetslarm 2027"
        await pilot.press("enter")
        await pilot.pause()
        assert app.assistant.project == "Trygghetslarm 2027" and app.assistant.state.done == []
        assert "Trygghetslarm 2027" in app.sub_title
    store = ProjectStore(tmp_path / "state.json")
    assert store.load("default").done == [sid] and {p.name for p in store.projects()} == {"default", "Trygghetslarm 2027"}


async def test_the_ui_exports_the_checklist_and_the_chat(tmp_path, monkeypatch):
    """ctrl+e and the palette's Excel and Word exports write files people open, in the UI's language."""
    import openpyxl
    from docx import Document

    monkeypatch.chdir(tmp_path)
    app = GuideApp(find_paths(ROOT), state_file=tmp_path / "state.json", chat_file=tmp_path / "chat.json", lang="sv")
    async with app.run_test(size=(120, 40)) as pilot:
        await ask(pilot, "Vem tecknar avtalet?")
        app.export_as("docx")  # on the chat tab: the conversation
        app.action_tab("checklist")
        await pilot.pause()
        app.export_as("xlsx")
        app.action_export()  # ctrl+e: Markdown
    chat = "\n".join(p.text for p in Document(str(tmp_path / "guide-assistant-conversation.docx")).paragraphs)
    assert "Vem tecknar avtalet?" in chat and "Verksamhetsägare/ Beställare (tecknar avtal)" in chat
    book = openpyxl.load_workbook(tmp_path / "guide-assistant-checklist.xlsx")
    assert book.sheetnames[0].startswith("1. Förankra") and book.worksheets[0]["A1"].value == "Aktivitet"
    assert (tmp_path / "guide-assistant-checklist.md").read_text(encoding="utf-8").startswith("# Checklista")


async def test_the_language_chosen_in_the_ui_is_saved_for_the_next_start(tmp_path, monkeypatch):
    from guide_assistant.common.i18n import resolve_language
    from guide_assistant.common.settings import load_settings

    monkeypatch.setenv("GUIDE_ASSISTANT_SETTINGS", str(tmp_path / "settings.json"))
    app = GuideApp(find_paths(ROOT), state_file=tmp_path / "state.json", chat_file=tmp_path / "chat.json")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.action_pick_language()
        await pilot.pause()
        picker = app.screen.query_one("#picker-list")
        picker.highlighted = 2  # Norsk
        await pilot.press("enter")
        await pilot.pause()
        assert "Help" in [b.description for _, b, *_ in app.active_bindings.values()]  # this session stays English
    assert load_settings().lang == "no" and resolve_language(None, load_settings().lang, {"LANG": "C.UTF-8"}) == "no"


async def test_sources_tab_shows_one_guide_after_another(app):
    """Choosing a second guide replaced the first one's blocks (it crashed: DuplicateIds 'sec-1')."""
    from textual.widgets import OptionList

    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(pilot)
        app.action_tab("sources")
        await pilot.pause()
        guides = app.query_one("#guides", OptionList)
        assert guides.option_count >= 3
        for index in (1, 2, 0, 1):
            guides.highlighted = index
            guides.action_select()
            await pilot.pause()
            guide = app.assistant.kb.guides[guides.get_option_at_index(index).id]
            assert app.current_guide is guide
            shown = [w for w in app.query(".guide-block")]
            assert len(shown) == sum(1 for s in guide.sections.walk() if s.level)


async def test_a_colleagues_tick_shows_and_is_never_undone_by_a_stale_row(app, tmp_path):
    """Issue 23, finding 5: a step ticked from the command line (another person) while the UI
    is open shows as ticked within a poll, and space on a row that still showed it unticked
    ticks it (no undo is logged)."""
    async with app.run_test(size=(120, 40)) as pilot:
        tree, activity = await first_tender_activity(app, pilot)
        first, second = activity.children[0], activity.children[1]
        other = ProjectStore(tmp_path / "state.json", user="kollega")
        other.mark_done("default", [second.data["id"]])  # a teammate, while the UI shows [ ]
        app.assistant.reload()  # read by something else meanwhile, the row not yet redrawn
        assert str(second.label).startswith("[ ]")
        tree.move_cursor(second)
        await pilot.press("space")  # ticks the row as shown: it stays done
        await pilot.pause()
        store = ProjectStore(tmp_path / "state.json")
        assert second.data["id"] in store.load().done and str(second.label).startswith("[x]")
        assert [e.action for e in store.log("default")].count("undo") == 0
        other.mark_done("default", [first.data["id"]])
        bar = app.query_one("#bar-tender", ProgressBar)
        before = bar.progress
        await pilot.pause(2.5)  # the UI reads the shared store every POLL_S seconds
        assert str(first.label).startswith("[x]") and bar.progress == before + 1
