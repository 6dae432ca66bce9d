from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role, SignInThrottle, UserSession
from casework.auth.views import ACTIVITY_RESOLUTION_SECONDS
from casework.db import utcnow
from casework.extensions import db
from tests import factories
from tests.conftest import enter_code, sign_in


def audit_actions(user_id: int | None = None) -> list[AuditAction]:
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if user_id is not None:
        query = query.where(AuditEvent.object_id == str(user_id))
    return list(db.session.execute(query).scalars())


def test_sign_in_lands_on_the_home_page_and_is_audited(client):
    user = factories.UserFactory(role=Role.OFFICER)
    response = sign_in(client, user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert "Your work today" in home.get_data(as_text=True)
    assert AuditAction.SIGN_IN in audit_actions(user.id)


def test_email_is_matched_without_regard_to_case(client):
    user = factories.UserFactory(email="Mixed.Case@casework.police.uk")
    response = client.post_form("/sign-in", {"email": "MIXED.case@CASEWORK.police.uk", "password": factories.PASSWORD})
    assert response.headers["Location"] == "/sign-in/code"
    assert enter_code(client, user).status_code == 302
    assert user.last_sign_in_at is not None


def test_wrong_password_is_refused_with_a_plain_message_and_audited(client):
    user = factories.UserFactory()
    response = sign_in(client, user, password="not the password")
    assert response.status_code == 200
    assert "The email address or password is not right" in response.get_data(as_text=True)
    assert audit_actions(user.id) == [AuditAction.SIGN_IN_FAILED]
    assert client.get("/").status_code == 302


def test_unknown_email_is_refused_the_same_way_and_audited(client):
    response = client.post_form("/sign-in", {"email": "nobody@casework.police.uk", "password": "whatever"})
    assert "The email address or password is not right" in response.get_data(as_text=True)
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == AuditAction.SIGN_IN_FAILED)).scalar_one()
    assert event.actor == "nobody@casework.police.uk"
    assert event.ip_address == "127.0.0.1"


THROTTLED = "Too many attempts to sign in with this email address from here"


def fail_until_throttled(client, app, email: str) -> str:  # type: ignore[no-untyped-def]
    for _ in range(app.config["SIGN_IN_MAX_FAILURES"] - 1):
        page = client.post_form("/sign-in", {"email": email, "password": "wrong"}).get_data(as_text=True)
        assert "not right" in page
    return client.post_form("/sign-in", {"email": email, "password": "wrong"}).get_data(as_text=True)


def test_repeated_failures_refuse_that_email_from_that_address_and_say_so(client, app):
    user = factories.UserFactory()
    page = fail_until_throttled(client, app, user.email)
    assert THROTTLED in page
    assert "<title>Error: Sign in" in page
    assert page.count('href="#email"') == 1  # one message, in the error summary, linked to the field
    still_refused = sign_in(client, user).get_data(as_text=True)
    assert THROTTLED in still_refused
    assert client.get("/").status_code == 302


def test_unknown_and_known_email_addresses_are_answered_alike(client, app):
    known = factories.UserFactory()
    known_page = fail_until_throttled(client, app, known.email)
    unknown_page = fail_until_throttled(client, app, "nobody-here@casework.police.uk")
    assert THROTTLED in known_page
    assert THROTTLED in unknown_page
    strip = lambda page, email: page.replace(email, "EMAIL")  # noqa: E731
    assert (
        _main(strip(known_page, known.email)).split("Try again after")[0]
        == _main(strip(unknown_page, "nobody-here@casework.police.uk")).split("Try again after")[0]
    )


def _main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def test_a_stranger_elsewhere_cannot_lock_an_officer_out(client, app):
    user = factories.UserFactory()
    attacker = app.test_client()
    token = client.csrf_token("/sign-in")
    for _ in range(app.config["SIGN_IN_MAX_FAILURES"] + 2):
        attacker.post(
            "/sign-in",
            data={"email": user.email, "password": "guess", "csrf_token": token},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        )
    assert sign_in(client, user).status_code == 302


