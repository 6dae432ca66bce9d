from __future__ import annotations

from sqlalchemy import func, select

from casework.auth.models import Role, Team
from casework.extensions import db
from tests import factories


def test_post_without_csrf_token_is_refused(admin_client):
    client, _ = admin_client
    before = db.session.execute(select(func.count(Team.id))).scalar_one()
    response = client.post("/admin/teams", data={"name": "Sneaky team"})
    assert response.status_code == 400
    assert "Your form could not be sent" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Team.id))).scalar_one() == before


def test_sign_in_without_csrf_token_is_refused(client):
    user = factories.UserFactory(role=Role.OFFICER)
    response = client.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 400


def test_post_with_a_forged_token_is_refused(admin_client):
    client, _ = admin_client
    response = client.post("/admin/teams", data={"name": "Sneaky team", "csrf_token": "forged"})
    assert response.status_code == 400
