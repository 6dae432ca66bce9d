"""Domain operations on cases: create, allocate, move between statuses, close and reopen,
edit details, restrict, keep the investigation log. Every change is audited and kept as history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import Role, User
from casework.cases import registry
from casework.cases.models import (
    DECISION_OUTCOMES,
    NUMBER_MAX,
    SUMMARY_MAX,
    AssignmentRole,
    Case,
    CaseAccess,
    CaseAssignment,
    CaseDecision,
    CaseNote,
    CaseStatus,
    CaseStatusChange,
    Channel,
    Classification,
    DecisionKind,
    DecisionOutcome,
    NoteVisibility,
    Offence,
    Outcome,
    ReferenceCounter,
    ReporterType,
    RiskLevel,
    victim_models,
)
from casework.db import utcnow
from casework.errors import DomainError, NotFound
from casework.extensions import db
from casework.security import Permission, can, remember_case_visibility, visible_cases_clause
from casework.statements import built_once
from casework.workdays import LONDON, local_date

# National Crime Recording Standard: a crime is recorded within 24 hours of the report.
CRIME_RECORDING_DUE = timedelta(hours=24)

REFERENCE_PREFIX = "SH"
OFFICER_IN_CASE_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR})
SUPERVISOR_ROLES = frozenset({Role.SUPERVISOR})

# DOMAIN.md: reported -> allocated -> investigating -> charged -> at_court -> closed, and any
# open status may close (with an outcome). Reopening is a separate supervisor action.
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.REPORTED: frozenset({CaseStatus.ALLOCATED, CaseStatus.CLOSED}),
    CaseStatus.ALLOCATED: frozenset({CaseStatus.INVESTIGATING, CaseStatus.CLOSED}),
    CaseStatus.INVESTIGATING: frozenset({CaseStatus.CHARGED, CaseStatus.CLOSED}),
    CaseStatus.CHARGED: frozenset({CaseStatus.AT_COURT, CaseStatus.CLOSED}),
    CaseStatus.AT_COURT: frozenset({CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}


def format_reference(year: int, number: int) -> str:
    """``SH-2026-000123``."""
    return f"{REFERENCE_PREFIX}-{year}-{number:06d}"


def next_reference(year: int) -> str:
    """Issue the next case reference for ``year``, safely under concurrent inserts.

    One atomic upsert increments the year's counter and returns the new value; the row stays
    locked until the transaction ends, so two transactions can never get the same number and
    a rolled-back case gives its number back (references have no gaps).
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ReferenceCounter)
        .values(year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[ReferenceCounter.year],
            set_={"last_value": ReferenceCounter.last_value + 1, "updated_at": sa.func.now()},
        )
        .returning(ReferenceCounter.last_value)
    )
    number = db.session.execute(statement).scalar_one()
    return format_reference(year, number)


def get_case(case_id: int, *, viewer: User | None = None) -> Case:
    """Fetch a case or raise ``NotFound`` (access is checked by the caller with ``security``).

    With ``viewer``, whether they may see the case is worked out in the same query and remembered
    for the request, so the access check that follows asks the database nothing more.
    """

    def build() -> sa.Select[Any]:
        visible = visible_cases_clause(viewer) if viewer is not None else sa.null()
        return (
            sa.select(Case, visible.label("visible"))
            .where(Case.id == sa.bindparam("case_id"))
            .options(sa.orm.joinedload(Case.team), sa.orm.joinedload(Case.officer), sa.orm.joinedload(Case.supervisor))
            .execution_options(populate_existing=True)
        )

    viewer_key = None if viewer is None else (viewer.id, viewer.role, viewer.team_id)
    row = db.session.execute(built_once(("case", viewer_key), build), {"case_id": case_id}).first()
    if row is None:
        raise NotFound("No such case")
    case, seen = row
    if viewer is not None:
        remember_case_visibility(viewer, case, bool(seen))
    return case


def record_case_view(actor: User, case: Case, page: str, **detail: object) -> None:
    """Consultation is logged (DPA 2018 s.62): every case page view, with what was shown."""
    audit.record_consultation("case", case.id, actor=actor, detail={"page": page, **detail})


def record_list_view(actor: User, page: str, case_ids: set[int], **detail: object) -> None:
    """Consultation of a list of cases is logged too, with the cases it showed (DPA 2018 s.62)."""
    audit.record_consultation(
        "case_list", None, actor=actor, detail={"page": page, **detail, "cases": sorted(case_ids)}
    )


