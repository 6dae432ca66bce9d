"""Signing in and out, lockout after repeated failures, and password changes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import bindparam, delete, func, select, update

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth import totp
from casework.auth.models import RecoveryCode, SignInThrottle, User, UserSession, new_session_token
from casework.auth.passwords import MIN_LENGTH, hash_password, needs_rehash, verify_password
from casework.errors import DomainError
from casework.extensions import db


class SignInRefused(DomainError):
    """The email and password do not open an account."""


class SignInThrottled(SignInRefused):
    """Too many failed attempts for this email address from this network address, until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__("throttled")
        self.until = until


def find_user_by_email(email: str) -> User | None:
    """Look a user up by email, ignoring case."""
    return db.session.execute(select(User).where(func.lower(User.email) == email.strip().lower())).scalar_one_or_none()


def _email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _throttle(email: str, ip_address: str) -> SignInThrottle | None:
    return db.session.execute(
        select(SignInThrottle).where(
            SignInThrottle.email_hash == _email_hash(email), SignInThrottle.ip_address == ip_address
        )
    ).scalar_one_or_none()


def clear_throttles(user: User) -> None:
    """Forget the failed sign-ins counted against ``user``'s email address (an administrator's unlock)."""
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.email_hash == _email_hash(user.email)))


def throttled_user_ids(users: list[User], *, now: datetime) -> set[int]:
    """Which of ``users`` have sign-ins refused from some address right now (one query)."""
    by_hash = {_email_hash(user.email): user.id for user in users}
    hashes = db.session.execute(
        select(SignInThrottle.email_hash).where(
            SignInThrottle.email_hash.in_(by_hash), SignInThrottle.locked_until > now
        )
    ).scalars()
    return {by_hash[email_hash] for email_hash in hashes}


@dataclass(frozen=True)
class Throttling:
    """How many failures in a row from one address, for one email address, are refused for how long."""

    max_failures: int
    lockout: timedelta


def _refuse_if_throttled(email: str, ip_address: str, now: datetime) -> SignInThrottle | None:
    throttle = _throttle(email, ip_address)
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        audit.record(AuditAction.SIGN_IN_FAILED, "user", actor_label=email[:254], detail={"reason": "throttled"})
        db.session.flush()
        raise SignInThrottled(throttle.locked_until)
    return throttle


def _fail(email: str, user: User | None, reason: str, *, ip_address: str, now: datetime, rules: Throttling) -> NoReturn:
    """Count a failed attempt against the (email, address) pair, audit it, and refuse."""
    throttle = _throttle(email, ip_address)
    if throttle is None:
        throttle = SignInThrottle(email_hash=_email_hash(email), ip_address=ip_address, failures=0)
        db.session.add(throttle)
    throttle.failures += 1
    if throttle.failures >= rules.max_failures:
        throttle.locked_until = now + rules.lockout
        throttle.failures = 0
        reason += "; throttled"
    if user is None:
        audit.record(AuditAction.SIGN_IN_FAILED, "user", actor_label=email[:254], detail={"reason": reason})
    else:
        audit.record(AuditAction.SIGN_IN_FAILED, "user", user.id, actor=user, detail={"reason": reason})
    db.session.flush()
    if throttle.locked_until is not None and throttle.locked_until > now:
        raise SignInThrottled(throttle.locked_until)
    raise SignInRefused(reason)


def check_password(email: str, password: str, *, ip_address: str, now: datetime, rules: Throttling) -> User:
    """The first factor: return the user, or raise ``SignInRefused``/``SignInThrottled``.

    Every failure is audited. After ``rules.max_failures`` failures in a row for the same email
    address from the same network address, that pair is refused for ``rules.lockout`` — whether
    or not the address has an account, so the answers never reveal which emails are real, and
    a stranger elsewhere cannot lock an officer out.
    """
    _refuse_if_throttled(email, ip_address, now)
    user = find_user_by_email(email)
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.active:
        reason = "unknown email" if user is None else ("wrong password" if not password_ok else "deactivated")
        _fail(email, user, reason, ip_address=ip_address, now=now, rules=rules)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.flush()
    return user


