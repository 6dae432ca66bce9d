"""Protective orders: what the court (or an inspector) ordered to protect the victim, and its history.

An order names the case, the subject (a suspect of the case) and the protected people (victims of
the case). Its status is the current value; every change is also a dated ``OrderStatusChange``.
Whether an order is *in force* or has *lapsed* by its expiry date is derived here, in one place
(``ProtectiveOrder.lapsed``, ``in_force`` and ``shown_status``, each usable in Python and in SQL),
so nobody and no job has to mark an order expired.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.auth.models import User
from casework.db import LabelledEnum, Timestamped, UTCDateTime, Versioned, enum_type, utcnow
from casework.extensions import db
from casework.workdays import local_date

if TYPE_CHECKING:
    from casework.cases.models import Case
    from casework.incidents.models import Incident
    from casework.people.models import CaseParty


class OrderType(LabelledEnum):
    """The orders DOMAIN.md lists ("other" carries its own name)."""

    SPO = "spo", "Stalking Protection Order"
    INTERIM_SPO = "interim_spo", "Interim Stalking Protection Order"
    RESTRAINING_CONVICTION = "ro_conviction", "Restraining order on conviction"
    RESTRAINING_ACQUITTAL = "ro_acquittal", "Restraining order on acquittal"
    NON_MOLESTATION = "non_molestation", "Non-molestation order"
    DAPN = "dapn", "Domestic Abuse Protection Notice"
    DAPO = "dapo", "Domestic Abuse Protection Order"
    OTHER = "other", "Other order"


# Stalking Protection Act 2019 s.9: the subject of an SPO or interim SPO must notify the police
# of their name and home address within 3 days of service (calendar days).
SPO_TYPES = frozenset({OrderType.SPO, OrderType.INTERIM_SPO})


class OrderStatus(LabelledEnum):
    """Where an order is (DOMAIN.md). A breach is an event (``OrderBreach``), not a status."""

    CONSIDERED = "considered", "Considered"
    NOT_PURSUED = "not_pursued", "Not pursued"
    APPLIED = "applied", "Applied for"
    HEARING_LISTED = "hearing_listed", "Hearing listed"
    INTERIM_GRANTED = "interim_granted", "Interim order granted"
    GRANTED = "granted", "Granted"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"
    APPEALED = "appealed", "Under appeal"
    VARIED = "varied", "Varied"
    RENEWED = "renewed", "Renewed"
    DISCHARGED = "discharged", "Discharged"
    EXPIRED = "expired", "Expired"


# Statuses in which the order binds the subject (an appeal does not suspend the order).
IN_FORCE_STATUSES = frozenset(
    {OrderStatus.INTERIM_GRANTED, OrderStatus.GRANTED, OrderStatus.VARIED, OrderStatus.RENEWED, OrderStatus.APPEALED}
)
# Statuses in which the order is sought and awaits the court.
AWAITING_DECISION_STATUSES = frozenset({OrderStatus.APPLIED, OrderStatus.HEARING_LISTED})


def london_today() -> date:
    """Today's date in England and Wales: an order made to expire on a date binds until that day ends."""
    return local_date(utcnow())