def reported_at_for(day: date, *, now: datetime) -> datetime:
    """The instant a report is taken as made: now if it was today (London), else 09:00 London that day."""
    if day == local_date(now):
        return now
    return datetime.combine(day, time(9), tzinfo=LONDON)


@dataclass(frozen=True)
class NewCase:
    """What a report says when it is first recorded."""

    channel: Channel
    reporter_type: ReporterType
    classification: Classification
    offence: Offence
    summary: str
    reported_at: datetime
    incident_number: str | None = None
    crime_number: str | None = None
    restricted: bool = False


def _check_facts(details: NewCase | CaseDetails) -> None:
    """A case's facts as recorded or corrected, whichever way they arrive (the forms check the lengths first).

    The offence must be one of the classification's: retention periods and crime recording follow the
    classification, so "harassment" with a stalking offence would be kept for the wrong time.
    """
    if details.offence.classification != details.classification:
        raise DomainError(
            f"{details.offence.label} is a {details.offence.classification.label.lower()} offence: "
            f"choose {details.offence.classification.label}, or another offence",
            field="offence",
        )
    if not details.summary.strip():
        raise DomainError("Enter a summary of the report", field="summary")
    if len(details.summary) > SUMMARY_MAX:
        raise DomainError(f"Summary must be {SUMMARY_MAX} characters or fewer", field="summary")
    for field, label, value in (
        ("incident_number", "Incident (call) number", details.incident_number),
        ("crime_number", "Crime number", details.crime_number),
    ):
        if value is not None and len(value) > NUMBER_MAX:
            raise DomainError(f"{label} must be {NUMBER_MAX} characters or fewer", field=field)


def create_case(actor: User, details: NewCase) -> Case:
    """Record a report as a case in the actor's team, awaiting allocation.

    An anonymous report stores no reporter identity anywhere: people are added afterwards,
    and ``people.service`` refuses a reporter on an anonymous case.
    """
    if actor.team_id is None:
        raise DomainError("You need to belong to a team to record a case. Ask an administrator.")
    if details.reported_at > utcnow():
        raise DomainError("Date reported must be today or in the past", field="reported_on")
    _check_facts(details)
    case = Case(
        reference=next_reference(details.reported_at.year),
        channel=details.channel,
        reporter_type=details.reporter_type,
        classification=details.classification,
        offence=details.offence,
        summary=details.summary,
        reported_at=details.reported_at,
        incident_number=details.incident_number,
        crime_number=details.crime_number,
        restricted=details.restricted,
        status=CaseStatus.REPORTED,
        team_id=actor.team_id,
        created_by_id=actor.id,
    )
    db.session.add(case)
    db.session.flush()
    db.session.add(
        CaseStatusChange(case_id=case.id, from_status=None, to_status=CaseStatus.REPORTED, changed_by_id=actor.id)
    )
    if details.restricted:
        # The recorder and the team's supervisors, or nobody could allocate the case.
        for user in [actor, *team_members(actor.team_id, SUPERVISOR_ROLES)]:
            _grant_access(case, user, granted_by=actor)
    audit.record(
        AuditAction.CREATE,
        "case",
        case.id,
        actor=actor,
        detail={"reference": case.reference, "channel": details.channel.value, "restricted": details.restricted},
    )
    db.session.flush()
    return case


@dataclass(frozen=True)
class CaseDetails:
    """The editable facts of a case."""

    classification: Classification
    offence: Offence
    summary: str
    incident_number: str | None
    crime_number: str | None


REFERENCE_FIELDS = frozenset({"incident_number", "crime_number"})  # the audit trail keeps these values, not the summary


def update_details(actor: User, case: Case, details: CaseDetails, *, expected_version: int) -> Case:
    """Edit the case's classification, offence, summary and numbers (optimistic locking)."""
    case.check_version(expected_version)
    _check_facts(details)
    changes = audit.field_changes(case, vars(details), shown_text=REFERENCE_FIELDS)
    for name in changes:
        setattr(case, name, getattr(details, name))
    if changes:
        audit.record(AuditAction.UPDATE, "case", case.id, actor=actor, detail={"changes": changes})
    db.session.flush()
    return case