def check_second_factor(user: User, code: str, *, ip_address: str, now: datetime, rules: Throttling) -> None:
    """The second factor: a current authenticator code (once only) or an unused recovery code.

    Wrong codes count towards the same throttle as wrong passwords.
    """
    _refuse_if_throttled(user.email, ip_address, now)
    if user.totp_secret is None or user.totp_enrolled_at is None or not user.active:
        _fail(user.email, user, "no second factor", ip_address=ip_address, now=now, rules=rules)
    step = totp.matching_step(user.totp_secret, code, now=now, after_step=user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        return
    recovery = db.session.execute(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == totp.hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
    ).scalar_one_or_none()
    if recovery is None:
        _fail(user.email, user, "wrong code", ip_address=ip_address, now=now, rules=rules)
    recovery.used_at = now
    audit.record(AuditAction.UPDATE, "user", user.id, actor=user, detail={"recovery_code_used": recovery.id})


def complete_sign_in(user: User, *, ip_address: str, now: datetime) -> None:
    """Both factors passed: clear the failures counted from this address and audit the sign-in."""
    throttle = _throttle(user.email, ip_address)
    if throttle is not None:
        db.session.delete(throttle)
    user.last_sign_in_at = now
    audit.record(AuditAction.SIGN_IN, "user", user.id, actor=user)
    db.session.flush()


def begin_enrolment(user: User) -> str:
    """The secret the user's authenticator app is to learn (kept until enrolment is confirmed)."""
    if user.totp_enrolled_at is not None:
        raise DomainError("You have already set up an authenticator app")
    if user.totp_secret is None:
        user.totp_secret = totp.new_secret()
        db.session.flush()
    return user.totp_secret


def confirm_enrolment(user: User, code: str, *, now: datetime) -> list[str]:
    """Check the first code from the app, finish enrolment and issue recovery codes (shown once)."""
    if user.totp_secret is None or user.totp_enrolled_at is not None:
        raise DomainError("Start setting up your authenticator app again", field="code")
    step = totp.matching_step(user.totp_secret, code, now=now, after_step=None)
    if step is None:
        raise DomainError(
            "The code is not right: check the app shows Casework and enter its current code", field="code"
        )
    user.totp_enrolled_at = now
    user.totp_last_step = step
    codes = _replace_recovery_codes(user)
    audit.record(AuditAction.UPDATE, "user", user.id, actor=user, detail={"changed": ["second factor enrolled"]})
    db.session.flush()
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = totp.new_recovery_codes()
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=totp.hash_recovery_code(code)) for code in codes)
    return codes


def reset_second_factor(actor: User, user: User, *, now: datetime) -> User:
    """An administrator clears a user's second factor (a lost phone): they enrol again at next sign-in.

    Every session of the user ends, since whoever holds the phone may hold a session too.
    """
    if actor.id == user.id:
        raise DomainError("Ask another administrator to reset your own second factor")
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_all_sessions(actor, user, now=now, reason="second factor reset")
    audit.record(AuditAction.UPDATE, "user", user.id, actor=actor, detail={"changed": ["second factor reset"]})
    db.session.flush()
    return user


def start_session(user: User, *, now: datetime, ip_address: str | None, user_agent: str | None) -> UserSession:
    """Open a server-side session for a user who has just proved who they are."""
    record = UserSession(
        user_id=user.id,
        user_token=user.session_token,
        signed_in_at=now,
        ip_address=ip_address,
        user_agent=(user_agent or "")[:200] or None,
    )
    db.session.add(record)
    db.session.flush()
    user.attach_session(record)
    return record


def end_session(user: User, *, now: datetime, reason: str) -> None:
    """End the session this request runs in; its cookie no longer signs anyone in."""
    record = user.current_session
    if record is not None and record.ended_at is None:
        record.ended_at = now
        record.ended_reason = reason
    audit.record(AuditAction.SIGN_OUT, "user", user.id, actor=user, detail={"reason": reason})
    db.session.flush()


def end_all_sessions(actor: User, user: User, *, now: datetime, reason: str) -> None:
    """End every session of ``user`` (a new session token makes the old ones invalid too)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
    )
    user.session_token = new_session_token()
    audit.record(AuditAction.SIGN_OUT, "user", user.id, actor=actor, detail={"reason": reason, "all_sessions": True})
    db.session.flush()


def open_sessions(user: User, *, now: datetime, max_age: timedelta) -> list[UserSession]:
    """The user's sessions that could still be used, newest first."""
    query = (
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.user_token == user.session_token,
            UserSession.signed_in_at > now - max_age,
        )
        .order_by(UserSession.signed_in_at.desc())
    )
    return list(db.session.execute(query).scalars())


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


# Every signed-in request runs this: built once, so SQLAlchemy neither rebuilds nor re-keys it per request.
_OPEN_SESSION = (
    select(UserSession, User)
    .join(User, User.id == UserSession.user_id)
    .where(
        UserSession.token == bindparam("token"),
        UserSession.ended_at.is_(None),
        UserSession.signed_in_at > bindparam("signed_in_after"),
        UserSession.user_token == User.session_token,
        User.active,
    )
)


def load_user_for_session(token: str, *, now: datetime, max_age: timedelta) -> User | None:
    """Flask-Login's user loader: the active user of an open session younger than ``max_age``.

    ``max_age`` counts from sign-in, active or not, so it cannot slide forward.
    """
    row = db.session.execute(_OPEN_SESSION, {"token": token, "signed_in_after": now - max_age}).one_or_none()
    if row is None:
        return None
    record, user = row
    user.attach_session(record)
    return user
