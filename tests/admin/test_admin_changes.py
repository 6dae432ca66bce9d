from __future__ import annotations

import re

from sqlalchemy import select

from casework.admin.forms import NO_SERVICE, NO_TEAM
from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role, Team, User
from casework.db import CONFLICT_MESSAGE
from casework.extensions import db
from tests import factories
from tests.conftest import sign_in


def audit_for(object_type: str, object_id: int) -> list[AuditEvent]:
    return list(
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.id)
        ).scalars()
    )


def test_admin_creates_a_user_who_must_change_the_issued_password(admin_client, app):
    client, admin = admin_client
    team = factories.TeamFactory()
    response = client.post_form(
        "/admin/users/new",
        {"full_name": "Nia Newcomer", "email": "Nia@Force.police.uk", "role": "officer", "team_id": team.id},
    )
    assert response.status_code == 200
    password = re.search(r'<code id="temporary-password">([^<]+)</code>', response.get_data(as_text=True)).group(1)
    user = db.session.execute(select(User).where(User.email == "nia@force.police.uk")).scalar_one()
    assert user.must_change_password
    [created] = audit_for("user", user.id)
    assert created.action == AuditAction.CREATE
    assert created.user_id == admin.id
    newcomer = app.test_client()
    assert sign_in(newcomer, user, password=password).headers["Location"] == "/sign-in/authenticator"


def test_duplicate_email_is_refused_on_the_field(admin_client):
    client, _ = admin_client
    existing = factories.UserFactory()
    response = client.post_form(
        "/admin/users/new",
        {"full_name": "Copy", "email": existing.email.upper(), "role": "manager", "team_id": 0},
    )
    page = response.get_data(as_text=True)
    assert "An account with this email address already exists" in page
    assert 'href="#email"' in page


def test_officer_needs_a_team(admin_client):
    client, _ = admin_client
    response = client.post_form(
        "/admin/users/new",
        {"full_name": "No Team", "email": "noteam@casework.police.uk", "role": "officer", "team_id": 0},
    )
    assert "every investigating officer belongs to one" in response.get_data(as_text=True)
    assert (
        db.session.execute(select(User).where(User.email == "noteam@casework.police.uk")).scalar_one_or_none() is None
    )


def test_role_change_is_audited_with_before_and_after(admin_client):
    client, _ = admin_client
    user = factories.UserFactory(role=Role.OFFICER)
    response = client.post_form(
        f"/admin/users/{user.id}",
        {
            "full_name": user.full_name,
            "email": user.email,
            "role": "supervisor",
            "team_id": user.team_id,
            "version": user.version_id,
        },
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role == Role.SUPERVISOR
    [event] = audit_for("user", user.id)
    assert event.detail == {"changes": {"role": ["officer", "supervisor"]}}


def test_concurrent_edit_gets_a_conflict_message_and_keeps_the_input(admin_client):
    client, _ = admin_client
    user = factories.UserFactory(role=Role.OFFICER)
    stale_version = user.version_id
    user.full_name = "Changed Elsewhere"
    db.session.commit()
    response = client.post_form(
        f"/admin/users/{user.id}",
        {
            "full_name": "My Edit",
            "email": user.email,
            "role": "officer",
            "team_id": user.team_id,
            "version": stale_version,
        },
    )
    page = response.get_data(as_text=True)
    assert CONFLICT_MESSAGE in page
    assert 'value="My Edit"' in page
    db.session.refresh(user)
    assert user.full_name == "Changed Elsewhere"


def test_deactivation_signs_the_user_out_and_is_audited(admin_client, make_client):
    client, _ = admin_client
    officer_client, officer = make_client(Role.OFFICER)
    response = client.post_form(f"/admin/users/{officer.id}/deactivate")
    assert response.status_code == 302
    assert officer_client.get("/").status_code == 302
    assert [event.action for event in audit_for("user", officer.id)][-1] == AuditAction.UPDATE
    db.session.refresh(officer)
    assert officer.active is False


def test_admin_cannot_deactivate_themselves(admin_client):
    client, admin = admin_client
    response = client.post_form(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.active


def test_admin_clears_refused_sign_ins_from_every_address(admin_client):
    from datetime import timedelta

    from sqlalchemy import func, select

    from casework.auth.models import SignInThrottle
    from casework.auth.service import _email_hash
    from casework.db import utcnow

    client, _ = admin_client
    user = factories.UserFactory()
    for address in ("198.51.100.1", "198.51.100.2"):
        db.session.add(
            SignInThrottle(
                email_hash=_email_hash(user.email), ip_address=address, locked_until=utcnow() + timedelta(minutes=9)
            )
        )
    db.session.flush()
    assert "Sign-ins refused" in client.get("/admin/users").get_data(as_text=True)
    client.post_form(f"/admin/users/{user.id}/unlock")
    assert db.session.execute(select(func.count()).select_from(SignInThrottle)).scalar_one() == 0


def test_reset_password_issues_a_new_temporary_password(admin_client):
    client, _ = admin_client
    user = factories.UserFactory()
    before = user.password_hash
    asked = client.get(f"/admin/users/{user.id}/reset-password").get_data(as_text=True)
    assert f"Issue {user.full_name} a new temporary password?" in asked  # a confirmation first
    account_page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert f'href="/admin/users/{user.id}/reset-password"' in account_page
    db.session.refresh(user)
    assert user.password_hash == before and not user.must_change_password
    response = client.post_form(f"/admin/users/{user.id}/reset-password")
    assert 'id="temporary-password"' in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.must_change_password


def test_teams_are_added_and_renamed_with_an_audit_trail(admin_client):
    client, _ = admin_client
    client.post_form("/admin/teams", {"name": "East stalking team"})
    team = db.session.execute(select(Team).where(Team.name == "East stalking team")).scalar_one()
    client.post_form(f"/admin/teams/{team.id}", {"name": "East and Coast team"})
    db.session.refresh(team)
    assert team.name == "East and Coast team"
    assert [event.action for event in audit_for("team", team.id)] == [AuditAction.CREATE, AuditAction.UPDATE]


def test_duplicate_team_name_is_refused(admin_client):
    client, _ = admin_client
    factories.TeamFactory(name="West team")
    response = client.post_form("/admin/teams", {"name": "west TEAM"})
    assert "A team with this name already exists" in response.get_data(as_text=True)


def test_nobody_changes_their_own_role(admin_client):
    client, admin = admin_client
    response = client.post_form(
        f"/admin/users/{admin.id}",
        {
            "full_name": admin.full_name,
            "email": admin.email,
            "role": "manager",
            "team_id": NO_TEAM,
            "support_service_id": NO_SERVICE,
            "version": admin.version_id,
        },
    )
    assert "You cannot change your own role" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role == Role.ADMIN


def test_another_administrator_changes_a_role_and_it_is_audited(admin_client, make_client):
    client, admin = admin_client
    _, other_admin = make_client(Role.ADMIN)
    response = client.post_form(
        f"/admin/users/{other_admin.id}",
        {
            "full_name": other_admin.full_name,
            "email": other_admin.email,
            "role": "manager",
            "team_id": NO_TEAM,
            "support_service_id": NO_SERVICE,
            "version": other_admin.version_id,
        },
    )
    assert response.status_code == 302
    db.session.refresh(other_admin)
    assert other_admin.role == Role.MANAGER
    [changed] = [event for event in audit_for("user", other_admin.id) if event.action == AuditAction.UPDATE]
    assert changed.user_id == admin.id
    assert changed.detail["changes"]["role"] == ["admin", "manager"]