def _add_status_change(
    actor: User, case: Case, to_status: CaseStatus, *, reason: str | None, outcome: Outcome | None = None
) -> None:
    db.session.add(
        CaseStatusChange(
            case_id=case.id,
            from_status=case.status,
            to_status=to_status,
            outcome=outcome,
            reason=reason,
            changed_by_id=actor.id,
        )
    )
    audit.record(
        AuditAction.UPDATE,
        "case",
        case.id,
        actor=actor,
        detail={"status": [case.status.value, to_status.value], "outcome": outcome.value if outcome else None},
    )
    case.status = to_status


def allowed_next_statuses(case: Case) -> list[CaseStatus]:
    """Statuses the case may move to next: not closing (its own page) nor allocated (reached by allocating)."""
    return [
        status
        for status in CaseStatus
        if status in TRANSITIONS[case.status] and status not in {CaseStatus.CLOSED, CaseStatus.ALLOCATED}
    ]


@dataclass(frozen=True)
class CaseActions:
    """What ``user`` may do to a case now: the summary page offers exactly these."""

    allocate: bool
    change_status: bool
    edit: bool
    close: bool
    reopen: bool
    restrict: bool


def available_actions(user: User, case: Case) -> CaseActions:
    """The case actions open to ``user``; changing status needs a status the case may move to."""
    return CaseActions(
        allocate=can(user, Permission.CASE_ALLOCATE, case),
        change_status=can(user, Permission.CASE_PROGRESS, case) and bool(allowed_next_statuses(case)),
        edit=can(user, Permission.CASE_EDIT, case),
        close=can(user, Permission.CASE_CLOSE, case),
        reopen=can(user, Permission.CASE_REOPEN, case),
        restrict=can(user, Permission.CASE_RESTRICT, case),
    )


def change_status(actor: User, case: Case, to_status: CaseStatus, *, reason: str | None, expected_version: int) -> Case:
    """Move an open case forward; closing goes through ``close_case``."""
    case.check_version(expected_version)
    if to_status == CaseStatus.CLOSED:
        raise DomainError("Use 'Close case' to close a case: it needs an outcome", field="status")
    if to_status not in TRANSITIONS[case.status]:
        raise DomainError(f"A case cannot go from ‘{case.status.label}’ to ‘{to_status.label}’", field="status")
    if to_status == CaseStatus.ALLOCATED or case.officer_id is None:
        raise DomainError("Allocate an officer in case first", field="status")
    _add_status_change(actor, case, to_status, reason=reason)
    db.session.flush()
    return case


def open_items(case: Case) -> list[str]:
    """Everything still open on ``case`` (features register what they know: ``cases.registry``)."""
    return registry.open_items(case)


@registry.open_items_provider
def _unallocated(case: Case) -> list[str]:
    return ["No officer in case is allocated"] if case.officer_id is None else []


def crime_number_due_at(case: Case) -> datetime:
    """When the crime should have been recorded by (NCRS: 24 hours after the report)."""
    return case.reported_at + CRIME_RECORDING_DUE


def latest_decisions(case: Case) -> dict[DecisionKind, CaseDecision]:
    """The latest decision of each kind on the case (one query; earlier ones are kept as history)."""
    decisions = db.session.execute(
        sa.select(CaseDecision)
        .where(CaseDecision.case_id == case.id)
        .options(sa.orm.joinedload(CaseDecision.decided_by))
        .order_by(CaseDecision.decided_at, CaseDecision.id)
    ).scalars()
    return {decision.kind: decision for decision in decisions}


def decision_history(case: Case, kind: DecisionKind) -> list[CaseDecision]:
    """Every decision of ``kind`` on the case, newest first, with who made it."""
    return list(
        db.session.execute(
            sa.select(CaseDecision)
            .where(CaseDecision.case_id == case.id, CaseDecision.kind == kind)
            .options(sa.orm.joinedload(CaseDecision.decided_by))
            .order_by(CaseDecision.decided_at.desc(), CaseDecision.id.desc())
        ).scalars()
    )


HIGH_RISK_DECISION_GAPS = {
    DecisionKind.MARAC: "High risk: no decision on a MARAC referral is recorded",
    DecisionKind.SAFETY_PLAN: "High risk: no safety plan decision is recorded",
}


