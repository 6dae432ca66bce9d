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
    failed_sign_ins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    session_token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_session_token)

    team: Mapped[Team | None] = relationship(back_populates="members", lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        """Whether the account may sign in."""
        return self.active

    def get_id(self) -> str:
        """Identify the session by a token, not the id, so it can be revoked."""
        return self.session_token

    def is_locked(self, now: datetime) -> bool:
        """Whether repeated failed sign-ins have locked the account at ``now``."""
        return self.locked_until is not None and self.locked_until > now
