"""Online reports: the public's drafts and submissions, and triage into cases.

Public side: answers are kept in a ``ReportDraft`` (server-side, found by the hash of a
random token in the session) and expire after ``DRAFT_LIFETIME`` without activity. Sending
checks every answer again, stores an ``OnlineReport`` with a random report reference, and
deletes the draft. An anonymous report stores no identity anywhere: the form never asks for
one, answers to questions no longer asked are dropped, and its audit row has no address.

Staff side: supervisors of the receiving team (``INTAKE_TEAM``) triage each report once:
create a case from it, add it to an existing case, or close it with a reason. The first
supervisor to act wins (``_claim``); the other is told who dealt with it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import Team, User
from casework.cases import queries, registry
from casework.cases import service as cases
from casework.cases.models import SUMMARY_MAX, Case, Channel, Classification, Offence, ReporterType
from casework.db import utcnow
from casework.errors import DomainError, NotFound
from casework.extensions import db
from casework.incidents import service as incidents
from casework.incidents.models import Behaviour, Incident
from casework.intake import questions
from casework.intake.models import CloseReason, OnlineReport, ReportDraft, ReportStatus
from casework.intake.questions import Answers, Question, value
from casework.people import service as people
from casework.people.models import ContactMethod, PartyRole, Relationship
from casework.security import Permission, can

DRAFT_LIFETIME = timedelta(hours=1)
# National Crime Recording Standard: a crime is recorded within 24 hours of the report.
TRIAGE_WITHIN = timedelta(hours=24)
PUBLIC_ACTOR = "public (online report form)"
# No 0/O or 1/I: the reference is read out over the phone. 32**8 (about 10**12) codes.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
QUEUE_LIMIT = 200


class DraftExpired(DomainError):
    """The answers were deleted after an hour without activity (or never existed for this session)."""


class AlreadyTriaged(DomainError):
    """Another supervisor dealt with the report first."""


# --- Drafts -----------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def purge_expired_drafts(now: datetime | None = None) -> int:
    """Delete drafts left alone for longer than ``DRAFT_LIFETIME``; return how many went."""
    cutoff = (now or utcnow()) - DRAFT_LIFETIME
    result = db.session.execute(sa.delete(ReportDraft).where(ReportDraft.last_active_at < cutoff))
    return result.rowcount or 0


def start_draft(now: datetime | None = None) -> tuple[ReportDraft, str]:
    """A new, empty draft and the token that finds it (kept in the session, never the answers)."""
    now = now or utcnow()
    purge_expired_drafts(now)
    token = secrets.token_urlsafe(32)
    draft = ReportDraft(token_hash=_hash(token), answers={}, last_active_at=now)
    db.session.add(draft)
    db.session.flush()
    return draft, token


def find_draft(token: str | None, now: datetime | None = None) -> ReportDraft | None:
    """The session's draft, its inactivity clock restarted; ``None`` if it never had one.

    Raises ``DraftExpired`` when the draft was left for longer than ``DRAFT_LIFETIME`` (it is
    deleted) or has already been deleted by the clean-up.
    """
    if not token:
        return None
    now = now or utcnow()
    draft = db.session.execute(
        sa.select(ReportDraft).where(ReportDraft.token_hash == _hash(token)).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if draft is None or draft.last_active_at < now - DRAFT_LIFETIME:
        if draft is not None:
            db.session.delete(draft)
            db.session.flush()
        raise DraftExpired(
            "Your answers were deleted because you did not do anything for an hour. "
            "This keeps them safe on a shared device. Start again when you are ready."
        )
    draft.last_active_at = now
    db.session.flush()
    return draft


def discard_draft(draft: ReportDraft) -> None:
    """Delete the answers at the reporter's request."""
    db.session.delete(draft)
    db.session.flush()


def save_answer(draft: ReportDraft, question: Question, raw: dict[str, object]) -> ReportDraft:
    """Check and keep one answer; answers to questions no longer asked are dropped at once."""
    answers = dict(draft.answers)
    if question not in questions.asked(answers):
        raise DomainError("That question is not part of this report")
    answers[question.key] = questions.clean_answer(question, dict(raw), answers)
    draft.answers = questions.prune(answers)
    draft.last_active_at = utcnow()
    db.session.flush()
    return draft


