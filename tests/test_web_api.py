"""The web app through HTTP (Starlette's TestClient, the app in this process): the API's
answers cite lines that hold the quoted text, errors are problem+json with the command line's
messages, ticks are idempotent and none is lost when many arrive at once, and the pages keep
their promises (CSRF, security headers, escaping, languages, the access token, exports,
access logs without questions). The real guides, index and model; one app per module."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from guide_assistant.interfaces.web.app import create_app
from guide_assistant.interfaces.web.server import is_loopback
from guide_assistant.kb import fidelity

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval" / "answer-questions.jsonl"
CLI = [sys.executable, "-m", "guide_assistant"]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web")
    return create_app(state=folder / "state.sqlite3", chat=folder / "chat.sqlite3")


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


def _csrf(client: TestClient) -> str:
    if not client.cookies.get("ga_csrf"):
        client.get("/")
    return client.cookies["ga_csrf"]


def _questions(n: int) -> list[str]:
    if EVAL.is_file():
        rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
        picked = [r["question"] for r in rows if r.get("lang") == "en"][:3] + [r["question"] for r in rows if r.get("lang") != "en"][:2]
        return picked[:n]
    return ["Who signs the contract?", "What should we do before tendering?", "Vem tecknar avtalet?"][:n]


# --- ask, and every citation resolves to the text it quotes --------------------------------------


@pytest.mark.parametrize("question", _questions(5))
def test_every_citation_resolves_through_the_lines_endpoint_to_the_quoted_text(client, question):
    r = client.post("/api/v1/ask", json={"question": question})
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["covered"] and data["citations"] and data["conversation_id"]
    for c in data["citations"]:
        lines = client.get(f"/api/v1/guides/{c['guide']}/lines", params={"start": c["start"], "end": c["end"]})
        assert lines.status_code == 200, lines.text
        got = lines.json()
        assert (got["start"], got["end"], got["source"]) == (c["start"], c["end"], c["source"])
        assert [x["n"] for x in got["lines"]] == list(range(c["start"], c["end"] + 1))
        cleaned = "\n".join(x["text"] for x in got["lines"])
        target = got["readable"] if c["kind"] == "roles" else cleaned  # a HUKI list is quoted as the readable list
        assert fidelity.containment(c["text"], target) >= fidelity.THRESHOLD, c
        page = client.get(c["url"].split("#")[0])
        assert page.status_code == 200
        assert f'id="L{c["start"]}" class="cited"' in page.text and "<mark>" in page.text
        assert f"#L{c['start']}" in c["url"]


def test_a_follow_up_continues_the_conversation(client):
    first = client.post("/api/v1/ask", json={"question": "Who signs the contract?"}).json()
    cid = first["conversation_id"]
    second = client.post("/api/v1/ask", json={"question": "and who is responsible for that?", "conversation_id": cid}).json()
    assert second["conversation_id"] == cid
    page = client.get(f"/c/{cid}")
    assert page.status_code == 200
    assert 'id="t1"' in page.text and 'id="t2"' in page.text and "who is responsible for that?" in page.text


def test_search_and_next_and_index_status(client):
    hits = client.get("/api/v1/search", params={"q": "nullpunktsmåling", "top_k": 3})
    assert hits.status_code == 200 and len(hits.json()) == 3
    assert all(h["url"].startswith("/guides/") for h in hits.json())
    nxt = client.get("/api/v1/next", params={"phase": "prepare"})
    assert nxt.status_code == 200 and nxt.json()
    status = client.get("/api/v1/index/status").json()
    assert status["present"] and status["fresh"]


# --- errors: problem+json, with the command line's messages ------------------------------------------


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def _cli_error(args: list[str], tmp_path: Path) -> str:
    env = {**os.environ, "GUIDE_ASSISTANT_STATE": str(tmp_path / "cli.sqlite3"), "GUIDE_ASSISTANT_CHAT": str(tmp_path / "cli-chat.sqlite3")}
    out = subprocess.run(CLI + args, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert out.returncode == 2, out.stderr
    return out.stderr.strip()


def test_errors_are_problems_with_the_messages_the_cli_gives(client, tmp_path):
    body = _problem(client.get("/api/v1/checklist", params={"phase": "nosuchphase"}), 400)
    assert body["detail"] == _cli_error(["checklist", "--phase", "nosuchphase"], tmp_path)
    body = _problem(client.post("/api/v1/progress/tick", json={"step": "skr-kartlagga-och-analysera-99"}), 400)
    assert body["detail"] == _cli_error(["progress", "done", "skr-kartlagga-och-analysera-99"], tmp_path)
    body = _problem(client.post("/api/v1/ask", json={"question": " \x01 "}), 400)
    assert body["detail"] == _cli_error(["ask", " \x01 "], tmp_path) == "error: the question is empty"
    body = _problem(client.get("/api/v1/guides/nosuchguide/lines"), 404)
    assert body["detail"].startswith("error: unknown guide 'nosuchguide'; valid ids: skr")
    _problem(client.get("/api/v1/guides/skr/lines", params={"start": 1, "end": 10**6}), 400)
    _problem(client.post("/api/v1/ask", json={"question": "x", "conversation_id": "nope"}), 404)
    _problem(client.post("/api/v1/ask", json={}), 422)
    _problem(client.get("/api/v1/nothing-here"), 404)
    body = _problem(client.get("/api/v1/checklist", params={"project": "no such project"}), 404)
    assert "unknown project 'no such project'" in body["detail"]


# --- ticks: idempotent, none lost ------------------------------------------------------------------------


def _steps(client, n: int, phase: str) -> list[str]:
    rows = client.get("/api/v1/checklist", params={"phase": phase}).json()
    return [s["id"] for a in rows for s in a["steps"]][:n]


def test_a_tick_replayed_with_its_idempotency_key_answers_the_same_and_logs_once(client, app):
    client.post("/api/v1/projects", json={"name": "idempotent"})
    step = _steps(client, 1, "plan")[0]
    first = client.post("/api/v1/progress/tick", json={"step": step, "project": "idempotent"}, headers={"Idempotency-Key": "k-1"})
    again = client.post("/api/v1/progress/tick", json={"step": step, "project": "idempotent"}, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"project": "idempotent", "step": step, "done": True, "changed": True}
    plain = client.post("/api/v1/progress/tick", json={"step": step, "project": "idempotent"})
    assert plain.json()["changed"] is False  # ticking a done step changes nothing
    log = app.state.web.library.log("idempotent", None)
    assert [(e.action, e.target) for e in log if e.action == "done"] == [("done", step)]
    undo = client.post("/api/v1/progress/untick", json={"step": step, "project": "idempotent"}, headers={"Idempotency-Key": "k-1"})
    assert undo.json()["done"] is False and undo.json()["changed"] is True  # the key is per operation


def test_concurrent_ticks_from_many_threads_lose_nothing(client, app):
    client.post("/api/v1/projects", json={"name": "crowd"})
    steps = _steps(client, 48, "prepare")
    assert len(steps) == 48
    errors: list[str] = []

    def worker(mine: list[str], who: int) -> None:
        for s in mine:
            r = client.post("/api/v1/progress/tick", json={"step": s, "project": "crowd", "user": f"person-{who}"})
            if r.status_code != 200:
                errors.append(r.text)

    threads = [threading.Thread(target=worker, args=(steps[i::12], i)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    done = {s["id"] for a in client.get("/api/v1/checklist", params={"project": "crowd"}).json() for s in a["steps"] if s["done"]}
    assert set(steps) <= done
    log = [e for e in app.state.web.library.log("crowd", None) if e.action == "done"]
    assert sorted(e.target for e in log) == sorted(steps)
    assert {e.user for e in log} == {f"person-{i}" for i in range(12)}


def test_questions_asked_at_once_are_all_answered(client):
    results: list[int] = []
    questions = ["Who signs the contract?", "Vem tecknar avtalet?", "Hvem har ansvar for gevinstrealisering?", "What is a pilot?"]
    threads = [
        threading.Thread(target=lambda q=q: results.append(client.post("/api/v1/ask", json={"question": q}).status_code)) for q in questions
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert results == [200] * len(questions)


def test_projects_are_listed_created_and_refused_twice(client):
    r = client.post("/api/v1/projects", json={"name": "Trygghetslarm 2027"})
    assert r.status_code == 201 and r.json()["name"] == "Trygghetslarm 2027"
    _problem(client.post("/api/v1/projects", json={"name": "Trygghetslarm 2027"}), 409)
    assert "Trygghetslarm 2027" in [p["name"] for p in client.get("/api/v1/projects").json()]


# --- the pages -------------------------------------------------------------------------------------------


def test_a_form_without_the_csrf_token_is_refused(client):
    _csrf(client)
    r = client.post("/ask", data={"question": "Who signs the contract?"})
    assert r.status_code == 403
    r = client.post("/checklist/tick", data={"step": _steps(client, 1, "plan")[0], "csrf": "forged"})
    assert r.status_code == 403


def test_asking_through_the_form_redirects_to_the_answer(client):
    r = client.post("/ask", data={"question": "Who signs the contract?", "csrf": _csrf(client)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/c/")
    page = client.get(r.headers["location"])
    assert 'class="cite" href="/guides/' in page.text
    assert 'lang="sv"' in page.text  # the guides' excerpts carry their language


def test_every_page_sends_the_security_headers(client):
    for path in ("/", "/checklist", "/projects", "/guides", "/guides/veien?lines=10-12", "/api/v1/projects", "/static/style.css"):
        r = client.get(path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["x-request-id"]


def test_guide_text_and_names_are_never_markup(client):
    name = "<script>alert(1)</script>"
    assert client.post("/api/v1/projects", json={"name": name}).status_code == 201
    page = client.get("/projects").text
    assert name not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.replace('<script src="/static/htmx.min.js" defer></script>', "")


def test_the_language_follows_accept_language_and_the_switch(client):
    client.cookies.pop("ga_lang", None)
    r = client.get("/", headers={"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"})
    assert '<html lang="sv">' in r.text and "Fråga vägledningarna" in r.text
    r = client.get("/", headers={"Accept-Language": "nb-NO,nb;q=0.9"})
    assert '<html lang="nb">' in r.text and "Spør veiledningene" in r.text
    r = client.get("/lang/no?next=/checklist", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/checklist"
    r = client.get("/checklist", headers={"Accept-Language": "en"})
    assert '<html lang="nb">' in r.text and "Sjekkliste" in r.text
    assert 'lang="nb"' in r.text and 'lang="sv"' in r.text  # the guides' own wording, each in its language
    assert client.get("/lang/en?next=//evil.example", follow_redirects=False).headers["location"] == "/"
    client.cookies.pop("ga_lang", None)


def test_exports_are_downloads_that_open(client):
    import docx
    import openpyxl

    xlsx = client.get("/checklist/checklist.xlsx", params={"phase": "prepare"})
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames
    word = client.get("/checklist/checklist.docx")
    assert word.status_code == 200 and docx.Document(io.BytesIO(word.content)).paragraphs
    cid = client.post("/api/v1/ask", json={"question": "Who signs the contract?"}).json()["conversation_id"]
    conv = client.get(f"/c/{cid}/conversation.docx")
    assert conv.status_code == 200
    assert "Who signs the contract?" in "\n".join(p.text for p in docx.Document(io.BytesIO(conv.content)).paragraphs)


def test_access_logs_hold_route_status_and_latency_only(client, caplog):
    secret = "Zebrafinch Quasimodo procurement?"
    with caplog.at_level(logging.INFO, logger="guide_assistant.web.access"):
        client.post("/api/v1/ask", json={"question": secret})
        client.get("/api/v1/search", params={"q": secret})
        client.post("/ask", data={"question": secret, "csrf": _csrf(client)})
    records = [r for r in caplog.records if r.name == "guide_assistant.web.access"]
    assert len(records) >= 3
    for r in records:
        line = json.loads(r.getMessage())
        assert set(line) == {"request_id", "method", "route", "status", "ms"}
        assert "Zebrafinch" not in r.getMessage() and "testclient" not in r.getMessage()
    assert {"/api/v1/ask", "/api/v1/search", "/ask"} <= {json.loads(r.getMessage())["route"] for r in records}


# --- the access token -------------------------------------------------------------------------------------


def test_with_a_token_every_request_must_carry_it(app):
    guarded = create_app(library=app.state.web.library, token="s3cret-token")
    with TestClient(guarded) as c:
        _problem(c.get("/api/v1/projects"), 401)
        assert c.get("/api/v1/projects", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
        assert c.get("/api/v1/projects", headers={"Authorization": "Bearer wrong"}).status_code == 401
        r = c.get("/checklist", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        login = c.get("/login")
        assert login.status_code == 200
        bad = c.post("/login", data={"token": "wrong", "csrf": c.cookies["ga_csrf"], "next": "/checklist"})
        assert bad.status_code == 401
        ok = c.post("/login", data={"token": "s3cret-token", "csrf": c.cookies["ga_csrf"], "next": "/checklist"}, follow_redirects=False)
        assert ok.status_code == 303 and ok.headers["location"] == "/checklist"
        assert c.get("/checklist").status_code == 200


def test_serve_refuses_a_public_address_without_a_token(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "GUIDE_ASSISTANT_TOKEN"}
    out = subprocess.run(
        CLI + ["serve", "--host", "0.0.0.0", "--port", "1"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )
    assert out.returncode == 2
    assert "0.0.0.0 is not a loopback address: give an access token (--token or GUIDE_ASSISTANT_TOKEN)" in out.stderr
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and not is_loopback("0.0.0.0")
