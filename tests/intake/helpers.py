"""Answers for each kind of reporter, and a reporter who fills in the public form through HTTP."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from casework.db import utcnow
from casework.intake import questions
from casework.intake.questions import Answers, Kind
from casework.workdays import LONDON

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
REFERENCE = re.compile(r"R-[A-Z2-9]{4}-[A-Z2-9]{4}")


def day(days_ago: int) -> str:
    return (utcnow().astimezone(LONDON).date() - timedelta(days=days_ago)).isoformat()


def _common(reporter_type: str, danger: str = "no") -> Answers:
    return {
        "danger": {"danger": danger},
        "reporter": {"reporter_type": reporter_type},
        "behaviours": {"behaviours": ["following", "contacting"]},
        "frequency": {"frequency": "many"},
        "started": {"started_on": day(30)},
        "latest": {"latest_on": day(2)},
        "place": {"location": "Outside the library"},
        "description": {"description": "He waits outside my work every evening and sends messages all night."},
        "suspect_known": {"known": "yes"},
        "suspect": {
            "first_name": "Gary",
            "last_name": "Stalkerton",
            "other_names": "@gary_watching",
            "relationship": "ex_partner",
            "details": "Drives a red car.",
        },
    }


def victim_answers(**overrides: dict[str, Any]) -> Answers:
    answers = _common("victim")
    answers.update(
        victim_self={"first_name": "Vera", "last_name": "Victimson", "date_of_birth": "1991-04-03"},
        contact={"phone": "07700 900001", "email": "vera@example.org", "preferred": "text"},
        safe={"safe_times": "Weekdays 9am to 12pm", "safe_ways": ["texts", "email"]},
        needs={"language": "Polish", "support": ["interpreter"], "access_needs": "Step-free access"},
    )
    answers.update(overrides)
    return answers


def third_party_answers() -> Answers:
    answers = _common("third_party")
    answers.update(
        reporter_details={"first_name": "Rita", "last_name": "Reporterova", "connection": "Her sister"},
        victim_other={"first_name": "Vicky", "last_name": "Targetson", "date_of_birth": None},
        victim_contact={"contact_victim": "via_reporter"},
        contact={"phone": "07700 900002", "email": None, "preferred": "phone"},
        safe={"safe_times": "Evenings", "safe_ways": []},
        needs={"language": None, "support": [], "access_needs": None},
    )
    return answers


def anonymous_answers(danger: str = "no") -> Answers:
    answers = _common("anonymous", danger)
    answers["description"] = {"description": "I keep seeing a man follow a woman from the bus stop. ANON-MARKER-7731"}
    return answers


def form_data(question: questions.Question, answer: dict[str, Any]) -> dict[str, Any]:
    """What a browser would post for ``answer`` (dates as three boxes)."""
    data: dict[str, Any] = {}
    for spec in question.fields:
        stored = answer.get(spec.name)
        if spec.kind is Kind.DATE:
            if stored:
                when = date.fromisoformat(stored)
                data[spec.name] = [str(when.day), str(when.month), str(when.year)]
        elif spec.kind is Kind.CHOICES:
            data[spec.name] = list(stored or [])
        elif stored is not None:
            data[spec.name] = stored
    return data


def token(client: Any, path: str = "/report") -> str:
    match = TOKEN.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def start(client: Any, **kwargs: Any) -> str:
    csrf = token(client)
    response = client.post("/report/start", data={"csrf_token": csrf}, **kwargs)
    assert response.status_code == 302, response.status_code
    return csrf


def answer(client: Any, number: int, data: dict[str, Any], csrf: str, **kwargs: Any) -> Any:
    return client.post(f"/report/q/{number}", data={**data, "csrf_token": csrf}, **kwargs)


def fill_in(client: Any, answers: Answers, csrf: str, **kwargs: Any) -> None:
    """Answer every question in ``answers`` in order, as the form asks them."""
    for question in questions.QUESTIONS:
        if question.key in answers:
            response = answer(client, question.number, form_data(question, answers[question.key]), csrf, **kwargs)
            assert response.status_code == 302, (question.number, response.get_data(as_text=True)[-3000:])


def send_report(client: Any, answers: Answers, **kwargs: Any) -> str:
    """Fill in and send the form; return the report reference shown."""
    csrf = start(client, **kwargs)
    fill_in(client, answers, csrf, **kwargs)
    response = client.post("/report/check", data={"csrf_token": csrf}, **kwargs)
    assert response.headers.get("Location") == "/report/sent", response.get_data(as_text=True)[-3000:]
    page = client.get("/report/sent", **kwargs).get_data(as_text=True)
    found = REFERENCE.search(page)
    assert found
    assert f"Your report reference<br><strong>{found.group(0)}</strong>" in page  # shown, not printed as markup
    return found.group(0)