def record_gaps(case: Case) -> list[str]:
    """What the case's record is missing that closing must not pass over silently.

    A high-risk case without its MARAC and safety plan decisions (DOMAIN.md), a case without a
    crime number (NCRS), and a risk re-assessment that is due.
    """
    gaps = []
    if case.risk_level == RiskLevel.HIGH:
        decided = latest_decisions(case)
        gaps += [gap for kind, gap in HIGH_RISK_DECISION_GAPS.items() if kind not in decided]
    if not case.crime_number:
        gaps.append("No crime number is recorded")
    if case.risk_review_gap:
        gaps.append(case.risk_review_gap)
    return gaps


def closing_warnings(case: Case) -> list[str]:
    """Everything the closer must see and confirm: gaps in the record, then what is still open (no repeats)."""
    return list(dict.fromkeys([*record_gaps(case), *open_items(case)]))


def close_case(
    actor: User, case: Case, *, outcome: Outcome, reason: str | None, confirmed: bool, expected_version: int
) -> Case:
    """Close a case with an outcome. When anything is missing or still open the closer must confirm."""
    case.check_version(expected_version)
    if not case.is_open:
        raise DomainError("This case is already closed")
    if closing_warnings(case) and not confirmed:
        raise DomainError("Confirm that you want to close the case with these gaps and open items", field="confirm")
    _add_status_change(actor, case, CaseStatus.CLOSED, reason=reason, outcome=outcome)
    case.outcome = outcome
    case.closed_at = utcnow()
    db.session.flush()
    return case


def reopen_case(actor: User, case: Case, *, reason: str, expected_version: int) -> Case:
    """Reopen a closed case (a supervisor's decision, with a reason); it goes back to investigating."""
    case.check_version(expected_version)
    if case.is_open:
        raise DomainError("This case is not closed")
    if not reason.strip():
        raise DomainError("Give the reason for reopening the case", field="reason")
    to_status = CaseStatus.INVESTIGATING if case.officer_id else CaseStatus.REPORTED
    _add_status_change(actor, case, to_status, reason=reason)
    case.outcome = None
    case.closed_at = None
    db.session.flush()
    return case


def _eligible(user: User | None, case: Case, roles: frozenset[Role], label: str, field: str) -> User:
    if user is None or not user.active or user.role not in roles:
        raise DomainError(f"Choose an active {label}", field=field)
    if user.team_id != case.team_id:
        raise DomainError(f"The {label} must belong to the case's team", field=field)
    return user


def allocate(
    actor: User,
    case: Case,
    *,
    officer_id: int,
    supervisor_id: int,
    reason: str | None,
    expected_version: int,
    keep_previous_officer: bool = False,
) -> Case:
    """Assign (or reassign) the officer in case and the supervisor; each change is a dated row.

    A case awaiting allocation becomes allocated. On a restricted case the new assignees join
    the access list, and a previous officer in case leaves it unless ``keep_previous_officer``.
    """
    case.check_version(expected_version)
    previous_officer_id = case.officer_id
    officer = _eligible(db.session.get(User, officer_id), case, OFFICER_IN_CASE_ROLES, "officer", "officer_id")
    supervisor = _eligible(db.session.get(User, supervisor_id), case, SUPERVISOR_ROLES, "supervisor", "supervisor_id")
    for role, user, current in (
        (AssignmentRole.OFFICER, officer, case.officer_id),
        (AssignmentRole.SUPERVISOR, supervisor, case.supervisor_id),
    ):
        if user.id == current:
            continue
        db.session.add(
            CaseAssignment(case_id=case.id, role=role, user_id=user.id, assigned_by_id=actor.id, reason=reason)
        )
        audit.record(
            AuditAction.UPDATE, "case", case.id, actor=actor, detail={"assigned": role.value, "user_id": user.id}
        )
        if case.restricted:
            _grant_access(case, user, granted_by=actor)
    case.officer_id, case.supervisor_id = officer.id, supervisor.id
    if case.restricted and previous_officer_id not in {None, officer.id, supervisor.id} and not keep_previous_officer:
        _remove_access(actor, case, previous_officer_id, reason=reason or "No longer the officer in case")  # type: ignore[arg-type]
    if case.status == CaseStatus.REPORTED:
        _add_status_change(actor, case, CaseStatus.ALLOCATED, reason=reason)
    db.session.flush()
    return case


