from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.extensions import db
from tests import factories

ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/teams"]


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.MANAGER, Role.ADVISER])
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_non_admins_cannot_open_admin_pages(make_client, role, path):
    client, _ = make_client(role)
    response = client.get(path)
    assert response.status_code == 403
    assert "You do not have access to this page" in response.get_data(as_text=True)


def test_refused_access_is_audited_even_though_the_request_is_rolled_back(make_client):
    client, user = make_client(Role.OFFICER)
    client.get("/admin/users")
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == AuditAction.ACCESS_DENIED, AuditEvent.user_id == user.id)
    ).scalar_one()
    assert event.object_id == "/admin/users"


def test_officer_cannot_change_a_user_by_posting_directly(make_client):
    client, _ = make_client(Role.OFFICER)
    target = factories.UserFactory(role=Role.OFFICER)
    response = client.post_form(f"/admin/users/{target.id}/deactivate")
    assert response.status_code == 403
    db.session.refresh(target)
    assert target.active


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_can_open_admin_pages(admin_client, path):
    client, _ = admin_client
    assert client.get(path).status_code == 200


def test_admin_home_has_no_case_content(admin_client):
    client, _ = admin_client
    page = client.get("/").get_data(as_text=True)
    assert "System administration" in page
    assert "cases" not in page.lower()


@pytest.mark.parametrize(
    ("role", "heading"),
    [
        (Role.OFFICER, "Your work today"),
        (Role.SUPERVISOR, "Your team"),
        (Role.MANAGER, "Caseload across the unit"),
        (Role.ADVISER, "Your referrals"),
        (Role.ADMIN, "System administration"),
    ],
)
def test_each_role_has_its_own_home_page(make_client, role, heading):
    client, user = make_client(role)
    page = client.get("/").get_data(as_text=True)
    assert heading in page
    assert user.full_name in page
    assert role.label in page


def test_unknown_user_is_404(admin_client):
    client, _ = admin_client
    assert client.get("/admin/users/999999").status_code == 404
    assert client.get("/admin/teams/999999").status_code == 404
