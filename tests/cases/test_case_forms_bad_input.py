"""Bad input on every case form: a message per field, input kept, nothing saved, never a 500."""

from __future__ import annotations

import re

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases.models import Case, CaseStatus
from casework.db import CONFLICT_MESSAGE
from casework.extensions import db
from tests import factories

OVERLONG = "x" * 10001
VALID_NEW_CASE = factories.new_case_form()


def changes() -> int:
    return db.session.execute(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action.in_([AuditAction.CREATE, AuditAction.UPDATE]))
    ).scalar_one()


def assert_refused(client, path, data, field):  # type: ignore[no-untyped-def]
    before = changes()
    response = client.post_form(path, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, (path, field, response.status_code)
    assert f'href="#{field}' in page, (path, field)
    assert changes() == before, (path, field)


def test_new_case_form_refuses_bad_input_field_by_field(make_client):
    client, _ = make_client(Role.OFFICER)
    cases = [
        ("channel", {"channel": ""}),
        ("channel", {"channel": "carrier pigeon"}),
        ("reporter_type", {"reporter_type": "martian"}),
        ("classification", {"classification": None}),
        ("offence", {"offence": "s99"}),
        ("offence", {"classification": "stalking", "offence": "s4"}),
        ("offence", {"classification": "harassment", "offence": "s2a"}),
        ("reported_on", {"reported_on": ["31", "2", "2026"]}),
        ("reported_on", {"reported_on": ["", "", ""]}),
        ("reported_on", {"reported_on": ["1"]}),
        ("reported_on", {"reported_on": ["aa", "bb", "cccc"]}),
        ("reported_on", {"reported_on": ["1", "1", "2999"]}),
        ("summary", {"summary": "   "}),
        ("summary", {"summary": OVERLONG}),
        ("incident_number", {"incident_number": "9" * 41}),
    ]
    for field, change in cases:
        data = {key: value for key, value in {**VALID_NEW_CASE, **change}.items() if value is not None}
        assert_refused(client, "/cases/new", data, field)


def test_new_case_form_keeps_what_was_typed(make_client):
    client, _ = make_client(Role.OFFICER)
    page = client.post_form("/cases/new", {**VALID_NEW_CASE, "offence": "", "summary": "Keep this text"}).get_data(
        as_text=True
    )
    assert "Keep this text" in page
    assert checked(page, "channel") == ["101"]
    assert checked(page, "reporter_type") == ["victim"]
    assert checked(page, "classification") == ["stalking"]


def checked(page: str, name: str) -> list[str]:
    """The values of the ``name`` radios or boxes the page shows as checked."""
    inputs = [tag for tag in re.findall(r"<input\b[^>]*>", page) if f'name="{name}"' in tag]
    return [re.search(r'value="([^"]*)"', tag)[1] for tag in inputs if re.search(r"\schecked\b", tag)]


def test_case_action_forms_refuse_bad_input(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    case = factories.CaseFactory(
        team=supervisor.team, officer=supervisor, supervisor=supervisor, status=CaseStatus.ALLOCATED
    )
    version = case.version_id
    assert_refused(client, f"/cases/{case.id}/status", {"status": "nonsense", "version": version}, "status")
    assert_refused(
        client,
        f"/cases/{case.id}/status",
        {"status": "investigating", "reason": OVERLONG, "version": version},
        "reason",
    )
    assert_refused(
        client,
        f"/cases/{case.id}/allocate",
        {"officer_id": "abc", "supervisor_id": supervisor.id, "version": version},
        "officer_id",
    )
    assert_refused(
        client, f"/cases/{case.id}/allocate", {"officer_id": 0, "supervisor_id": 0, "version": version}, "officer_id"
    )
    assert_refused(client, f"/cases/{case.id}/close", {"outcome": "vanished", "version": version}, "outcome")
    assert_refused(
        client,
        f"/cases/{case.id}/edit",
        {"classification": "stalking", "offence": "", "summary": "x", "version": version},
        "offence",
    )
    assert_refused(client, f"/cases/{case.id}/log", {"body": "", "visibility": "police_only"}, "body")
    assert_refused(client, f"/cases/{case.id}/log", {"body": "ok", "visibility": "everyone"}, "visibility")
    assert_refused(
        client, f"/cases/{case.id}/access", {"restrict-reason": "", "restrict-submit": "1"}, "restrict-reason"
    )


def test_a_stale_or_garbled_version_is_a_conflict_not_a_crash(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    for version in ("", "abc", "-1", "99999999999999999999"):
        response = client.post_form(
            f"/cases/{case.id}/edit",
            {"classification": "stalking", "offence": "s2a", "summary": "New", "version": version},
        )
        assert response.status_code == 200
        assert CONFLICT_MESSAGE in response.get_data(as_text=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    channel=st.one_of(st.sampled_from(["101", "online", "999"]), st.text(max_size=20)),
    offence=st.one_of(st.sampled_from(["s2", "s2a", "s4", "s4a"]), st.text(max_size=10)),
    day=st.text(max_size=4),
    month=st.one_of(st.integers(-5, 15).map(str), st.text(max_size=3)),
    year=st.one_of(st.integers(1800, 3000).map(str), st.text(max_size=5)),
    summary=st.text(max_size=6000),
    crime_number=st.text(max_size=60),
)
def test_new_case_form_never_fails_and_never_half_saves(
    make_client, channel, offence, day, month, year, summary, crime_number
):
    client, _ = make_client(Role.OFFICER)
    before = db.session.execute(sa.select(sa.func.count(Case.id))).scalar_one()
    response = client.post_form(
        "/cases/new",
        {
            **VALID_NEW_CASE,
            "channel": channel,
            "offence": offence,
            "reported_on": [day, month, year],
            "summary": summary,
            "crime_number": crime_number,
        },
    )
    after = db.session.execute(sa.select(sa.func.count(Case.id))).scalar_one()
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert after == before + 1
    else:
        assert "govuk-error-summary" in response.get_data(as_text=True)
        assert after == before
