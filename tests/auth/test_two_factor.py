"""Two-factor sign-in: TOTP enrolment with a server-drawn QR code, codes used once, recovery codes, resets."""

from __future__ import annotations

import re

import pyotp
from markupsafe import escape
from sqlalchemy import select

from casework.audit.models import AuditAction, AuditEvent
from casework.auth import totp
from casework.auth.models import RecoveryCode, Role
from casework.db import utcnow
from casework.extensions import db
from tests import factories
from tests.conftest import enter_code, next_code, sign_in


def password_step(client, user):  # type: ignore[no-untyped-def]
    return client.post_form("/sign-in", {"email": user.email, "password": factories.PASSWORD})


def test_the_password_alone_opens_nothing(client):
    user = factories.UserFactory()
    assert password_step(client, user).headers["Location"] == "/sign-in/code"
    assert client.get("/").status_code == 302
    assert client.get("/cases").status_code == 302


def test_a_wrong_code_is_refused_with_a_field_message_and_audited(client):
    user = factories.UserFactory()
    password_step(client, user)
    page = client.post_form("/sign-in/code", {"code": "000000"}).get_data(as_text=True)
    assert "The code is not right" in page
    assert "<title>Error: Enter the code" in page
    assert client.get("/").status_code == 302
    reasons = db.session.execute(
        select(AuditEvent.detail).where(AuditEvent.action == AuditAction.SIGN_IN_FAILED, AuditEvent.user_id == user.id)
    ).scalars()
    assert {"reason": "wrong code"} in list(reasons)


def test_a_code_is_accepted_only_once(client, app):
    user = factories.UserFactory()
    password_step(client, user)
    code = next_code(user)
    assert client.post_form("/sign-in/code", {"code": code}).status_code == 302
    other = app.test_client()
    password_step(other, user)
    replay = other.post_form("/sign-in/code", {"code": code})
    assert "The code is not right, or it has been used already" in replay.get_data(as_text=True)


def test_the_code_page_without_a_password_step_sends_you_back(client):
    response = client.get("/sign-in/code")
    assert response.headers["Location"] == "/sign-in"


def test_first_sign_in_enrols_an_authenticator_with_a_qr_code_and_recovery_codes(client):
    user = factories.UserFactory(totp_secret=None, totp_enrolled_at=None)
    assert password_step(client, user).headers["Location"] == "/sign-in/authenticator"
    page = client.get("/sign-in/authenticator").get_data(as_text=True)
    assert "<svg" in page and "QR code for your authenticator app" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert client.get("/").status_code == 302  # not signed in until the first code is right
    wrong = client.post_form("/sign-in/authenticator", {"code": "123456"}).get_data(as_text=True)
    assert "The code is not right" in wrong
    done = client.post_form("/sign-in/authenticator", {"code": pyotp.TOTP(secret).now()}).get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done)
    assert len(codes) == totp.RECOVERY_CODES
    stored = list(db.session.execute(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).scalars())
    assert len(stored) == totp.RECOVERY_CODES
    assert not set(codes) & set(stored)  # only hashes are kept
    assert client.get("/").status_code == 200
    assert user.has_second_factor


def test_a_recovery_code_signs_in_once(client, app):
    user = factories.UserFactory()
    code = "abcd-efgh-jkmn"
    db.session.add(RecoveryCode(user_id=user.id, code_hash=totp.hash_recovery_code(code)))
    db.session.flush()
    password_step(client, user)
    assert client.post_form("/sign-in/code", {"code": code}).status_code == 302
    again = app.test_client()
    password_step(again, user)
    assert "not right" in again.post_form("/sign-in/code", {"code": code}).get_data(as_text=True)


def test_an_administrator_resets_a_second_factor_and_the_user_enrols_again(make_client, app):
    admin_client, admin = make_client(Role.ADMIN)
    officer_client, officer = make_client(Role.OFFICER)
    asked = admin_client.get(f"/admin/users/{officer.id}/reset-second-factor").get_data(as_text=True)
    assert str(escape(f"Reset {officer.full_name}'s authenticator app?")) in asked
    db.session.refresh(officer)
    assert officer.has_second_factor  # the confirmation page changes nothing
    response = admin_client.post_form(f"/admin/users/{officer.id}/reset-second-factor")
    assert response.status_code == 302
    db.session.refresh(officer)
    assert officer.totp_secret is None and not officer.has_second_factor
    assert officer_client.get("/").status_code == 302  # their sessions ended
    event = (
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.object_id == str(officer.id), AuditEvent.user_id == admin.id)
            .order_by(AuditEvent.id.desc())
        )
        .scalars()
        .first()
    )
    assert event.detail == {"changed": ["second factor reset"]}
    assert password_step(app.test_client(), officer).headers["Location"] == "/sign-in/authenticator"


def test_nobody_resets_their_own_second_factor(make_client):
    client, admin = make_client(Role.ADMIN)
    client.post_form(f"/admin/users/{admin.id}/reset-second-factor")
    db.session.refresh(admin)
    assert admin.has_second_factor


def test_sign_in_is_audited_only_after_the_second_factor(client):
    user = factories.UserFactory()
    password_step(client, user)
    actions = lambda: list(  # noqa: E731
        db.session.execute(select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))).scalars()
    )
    assert AuditAction.SIGN_IN not in actions()
    enter_code(client, user)
    assert AuditAction.SIGN_IN in actions()
    assert user.last_sign_in_at <= utcnow()


def test_sign_in_helper_still_works_for_the_suite(client):
    user = factories.UserFactory()
    assert sign_in(client, user).headers["Location"] == "/"
