"""``flask casework ...`` commands."""

from __future__ import annotations

from pathlib import Path

import click
import pyotp
from flask import current_app
from flask.cli import AppGroup

from casework import demo
from casework.admin import service as admin
from casework.audit import chain
from casework.auth import service as auth_service
from casework.auth.models import Role
from casework.cases import overdue
from casework.db import utcnow
from casework.errors import DomainError
from casework.extensions import db

casework_cli = AppGroup("casework", help="Casework administration.")


@casework_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--team-id", type=int, default=None, help="Team id (officers and supervisors need one).")
@click.option("--support-service-id", type=int, default=None, help="Support service id (advisers need one).")
@click.password_option(help="Leave out to be asked; the user does not have to change it at first sign-in.")
def create_user(
    email: str, full_name: str, role: str, team_id: int | None, support_service_id: int | None, password: str
) -> None:
    """Create a staff account (for example the first administrator)."""
    try:
        user, _ = admin.create_user(
            None,
            email=email,
            full_name=full_name,
            role=Role(role),
            team_id=team_id,
            password=password,
            support_service_id=support_service_id,
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {user.role.label.lower()} {user.email} (id {user.id}).")


@casework_cli.command("seed-demo")
def seed_demo() -> None:
    """Add demo teams and one user per role (idempotent). Refused in production."""
    if current_app.config["CASEWORK_PRODUCTION"]:
        raise click.ClickException("Demo data is never seeded in production mode.")
    sign_ins = Path(current_app.instance_path) / "demo-sign-ins.txt"
    result = demo.seed(sign_ins)
    db.session.commit()
    if result.password:
        click.echo(f"Demo data added. Sign-ins (also kept in {sign_ins}):")
        click.echo(sign_ins.read_text())
    else:
        click.echo(f"Demo data already present; sign-ins are in {sign_ins}.")


@casework_cli.command("demo-code")
@click.argument("email")
def demo_code(email: str) -> None:
    """Print a demo user's current authenticator code (embedded default only; refused in production)."""
    if current_app.config["CASEWORK_PRODUCTION"]:
        raise click.ClickException("Authenticator codes are never printed in production mode.")
    user = auth_service.find_user_by_email(email)
    if user is None or user.totp_secret is None:
        raise click.ClickException(f"No enrolled user has the email address {email}.")
    click.echo(pyotp.TOTP(user.totp_secret).now())


@casework_cli.command("verify-audit")
def verify_audit() -> None:
    """Check the audit trail against its hash chain; name the first event edited, deleted or slipped in."""
    finding = chain.verify(now=utcnow())
    if finding is not None:
        raise click.ClickException(
            f"Audit trail broken at link {finding.seq or '-'}, event {finding.event_id or '-'}: {finding.problem}"
        )
    click.echo("The audit trail matches its hash chain.")


@casework_cli.command("seal-audit")
def seal_audit() -> None:
    """Extend the hash chain now (the worker does this every few seconds)."""
    sealed = chain.seal()
    db.session.commit()
    click.echo(f"Sealed {sealed} audit events.")


@casework_cli.command("refresh-overdue")
def refresh_overdue() -> None:
    """Recompute every case's ``overdue_from`` (after data was written behind the app's back, e.g. a bulk load)."""
    changed = overdue.refresh_all(db.session.connection())
    db.session.commit()
    click.echo(f"Recomputed when each case can fall overdue: {changed} cases changed.")
