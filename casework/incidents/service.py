"""Incidents and evidence: recording and editing incidents, adding evidence, and the course of conduct.

Every change is audited against the case (so the case's audit tab shows it). Features above this
one that react to a new or changed incident (risk asks for a re-assessment) register with
``incident_listener``: incidents never import them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import User
from casework.cases.models import Case, Channel
from casework.db import utcnow
from casework.errors import DomainError, NotFound
from casework.extensions import db
from casework.incidents import storage
from casework.incidents.models import Behaviour, EvidenceItem, EvidenceType, Incident
from casework.incidents.timing import END_OF_DAY, START_OF_DAY, to_utc
from casework.workdays import local_date

IncidentListener = Callable[[Case], None]
_incident_listeners: list[IncidentListener] = []


def incident_listener(listener: IncidentListener) -> IncidentListener:
    """Register a function called with the case whenever one of its incidents is recorded or changed."""
    _incident_listeners.append(listener)
    return listener


def _incident_recorded(case: Case) -> None:
    for listener in _incident_listeners:
        listener(case)


# --- Recording and editing incidents --------------------------------------------------------


@dataclass(frozen=True)
class When:
    """When an incident happened, as typed: Europe/London dates, times optional, an optional end."""

    start_day: date
    start_time: time | None = None
    end_day: date | None = None
    end_time: time | None = None


@dataclass(frozen=True)
class IncidentDetails:
    """What an officer records about one incident."""

    when: When
    description: str
    location: str | None = None
    behaviours: tuple[Behaviour, ...] = ()
    how_reported: Channel | None = None


def _period(when: When, now: datetime) -> tuple[datetime, datetime | None]:
    """The UTC instants of ``when``, refusing a future time or an end before the start."""
    today = local_date(now)
    if when.start_day > today:
        raise DomainError("The date it happened must be today or in the past", field="occurred_on")
    occurred_from = to_utc(when.start_day, when.start_time or START_OF_DAY)
    if occurred_from > now:
        raise DomainError("The time it happened must not be in the future", field="occurred_at")
    if when.end_day is None and when.end_time is None:
        return occurred_from, None
    end_day = when.end_day or when.start_day
    if end_day == when.start_day and when.end_time is None:
        return occurred_from, None
    if end_day > today:
        raise DomainError("The date it ended must be today or in the past", field="ended_on")
    occurred_to = to_utc(end_day, when.end_time or END_OF_DAY)
    if occurred_to < occurred_from:
        if end_day < when.start_day:
            raise DomainError("The date it ended must be the same as or after the date it happened", field="ended_on")
        raise DomainError("The time it ended must be after the time it happened", field="ended_at")
    if occurred_to > now:
        raise DomainError("The time it ended must not be in the future", field="ended_at")
    return occurred_from, occurred_to


def _apply(incident: Incident, details: IncidentDetails, now: datetime) -> list[str]:
    """Set the incident's fields from ``details``; return the names of those that changed."""
    occurred_from, occurred_to = _period(details.when, now)
    if not details.description.strip():
        raise DomainError("Enter what happened", field="description")
    values = {
        "occurred_from": occurred_from,
        "occurred_to": occurred_to,
        "location": details.location or None,
        "behaviours": [behaviour.value for behaviour in Behaviour if behaviour in details.behaviours],
        "description": details.description,
        "how_reported": details.how_reported,
    }
    changed = [name for name, value in values.items() if getattr(incident, name, None) != value]
    for name in changed:
        setattr(incident, name, values[name])
    return changed


def record_incident(actor: User, case: Case, details: IncidentDetails) -> Incident:
    """Add an incident to the case; the case may now need its risk re-assessed."""
    incident = Incident(case_id=case.id, recorded_by_id=actor.id)
    _apply(incident, details, utcnow())
    db.session.add(incident)
    db.session.flush()
    audit.record(AuditAction.UPDATE, "case", case.id, actor=actor, detail={"incident_added": incident.id})
    _incident_recorded(case)
    db.session.flush()
    return incident


def update_incident(
    actor: User, case: Case, incident: Incident, details: IncidentDetails, *, expected_version: int
) -> Incident:
    """Change an incident's details (refused if someone else saved it since the form was loaded).

    A changed incident may change the risk picture, so it asks for a re-assessment as a new one does.
    """
    if incident.case_id != case.id:
        raise NotFound("No such incident on this case")
    incident.check_version(expected_version)
    changed = _apply(incident, details, utcnow())
    if changed:
        audit.record(
            AuditAction.UPDATE,
            "case",
            case.id,
            actor=actor,
            detail={"incident_updated": incident.id, "changes": sorted(changed)},
        )
        _incident_recorded(case)
    db.session.flush()
    return incident


# --- Course of conduct ----------------------------------------------------------------------


# --- Evidence -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceDetails:
    """What is recorded about an item of evidence."""

    evidence_type: EvidenceType
    description: str
    reference: str | None = None


def add_evidence(
    actor: User, case: Case, incident: Incident, details: EvidenceDetails, upload: storage.Upload | None = None
) -> EvidenceItem:
    """Add an evidence item to an incident, with its file if one was uploaded (checked before it is written)."""
    if incident.case_id != case.id:
        raise NotFound("No such incident on this case")
    if not details.description.strip():
        raise DomainError("Describe the evidence", field="description")
    checked = storage.check(upload) if upload is not None else None
    item = EvidenceItem(
        incident_id=incident.id,
        evidence_type=details.evidence_type,
        description=details.description,
        reference=details.reference or None,
        added_by_id=actor.id,
    )
    if checked is not None:
        item.file_name = checked.file_name
        item.stored_name = storage.new_stored_name()
        item.content_type = checked.kind.content_type
        item.size_bytes = checked.size_bytes
        item.sha256 = checked.sha256
    db.session.add(item)
    db.session.flush()
    audit.record(
        AuditAction.UPDATE,
        "case",
        case.id,
        actor=actor,
        detail={"evidence_added": item.id, "incident_id": incident.id, "sha256": item.sha256},
    )
    if checked is not None and item.stored_name is not None:
        storage.save(checked, item.stored_name)
    return item


def evidence_file(actor: User, case: Case, item: EvidenceItem) -> Path:
    """The stored file of an evidence item, its download logged as a consultation of the case."""
    if item.stored_name is None:
        raise NotFound("This evidence has no file")
    path = storage.path_of(item.stored_name)
    if not path.is_file():
        raise NotFound("The file of this evidence is missing")
    audit.record(AuditAction.VIEW, "case", case.id, actor=actor, detail={"evidence_downloaded": item.id})
    return path
