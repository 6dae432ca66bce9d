"""Case pages: the list, recording a report, and the case's summary, log, audit and actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from casework.auth.models import Role
from casework.cases import queries, registry, service, tasks
from casework.cases.filters import CaseFilterForm
from casework.cases.forms import (
    AllocateForm,
    AuditFilterForm,
    CloseForm,
    DecisionForm,
    EditCaseForm,
    GrantAccessForm,
    LiftRestrictionForm,
    NewCaseForm,
    NoteForm,
    RemoveAccessForm,
    ReopenForm,
    RestrictForm,
    StatusForm,
)
from casework.cases.loading import load_case, viewed
from casework.cases.models import (
    Case,
    CaseStatus,
    Channel,
    Classification,
    DecisionKind,
    DecisionOutcome,
    NoteVisibility,
    Offence,
    Outcome,
    ReporterType,
)
from casework.db import utcnow
from casework.forms import VersionedForm, apply_service, run_versioned
from casework.security import Permission, can, ensure_case, require

bp = Blueprint("cases", __name__, url_prefix="/cases")
T = TypeVar("T")


@bp.app_context_processor
def _case_identity() -> dict[str, Any]:
    """The identity bar of the case page being shown (loaded by ``loading.viewed``, after the access check)."""
    return {"case_identity": g.get("case_identity")}


def run_case_operation(form: VersionedForm, case: Case, operation: Callable[..., T], *args: Any, **kw: Any) -> T | None:
    """Run a versioned operation on ``case`` as the signed-in user."""
    return run_versioned(form, case, operation, current_user._get_current_object(), case, *args, **kw)


@bp.route("")
@require(Permission.CASE_VIEW)
def index() -> str:
    """Case lists: my cases, team cases, all cases, with filters, sort and search."""
    user = current_user._get_current_object()
    form = CaseFilterForm(request.args, meta={"csrf": False})
    form.prepare(user)
    filters = form.to_filters()
    now = utcnow()
    filters.extra = queries.extra_filters(request.args, now)
    page = queries.list_cases(user, filters, now=now)
    # The red panel heads the list as the user opens it. A search answers the search, and "overdue only"
    # is the overdue work already: there, overdue rows are marked in red among the results instead.
    panel_shown = filters.page == 1 and not filters.search and not filters.overdue
    overdue = queries.overdue_cases(user, now=now) if panel_shown else []
    service.record_list_view(
        user,
        "cases",
        {case.id for case in [*page.cases, *overdue]},
        filters={**form.describe(), **filters.extra},
        results=page.total,
    )
    return render_template(
        "cases/list.html",
        filter_form=form,
        filters=filters,
        extra_filters=queries.describe_extra_filters(filters.extra),
        without_extra_filters=url_for(
            "cases.index", **{key: values for key, values in request.args.lists() if key not in filters.extra}
        ),
        page=page,
        overdue=overdue,
        overdue_reasons=queries.overdue_reasons_for([*page.cases, *overdue], now),
        selected_filters=form.selected(url_for("cases.index"), request.args),
        sort_headers=form.sort_headers(url_for("cases.index"), request.args),
    )


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.CASE_CREATE)
def new() -> str | Response:
    """Record a report as a case."""
    form = NewCaseForm()
    if form.validate_on_submit():
        reported_at = service.reported_at_for(form.reported_on.data, now=utcnow())
        case = apply_service(
            form,
            service.create_case,
            current_user._get_current_object(),
            service.NewCase(
                channel=Channel(form.channel.data),
                reporter_type=ReporterType(form.reporter_type.data),
                classification=Classification(form.classification.data),
                offence=Offence(form.offence.data),
                summary=form.summary.data or "",
                reported_at=reported_at,
                incident_number=form.incident_number.data or None,
                crime_number=form.crime_number.data or None,
                restricted=bool(form.restricted.data),
            ),
        )
        if case is not None:
            flash(_recorded_message(case), "success")
            return redirect(url_for("cases.summary", case_id=case.id))
    return render_template("cases/new.html", form=form)


def _recorded_message(case: Case) -> Markup:
    """What to do next after recording a report, with the links that do it."""
    return Markup(
        'Case {reference} has been recorded. Next, <a class="govuk-notification-banner__link" href="{people}">add the'
        ' victim</a> and <a class="govuk-notification-banner__link" href="{incidents}">record the incidents</a>.'
    ).format(
        reference=case.reference,
        people=url_for("people.add", case_id=case.id, part="victim"),
        incidents=url_for("incidents.new", case_id=case.id),
    )


@bp.route("/<int:case_id>")
def summary(case_id: int) -> str:
    """The case at a glance and what needs doing (what happened is on the timeline tab)."""
    case = load_case(case_id)
    viewed(case, "summary")
    user = current_user._get_current_object()
    return render_template(
        "cases/summary.html",
        case=case,
        may=service.available_actions(user, case),
        active_tab="summary",
        open_items=service.open_items(case),
        task_list=tasks.task_list(user, case) if case.is_open else None,
        overdue_reasons=queries.overdue_reasons_for([case], utcnow()).get(case.id, []),
    )


@bp.route("/<int:case_id>/timeline")
def timeline(case_id: int) -> str:
    """Everything that happened on the case, from every feature, newest first.

    A tab of its own: each feature adds its own query, so the summary (opened far more often,
    for what needs doing) does not pay for a history the user did not ask for.
    """
    case = load_case(case_id)
    viewed(case, "timeline")
    user = current_user._get_current_object()
    return render_template(
        "cases/timeline.html",
        case=case,
        active_tab="timeline",
        timeline=registry.timeline(
            case, registry.Viewer(user, police_only=can(user, Permission.READ_POLICE_ONLY_NOTES))
        ),
    )


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
def edit(case_id: int) -> str | Response:
    """Edit the facts of a case."""
    case = load_case(case_id, Permission.CASE_EDIT)
    form = EditCaseForm(obj=case if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = case.version_id
        form.classification.data = case.classification.value
        form.offence.data = case.offence.value
    if form.validate_on_submit():
        updated = run_case_operation(
            form,
            case,
            service.update_details,
            service.CaseDetails(
                classification=Classification(form.classification.data),
                offence=Offence(form.offence.data),
                summary=form.summary.data or "",
                incident_number=form.incident_number.data or None,
                crime_number=form.crime_number.data or None,
            ),
        )
        if updated is not None:
            flash("The case has been updated.", "success")
            return redirect(url_for("cases.summary", case_id=case.id))
    viewed(case, "edit")
    return render_template("cases/edit.html", case=case, form=form, active_tab="summary")


@bp.route("/<int:case_id>/status", methods=["GET", "POST"])
def status(case_id: int) -> str | Response:
    """Move the case on to its next status."""
    case = load_case(case_id, Permission.CASE_PROGRESS)
    form = StatusForm()
    form.limit_to(service.allowed_next_statuses(case))
    if request.method == "GET":
        form.version.data = case.version_id
    if form.validate_on_submit():
        changed = run_case_operation(
            form, case, service.change_status, CaseStatus(form.status.data), reason=form.reason.data or None
        )
        if changed is not None:
            flash(f"The case is now ‘{changed.status.label}’.", "success")
            return redirect(url_for("cases.summary", case_id=case.id))
    viewed(case, "status")
    return render_template(
        "cases/status.html",
        case=case,
        form=form,
        may_close=can(current_user, Permission.CASE_CLOSE, case),
        active_tab="summary",
    )


@bp.route("/<int:case_id>/allocate", methods=["GET", "POST"])
def allocate(case_id: int) -> str | Response:
    """Choose the officer in case and the supervisor."""
    case = load_case(case_id, Permission.CASE_ALLOCATE)
    form = AllocateForm()
    form.officer_id.choices = [(0, "Select an officer")] + [
        (user.id, f"{user.full_name} ({user.role.label})")
        for user in service.team_members(case.team_id, service.OFFICER_IN_CASE_ROLES)
    ]
    form.supervisor_id.choices = [(0, "Select a supervisor")] + [
        (user.id, user.full_name) for user in service.team_members(case.team_id, service.SUPERVISOR_ROLES)
    ]
    if not (case.restricted and case.officer_id):
        del form.keep_previous_officer
    if request.method == "GET":
        form.version.data = case.version_id
        form.officer_id.data = case.officer_id or 0
        form.supervisor_id.data = case.supervisor_id or (current_user.id if current_user.role == Role.SUPERVISOR else 0)
    if form.validate_on_submit():
        allocated = run_case_operation(
            form,
            case,
            service.allocate,
            officer_id=form.officer_id.data or 0,
            supervisor_id=form.supervisor_id.data or 0,
            reason=form.reason.data or None,
            keep_previous_officer="keep_previous_officer" in form and bool(form.keep_previous_officer.data),
        )
        if allocated is not None:
            flash("The case has been allocated.", "success")
            return redirect(url_for("cases.summary", case_id=case.id))
    viewed(case, "allocate")
    return render_template("cases/allocate.html", case=case, form=form, active_tab="summary")


@bp.route("/<int:case_id>/close", methods=["GET", "POST"])
def close(case_id: int) -> str | Response:
    """Close the case with an outcome, after seeing what is still open on it."""
    case = load_case(case_id, Permission.CASE_CLOSE)
    form = CloseForm()
    if request.method == "GET":
        form.version.data = case.version_id
    if form.validate_on_submit():
        closed = run_case_operation(
            form,
            case,
            service.close_case,
            outcome=Outcome(form.outcome.data),
            reason=form.reason.data or None,
            confirmed=bool(form.confirm.data),
        )
        if closed is not None:
            flash(f"Case {case.reference} is closed: {closed.outcome.label}.", "success")  # type: ignore[union-attr]
            return redirect(url_for("cases.summary", case_id=case.id))
    viewed(case, "close")
    return render_template(
        "cases/close.html",
        case=case,
        form=form,
        warnings=service.closing_warnings(case),
        active_tab="summary",
    )


@bp.route("/<int:case_id>/decisions/<any(marac, safety_plan):kind>", methods=["GET", "POST"])
def decision(case_id: int, kind: str) -> str | Response:
    """Record a dated decision on a high-risk case (MARAC considered, safety plan), with its history."""
    decision_kind = DecisionKind(kind)
    case = load_case(case_id, Permission.CASE_DECISION_RECORD)
    form = DecisionForm()
    form.for_kind(decision_kind)
    if form.validate_on_submit():
        recorded = apply_service(
            form,
            service.record_decision,
            current_user._get_current_object(),
            case,
            decision_kind,
            outcome=DecisionOutcome(form.outcome.data),
            decided_on=form.decided_on.data,
            note=form.note.data or None,
        )
        if recorded is not None:
            flash(f"Recorded: {recorded.outcome.label}.", "success")
            return redirect(url_for("cases.summary", case_id=case.id))
    viewed(case, "decision", kind=decision_kind.value)
    return render_template(
        "cases/decision.html",
        case=case,
        form=form,
        kind=decision_kind,
        history=service.decision_history(case, decision_kind),
        active_tab="summary",
    )


@bp.route("/<int:case_id>/reopen", methods=["GET", "POST"])
def reopen(case_id: int) -> str | Response:
    """Reopen a closed case, with the reason."""
    case = load_case(case_id, Permission.CASE_REOPEN)
    form = ReopenForm()
    if request.method == "GET":
        form.version.data = case.version_id
    if form.validate_on_submit():
        reopened = run_case_operation(form, case, service.reopen_case, reason=form.reason.data or "")
        if reopened is not None:
            flash("The case has been reopened.", "success")
            return redirect(url_for("cases.summary", case_id=case.id))
    viewed(case, "reopen")
    return render_template("cases/reopen.html", case=case, form=form, active_tab="summary")


@bp.route("/<int:case_id>/log", methods=["GET", "POST"])
def log(case_id: int) -> str | Response:
    """The investigation log, and a form to add to it."""
    case = load_case(case_id)
    user = current_user._get_current_object()
    form = NoteForm()
    if request.method == "POST":
        ensure_case(Permission.CASE_EDIT, case)
        if form.validate_on_submit():
            note = apply_service(
                form,
                service.add_note,
                user,
                case,
                body=form.body.data or "",
                visibility=NoteVisibility(form.visibility.data),
            )
            if note is not None:
                flash("The log entry has been added.", "success")
                return redirect(url_for("cases.log", case_id=case.id))
    viewed(case, "log")
    return render_template(
        "cases/log.html",
        case=case,
        form=form if can(user, Permission.CASE_EDIT, case) else None,
        notes=service.notes_for(case, include_police_only=can(user, Permission.READ_POLICE_ONLY_NOTES)),
        active_tab="log",
    )


@bp.route("/<int:case_id>/audit")
def audit_trail(case_id: int) -> str:
    """Who opened or changed this case, and when."""
    case = load_case(case_id, Permission.CASE_VIEW_AUDIT)
    form = AuditFilterForm(request.args)
    form.offer_people(queries.case_audit_people(case))
    page_number = request.args.get("page", "1")
    page = queries.case_audit_page(case, form.to_filters(int(page_number) if page_number.isdigit() else 1))
    viewed(case, "audit", audit_page=page.page)
    query = {name: value for name, value in request.args.items() if name != "page" and value}
    return render_template("cases/audit.html", case=case, audit=page, filter_form=form, query=query, active_tab="audit")


@bp.route("/<int:case_id>/access", methods=["GET", "POST"])
def access(case_id: int) -> str | Response:
    """The restriction and access list: restrict the case, or add people to its access list."""
    case = load_case(case_id, Permission.CASE_RESTRICT)
    user = current_user._get_current_object()
    restrict_form = RestrictForm(prefix="restrict")
    grant_form = GrantAccessForm(prefix="grant")
    if request.method == "POST":
        if not case.restricted and "restrict-submit" in request.form and restrict_form.validate_on_submit():
            changed = apply_service(
                restrict_form,
                service.set_restricted,
                user,
                case,
                restricted=True,
                reason=restrict_form.reason.data or "",
            )
            if changed is not None:
                flash("The case is now restricted.", "success")
                return redirect(url_for("cases.access", case_id=case.id))
        elif case.restricted and "grant-submit" in request.form and grant_form.validate_on_submit():
            granted = apply_service(
                grant_form,
                service.grant_access,
                user,
                case,
                email=grant_form.email.data or "",
                reason=grant_form.reason.data or "",
            )
            if granted is not None:
                flash(f"{granted.full_name} can now see this case.", "success")
                return redirect(url_for("cases.access", case_id=case.id))
    viewed(case, "access")
    return render_template(
        "cases/access.html",
        case=case,
        restrict_form=restrict_form,
        grant_form=grant_form,
        form=restrict_form if restrict_form.errors else grant_form,
        people=service.access_list(case) if case.restricted else [],
        holders={case.officer_id, case.supervisor_id, user.id},
    )


@bp.route("/<int:case_id>/access/lift", methods=["GET", "POST"])
def lift_restriction(case_id: int) -> str | Response:
    """Confirm lifting a case's restriction, with the reason."""
    case = load_case(case_id, Permission.CASE_RESTRICT)
    form = LiftRestrictionForm()
    if case.restricted and form.validate_on_submit():
        changed = apply_service(
            form,
            service.set_restricted,
            current_user._get_current_object(),
            case,
            restricted=False,
            reason=form.reason.data or "",
        )
        if changed is not None:
            flash("The restriction has been lifted.", "success")
            return redirect(url_for("cases.access", case_id=case.id))
    viewed(case, "lift restriction")
    return render_template("cases/lift_restriction.html", case=case, form=form)


@bp.route("/<int:case_id>/access/<int:user_id>/remove", methods=["GET", "POST"])
def remove_access(case_id: int, user_id: int) -> str | Response:
    """Confirm taking someone off a restricted case's access list, with the reason."""
    case = load_case(case_id, Permission.CASE_RESTRICT)
    person = next((member for member in service.access_list(case) if member.id == user_id), None)
    form = RemoveAccessForm()
    if person is not None and form.validate_on_submit():
        removed = apply_service(
            form,
            service.remove_access,
            current_user._get_current_object(),
            case,
            person,
            reason=form.reason.data or "",
        )
        if removed is not None:
            flash(f"{removed.full_name} can no longer see this case.", "success")
            return redirect(url_for("cases.access", case_id=case.id))
    viewed(case, "remove from access list", user_id=user_id)
    return render_template("cases/remove_access.html", case=case, form=form, person=person)
