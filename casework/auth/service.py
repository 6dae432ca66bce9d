"""Signing in and out, lockout after repeated failures, and password changes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import User, new_session_token
from casework.auth.passwords import MIN_LENGTH, hash_password, needs_rehash, verify_password
from casework.errors import DomainError
from casework.extensions import db


class SignInRefused(DomainError):
    """The email and password do not open an account."""


class AccountLocked(SignInRefused):
    """Too many failed attempts: the account stays locked until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__("locked")
        self.until = until


def find_user_by_email(email: str) -> User | None:
    """Look a user up by email, ignoring case."""
    return db.session.execute(select(User).where(func.lower(User.email) == email.strip().lower())).scalar_one_or_none()


def sign_in(email: str, password: str, *, now: datetime, max_failures: int, lockout: timedelta) -> User:
    """Check the credentials and return the user, or raise ``SignInRefused``/``AccountLocked``.

    Every attempt is audited. After ``max_failures`` wrong passwords in a row the account
    locks for ``lockout``; while locked, even the right password is refused.
    """
    user = find_user_by_email(email)
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        audit.record(AuditAction.SIGN_IN_FAILED, "user", actor_label=email[:254], detail={"reason": "unknown email"})
        raise SignInRefused("unknown")
    if user.is_locked(now):
        audit.record(AuditAction.SIGN_IN_FAILED, "user", user.id, actor=user, detail={"reason": "locked"})
        raise AccountLocked(user.locked_until)  # type: ignore[arg-type]
    if not password_ok or not user.active:
        reason = "wrong password" if not password_ok else "deactivated"
        if not password_ok:
            user.failed_sign_ins += 1
            if user.failed_sign_ins >= max_failures:
                user.locked_until = now + lockout
                user.failed_sign_ins = 0
                reason = "wrong password; account locked"
        audit.record(AuditAction.SIGN_IN_FAILED, "user", user.id, actor=user, detail={"reason": reason})
        db.session.flush()
        if user.locked_until is not None and user.is_locked(now):
            raise AccountLocked(user.locked_until)
        raise SignInRefused(reason)
    user.failed_sign_ins = 0
    user.locked_until = None
    user.last_sign_in_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(AuditAction.SIGN_IN, "user", user.id, actor=user)
    db.session.flush()
    return user


def record_sign_out(user: User, *, reason: str) -> None:
    """Audit a sign-out (by the user, or by the idle timeout)."""
    audit.record(AuditAction.SIGN_OUT, "user", user.id, actor=user, detail={"reason": reason})


def check_new_password(password: str, *, email: str) -> None:
    """Refuse passwords that are short or contain the email name (NCSC: length over complexity)."""
    if len(password) < MIN_LENGTH:
        raise DomainError(f"Password must be {MIN_LENGTH} characters or more", field="new_password")
    local_part = email.split("@")[0].lower()
    if len(local_part) >= 4 and local_part in password.lower():
        raise DomainError("Password must not contain your email name", field="new_password")


def change_password(user: User, current_password: str, new_password: str) -> User:
    """Change the user's own password; ends their other sessions."""
    if not verify_password(user.password_hash, current_password):
        raise DomainError("Current password is wrong", field="current_password")
    check_new_password(new_password, email=user.email)
    if verify_password(user.password_hash, new_password):
        raise DomainError("New password must be different from the current one", field="new_password")
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.session_token = new_session_token()
    audit.record(AuditAction.UPDATE, "user", user.id, actor=user, detail={"changed": ["password"]})
    db.session.flush()
    return user


def load_user_by_session_token(token: str) -> User | None:
    """Flask-Login's user loader: an active user whose session token matches."""
    return db.session.execute(select(User).where(User.session_token == token, User.active)).scalar_one_or_none()
