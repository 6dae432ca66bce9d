"""The public report form: each kind of reporter, the danger stop, abuse resistance, privacy of pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditAction, AuditEvent
from casework.cases.models import ReporterType
from casework.db import utcnow
from casework.errors import DomainError
from casework.extensions import db
from casework.intake import questions, service
from casework.intake.models import OnlineReport, ReportDraft, ReportStatus
from tests.intake.helpers import (
    anonymous_answers,
    answer,
    day,
    fill_in,
    form_data,
    send_report,
    start,
    third_party_answers,
    victim_answers,
)


def _report(reference: str) -> OnlineReport:
    return db.session.execute(sa.select(OnlineReport).where(OnlineReport.reference == reference)).scalar_one()


def _drafts() -> list[ReportDraft]:
    return list(db.session.execute(sa.select(ReportDraft)).scalars())


def _reports() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(OnlineReport)).scalar_one()


def test_a_victims_report_is_kept_as_sent_and_audited(client):
    answers = victim_answers()
    reference = send_report(client, answers)

    report = _report(reference)
    assert report.status == ReportStatus.NEW
    assert report.reporter_type == ReporterType.VICTIM
    assert report.answers == answers
    assert report.urgent is False
    assert _drafts() == []
    row = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.object_type == "online_report", AuditEvent.object_id == str(report.id))
    ).scalar_one()
    assert row.action == AuditAction.CREATE
    assert row.user_id is None and row.actor == service.PUBLIC_ACTOR
    assert row.detail == {"reference": reference, "reporter_type": "victim", "urgent": False}
    assert row.ip_address == "127.0.0.1"


def _tables_containing(marker: str) -> list[str]:
    """Every table of the database whose rows, as text (all columns), contain ``marker``."""
    tables = sa.inspect(db.session.connection()).get_table_names()
    found = []
    for table in tables:
        statement = sa.text(f'SELECT count(*) FROM "{table}" AS t WHERE t::text ILIKE :pattern')  # noqa: S608
        if db.session.execute(statement, {"pattern": f"%{marker}%"}).scalar_one():
            found.append(table)
    return found


def test_an_anonymous_report_stores_no_identity_anywhere(client):
    address, agent = "203.0.113.77", "MarkerAgent/9.9"
    environ = {"environ_base": {"REMOTE_ADDR": address, "HTTP_USER_AGENT": agent}}
    csrf = start(client, **environ)
    # They begin as the victim and give their name and contact details, then choose to stay anonymous.
    named = victim_answers(
        victim_self={"first_name": "Zebedee", "last_name": "Quuxworth", "date_of_birth": "1990-01-02"},
        contact={"phone": "07700 987654", "email": "zebedee@marker-example.org", "preferred": "phone"},
    )
    fill_in(client, named, csrf, **environ)
    assert "Quuxworth" in str(_drafts()[0].answers)
    answer(client, 2, {"reporter_type": "anonymous"}, csrf, **environ)
    assert "Quuxworth" not in str(_drafts()[0].answers)  # dropped at once, not only when sent
    # Pages only asked of named reporters are not open to an anonymous one.
    assert answer(client, 12, {"first_name": "Zebedee", "last_name": "Quuxworth"}, csrf, **environ).status_code == 302
    response = client.post("/report/check", data={"csrf_token": csrf}, **environ)
    assert response.headers["Location"] == "/report/sent"

    report = db.session.execute(sa.select(OnlineReport)).scalar_one()
    assert report.reporter_type == ReporterType.ANONYMOUS
    assert set(report.answers) == {key for key in anonymous_answers() if key != "place"} | {"place"}
    for marker in ("Zebedee", "Quuxworth", "07700 987654", "zebedee@marker", "1990-01-02", address, agent):
        assert _tables_containing(marker) == [], marker
    audit_rows = list(db.session.execute(sa.select(AuditEvent)).scalars())
    assert audit_rows and all(row.ip_address is None and row.user_id is None for row in audit_rows)


def test_an_anonymous_reporter_is_never_asked_for_contact_details(client):
    csrf = start(client)
    fill_in(client, anonymous_answers(), csrf)
    asked = [question.key for question in questions.asked(_drafts()[0].answers)]
    assert not {"victim_self", "victim_other", "reporter_details", "contact", "safe", "needs"} & set(asked)
    assert client.get("/report/check").status_code == 200


def test_a_third_partys_report_keeps_the_reporter_and_the_victim_apart(client):
    reference = send_report(client, third_party_answers())
    answers = _report(reference).answers
    assert answers["reporter_details"]["last_name"] == "Reporterova"
    assert answers["victim_other"]["last_name"] == "Targetson"
    assert "victim_self" not in answers
    assert answers["victim_contact"] == {"contact_victim": "via_reporter"}


def test_a_witness_is_asked_about_themselves_and_the_victim_separately(client):
    csrf = start(client)
    answers = third_party_answers()
    answers["reporter"] = {"reporter_type": "witness"}
    del answers["victim_contact"]
    fill_in(client, answers, csrf)
    keys = set(_drafts()[0].answers)
    assert {"reporter_details", "victim_other"} <= keys and "victim_contact" not in keys


def test_someone_in_danger_now_is_told_to_call_999_and_the_form_stops(client):
    csrf = start(client)
    response = answer(client, 1, {"danger": "now"}, csrf)
    assert response.headers["Location"] == "/report/help"
    page = client.get("/report/help").get_data(as_text=True)
    for route in ("Call 999 now", "18000", "emergencySMS", "999 BSL", "press 55"):
        assert route in page
    for blocked in ("/report/q/2", "/report/q/8", "/report/check"):
        assert client.get(blocked).headers["Location"] == "/report/help"
    assert answer(client, 2, {"reporter_type": "victim"}, csrf).headers["Location"] == "/report/help"
    with pytest.raises(DomainError, match="call 999"):
        service.check_complete({"danger": {"danger": "now"}})


def test_once_999_has_been_called_the_report_goes_on_and_is_marked_urgent(client):
    answers = anonymous_answers(danger="called")
    reference = send_report(client, answers)
    assert _report(reference).urgent is True


def test_sending_is_limited_per_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "INTAKE_SUBMIT_RATE_LIMIT", "2 per hour")
    environ = {"environ_base": {"REMOTE_ADDR": "198.51.100.23"}}
    send_report(client, anonymous_answers(), **environ)
    send_report(client, anonymous_answers(), **environ)
    csrf = start(client, **environ)
    fill_in(client, anonymous_answers(), csrf, **environ)
    refused = client.post("/report/check", data={"csrf_token": csrf}, **environ)
    assert refused.status_code == 429
    assert "Too many reports from this connection" in refused.get_data(as_text=True)
    assert "Exit this page" in refused.get_data(as_text=True)
    assert _reports() == 2
    # Someone else, at another address, is not held up.
    send_report(client, anonymous_answers(), environ_base={"REMOTE_ADDR": "198.51.100.24"})


def test_a_body_over_the_size_limit_is_refused_and_nothing_is_kept(client):
    csrf = start(client)
    fill_in(client, {key: anonymous_answers()[key] for key in ("danger", "reporter", "behaviours")}, csrf)
    for number, data in ((4, {"frequency": "few"}), (5, {"started_on": ["1", "1", "2026"]})):
        answer(client, number, data, csrf)
    answer(client, 6, {"latest_on": ["2", "1", "2026"]}, csrf)
    answer(client, 7, {"location": ""}, csrf)
    response = answer(client, 8, {"description": "x" * 70_000}, csrf)
    assert response.status_code == 413
    assert "Your answer is too long" in response.get_data(as_text=True)
    assert "description" not in _drafts()[0].answers


def test_an_answer_over_its_length_limit_gets_a_clear_message_and_is_not_kept(client):
    csrf = start(client)
    fill_in(client, {key: anonymous_answers()[key] for key in ("danger", "reporter", "behaviours", "frequency")}, csrf)
    answer(client, 5, {"started_on": ["1", "1", "2026"]}, csrf)
    answer(client, 6, {"latest_on": ["2", "1", "2026"]}, csrf)
    answer(client, 7, {"location": ""}, csrf)
    response = answer(client, 8, {"description": "y" * 5001}, csrf)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tell us what happened must be 5000 characters or fewer" in page
    assert "<title>Error: Report – question 8" in page
    assert "description" not in _drafts()[0].answers


ASKED_BEFORE = {1: (), 3: ("danger", "reporter"), 5: ("danger", "reporter", "behaviours", "frequency")}


@pytest.mark.parametrize(
    ("number", "data", "message"),
    [
        (1, {"danger": "maybe"}, "Select whether anyone is in immediate danger"),
        (1, {}, "Select whether anyone is in immediate danger"),
        (3, {"behaviours": ["following", "burglary"]}, "Select from the list"),
        (5, {"started_on": ["31", "2", "2026"]}, "When did it start? must be a real date"),
        (5, {"started_on": ["a", "b", "c"]}, "When did it start? must be a real date"),
        (5, {"started_on": ["1", "1", "2999"]}, "When did it start? must be a real date"),
        (5, {}, "Enter the date it started"),
    ],
)
def test_malformed_answers_get_a_message_and_nothing_is_kept(client, number, data, message):
    csrf = start(client)
    fill_in(client, {key: anonymous_answers()[key] for key in ASKED_BEFORE[number]}, csrf)
    before = dict(_drafts()[0].answers)
    response = answer(client, number, data, csrf)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _drafts()[0].answers == before


def test_a_date_in_the_future_or_out_of_order_is_refused(client):
    csrf = start(client)
    fill_in(client, {key: anonymous_answers()[key] for key in ("danger", "reporter", "behaviours", "frequency")}, csrf)
    tomorrow = utcnow() + timedelta(days=2)
    future = answer(client, 5, {"started_on": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)]}, csrf)
    assert "When did it start? must be today or in the past" in future.get_data(as_text=True)
    answer(client, 5, {"started_on": ["10", "1", "2026"]}, csrf)
    backwards = answer(client, 6, {"latest_on": ["9", "1", "2026"]}, csrf)
    assert "must be the same as or after the date it started" in backwards.get_data(as_text=True)
    assert "latest" not in _drafts()[0].answers


def test_the_service_checks_every_answer_whatever_the_form_said(db_session):
    draft, _ = service.start_draft()
    danger, reporter = questions.BY_KEY["danger"], questions.BY_KEY["reporter"]
    with pytest.raises(DomainError, match="immediate danger"):
        service.save_answer(draft, danger, {"danger": "perhaps"})
    with pytest.raises(DomainError, match="does not belong"):
        service.save_answer(draft, danger, {"danger": "no", "name": "Sneaky"})
    service.save_answer(draft, danger, {"danger": "no"})
    service.save_answer(draft, reporter, {"reporter_type": "anonymous"})
    with pytest.raises(DomainError, match="not part of this report"):
        service.save_answer(draft, questions.BY_KEY["victim_self"], {"first_name": "A", "last_name": "B"})
    with pytest.raises(DomainError, match="5000 characters"):
        service.save_answer(draft, questions.BY_KEY["description"], {"description": "z" * 5001})
    with pytest.raises(DomainError, match="today or in the past"):
        service.save_answer(draft, questions.BY_KEY["started"], {"started_on": "2999-01-01"})
    with pytest.raises(DomainError, match="real date"):
        service.save_answer(draft, questions.BY_KEY["started"], {"started_on": "2026-02-31"})
    with pytest.raises(DomainError, match="Select from the list"):
        service.save_answer(draft, questions.BY_KEY["behaviours"], {"behaviours": ["arson"]})
    with pytest.raises(DomainError, match="Answer ‘What has been happening\\?’"):
        service.check_complete(draft.answers)
    named = victim_answers()
    with pytest.raises(DomainError, match="Enter a phone number"):
        questions.clean_answer(
            questions.BY_KEY["contact"], {"phone": None, "email": "a@b.test", "preferred": "phone"}, named
        )
    for field, phone, email in [
        ("phone", "not a phone", None),
        ("phone", "123", None),
        ("email", "07700 900001", "nope@"),
        ("email", "07700 900001", "name at example.org"),
    ]:
        with pytest.raises(DomainError) as refused:
            questions.clean_answer(
                questions.BY_KEY["contact"], {"phone": phone, "email": email, "preferred": "phone"}, named
            )
        assert refused.value.field == field and "like" in str(refused.value)
    cleaned = questions.clean_answer(
        questions.BY_KEY["contact"], {"phone": "18001 07700 900001", "email": None, "preferred": "textphone"}, named
    )
    assert cleaned["phone"] == "18001 07700 900001"
    with pytest.raises(DomainError, match="identify them"):
        questions.clean_answer(
            questions.BY_KEY["suspect"],
            {"first_name": None, "last_name": None, "other_names": None, "relationship": "unknown", "details": None},
            named,
        )


def test_a_filled_in_honeypot_looks_sent_but_nothing_is_kept(client):
    csrf = start(client)
    fill_in(client, anonymous_answers(), csrf)
    response = client.post("/report/check", data={"csrf_token": csrf, "website": "http://spam.example"})
    assert response.headers["Location"] == "/report/sent"
    assert re.search(r"R-[A-Z2-9]{4}-[A-Z2-9]{4}", client.get("/report/sent").get_data(as_text=True))
    assert _reports() == 0 and _drafts() == []
    refusal = db.session.execute(sa.select(AuditEvent)).scalar_one()
    assert refusal.action == AuditAction.ACCESS_DENIED and refusal.object_type == "online_report"
    assert refusal.ip_address is None and "spam" not in str(refusal.detail)


def test_answers_can_be_changed_from_check_your_answers(client):
    csrf = start(client)
    fill_in(client, anonymous_answers(), csrf)
    page = client.get("/report/check").get_data(as_text=True)
    assert 'href="/report/q/8"' in page and "Change<span" in page
    changed = answer(client, 8, {"description": "Changed my mind about the wording."}, csrf)
    assert changed.headers["Location"] == "/report/check"
    assert "Changed my mind about the wording." in client.get("/report/check").get_data(as_text=True)


def test_answers_expire_after_an_hour_without_activity(client):
    csrf = start(client)
    answer(client, 1, {"danger": "no"}, csrf)
    db.session.execute(sa.update(ReportDraft).values(last_active_at=utcnow() - timedelta(minutes=61)))
    response = client.get("/report/q/2")
    assert response.headers["Location"] == "/report"
    assert "you did not do anything for an hour" in client.get("/report").get_data(as_text=True)
    assert _drafts() == []
    assert client.get("/report/q/2").headers["Location"] == "/report"


def test_activity_keeps_answers_and_the_clean_up_deletes_only_stale_drafts(client, db_session):
    fresh, _ = service.start_draft()
    stale, _ = service.start_draft()
    stale.last_active_at = utcnow() - timedelta(hours=2)
    db.session.flush()
    from worker.tasks import purge_report_drafts

    assert purge_report_drafts.apply().get() == 1
    assert [draft.id for draft in _drafts()] == [fresh.id]


def _check_public_page(path: str, response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, path
    assert response.headers["Cache-Control"] == "no-store", path
    cookies = {header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")}
    assert cookies <= {"casework_session"}, (path, cookies)
    page = response.get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert re.fullmatch(r"Report – [a-z0-9 ]+ – Police online form", title.strip()), title
    assert not re.search(r"stalk|harass|danger|999|victim", title + path, re.I), path
    assert "govuk-exit-this-page" in page
    assert "casework-account" not in page  # no staff navigation


def test_every_public_page_is_not_stored_sets_only_the_session_cookie_and_names_no_subject(client):
    for path in ("/report", "/report/help"):
        _check_public_page(path, client.get(path))
    csrf = start(client)
    answers = victim_answers()
    for question in questions.QUESTIONS:
        if question.key in answers:
            path = f"/report/q/{question.number}"
            _check_public_page(path, client.get(path))
            answer(client, question.number, form_data(question, answers[question.key]), csrf)
    _check_public_page("/report/check", client.get("/report/check"))
    client.post("/report/check", data={"csrf_token": csrf})
    _check_public_page("/report/sent", client.get("/report/sent"))


def test_public_reporting_switched_off_answers_404(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_REPORTING", False)
    assert client.get("/report").status_code == 404
    assert client.get("/report/q/1").status_code == 404
    assert client.post("/report/start").status_code == 404
    assert client.post("/report/check").status_code == 404


def test_the_exit_button_goes_to_the_configured_safe_page(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "INTAKE_EXIT_URL", "https://www.example.org/weather")
    page = client.get("/report").get_data(as_text=True)
    assert 'href="https://www.example.org/weather"' in page


def test_the_report_reference_is_random_and_unlike_a_case_reference(db_session):
    references = {service.new_reference() for _ in range(200)}
    assert len(references) == 200
    assert all(re.fullmatch(r"R-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", reference) for reference in references)


def test_record_report_refuses_an_incomplete_report(db_session):
    answers = anonymous_answers()
    del answers["description"]
    with pytest.raises(DomainError, match="Tell us what happened"):
        service.record_report(answers)
    answers = victim_answers(latest={"latest_on": day(0)})
    assert service.record_report(answers).reporter_type == ReporterType.VICTIM
