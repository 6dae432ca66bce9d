"""Column types and mixins shared by every model."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from casework.errors import ConflictError

CONFLICT_MESSAGE = (
    "Someone else changed this record while you were working on it. Check it and try again; "
    "your entries are kept below."
)


ID_MAX = 2**31 - 1  # the largest key any table can hold (32-bit integer primary keys)


def utcnow() -> datetime:
    """Return the current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC instant on every backend.

    PostgreSQL keeps the zone; SQLite stores text without it, so values are converted to
    UTC on the way in and marked UTC on the way out. Naive datetimes are refused: they are
    the classic source of off-by-an-hour deadlines around the clock change.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Refuse naive values; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use a timezone-aware UTC instant")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Return an aware UTC instant."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _ConstantEnum(sa.Enum):
    """An enum column compared with values written into the SQL, not sent as parameters.

    PostgreSQL can use a partial index (``WHERE status <> 'closed'``) only when it can see the
    constant. psycopg prepares a statement after its fifth execution and PostgreSQL may then plan
    it once for any parameter: ``status = $1`` can match no partial index, so "closed cases in the
    period" read every closed case through the table (16 ms instead of 3 at 100,000 cases). Only
    the enum's own values are written in (anything else is refused as a bound value would be), and
    they are part of the statement SQLAlchemy compiles and caches once.
    """

    cache_ok = True

    class comparator_factory(sa.Enum.Comparator):  # noqa: N801 - SQLAlchemy's name for the hook
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> sa.ColumnElement[Any]:
            return super().operate(op, *(self._written_in(value) for value in other), **kwargs)

        def _written_in(self, value: Any) -> Any:
            if value is None or isinstance(value, sa.sql.ClauseElement | sa.sql.roles.SQLRole):
                return value
            if isinstance(value, list | tuple | set | frozenset):
                return [self._constant(each) for each in value]
            return self._constant(value)

        def _constant(self, value: Any) -> sa.ColumnElement[Any]:
            text = value.value if isinstance(value, enum.Enum) else value
            if text not in self.type.enums:
                raise LookupError(f"{value!r} is not among the defined enum values")
            return sa.literal_column(f"'{text}'", type_=self.type)


def enum_type(enum_class: type[enum.Enum], length: int = 32) -> sa.Enum:
    """Store a Python enum as its string value with a CHECK constraint (no native enum)."""
    return _ConstantEnum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class Timestamped:
    """``created_at`` and ``updated_at`` in UTC, set by the application and the database."""

    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, server_default=sa.func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, server_default=sa.func.now(), nullable=False
    )


class Versioned:
    """Optimistic locking, the one mechanism for every editable model.

    Forms carry the version they were loaded with (``casework.forms.VersionedForm``); services
    call ``check_version`` before changing the record; and a racing flush that slips past the
    check raises ``StaleDataError`` (``version_id_col``), shown as the same conflict message.
    """

    version_id: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:  # noqa: N805 - declared_attr takes the class
        return {"version_id_col": cls.version_id}

    def check_version(self, expected_version: int) -> None:
        """Refuse a change made from a form loaded before someone else's save (the one conflict message)."""
        if self.version_id != expected_version:
            raise ConflictError(CONFLICT_MESSAGE)


class LabelledEnum(enum.StrEnum):
    """An enum whose members carry the words shown to people."""

    label: str

    def __new__(cls, value: str, label: str) -> LabelledEnum:
        """Members are written ``NAME = "value", "Label"``."""
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs for a form field."""
        return [(member.value, member.label) for member in cls]


# Indexes written by hand in migrations because the models cannot express them on every
# backend (PostgreSQL trigram GIN indexes, covering indexes). Autogenerate and the schema test leave them be.
MIGRATION_ONLY_INDEXES = frozenset(
    {
        "ix_people_full_name_trgm",
        "ix_cases_party_names_trgm",
        # The dashboard's covering indexes (PostgreSQL INCLUDE), migration 0014_dashboard_at_scale.
        "ix_cases_dashboard_open",
        "ix_cases_dashboard_closed",
        "ix_cases_dashboard_reported",
        "ix_cases_dashboard_id",
        "ix_cases_restricted",
        "ix_contact_attempts_told",
        "ix_case_decisions_safety_plan",
        "ix_contact_plans_case_due",
        "ix_decision_notices_due",
        "ix_referrals_created",
        "ix_referrals_send_due",
        "ix_order_status_changes_effective",
        "ix_order_breaches_occurred",
        "ix_protective_orders_expires",
        # The overdue reasons' covering indexes (PostgreSQL), migration 0020_overdue_reasons_covered.
        "ix_cases_risk_review_open",
        "ix_cases_awaiting_allocation",
        "ix_contact_plans_due_covering",
        "ix_protective_orders_notification_owed",
        # "Overdue only" read from one index (PostgreSQL INCLUDE), migration 0021_team_overdue_covered.
        "ix_cases_team_overdue_covering",
    }
)


def include_in_autogenerate(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic ``include_object`` hook: skip the hand-written dialect-specific indexes."""
    return not (type_ == "index" and name in MIGRATION_ONLY_INDEXES)
