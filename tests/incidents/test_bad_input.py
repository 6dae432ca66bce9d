"""Bad input on the incident and evidence forms: a message on the field at fault, nothing saved, never a 500."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from casework.auth.models import Role
from casework.db import CONFLICT_MESSAGE, utcnow
from casework.extensions import db
from casework.incidents.forms import DESCRIPTION_MAX, EVIDENCE_DESCRIPTION_MAX, LOCATION_MAX, REFERENCE_MAX
from casework.incidents.models import Behaviour, EvidenceItem, Incident
from casework.workdays import LONDON
from tests import factories
from tests.incidents.test_recording import date_boxes, incident_data, london_today

ODD_UNICODE = "\u202eevil\u0000\u200b\U0001f600 Zoë Ǆ \ud7ff\ufeff"


def count(model) -> int:
    return db.session.execute(select(func.count(model.id))).scalar_one()


@pytest.fixture
def officer_case(make_client):
    client, officer = make_client(Role.OFFICER)
    return client, officer, factories.allocated_case(officer)


def _tomorrow() -> list[str]:
    return date_boxes(london_today() + timedelta(days=1))


def _last_week() -> list[str]:
    return date_boxes(london_today() - timedelta(days=7))


INCIDENT_VARIANTS = [
    ("description empty", {"description": ""}, "description"),
    ("description whitespace only", {"description": " \t\u00a0 "}, "description"),
    ("description overlong", {"description": "x" * (DESCRIPTION_MAX + 1)}, "description"),
    ("location overlong", {"location": "x" * (LOCATION_MAX + 1)}, "location"),
    ("date missing", {"occurred_on": ["", "", ""]}, "occurred_on-day"),
    ("date absent from the request", {"occurred_on": None}, "occurred_on-day"),
    ("date impossible", {"occurred_on": ["31", "2", "2025"]}, "occurred_on-day"),
    ("date not numbers", {"occurred_on": ["x", "y", "z"]}, "occurred_on-day"),
    ("date year too big", {"occurred_on": ["1", "1", "99999"]}, "occurred_on-day"),
    ("date too few boxes", {"occurred_on": ["1"]}, "occurred_on-day"),
    ("date in the future", {"occurred_on": _tomorrow()}, "occurred_on-day"),
    ("time not a time", {"occurred_at": "teatime"}, "occurred_at"),
    ("time out of range", {"occurred_at": "24:00"}, "occurred_at"),
    ("end date impossible", {"ended_on": ["30", "2", "2025"]}, "ended_on-day"),
    ("end date partly typed", {"ended_on": ["", "3", "2025"]}, "ended_on-day"),
    ("end date before start", {"ended_on": ["1", "1", "2020"]}, "ended_on-day"),
    ("end date in the future", {"ended_on": _tomorrow()}, "ended_on-day"),
    ("end time before start", {"occurred_on": _last_week(), "occurred_at": "14:00", "ended_at": "13:59"}, "ended_at"),
    ("end time not a time", {"ended_at": "1 in the afternoon"}, "ended_at"),
    ("behaviour not on the list", {"behaviours": ["following", "hacking"]}, "behaviours"),
    ("channel not on the list", {"how_reported": "pigeon"}, "how_reported"),
]


@pytest.mark.parametrize(("label", "changes", "anchor"), INCIDENT_VARIANTS, ids=[v[0] for v in INCIDENT_VARIANTS])
def test_bad_incident_input_gets_a_message_on_the_field_and_saves_nothing(officer_case, label, changes, anchor):
    client, _, case = officer_case
    before = count(Incident)
    data = {key: value for key, value in incident_data(**changes).items() if value is not None}
    response = client.post_form(f"/cases/{case.id}/incidents/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, label
    assert "govuk-error-summary" in page, label
    assert f'href="#{anchor}"' in page, label
    assert count(Incident) == before, label


def test_a_time_later_today_is_in_the_future(officer_case):
    client, _, case = officer_case
    later = utcnow().astimezone(LONDON) + timedelta(minutes=5)
    if later.date() != london_today():
        pytest.skip("too close to midnight to type a later time today")
    response = client.post_form(
        f"/cases/{case.id}/incidents/new",
        incident_data(occurred_on=date_boxes(later.date()), occurred_at=later.strftime("%H:%M")),
    )
    assert "The time it happened must not be in the future" in response.get_data(as_text=True)
    assert count(Incident) == 0


def test_bad_input_is_kept_when_the_form_comes_back(officer_case):
    client, _, case = officer_case
    response = client.post_form(
        f"/cases/{case.id}/incidents/new",
        incident_data(occurred_on=["31", "2", "2025"], location="Keep this place", occurred_at="25:61"),
    )
    page = response.get_data(as_text=True)
    assert 'value="Keep this place"' in page
    assert 'value="25:61"' in page
    assert 'value="31"' in page
    assert "Date it happened must be a real date" in page


@pytest.mark.parametrize("field", ["description", "location"])
def test_odd_unicode_never_breaks_the_incident_form(officer_case, field):
    client, _, case = officer_case
    response = client.post_form(f"/cases/{case.id}/incidents/new", incident_data(**{field: ODD_UNICODE}))
    assert response.status_code == 302
    incident = db.session.execute(select(Incident).where(Incident.case_id == case.id)).scalar_one()
    assert "\u0000" not in getattr(incident, field)


def test_bad_input_on_the_edit_form_changes_nothing(officer_case):
    client, officer, case = officer_case
    incident = factories.IncidentFactory(case=case, recorded_by=officer, description="As first recorded")
    response = client.post_form(
        f"/cases/{case.id}/incidents/{incident.id}/edit",
        incident_data(description="", version=incident.version_id),
    )
    assert response.status_code == 200
    assert 'href="#description"' in response.get_data(as_text=True)
    db.session.refresh(incident)
    assert incident.description == "As first recorded"


def test_a_missing_or_garbled_version_is_a_conflict_not_a_crash(officer_case):
    client, officer, case = officer_case
    incident = factories.IncidentFactory(case=case, recorded_by=officer, location="Before")
    for stamp in ("", "not-a-number", "\u0000"):
        response = client.post_form(
            f"/cases/{case.id}/incidents/{incident.id}/edit", incident_data(location="After", version=stamp)
        )
        assert response.status_code == 200
        assert CONFLICT_MESSAGE in response.get_data(as_text=True)
    db.session.refresh(incident)
    assert incident.location == "Before"


EVIDENCE_VALID = {"evidence_type": "screenshot", "description": "Messages sent overnight", "reference": "EXH-1"}
EVIDENCE_VARIANTS = [
    ("description empty", {"description": ""}, "description"),
    ("description overlong", {"description": "x" * (EVIDENCE_DESCRIPTION_MAX + 1)}, "description"),
    ("reference overlong", {"reference": "x" * (REFERENCE_MAX + 1)}, "reference"),
    ("type missing", {"evidence_type": None}, "evidence_type"),
    ("type not on the list", {"evidence_type": "hearsay"}, "evidence_type"),
    ("program renamed as a picture", {"file": (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200), "photo.png")}, "file"),
    ("empty file", {"file": (b"", "empty.pdf")}, "file"),
    ("text with control characters", {"file": (b"hello\x00\x01world", "note.txt")}, "file"),
    ("text that is not UTF-8", {"file": (b"caf\xe9 au lait", "note.txt")}, "file"),
]


@pytest.mark.parametrize(("label", "changes", "anchor"), EVIDENCE_VARIANTS, ids=[v[0] for v in EVIDENCE_VARIANTS])
def test_bad_evidence_input_gets_a_message_on_the_field_and_saves_nothing(
    officer_case, evidence_dir, label, changes, anchor
):
    client, officer, case = officer_case
    incident = factories.IncidentFactory(case=case, recorded_by=officer)
    data: dict[str, object] = {**EVIDENCE_VALID, **changes}
    data = {key: value for key, value in data.items() if value is not None}
    if "file" in data:
        content, name = data["file"]  # type: ignore[misc]
        data["file"] = (io.BytesIO(content), name, "image/png")
    response = client.post_form(f"/cases/{case.id}/incidents/{incident.id}/evidence/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, label
    assert f'href="#{anchor}"' in page, label
    assert count(EvidenceItem) == 0, label
    assert not evidence_dir.exists() or not any(evidence_dir.iterdir()), label


def test_a_text_field_posted_as_the_file_is_ignored(officer_case):
    client, officer, case = officer_case
    incident = factories.IncidentFactory(case=case, recorded_by=officer)
    response = client.post_form(
        f"/cases/{case.id}/incidents/{incident.id}/evidence/new", {**EVIDENCE_VALID, "file": "/etc/passwd"}
    )
    assert response.status_code == 302
    item = db.session.execute(select(EvidenceItem)).scalar_one()
    assert item.stored_name is None


BEHAVIOUR_VALUES = [behaviour.value for behaviour in Behaviour]
date_box = st.one_of(st.integers(min_value=-5, max_value=10000).map(str), st.text(max_size=6))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    occurred_on=st.lists(date_box, min_size=0, max_size=4),
    occurred_at=st.one_of(st.sampled_from(["", "00:00", "9:05", "23:59", "24:00", "12.30"]), st.text(max_size=8)),
    ended_on=st.lists(date_box, min_size=0, max_size=4),
    ended_at=st.one_of(st.just(""), st.text(max_size=8)),
    location=st.text(max_size=400),
    behaviours=st.lists(st.one_of(st.sampled_from(BEHAVIOUR_VALUES), st.text(max_size=12)), max_size=4),
    description=st.text(max_size=300),
    how_reported=st.one_of(st.sampled_from(["", "101", "999", "online"]), st.text(max_size=12)),
)
def test_incident_form_never_fails_and_never_half_saves(
    officer_case, occurred_on, occurred_at, ended_on, ended_at, location, behaviours, description, how_reported
):
    client, _, case = officer_case
    before = count(Incident)
    response = client.post_form(
        f"/cases/{case.id}/incidents/new",
        {
            "occurred_on": occurred_on,
            "occurred_at": occurred_at,
            "ended_on": ended_on,
            "ended_at": ended_at,
            "location": location,
            "behaviours": behaviours,
            "description": description,
            "how_reported": how_reported,
        },
    )
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert count(Incident) == before + 1
    else:
        assert "govuk-error-summary" in response.get_data(as_text=True)
        assert count(Incident) == before
