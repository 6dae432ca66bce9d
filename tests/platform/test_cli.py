from __future__ import annotations

from sqlalchemy import func, select

from casework.auth.models import Role, User
from casework.demo import DEMO_USERS
from casework.extensions import db


def test_seed_demo_is_idempotent_and_prints_the_password_once(app, db_session, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["casework", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Password for each:" in first.output
    second = runner.invoke(args=["casework", "seed-demo"])
    assert "already present" in second.output
    emails = {email for email, *_ in DEMO_USERS}
    seeded = db.session.execute(select(User).where(User.email.in_(emails))).scalars().all()
    assert {user.role for user in seeded} == set(Role)


def test_seed_demo_is_refused_in_production(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_PRODUCTION", True)
    result = app.test_cli_runner().invoke(args=["casework", "seed-demo"])
    assert result.exit_code != 0
    assert "never seeded in production" in result.output


def test_create_user_makes_an_administrator(app, db_session):
    result = app.test_cli_runner().invoke(
        args=[
            "casework",
            "create-user",
            "--email",
            "first.admin@casework.police.uk",
            "--name",
            "First Admin",
            "--role",
            "admin",
            "--password",
            "a long first password",
        ],
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User).where(User.email == "first.admin@casework.police.uk")).scalar_one()
    assert user.role == Role.ADMIN
    assert not user.must_change_password


def test_create_user_reports_a_domain_error_plainly(app, db_session):
    result = app.test_cli_runner().invoke(
        args=[
            "casework",
            "create-user",
            "--email",
            "o@casework.police.uk",
            "--name",
            "O",
            "--role",
            "officer",
            "--password",
            "a long first password",
        ],
    )
    assert result.exit_code != 0
    assert "Select a team" in result.output
    assert db.session.execute(select(func.count(User.id)).where(User.email == "o@casework.police.uk")).scalar_one() == 0


def test_verify_audit_says_the_trail_matches_and_names_a_broken_link(app, db_session):
    import sqlalchemy as sa

    from casework.audit import service as audit
    from casework.audit.models import AuditAction

    runner = app.test_cli_runner()
    event = audit.record(AuditAction.VIEW, "case", 1, actor_label="tester")
    db.session.flush()
    event_id = event.id
    assert "Sealed 1 audit events" in runner.invoke(args=["casework", "seal-audit"]).output
    good = runner.invoke(args=["casework", "verify-audit"])
    assert good.exit_code == 0, good.output
    assert "matches its hash chain" in good.output
    db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    db.session.execute(sa.text("UPDATE audit_events SET justification = 'made up' WHERE id = :id"), {"id": event_id})
    db.session.execute(sa.text("SET LOCAL session_replication_role = origin"))
    bad = runner.invoke(args=["casework", "verify-audit"])
    assert bad.exit_code != 0
    assert f"event {event_id}: edited" in bad.output


def test_demo_code_prints_the_current_code_and_is_refused_in_production(app, db_session, monkeypatch):
    import pyotp

    from tests import factories

    user = factories.UserFactory()
    output = app.test_cli_runner().invoke(args=["casework", "demo-code", user.email]).output.strip()
    assert output == pyotp.TOTP(user.totp_secret).now()
    monkeypatch.setitem(app.config, "CASEWORK_PRODUCTION", True)
    assert app.test_cli_runner().invoke(args=["casework", "demo-code", user.email]).exit_code != 0