def team_members(team_id: int, roles: frozenset[Role]) -> list[User]:
    """Active members of a team in the given roles, by name: who may be given a case."""
    query = sa.select(User).where(User.team_id == team_id, User.active, User.role.in_(roles)).order_by(User.full_name)
    return list(db.session.execute(query).scalars())


def _current_access(case_id: int, user_id: int) -> CaseAccess | None:
    return db.session.execute(
        sa.select(CaseAccess).where(
            CaseAccess.case_id == case_id, CaseAccess.user_id == user_id, CaseAccess.removed_at.is_(None)
        )
    ).scalar_one_or_none()


def _grant_access(case: Case, user: User, *, granted_by: User) -> None:
    if _current_access(case.id, user.id) is None:
        db.session.add(CaseAccess(case_id=case.id, user_id=user.id, granted_by_id=granted_by.id))


def _remove_access(actor: User, case: Case, user_id: int, *, reason: str) -> bool:
    """End a current grant (the row is kept, dated) and audit it; ``False`` when there was none."""
    grant = _current_access(case.id, user_id)
    if grant is None:
        return False
    grant.removed_at = utcnow()
    grant.removed_by_id = actor.id
    grant.removal_reason = reason
    audit.record(
        AuditAction.UPDATE, "case", case.id, actor=actor, justification=reason, detail={"access_removed": user_id}
    )
    db.session.flush()
    return True


def access_list(case: Case) -> list[User]:
    """Users who may see a restricted case now."""
    return list(
        db.session.execute(
            sa.select(User)
            .join(CaseAccess, CaseAccess.user_id == User.id)
            .where(CaseAccess.case_id == case.id, CaseAccess.removed_at.is_(None))
            .order_by(User.full_name)
        ).scalars()
    )


def remove_access(actor: User, case: Case, user: User, *, reason: str) -> User:
    """Take someone off a restricted case's access list, with the reason (audited).

    The officer in case and the supervisor stay on it while they hold the case: reallocate first.
    """
    if not can(actor, Permission.CASE_RESTRICT, case):
        raise DomainError("You cannot change this case's access list")
    if not case.restricted:
        raise DomainError("Only restricted cases have an access list")
    if not reason.strip():
        raise DomainError("Enter why they no longer need to see this case", field="reason")
    if user.id in {case.officer_id, case.supervisor_id}:
        raise DomainError(f"{user.full_name} holds this case: allocate it to someone else first", field="reason")
    if user.id == actor.id:
        raise DomainError("You cannot take yourself off the access list", field="reason")
    if not _remove_access(actor, case, user.id, reason=reason.strip()):
        raise DomainError(f"{user.full_name} is not on the access list")
    return user


def set_restricted(actor: User, case: Case, *, restricted: bool, reason: str) -> Case:
    """Restrict a case to its access list (the actor, officer in case and supervisor join it), or lift it."""
    if not reason.strip():
        raise DomainError("Give the reason", field="reason")
    if case.restricted == restricted:
        return case
    case.restricted = restricted
    if restricted:
        for user_id in {actor.id, case.officer_id, case.supervisor_id} - {None}:
            _grant_access(case, db.session.get(User, user_id), granted_by=actor)  # type: ignore[arg-type]
    audit.record(
        AuditAction.UPDATE, "case", case.id, actor=actor, justification=reason, detail={"restricted": restricted}
    )
    db.session.flush()
    return case