def check_complete(answers: Answers) -> Answers:
    """Every question asked is answered and every answer passes its checks again; the answers to keep."""
    answers = questions.prune(answers)
    if questions.in_danger_now(answers):
        raise DomainError("Someone is in danger now: call 999. The report cannot be sent until 999 has been called.")
    missing = questions.first_unanswered(answers)
    if missing is not None:
        raise DomainError(f"Answer ‘{missing.heading}’ before sending the report")
    for question in questions.asked(answers):
        questions.clean_answer(question, answers[question.key], answers)
    return answers


# --- Sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """What the reporter is told: the report reference (``report`` is ``None`` when nothing was kept)."""

    reference: str
    anonymous: bool
    report: OnlineReport | None


def new_reference() -> str:
    """A random report reference like ``R-7KQ4-M2XD``, not yet used (unrelated to any case reference)."""
    while True:
        code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"R-{code[:4]}-{code[4:]}"
        taken = db.session.execute(sa.select(OnlineReport.id).where(OnlineReport.reference == reference)).first()
        if taken is None:
            return reference


def submit(draft: ReportDraft, *, honeypot_filled: bool) -> Sent:
    """Send the report: checked in full, stored, and the draft deleted.

    A filled-in honeypot field means a robot: it is told the report was sent, but nothing is
    kept, and the refusal is audited without any of its content or its address.
    """
    if honeypot_filled:
        discard_draft(draft)
        audit.record(
            AuditAction.ACCESS_DENIED,
            "online_report",
            actor_label=PUBLIC_ACTOR,
            record_address=False,
            detail={"reason": "honeypot field filled in; nothing stored"},
        )
        return Sent(new_reference(), anonymous=True, report=None)
    report = record_report(draft.answers)
    discard_draft(draft)
    return Sent(report.reference, anonymous=report.reporter_type == ReporterType.ANONYMOUS, report=report)


def record_report(answers: Answers, *, submitted_at: datetime | None = None) -> OnlineReport:
    """Store complete, checked answers as a report waiting for triage (audited; anonymous: no address)."""
    answers = check_complete(answers)
    reporter_type = ReporterType(value(answers, "reporter", "reporter_type"))
    report = OnlineReport(
        reference=new_reference(),
        reporter_type=reporter_type,
        urgent=questions.is_urgent(answers),
        answers=answers,
        submitted_at=submitted_at or utcnow(),
        status=ReportStatus.NEW,
    )
    db.session.add(report)
    db.session.flush()
    audit.record(
        AuditAction.CREATE,
        "online_report",
        report.id,
        actor_label=PUBLIC_ACTOR,
        record_address=reporter_type != ReporterType.ANONYMOUS,
        detail={"reference": report.reference, "reporter_type": reporter_type.value, "urgent": report.urgent},
    )
    return report


# --- Triage -----------------------------------------------------------------------------------


def receiving_team() -> Team | None:
    """The team whose supervisors triage online reports (``INTAKE_TEAM``: a team's name or id)."""
    configured = str(current_app.config.get("INTAKE_TEAM") or "").strip()
    if not configured:
        return None
    column = Team.id if configured.isdigit() else Team.name
    wanted: object = int(configured) if configured.isdigit() else configured
    return db.session.execute(sa.select(Team).where(column == wanted)).scalar_one_or_none()


def may_triage(user: User) -> bool:
    """Whether ``user`` is a supervisor of the receiving team."""
    if not can(user, Permission.INTAKE_TRIAGE):
        return False
    team = receiving_team()
    return team is not None and can(user, Permission.INTAKE_TRIAGE, team)


def waiting_reports() -> list[OnlineReport]:
    """Reports waiting for triage: anyone in danger first, then oldest first."""
    query = (
        sa.select(OnlineReport)
        .where(OnlineReport.status == ReportStatus.NEW)
        .order_by(OnlineReport.urgent.desc(), OnlineReport.submitted_at, OnlineReport.id)
        .limit(QUEUE_LIMIT)
    )
    return list(db.session.execute(query).scalars())


@dataclass(frozen=True)
class QueueSummary:
    """How many reports wait, how many say someone may be in danger, and when the oldest came."""

    waiting: int
    urgent: int
    oldest_at: datetime | None


