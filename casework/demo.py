"""Demo data for the embedded default: teams, one user per role, and (as features land) cases.

Idempotent: a second run changes nothing. The demo password is made once, printed, and
kept in ``instance/demo-sign-ins.txt`` so ``make run`` can show it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from casework import demo_cases
from casework.admin import service as admin
from casework.auth import totp
from casework.auth.models import Role, Team, User
from casework.contact import demo as contact_demo
from casework.db import utcnow
from casework.extensions import db
from casework.intake import demo as intake_demo
from casework.orders import demo as orders_demo
from casework.retention import demo as retention_demo
from casework.support import demo as support_demo

DEMO_TEAMS = ("North stalking team", "South stalking team", "Victim care unit")
DEMO_USERS = (
    ("officer@casework.police.uk", "Olivia Officer", Role.OFFICER, "North stalking team"),
    ("supervisor@casework.police.uk", "Sam Supervisor", Role.SUPERVISOR, "North stalking team"),
    ("officer2@casework.police.uk", "Omar Officer", Role.OFFICER, "North stalking team"),
    ("south.officer@casework.police.uk", "Priya Patel", Role.OFFICER, "South stalking team"),
    ("south.supervisor@casework.police.uk", "Dan Reid", Role.SUPERVISOR, "South stalking team"),
    ("manager@casework.police.uk", "Morgan Manager", Role.MANAGER, None),
    ("adviser@casework.police.uk", "Ada Adviser", Role.ADVISER, "Victim care unit"),
    ("admin@casework.police.uk", "Alex Admin", Role.ADMIN, None),
)


@dataclass(frozen=True)
class DemoSeedResult:
    """What the seed did; ``password`` is set only on the run that created the users."""

    created_users: int
    password: str | None


def seed(sign_ins_file: Path) -> DemoSeedResult:
    """Create the demo teams, users and cases that do not exist yet."""
    result = _seed_staff(sign_ins_file)
    demo_cases.seed()
    contact_demo.seed()
    orders_demo.seed()
    support_demo.seed()
    intake_demo.seed()
    retention_demo.seed()
    return result


def _seed_staff(sign_ins_file: Path) -> DemoSeedResult:
    teams = {team.name: team for team in db.session.execute(select(Team)).scalars()}
    for name in DEMO_TEAMS:
        if name not in teams:
            teams[name] = admin.create_team(None, name)
    existing = set(db.session.execute(select(User.email)).scalars())
    missing = [entry for entry in DEMO_USERS if entry[0] not in existing]
    if not missing:
        return DemoSeedResult(created_users=0, password=None)
    password = admin.temporary_password()
    lines = []
    for email, full_name, role, team_name in missing:
        user, _ = admin.create_user(
            None,
            email=email,
            full_name=full_name,
            role=role,
            team_id=teams[team_name].id if team_name else None,
            password=password,
            support_service_id=support_demo.adviser_service_id(email),
        )
        user.totp_secret = totp.new_secret()
        user.totp_enrolled_at = utcnow()
        lines.append(f"{role.label}: {email}  (authenticator key {user.totp_secret})\n")
    sign_ins_file.write_text(
        "".join(lines)
        + f"Password for each: {password}\n"
        + "Second step: add a key to an authenticator app, or run "
        + "`.venv/bin/flask --app wsgi casework demo-code EMAIL` for the current code.\n"
    )
    sign_ins_file.chmod(0o600)
    return DemoSeedResult(created_users=len(missing), password=password)
