"""Staff accounts, their roles and the teams they belong to."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Timestamped, UTCDateTime, Versioned, enum_type
from casework.extensions import db


class Role(enum.StrEnum):
    """What a member of staff does; permissions follow from it (``casework.security``)."""

    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADVISER = "adviser"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """The name shown to people."""
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.OFFICER: "Investigating officer",
    Role.SUPERVISOR: "Supervisor",
    Role.MANAGER: "Manager",
    Role.ADVISER: "Victim support adviser",
    Role.ADMIN: "System administrator",
}


class Team(Timestamped, db.Model):
    """An investigation team, or a victim-support service whose advisers work referrals."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    members: Mapped[list[User]] = relationship(back_populates="team", lazy="raise")


def new_session_token() -> str:
    """A fresh random token; changing it signs the user out everywhere."""
    return secrets.token_urlsafe(32)


class User(UserMixin, Timestamped, Versioned, db.Model):
    """A member of staff who signs in. Never deleted: deactivated instead."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(enum_type(Role, length=16))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    support_service_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("support_services.id"), index=True, doc="advisers: the support service they work for"
    )
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    session_token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_session_token)
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64), doc="the second factor; set at enrolment")
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), doc="when enrolment was confirmed")
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger, doc="the last code's time step (no replays)")

    team: Mapped[Team | None] = relationship(back_populates="members", lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        """Whether the account may sign in."""
        return self.active

    @property
    def has_second_factor(self) -> bool:
        """Whether the user has finished enrolling an authenticator app."""
        return self.totp_enrolled_at is not None

    @property
    def current_session(self) -> UserSession | None:
        """The signed-in session this request runs in (set by ``auth.service``; not a column)."""
        return self.__dict__.get("_current_session")

    def attach_session(self, record: UserSession) -> None:
        """Remember which session this user object was loaded for."""
        self.__dict__["_current_session"] = record

    def get_id(self) -> str:
        """Flask-Login keeps the session record's token, not the user id, so a session can be ended."""
        if self.current_session is None:
            raise RuntimeError("start a UserSession before signing the user in")
        return self.current_session.token


class UserSession(Timestamped, db.Model):
    """One signed-in session, kept server-side so that signing out really ends it.

    A session is valid while it has not ended, is younger than ``SESSION_MAX_HOURS`` from
    ``signed_in_at`` (active or not), and was started under the user's current
    ``session_token`` (rotating that token ends every session of the user at once).
    """

    __tablename__ = "user_sessions"
    __table_args__ = (sa.Index("ix_user_sessions_user_open", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_session_token)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    user_token: Mapped[str] = mapped_column(sa.String(64), doc="the user's session_token when this session began")
    signed_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_reason: Mapped[str | None] = mapped_column(sa.String(40))
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))

    user: Mapped[User] = relationship(lazy="raise")


class RecoveryCode(Timestamped, db.Model):
    """A one-use code that stands in for the second factor (a lost phone); only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignInThrottle(Timestamped, db.Model):
    """Failed sign-ins counted per email address typed and network address, known account or not.

    Keyed by a hash of the lower-cased email, so an unknown address behaves exactly like a
    real one (no account enumeration), and per address, so a stranger elsewhere cannot lock
    an officer out of their own account.
    """

    __tablename__ = "sign_in_throttles"
    __table_args__ = (sa.UniqueConstraint("email_hash", "ip_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    ip_address: Mapped[str] = mapped_column(sa.String(45))
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