def queue_summary() -> QueueSummary:
    """The triage queue in one query."""
    waiting, urgent, oldest = db.session.execute(
        sa.select(
            sa.func.count(), sa.func.count().filter(OnlineReport.urgent), sa.func.min(OnlineReport.submitted_at)
        ).where(OnlineReport.status == ReportStatus.NEW)
    ).one()
    if oldest is not None and oldest.tzinfo is None:  # SQLite's aggregate loses the column type
        oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=utcnow().tzinfo)
    return QueueSummary(waiting, urgent, oldest)


def get_report(report_id: int) -> OnlineReport:
    """One online report (fresh from the database), or ``NotFound``."""
    report = db.session.execute(
        sa.select(OnlineReport)
        .where(OnlineReport.id == report_id)
        .options(joinedload(OnlineReport.triaged_by))
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if report is None:
        raise NotFound("No such online report")
    return report


def record_viewed(actor: User, reports: list[OnlineReport], page: str) -> None:
    """Reading reports is a consultation of personal data (DPA 2018 s.62)."""
    if len(reports) == 1:
        audit.record(AuditAction.VIEW, "online_report", reports[0].id, actor=actor, detail={"page": page})
    elif reports:
        audit.record(
            AuditAction.VIEW,
            "online_report_list",
            actor=actor,
            detail={"page": page, "reports": [report.id for report in reports]},
        )


def _claim(actor: User, report: OnlineReport, status: ReportStatus, **values: object) -> None:
    """Mark the report dealt with, unless someone got there first: one conditional UPDATE.

    Two supervisors acting at once: the second UPDATE waits for the first transaction, then
    finds the status no longer ``new`` and changes nothing, so only one action ever happens.
    """
    result = db.session.execute(
        sa.update(OnlineReport)
        .where(OnlineReport.id == report.id, OnlineReport.status == ReportStatus.NEW)
        .values(status=status, triaged_by_id=actor.id, triaged_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        current = get_report(report.id)
        who = current.triaged_by.full_name if current.triaged_by else "someone else"
        when = current.triaged_at.strftime("%-d %B %Y at %H:%M UTC") if current.triaged_at else ""
        raise AlreadyTriaged(
            f"{who} has already dealt with this report ({current.status.label.lower()}) on {when}. Nothing was changed."
        )
    db.session.refresh(report)


def _audit_triage(actor: User, report: OnlineReport, outcome: str, **detail: object) -> None:
    audit.record(AuditAction.UPDATE, "online_report", report.id, actor=actor, detail={"triage": outcome, **detail})


def create_case_from_report(
    actor: User, report: OnlineReport, *, classification: Classification, offence: Offence
) -> Case:
    """Make a case (channel "online") from the report: its people, latest incident and contact preferences."""
    if actor.team_id is None:
        raise DomainError("You need to belong to a team to create a case")
    _claim(actor, report, ReportStatus.CASE_CREATED)
    answers = report.answers
    case = cases.create_case(
        actor,
        cases.NewCase(
            channel=Channel.ONLINE,
            reporter_type=report.reporter_type,
            classification=classification,
            offence=offence,
            summary=_summary(report),
            reported_at=report.submitted_at,
        ),
    )
    _add_people(actor, case, report.reporter_type, answers)
    _add_latest_incident(actor, case, answers)
    report.case_id = case.id
    _audit_triage(actor, report, "case_created", case_id=case.id)
    db.session.flush()
    return case


def find_cases(actor: User, search: str) -> list[Case]:
    """Cases ``actor`` may see matching a reference or a name (the case list's own search)."""
    if not search.strip():
        return []
    found = queries.list_cases(actor, queries.CaseFilters(scope=queries.Scope.ALL, search=search)).cases
    if found:
        audit.record(
            AuditAction.VIEW,
            "case_list",
            actor=actor,
            detail={"page": "add an online report to a case", "cases": [case.id for case in found]},
        )
    return found


def add_report_to_case(actor: User, report: OnlineReport, case: Case) -> Incident:
    """Add the report's latest incident to an existing open case (a combination of records, audited)."""
    if not case.is_open:
        raise DomainError("That case is closed: reopen it first, or create a new case", field="case_id")
    if not can(actor, Permission.CASE_EDIT, case):
        raise DomainError("You cannot add to that case", field="case_id")
    _claim(actor, report, ReportStatus.ADDED_TO_CASE, case_id=case.id)
    incident = _add_latest_incident(actor, case, report.answers)
    audit.record(AuditAction.COMBINE, "case", case.id, actor=actor, detail={"online_report": report.id})
    _audit_triage(actor, report, "added_to_case", case_id=case.id)
    db.session.flush()
    return incident


def close_report(actor: User, report: OnlineReport, *, reason: CloseReason, note: str) -> OnlineReport:
    """Close the report without a case: not a crime, a duplicate, or for another force, with the reason why."""
    if not note.strip():
        raise DomainError("Explain why the report is closed", field="note")
    _claim(actor, report, ReportStatus.CLOSED, close_reason=reason, close_note=note)
    _audit_triage(actor, report, "closed", reason=reason.value)
    return report


# --- From answers to the case's records -----------------------------------------------------------


def _summary(report: OnlineReport) -> str:
    answers = report.answers
    frequency = questions.BY_KEY["frequency"].fields[0].choice_label(value(answers, "frequency", "frequency"))
    started = date.fromisoformat(value(answers, "started", "started_on")).strftime("%-d %B %Y")
    head = f"Online report {report.reference}. How many times: {frequency.lower()}; started {started}. "
    return (head + value(answers, "description", "description"))[:SUMMARY_MAX]


def _name(answer: dict[str, str | None]) -> tuple[str, str]:
    return (answer.get("first_name") or "Not known", answer.get("last_name") or "Not known")


def _contact_note(answers: Answers) -> str:
    """A third party's or witness's contact answers, for the notes on their part in the case."""
    lines = [
        f"{label}: {text}"
        for row in questions.describe({key: answers[key] for key in ("contact", "safe", "needs") if key in answers})
        for label, text in row.lines
        if text != "Not given"
    ]
    return "Reported online. " + "; ".join(lines)


def _add_people(actor: User, case: Case, reporter_type: ReporterType, answers: Answers) -> None:
    victim_answer = answers.get("victim_self") or answers.get("victim_other")
    if victim_answer and (victim_answer.get("first_name") or victim_answer.get("last_name")):
        first, last = _name(victim_answer)
        dob = victim_answer.get("date_of_birth")
        note = None
        if "victim_contact" in answers:
            field = questions.BY_KEY["victim_contact"].fields[0]
            note = "The reporter says: " + field.choice_label(value(answers, "victim_contact", "contact_victim"))
        victim = people.add_party(
            actor,
            case,
            people.PartyDetails(
                role=PartyRole.VICTIM,
                first_name=first,
                last_name=last,
                date_of_birth=date.fromisoformat(dob) if dob else None,
                notes=note,
                different_person_confirmed=True,
            ),
        )
        if reporter_type == ReporterType.VICTIM:
            people.update_contact(actor, case, victim, _victim_contact(answers))
    if reporter_type in {ReporterType.THIRD_PARTY, ReporterType.WITNESS}:
        first, last = _name(answers["reporter_details"])
        connection = value(answers, "reporter_details", "connection")
        people.add_party(
            actor,
            case,
            people.PartyDetails(
                role=PartyRole.REPORTER if reporter_type == ReporterType.THIRD_PARTY else PartyRole.WITNESS,
                first_name=first,
                last_name=last,
                notes=(f"Knows the victim as: {connection}. " if connection else "") + _contact_note(answers),
                different_person_confirmed=True,
            ),
        )
    if "suspect" in answers:
        suspect = answers["suspect"]
        first, last = _name(suspect)
        people.add_party(
            actor,
            case,
            people.PartyDetails(
                role=PartyRole.SUSPECT,
                first_name=first,
                last_name=last,
                other_names=suspect.get("other_names"),
                relationship_to_victim=Relationship(suspect["relationship"]),
                notes=suspect.get("details"),
                different_person_confirmed=True,
            ),
        )


def _victim_contact(answers: Answers) -> people.ContactDetails:
    safe_ways = value(answers, "safe", "safe_ways") or []
    support = value(answers, "needs", "support") or []
    return people.ContactDetails(
        preferred_method=ContactMethod(value(answers, "contact", "preferred")),
        safe_times=value(answers, "safe", "safe_times"),
        voicemail_safe="voicemail" in safe_ways,
        texts_safe="texts" in safe_ways,
        letters_safe=False,
        email_safe="email" in safe_ways,
        language=value(answers, "needs", "language"),
        interpreter_needed="interpreter" in support or "bsl" in support,
        uses_bsl="bsl" in support,
        uses_textphone="textphone" in support,
        access_needs=value(answers, "needs", "access_needs"),
        sealed_address=None,
        sealed_phone=value(answers, "contact", "phone"),
        sealed_email=value(answers, "contact", "email"),
    )


def _add_latest_incident(actor: User, case: Case, answers: Answers) -> Incident:
    return incidents.record_incident(
        actor,
        case,
        incidents.IncidentDetails(
            when=incidents.When(start_day=date.fromisoformat(value(answers, "latest", "latest_on"))),
            description=value(answers, "description", "description"),
            location=value(answers, "place", "location"),
            behaviours=tuple(Behaviour(item) for item in value(answers, "behaviours", "behaviours") or []),
            how_reported=Channel.ONLINE,
        ),
    )


# --- Registered into the case hub ---------------------------------------------------------------


def age_in_words(delta: timedelta) -> str:
    """``45 minutes``, ``3 hours``, ``2 days``."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    for unit, size in (("day", 1440), ("hour", 60)):
        if minutes >= size:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@registry.worklist_provider
def _triage_worklist(user: User) -> list[registry.WorkItem]:
    """Supervisors of the receiving team: how many reports wait and how old the oldest is."""
    if not may_triage(user):
        return []
    summary = queue_summary()
    if not summary.waiting or summary.oldest_at is None:
        return []
    now = utcnow()
    due_at = summary.oldest_at + TRIAGE_WITHIN
    plural = "s" if summary.waiting != 1 else ""
    reason = (
        f"{summary.waiting} online report{plural} waiting for triage; "
        f"the oldest was sent {age_in_words(now - summary.oldest_at)} ago"
    )
    if summary.urgent:
        reason += f". {summary.urgent} say{'s' if summary.urgent == 1 else ''} someone may be in danger"
    return [
        registry.WorkItem(
            case_id=None,
            reference="Online reports",
            reason=reason,
            due_at=due_at,
            overdue=bool(summary.urgent) or due_at < now,
            href=url_for("intake.queue"),
            action="Open the triage queue",
        )
    ]


def _line(label: str | None, text: str) -> str:
    if label is None:
        return text
    return f"{label} {text}" if label.endswith("?") else f"{label}: {text}"


def answers_for(user: User, report: OnlineReport, case: Case | None) -> list[questions.AnswerRow]:
    """The report's answers as ``user`` may read them, ``case`` being the case it is on (if any).

    Once a victim's own report is on a case, the phone number and email address she gave are the case's sealed
    details, shown only to those who may see those (officer in case, supervisor, the recorder until allocation).
    Before that, triage needs them to reach her.
    """
    sealed = (
        case is not None
        and report.reporter_type == ReporterType.VICTIM
        and not can(user, Permission.SEALED_DETAILS_VIEW, case)
    )
    return questions.describe(report.answers, withheld=questions.SEALED_ANSWERS if sealed else frozenset())


def _answers_markup(rows: list[questions.AnswerRow]) -> Markup:
    """The answers as phrasing content for a timeline entry's paragraph; every answer is escaped."""
    lines = [
        Markup("<strong>{}:</strong> {}").format(
            row.question.summary, "; ".join(_line(label, text) for label, text in row.lines)
        )
        for row in rows
    ]
    return Markup("<br>").join(lines)


@registry.timeline_provider
def _original_report(case: Case, viewer: registry.Viewer) -> list[registry.TimelineEntry]:
    """The online report the case came from (or that was added to it), answers exactly as sent; police only."""
    if not viewer.police_only:
        return []
    reports = db.session.execute(sa.select(OnlineReport).where(OnlineReport.case_id == case.id)).scalars()
    return [
        registry.TimelineEntry(
            report.submitted_at,
            f"Online report {report.reference} received ({report.reporter_type.label.lower()})",
            None,
            _answers_markup(answers_for(viewer.user, report, case)),
        )
        for report in reports
    ]
