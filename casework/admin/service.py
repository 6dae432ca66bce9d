"""Administration of staff accounts and teams. Every change is audited; nothing is deleted."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import Role, Team, User, new_session_token
from casework.auth.passwords import hash_password
from casework.auth.service import clear_throttles
from casework.errors import DomainError, NotFound
from casework.extensions import db
from casework.support.service import check_user_service

# Advisers belong to a support service rather than a team (a team is optional for them).
ROLES_WITHOUT_TEAM = {Role.ADMIN, Role.MANAGER, Role.ADVISER}


def temporary_password() -> str:
    """A random password to hand over once; the user must change it at first sign-in."""
    return secrets.token_urlsafe(12)


def get_user(user_id: int) -> User:
    """Fetch a user or raise ``NotFound``."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user")
    return user


def get_team(team_id: int) -> Team:
    """Fetch a team or raise ``NotFound``."""
    team = db.session.get(Team, team_id)
    if team is None:
        raise NotFound("No such team")
    return team


def list_users() -> list[User]:
    """All accounts, active first, by name."""
    return list(db.session.execute(select(User).order_by(User.active.desc(), User.full_name)).scalars())


def list_teams(*, active_only: bool = False) -> list[Team]:
    """Teams by name."""
    query = select(Team).order_by(Team.name)
    if active_only:
        query = query.where(Team.active)
    return list(db.session.execute(query).scalars())


def _check_team(role: Role, team_id: int | None) -> Team | None:
    if team_id is None:
        if role not in ROLES_WITHOUT_TEAM:
            raise DomainError(f"Select a team: every {role.label.lower()} belongs to one", field="team_id")
        return None
    return get_team(team_id)


def _check_email_free(email: str, *, except_user: User | None = None) -> None:
    existing = db.session.execute(select(User).where(func.lower(User.email) == email)).scalar_one_or_none()
    if existing is not None and existing is not except_user:
        raise DomainError("An account with this email address already exists", field="email")


def create_user(
    actor: User | None,
    *,
    email: str,
    full_name: str,
    role: Role,
    team_id: int | None,
    password: str | None = None,
    support_service_id: int | None = None,
) -> tuple[User, str]:
    """Create an account. Returns it with the password to hand over (must be changed at first sign-in).

    ``actor`` is ``None`` only on the command line (the first administrator, the demo seed): the system.
    Advisers must belong to an active support service; nobody else belongs to one.
    """
    email = email.strip().lower()
    _check_email_free(email)
    team = _check_team(role, team_id)
    service_id = check_user_service(role, support_service_id)
    handed_password = password or temporary_password()
    user = User(
        email=email,
        full_name=full_name,
        role=role,
        team=team,
        support_service_id=service_id,
        password_hash=hash_password(handed_password),
        must_change_password=password is None,
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise DomainError("An account with this email address already exists", field="email") from error
    audit.record(
        AuditAction.CREATE,
        "user",
        user.id,
        actor=actor,
        detail={
            "email": email,
            "role": role.value,
            "team_id": team.id if team else None,
            "support_service_id": service_id,
        },
    )
    return user, handed_password


def update_user(
    actor: User,
    user: User,
    *,
    expected_version: int,
    email: str,
    full_name: str,
    role: Role,
    team_id: int | None,
    support_service_id: int | None = None,
) -> User:
    """Change an account's name, email, role or team; refuses if someone else changed it meanwhile.

    Nobody changes their own role: an administrator who could make themselves a manager could read
    cases, so a role change (away from admin included) is always another administrator's act.
    """
    user.check_version(expected_version)
    if actor is not None and actor.id == user.id and role != user.role:
        raise DomainError("You cannot change your own role. Ask another administrator.", field="role")
    email = email.strip().lower()
    _check_email_free(email, except_user=user)
    team = _check_team(role, team_id)
    service_id = check_user_service(role, support_service_id)
    before = _snapshot(user)
    user.email, user.full_name, user.role, user.team = email, full_name, role, team
    user.support_service_id = service_id
    changes = {key: [before[key], value] for key, value in _snapshot(user).items() if before[key] != value}
    if changes:
        if "role" in changes or "support_service_id" in changes:
            user.session_token = new_session_token()
        audit.record(AuditAction.UPDATE, "user", user.id, actor=actor, detail={"changes": changes})
    db.session.flush()
    return user


def _snapshot(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role.value,
        "team_id": user.team.id if user.team else None,
        "support_service_id": user.support_service_id,
    }


def set_active(actor: User, user: User, active: bool) -> User:
    """Deactivate (signs them out everywhere) or reactivate an account."""
    if user.id == actor.id and not active:
        raise DomainError("You cannot deactivate your own account")
    if user.active == active:
        return user
    user.active = active
    user.session_token = new_session_token()
    audit.record(AuditAction.UPDATE, "user", user.id, actor=actor, detail={"changes": {"active": [not active, active]}})
    db.session.flush()
    return user


def unlock(actor: User, user: User) -> User:
    """Clear the failed sign-ins counted against the account's email address, from every address."""
    clear_throttles(user)
    audit.record(AuditAction.UPDATE, "user", user.id, actor=actor, detail={"changes": {"locked": [True, False]}})
    db.session.flush()
    return user


def reset_password(actor: User, user: User) -> str:
    """Give the account a new temporary password; the user must change it at next sign-in."""
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.session_token = new_session_token()
    clear_throttles(user)
    audit.record(AuditAction.UPDATE, "user", user.id, actor=actor, detail={"changed": ["password"]})
    db.session.flush()
    return password


def _check_team_name_free(name: str, *, except_team: Team | None = None) -> None:
    existing = db.session.execute(select(Team).where(func.lower(Team.name) == name.lower())).scalar_one_or_none()
    if existing is not None and existing is not except_team:
        raise DomainError("A team with this name already exists", field="name")


def create_team(actor: User | None, name: str) -> Team:
    """Add a team (``actor`` is ``None`` only for the demo seed: the system)."""
    _check_team_name_free(name)
    team = Team(name=name)
    db.session.add(team)
    db.session.flush()
    audit.record(AuditAction.CREATE, "team", team.id, actor=actor, detail={"name": name})
    return team


def rename_team(actor: User, team: Team, name: str) -> Team:
    """Rename a team."""
    _check_team_name_free(name, except_team=team)
    if team.name != name:
        audit.record(AuditAction.UPDATE, "team", team.id, actor=actor, detail={"changes": {"name": [team.name, name]}})
        team.name = name
        db.session.flush()
    return team
