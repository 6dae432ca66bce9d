"""Incident reads: a case's incidents and evidence, and whether they form a course of conduct."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import joinedload, selectinload

from casework.cases import registry
from casework.cases.models import Case
from casework.errors import NotFound
from casework.extensions import db
from casework.incidents.models import EvidenceItem, Incident
from casework.incidents.timing import LocalMoment
from casework.security import Permission
from casework.workdays import LONDON

# PHA 1997 s.7(3)(a): a course of conduct against one person is conduct on at least two occasions.
COURSE_OF_CONDUCT_MIN_INCIDENTS = 2
# Incidents far apart may not form a course of conduct: in Lau v DPP [2000] two incidents about
# four months apart were held too far apart. Gaps longer than this are flagged for the officer.
LONG_GAP_DAYS = 120


def incidents_for(case: Case) -> list[Incident]:
    """The case's incidents, earliest first, with their evidence and who recorded them."""
    query = (
        sa.select(Incident)
        .where(Incident.case_id == case.id)
        .options(selectinload(Incident.evidence), joinedload(Incident.recorded_by))
        .order_by(Incident.occurred_from, Incident.id)
    )
    return list(db.session.execute(query).scalars())


def get_incident(case: Case, incident_id: int) -> Incident:
    """One incident of ``case``, or ``NotFound``."""
    incident = db.session.execute(
        sa.select(Incident).where(Incident.id == incident_id, Incident.case_id == case.id)
    ).scalar_one_or_none()
    if incident is None:
        raise NotFound("No such incident on this case")
    return incident


def get_evidence(case: Case, incident_id: int, evidence_id: int) -> EvidenceItem:
    """One evidence item of an incident of ``case``, or ``NotFound``."""
    item = db.session.execute(
        sa.select(EvidenceItem)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .where(EvidenceItem.id == evidence_id, Incident.id == incident_id, Incident.case_id == case.id)
    ).scalar_one_or_none()
    if item is None:
        raise NotFound("No such evidence on this case")
    return item


@dataclass(frozen=True)
class Gap:
    """The time between one incident ending and the next beginning, in whole calendar days."""

    earlier: Incident
    later: Incident
    days: int

    @property
    def is_long(self) -> bool:
        """Long enough that the two incidents may not form part of one course of conduct."""
        return self.days > LONG_GAP_DAYS


@dataclass(frozen=True)
class CourseOfConduct:
    """Whether the incidents amount to a course of conduct (PHA 1997 s.7), and the gaps between them."""

    incident_count: int
    gaps: list[Gap]

    @property
    def established(self) -> bool:
        """Conduct on at least two occasions."""
        return self.incident_count >= COURSE_OF_CONDUCT_MIN_INCIDENTS

    @property
    def long_gaps(self) -> list[Gap]:
        """The gaps over ``LONG_GAP_DAYS``."""
        return [gap for gap in self.gaps if gap.is_long]


def course_of_conduct(incidents: Sequence[Incident]) -> CourseOfConduct:
    """Count the occasions and measure each gap, from the end of one incident to the start of the next.

    Days are counted between Europe/London calendar dates; overlapping incidents have no gap.
    """
    ordered = sorted(incidents, key=lambda incident: incident.occurred_from)
    gaps = []
    for earlier, later in pairwise(ordered):
        earlier_end = LocalMoment.of_end(earlier.occurred_to or earlier.occurred_from).day
        later_start = LocalMoment.of_start(later.occurred_from).day
        gaps.append(Gap(earlier, later, max((later_start - earlier_end).days, 0)))
    return CourseOfConduct(len(ordered), gaps)


@registry.timeline_provider
def _incident_timeline(case: Case, viewer: registry.Viewer) -> list[registry.TimelineEntry]:
    incidents = db.session.execute(
        sa.select(Incident).where(Incident.case_id == case.id).options(joinedload(Incident.recorded_by))
    ).scalars()
    return [
        registry.TimelineEntry(
            incident.created_at,
            f"Incident recorded (happened {incident.occurred_from.astimezone(LONDON).strftime('%-d %B %Y')})",
            incident.recorded_by.full_name,
        )
        for incident in incidents
    ]


_INCIDENTS_COUNTED = sa.select(sa.func.count(Incident.id)).where(Incident.case_id == sa.bindparam("case_id"))


@registry.task_provider
def _incidents_task(case: Case) -> list[registry.Task]:
    count = db.session.execute(_INCIDENTS_COUNTED, {"case_id": case.id}).scalar_one()
    return [
        registry.Task(
            "Incidents recorded",
            registry.TaskState.DONE if count else registry.TaskState.TO_DO,
            url_for("incidents.new", case_id=case.id),
            ("1 incident" if count == 1 else f"{count} incidents") if count else "Each occasion of the conduct",
            14,
            Permission.CASE_EDIT,
        )
    ]