def test_refusal_expires_after_the_lockout_period(client, app):
    user = factories.UserFactory()
    fail_until_throttled(client, app, user.email)
    db.session.execute(update(SignInThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert sign_in(client, user).status_code == 302


def test_deactivated_user_cannot_sign_in(client):
    user = factories.UserFactory(active=False)
    response = sign_in(client, user)
    assert "not right" in response.get_data(as_text=True)


def test_sign_out_ends_the_session_and_is_audited(make_client):
    client, user = make_client(Role.OFFICER)
    response = client.post_form("/sign-out")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert AuditAction.SIGN_OUT in audit_actions(user.id)


def test_a_cookie_copied_before_sign_out_opens_nothing_afterwards(make_client, app):
    client, user = make_client(Role.OFFICER)
    case = factories.CaseFactory(team=user.team)
    with client.session_transaction() as session:
        copied = dict(session)
    client.post_form("/sign-out")
    replay = app.test_client()
    with replay.session_transaction() as session:
        session.update(copied)
    response = replay.get(f"/cases/{case.id}")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_a_session_ends_its_maximum_age_after_sign_in_however_active(make_client, app):
    client, user = make_client(Role.OFFICER)
    assert client.get("/").status_code == 200
    max_age = app.config["PERMANENT_SESSION_LIFETIME"]
    db.session.execute(
        update(UserSession).where(UserSession.user_id == user.id).values(signed_in_at=utcnow() - max_age)
    )
    response = client.get("/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_idle_session_is_signed_out(make_client, app):
    client, _ = make_client(Role.OFFICER)
    idle = app.config["IDLE_TIMEOUT"].total_seconds() + 1
    with client.session_transaction() as session:
        session["last_active"] -= idle
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "inactive" in page


def test_activity_is_written_to_the_cookie_at_most_once_a_minute(make_client):
    client, _ = make_client(Role.OFFICER)
    client.get("/")
    assert "Set-Cookie" not in client.get("/").headers
    with client.session_transaction() as session:
        session["last_active"] -= ACTIVITY_RESOLUTION_SECONDS
        written = session["last_active"]
    response = client.get("/")
    assert "Set-Cookie" in response.headers
    with client.session_transaction() as session:
        assert session["last_active"] >= written + ACTIVITY_RESOLUTION_SECONDS


def test_session_cookie_is_httponly_and_samesite(client):
    user = factories.UserFactory()
    response = sign_in(client, user)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_next_page_is_followed_only_within_the_site(client):
    user = factories.UserFactory(role=Role.ADMIN)
    token = client.csrf_token("/sign-in")
    client.post(
        "/sign-in?next=//evil.example/steal",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert enter_code(client, user).headers["Location"] == "/"


def test_next_page_within_the_site_is_followed(client):
    user = factories.UserFactory(role=Role.ADMIN)
    token = client.csrf_token("/sign-in")
    response = client.post(
        "/sign-in?next=/admin/teams",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/sign-in/code"
    assert enter_code(client, user).headers["Location"] == "/admin/teams"


def test_user_with_an_issued_password_must_change_it_first(client):
    user = factories.UserFactory(must_change_password=True)
    assert sign_in(client, user).headers["Location"] == "/account/password"
    assert client.get("/").headers["Location"] == "/account/password"
    response = client.post_form(
        "/account/password",
        {
            "current_password": factories.PASSWORD,
            "new_password": "a much longer new passphrase",
            "confirm_password": "a much longer new passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert user.must_change_password is False


def test_password_change_refuses_a_short_password_with_a_field_message(make_client):
    client, _ = make_client(Role.OFFICER)
    response = client.post_form(
        "/account/password",
        {"current_password": factories.PASSWORD, "new_password": "short", "confirm_password": "short"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Password must be 12 characters or more" in page
    assert 'href="#new_password"' in page


def test_password_change_signs_out_other_sessions(make_client, app):
    first, user = make_client(Role.OFFICER)
    second = app.test_client()
    assert sign_in(second, user).status_code == 302
    first.post_form(
        "/account/password",
        {
            "current_password": factories.PASSWORD,
            "new_password": "another long passphrase",
            "confirm_password": "another long passphrase",
        },
    )
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302


def test_sign_in_is_throttled_per_address(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_RATE_LIMIT_PER_ADDRESS", "3 per minute")
    address = {"REMOTE_ADDR": "198.51.100.77"}
    token = client.csrf_token("/sign-in")
    statuses = [
        client.post(
            "/sign-in",
            data={"email": f"x{n}@casework.police.uk", "password": "x", "csrf_token": token},
            environ_base=address,
        ).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    page = client.post("/sign-in", data={"csrf_token": token}, environ_base=address).get_data(as_text=True)
    assert "Too many attempts" in page


ASSETS = ("/static/js/body-class.js", "/assets/govuk/govuk-frontend.min.js", "/assets/govuk/assets/images/favicon.ico")


def test_assets_never_send_the_session_cookie_back(make_client):
    """A page's assets are still loading when its user signs out: their answers must not restore the session.

    This was the flaky browser journey: under load a script arrived after "Sign out" with the signed-in
    cookie (Flask refreshed permanent sessions on every response), and the sign-in page then went home.
    """
    client, _ = make_client(Role.OFFICER)
    for path in ASSETS:
        response = client.get(path)
        response.close()
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
    assert "Set-Cookie" in client.get("/").headers  # a signed-in page keeps the idle clock going


def test_a_user_sees_their_sessions_and_signs_out_of_all_of_them(make_client, app):
    laptop, user = make_client(Role.OFFICER)
    phone = app.test_client()
    assert sign_in(phone, user).status_code == 302
    page = laptop.get("/account/sessions").get_data(as_text=True)
    assert page.count('class="govuk-table__row"') == 3  # a header row and two sessions
    assert "This session" in page
    response = laptop.post_form("/account/sessions")
    assert response.status_code == 302
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 302
    event = (
        db.session.execute(
            select(AuditEvent).where(AuditEvent.action == AuditAction.SIGN_OUT).order_by(AuditEvent.id.desc())
        )
        .scalars()
        .first()
    )
    assert event.detail == {"reason": "signed out everywhere", "all_sessions": True}