def grant_access(actor: User, case: Case, *, email: str, reason: str) -> User:
    """Add a user to a restricted case's access list."""
    if not case.restricted:
        raise DomainError("Only restricted cases have an access list")
    user = db.session.execute(
        sa.select(User).where(sa.func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()
    if user is None or not user.active:
        raise DomainError("No active user has that email address", field="email")
    _grant_access(case, user, granted_by=actor)
    audit.record(
        AuditAction.UPDATE, "case", case.id, actor=actor, justification=reason, detail={"access_granted": user.id}
    )
    db.session.flush()
    return user


def add_note(actor: User, case: Case, *, body: str, visibility: NoteVisibility) -> CaseNote:
    """Add a dated entry to the investigation log."""
    note = CaseNote(case_id=case.id, author_id=actor.id, body=body, visibility=visibility)
    db.session.add(note)
    db.session.flush()
    audit.record(
        AuditAction.UPDATE, "case", case.id, actor=actor, detail={"note_added": note.id, "visibility": visibility.value}
    )
    return note


def notes_for(case: Case, *, include_police_only: bool) -> list[CaseNote]:
    """The investigation log, newest first; advisers never get police-only notes."""
    query = (
        sa.select(CaseNote)
        .where(CaseNote.case_id == case.id)
        .options(sa.orm.joinedload(CaseNote.author))
        .order_by(CaseNote.created_at.desc(), CaseNote.id.desc())
    )
    if not include_police_only:
        query = query.where(CaseNote.visibility == NoteVisibility.SHAREABLE)
    return list(db.session.execute(query).scalars())


def record_decision(
    actor: User,
    case: Case,
    kind: DecisionKind,
    *,
    outcome: DecisionOutcome,
    decided_on: date,
    note: str | None,
) -> CaseDecision:
    """Record a dated decision (MARAC considered, safety plan) on an open case; earlier ones are kept.

    A decision not to refer, or a plan the victim declined, needs the reason.
    """
    if not case.is_open:
        raise DomainError("This case is closed: decisions can no longer be recorded on it")
    if outcome not in DECISION_OUTCOMES[kind]:
        raise DomainError("Select what was decided", field="outcome")
    now = utcnow()
    if decided_on > local_date(now):
        raise DomainError("Date decided must be today or in the past", field="decided_on")
    if outcome in {DecisionOutcome.MARAC_NOT_REFERRED, DecisionOutcome.PLAN_DECLINED} and not (note or "").strip():
        raise DomainError("Give the reason", field="note")
    decision = CaseDecision(
        case_id=case.id,
        kind=kind,
        outcome=outcome,
        decided_at=reported_at_for(decided_on, now=now),
        decided_by_id=actor.id,
        note=(note or "").strip() or None,
    )
    db.session.add(decision)
    db.session.flush()
    audit.record(
        AuditAction.UPDATE,
        "case",
        case.id,
        actor=actor,
        detail={"decision": decision.id, "kind": kind.value, "outcome": outcome.value},
    )
    return decision


@dataclass(frozen=True)
class CaseIdentity:
    """What the identity bar on every case page shows: who the case is about and how to reach them."""

    victim_name: str | None
    other_victims: int
    communication_needs: list[str]
    officer_name: str | None = None


def case_identity(case: Case) -> CaseIdentity:
    """The primary (first added) victim's name and every victim's needs that change how to contact them.

    BSL, an interpreter (and language) and textphone are shown as tags so that nobody phones a deaf
    victim or calls without an interpreter. One query whatever the number of people on the case.
    """

    def build() -> sa.Select[Any]:
        # Plain columns, so the bar is read fresh and no sealed detail is loaded.
        party, person, contact = victim_models()
        return (
            sa.select(
                person.first_name,
                person.last_name,
                contact.uses_bsl,
                contact.interpreter_needed,
                contact.language,
                contact.uses_textphone,
            )
            .select_from(party)
            .join(person, person.id == party.person_id)
            .outerjoin(contact, contact.party_id == party.id)
            .where(party.case_id == sa.bindparam("case_id"), party.role == "victim")
            .order_by(party.id)
        )

    victims = db.session.execute(built_once(("case identity",), build), {"case_id": case.id}).all()
    needs = []
    for first_name, last_name, uses_bsl, interpreter_needed, language, uses_textphone in victims:
        whose = f" ({first_name} {last_name})" if len(victims) > 1 else ""
        if uses_bsl:
            needs.append(f"BSL interpreter{whose}")
        if interpreter_needed:
            needs.append(f"Interpreter: {language or 'language not recorded'}{whose}")
        if uses_textphone:
            needs.append(f"Textphone / Relay UK{whose}")
    if case.officer_id is None:
        officer_name = None
    elif "officer" not in sa.inspect(case).unloaded and case.officer is not None:
        officer_name = case.officer.full_name
    else:  # the case was expired by a refused change: read the name again
        officer_name = db.session.execute(sa.select(User.full_name).where(User.id == case.officer_id)).scalar()
    return CaseIdentity(
        officer_name=officer_name,
        victim_name=f"{victims[0].first_name} {victims[0].last_name}" if victims else None,
        other_victims=max(len(victims) - 1, 0),
        communication_needs=needs,
    )
