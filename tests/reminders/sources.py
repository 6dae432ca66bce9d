"""Test-only obligation sources over the ``cases`` table, standing in for the features' real ones.

``case_deadline``: each open case whose ``reported_at`` is the deadline, owed by its officer.
``victim_update``: each victim of an open case, due at the case's ``reported_at``, opted in to ``channel``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from casework.cases.models import Case, CaseStatus
from casework.cases.registry import Audience, ObligationSource
from casework.people.models import CaseParty, PartyRole


def case_deadline(
    kind: str = "test_case_deadline", still_open: Callable[[int], bool] | None = None
) -> ObligationSource:
    def query(horizon: datetime) -> sa.Select[Any]:
        return sa.select(
            Case.id.label("case_id"),
            Case.id.label("object_id"),
            Case.reported_at.label("due_at"),
            Case.officer_id.label("recipient_id"),
        ).where(Case.reported_at <= horizon, Case.status != CaseStatus.CLOSED)

    return ObligationSource(kind=kind, label="Test deadline to meet", query=query, still_open=still_open)


def victim_update(kind: str = "test_victim_update", channel: str | None = "email") -> ObligationSource:
    def query(horizon: datetime) -> sa.Select[Any]:
        return (
            sa.select(
                Case.id.label("case_id"),
                CaseParty.id.label("object_id"),
                Case.reported_at.label("due_at"),
                CaseParty.id.label("recipient_id"),
            )
            .join(CaseParty, CaseParty.case_id == Case.id)
            .where(Case.reported_at <= horizon, Case.status != CaseStatus.CLOSED, CaseParty.role == PartyRole.VICTIM)
        )

    return ObligationSource(
        kind=kind,
        label="Scheduled update to the victim",
        query=query,
        audience=Audience.VICTIM,
        victim_channel=lambda _object_id: channel,
    )