class ProtectiveOrder(Timestamped, Versioned, db.Model):
    """One protective order on a case, from first being considered to its end."""

    __tablename__ = "protective_orders"
    __table_args__ = (
        sa.Index("ix_protective_orders_case", "case_id", "status"),
        sa.Index("ix_protective_orders_expiry_reminder", "expiry_reminder_at"),
        sa.Index("ix_protective_orders_notification_due", "notification_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    order_type: Mapped[OrderType] = mapped_column(enum_type(OrderType, length=20))
    other_name: Mapped[str | None] = mapped_column(sa.String(200), doc="the order's name when the type is 'other'")
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("case_parties.id"), doc="a suspect of the case")
    court: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[OrderStatus] = mapped_column(enum_type(OrderStatus, length=20), default=OrderStatus.CONSIDERED)
    considered_on: Mapped[date] = mapped_column(sa.Date)
    applied_on: Mapped[date | None] = mapped_column(sa.Date)
    made_on: Mapped[date | None] = mapped_column(sa.Date)
    served_on: Mapped[date | None] = mapped_column(sa.Date)
    expires_on: Mapped[date | None] = mapped_column(sa.Date, doc="none while made 'until further order'")
    until_further_order: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    prohibitions: Mapped[str | None] = mapped_column(sa.Text, doc="what the subject must not do")
    requirements: Mapped[str | None] = mapped_column(sa.Text, doc="what the subject must do")
    notification_made_on: Mapped[date | None] = mapped_column(sa.Date, doc="SPO: when the subject notified police")
    notification_due_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), doc="SPO: end of the third calendar day after service (derived from served_on)"
    )
    expiry_reminder_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), doc="start of the day 28 days before expiry (derived from expires_on)"
    )
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    case: Mapped[Case] = relationship(lazy="raise")
    subject: Mapped[CaseParty] = relationship(lazy="joined", innerjoin=True)
    recorded_by: Mapped[User] = relationship(lazy="raise")
    protected: Mapped[list[OrderProtectedPerson]] = relationship(
        back_populates="order", lazy="raise", order_by="OrderProtectedPerson.id", cascade="all, delete-orphan"
    )
    hearings: Mapped[list[OrderHearing]] = relationship(
        back_populates="order", lazy="raise", order_by="(OrderHearing.hearing_on, OrderHearing.id)"
    )
    status_changes: Mapped[list[OrderStatusChange]] = relationship(
        back_populates="order", lazy="raise", order_by="OrderStatusChange.id"
    )
    breaches: Mapped[list[OrderBreach]] = relationship(
        back_populates="order", lazy="raise", order_by="OrderBreach.occurred_at"
    )

    @property
    def name(self) -> str:
        """The order's name as people say it."""
        return self.other_name if self.order_type == OrderType.OTHER and self.other_name else self.order_type.label

    @property
    def is_spo(self) -> bool:
        """An SPO or interim SPO, whose subject must notify the police after service."""
        return self.order_type in SPO_TYPES

    # --- Derived status: the one place expiry is decided -------------------------------------

    @hybrid_property
    def lapsed(self) -> bool:
        """In force by its status, but its expiry date has passed (England and Wales date)."""
        return self.status in IN_FORCE_STATUSES and self.expires_on is not None and self.expires_on < london_today()

    @lapsed.inplace.expression
    @classmethod
    def _lapsed_expression(cls) -> sa.ColumnElement[bool]:
        return sa.and_(cls.status.in_(IN_FORCE_STATUSES), cls.expires_on.is_not(None), cls.expires_on < london_today())

    @hybrid_property
    def in_force(self) -> bool:
        """Whether the order binds the subject today."""
        return self.status in IN_FORCE_STATUSES and not self.lapsed

    @in_force.inplace.expression
    @classmethod
    def _in_force_expression(cls) -> sa.ColumnElement[bool]:
        return sa.and_(
            cls.status.in_(IN_FORCE_STATUSES),
            sa.or_(cls.expires_on.is_(None), cls.expires_on >= london_today()),
        )

    @property
    def shown_status(self) -> OrderStatus:
        """The status as people should see it: expired once the expiry date has passed."""
        return OrderStatus.EXPIRED if self.lapsed else self.status

    @property
    def notification_missed(self) -> bool:
        """SPO: the subject did not notify the police in time (late, or not yet and the deadline passed)."""
        if self.notification_due_at is None:
            return False
        if self.notification_made_on is not None:
            return self.notification_made_on > local_date(self.notification_due_at)
        return utcnow() > self.notification_due_at and self.in_force

    @property
    def notification_pending(self) -> bool:
        """SPO: served, in force, and the subject has not notified the police yet."""
        return self.notification_due_at is not None and self.notification_made_on is None and self.in_force


class OrderProtectedPerson(Timestamped, db.Model):
    """A victim of the case whom the order protects."""

    __tablename__ = "order_protected_people"
    __table_args__ = (sa.UniqueConstraint("order_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("protective_orders.id"), index=True)
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("case_parties.id"), index=True)

    order: Mapped[ProtectiveOrder] = relationship(back_populates="protected", lazy="raise")
    party: Mapped[CaseParty] = relationship(lazy="raise")


class OrderHearing(Timestamped, db.Model):
    """One hearing of the application, as a dated row (adjournments add rows)."""

    __tablename__ = "order_hearings"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("protective_orders.id"), index=True)
    hearing_on: Mapped[date] = mapped_column(sa.Date)
    court: Mapped[str | None] = mapped_column(sa.String(200))
    note: Mapped[str | None] = mapped_column(sa.Text, doc="purpose or outcome")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    order: Mapped[ProtectiveOrder] = relationship(back_populates="hearings", lazy="raise")
    recorded_by: Mapped[User] = relationship(lazy="raise")


class OrderStatusChange(Timestamped, db.Model):
    """One dated move of an order between statuses, with who and why."""

    __tablename__ = "order_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("protective_orders.id"), index=True)
    from_status: Mapped[OrderStatus | None] = mapped_column(enum_type(OrderStatus, length=20))
    to_status: Mapped[OrderStatus] = mapped_column(enum_type(OrderStatus, length=20))
    effective_on: Mapped[date] = mapped_column(sa.Date, doc="the date it happened (decided, applied, made...)")
    reason: Mapped[str | None] = mapped_column(sa.Text)
    changed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    order: Mapped[ProtectiveOrder] = relationship(back_populates="status_changes", lazy="raise")
    changed_by: Mapped[User] = relationship(lazy="raise")


class OrderBreach(Timestamped, db.Model):
    """A breach of an order in force: an event, linked to an incident of the case."""

    __tablename__ = "order_breaches"
    __table_args__ = (sa.Index("ix_order_breaches_case_occurred", "case_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("protective_orders.id"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    description: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    order: Mapped[ProtectiveOrder] = relationship(back_populates="breaches", lazy="raise")
    incident: Mapped[Incident] = relationship(lazy="raise")
    recorded_by: Mapped[User] = relationship(lazy="raise")
