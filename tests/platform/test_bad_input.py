"""Bad input on every form: a message per field, the input kept, nothing saved, never a 500."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role, Team, User
from casework.extensions import db
from casework.forms import clean_text, normalise_time
from tests import factories

OVERLONG = "x" * 5000
ODD_UNICODE = "\u202eevil\u0000\u200b\U0001f600 Zoë Ǆ \ud7ff"


@dataclass
class FormCase:
    name: str
    role: Role
    path: str
    valid: dict[str, str]
    text_fields: list[str]
    choice_fields: list[str] = field(default_factory=list)


def _forms(team_id: int, user_id: int) -> list[FormCase]:
    return [
        FormCase(
            "new user",
            Role.ADMIN,
            "/admin/users/new",
            {"full_name": "Ann Example", "email": "ann@casework.police.uk", "role": "officer", "team_id": str(team_id)},
            ["full_name", "email"],
            ["role", "team_id"],
        ),
        FormCase(
            "edit user",
            Role.ADMIN,
            f"/admin/users/{user_id}",
            {
                "full_name": "Bo Example",
                "email": "bo@casework.police.uk",
                "role": "officer",
                "team_id": str(team_id),
                "version": "1",
            },
            ["full_name", "email"],
            ["role", "team_id"],
        ),
        FormCase("new team", Role.ADMIN, "/admin/teams", {"name": "Some team"}, ["name"]),
        FormCase("rename team", Role.ADMIN, f"/admin/teams/{team_id}", {"name": "Renamed"}, ["name"]),
        FormCase(
            "change password",
            Role.OFFICER,
            "/account/password",
            {
                "current_password": factories.PASSWORD,
                "new_password": "long enough passphrase",
                "confirm_password": "long enough passphrase",
            },
            ["current_password", "new_password", "confirm_password"],
        ),
    ]


def _changes() -> int:
    return db.session.execute(
        select(func.count(AuditEvent.id)).where(AuditEvent.action.in_([AuditAction.CREATE, AuditAction.UPDATE]))
    ).scalar_one()


@pytest.fixture
def form_cases(db_session):
    team = factories.TeamFactory()
    user = factories.UserFactory(role=Role.OFFICER, team=team)
    return _forms(team.id, user.id)


def _bad_variants(case: FormCase):
    for name in case.text_fields:
        yield f"{name} empty", {**case.valid, name: ""}, name
        yield f"{name} overlong", {**case.valid, name: OVERLONG}, name
        yield f"{name} whitespace only", {**case.valid, name: " \t\u00a0 "}, name
    for name in case.choice_fields:
        yield f"{name} wrong type", {**case.valid, name: "not-a-number-or-choice"}, name
        yield f"{name} missing", {key: value for key, value in case.valid.items() if key != name}, name


def test_every_form_refuses_bad_input_field_by_field(make_client, form_cases):
    clients = {role: make_client(role)[0] for role in {case.role for case in form_cases}}
    for case in form_cases:
        client = clients[case.role]
        for label, data, field_name in _bad_variants(case):
            before = _changes()
            response = client.post_form(case.path, data)
            page = response.get_data(as_text=True)
            assert response.status_code == 200, f"{case.name} / {label}: {response.status_code}"
            assert "govuk-error-summary" in page, f"{case.name} / {label}: no error summary"
            assert f'href="#{field_name}"' in page, f"{case.name} / {label}: no message linked to {field_name}"
            assert _changes() == before, f"{case.name} / {label}: something was saved"


def test_odd_unicode_never_breaks_a_form(make_client, form_cases):
    clients = {role: make_client(role)[0] for role in {case.role for case in form_cases}}
    for case in form_cases:
        for name in case.text_fields:
            response = clients[case.role].post_form(case.path, {**case.valid, name: ODD_UNICODE})
            assert response.status_code in (200, 302), f"{case.name} / {name}: {response.status_code}"


def test_invalid_utf8_bytes_are_not_a_server_error(admin_client):
    client, _ = admin_client
    token = client.csrf_token()
    body = b"csrf_token=" + token.encode() + b"&name=%FF%FE%00bad"
    response = client.post("/admin/teams", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 302)


def test_a_nul_character_is_removed_rather_than_crashing_postgresql(admin_client):
    client, _ = admin_client
    client.post_form("/admin/teams", {"name": "Nul\u0000 team"})
    assert db.session.execute(select(Team).where(Team.name == "Nul team")).scalar_one()


def test_user_input_is_kept_when_the_form_comes_back(admin_client):
    client, _ = admin_client
    response = client.post_form(
        "/admin/users/new", {"full_name": "Keep Me", "email": "not an email", "role": "officer", "team_id": "0"}
    )
    page = response.get_data(as_text=True)
    assert 'value="Keep Me"' in page
    assert 'value="not an email"' in page


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    full_name=st.text(max_size=300),
    email=st.one_of(st.text(max_size=300), st.emails()),
    role=st.one_of(st.sampled_from([role.value for role in Role]), st.text(max_size=20)),
    team_id=st.one_of(st.integers(min_value=-(2**63), max_value=2**63).map(str), st.text(max_size=10)),
)
def test_new_user_form_never_fails_and_never_half_saves(admin_client, full_name, email, role, team_id):
    client, _ = admin_client
    users_before = db.session.execute(select(func.count(User.id))).scalar_one()
    response = client.post_form(
        "/admin/users/new", {"full_name": full_name, "email": email, "role": role, "team_id": team_id}
    )
    assert response.status_code == 200
    users_after = db.session.execute(select(func.count(User.id))).scalar_one()
    page = response.get_data(as_text=True)
    if "temporary-password" in page:
        assert users_after == users_before + 1
    else:
        assert "govuk-error-summary" in page
        assert users_after == users_before


@pytest.mark.parametrize("huge", [2**31, 2**40, 2**63, 2**64 + 5, 10**30])
def test_ids_beyond_the_id_columns_are_a_404_in_every_route(app, make_client, huge):
    """PostgreSQL's 32-bit keys refuse anything larger, SQLite cannot bind beyond 64 bits (each a 500 before):
    the route converter refuses them first."""
    clients = [make_client(role)[0] for role in (Role.OFFICER, Role.ADMIN)]
    adapter = app.url_map.bind("localhost")
    checked = 0
    for rule in app.url_map.iter_rules():
        ids = [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]
        if not ids:
            continue
        others = {name: getattr(rule._converters.get(name), "items", ["x"]) for name in rule.arguments}
        values = {name: huge if name in ids else sorted(others[name])[0] for name in rule.arguments}
        path = adapter.build(rule.endpoint, values)
        for client in clients:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(path, method=method)
                assert response.status_code in {400, 404}, (method, path, response.status_code)
                checked += 1
    assert checked > 20


def test_text_loses_direction_overrides_but_keeps_what_right_to_left_writing_needs():
    """A right-to-left override (U+202E) before "evil" shows it as "live": names must read as they are."""
    assert clean_text("Smith\u202eevil\u202c") == "Smithevil"
    assert clean_text("\u2067Ali\u2069 Khan") == "Ali Khan"
    assert clean_text("\u200fمرحبا\u200e and Zoë\u200d") == "\u200fمرحبا\u200e and Zoë\u200d"
    assert clean_text("\u202e\u2066") == ""


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("9am", "09:00"),
        ("9.30pm", "21:30"),
        ("0930", "09:30"),
        ("14:30", "14:30"),
        ("12am", "00:00"),
        ("12pm", "12:00"),
        (" 7 PM ", "19:00"),
        ("12.15 a.m.", "00:15"),
        ("9", "9"),  # morning or evening: left for the field to refuse
        ("13pm", "13pm"),
        ("24:00", "24:00"),
        ("9:75", "9:75"),
        ("teatime", "teatime"),
    ],
)
def test_times_are_taken_as_people_write_them_and_nonsense_is_left_for_the_check(typed, kept):
    assert normalise_time(typed) == kept
