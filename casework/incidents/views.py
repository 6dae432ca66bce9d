"""The incidents tab of a case: the incidents in date order, the course of conduct, and their evidence."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.cases.loading import load_case, viewed
from casework.cases.models import Case, Channel
from casework.forms import apply_service, run_versioned
from casework.incidents import queries, service, storage
from casework.incidents.forms import EvidenceForm, IncidentForm
from casework.incidents.models import Behaviour, EvidenceType
from casework.security import Permission

bp = Blueprint("incidents", __name__, url_prefix="/cases/<int:case_id>/incidents")


def _details(form: IncidentForm) -> service.IncidentDetails:
    return service.IncidentDetails(
        when=service.When(
            start_day=form.occurred_on.data,  # type: ignore[arg-type]  # required by the form
            start_time=form.start_time,
            end_day=form.ended_on.data,
            end_time=form.end_time,
        ),
        description=form.description.data or "",
        location=form.location.data or None,
        behaviours=tuple(Behaviour(value) for value in form.behaviours.data or []),
        how_reported=Channel(form.how_reported.data) if form.how_reported.data else None,
    )


def _back(case: Case) -> Response:
    """After a save, the top of the tab, where its success banner is (a fragment would scroll past it)."""
    return redirect(url_for(".case_incidents", case_id=case.id))


@bp.route("")
def case_incidents(case_id: int) -> str:
    """The case's incidents in date order, whether they amount to a course of conduct, and their evidence."""
    case = load_case(case_id)
    viewed(case, "incidents")
    incidents = queries.incidents_for(case)
    return render_template(
        "incidents/list.html",
        case=case,
        incidents=incidents,
        conduct=queries.course_of_conduct(incidents),
        long_gap_days=queries.LONG_GAP_DAYS,
        active_tab="incidents",
    )


@bp.route("/new", methods=["GET", "POST"])
def new(case_id: int) -> str | Response:
    """Record an incident on the case."""
    case = load_case(case_id, Permission.CASE_EDIT)
    form = IncidentForm()
    if form.validate_on_submit():
        incident = apply_service(
            form, service.record_incident, current_user._get_current_object(), case, _details(form)
        )
        if incident is not None:
            flash("The incident has been recorded.", "success")
            return _back(case)
    viewed(case, "new incident")
    return render_template("incidents/form.html", case=case, form=form, incident=None, active_tab="incidents")


@bp.route("/<int:incident_id>/edit", methods=["GET", "POST"])
def edit(case_id: int, incident_id: int) -> str | Response:
    """Change an incident's details."""
    case = load_case(case_id, Permission.CASE_EDIT)
    incident = queries.get_incident(case, incident_id)
    form = IncidentForm()
    if request.method == "GET":
        form.fill_from(incident)
    elif form.validate_on_submit():
        updated = run_versioned(
            form,
            incident,
            service.update_incident,
            current_user._get_current_object(),
            case,
            incident,
            _details(form),
        )
        if updated is not None:
            flash("The incident has been updated.", "success")
            return _back(case)
    viewed(case, "edit incident", incident_id=incident.id)
    return render_template("incidents/form.html", case=case, form=form, incident=incident, active_tab="incidents")


@bp.route("/<int:incident_id>/evidence/new", methods=["GET", "POST"])
def add_evidence(case_id: int, incident_id: int) -> str | Response:
    """Add an item of evidence to an incident, with an optional file."""
    case = load_case(case_id, Permission.CASE_EDIT)
    incident = queries.get_incident(case, incident_id)
    form = EvidenceForm()
    if form.validate_on_submit():
        chosen = form.file.data
        item = apply_service(
            form,
            service.add_evidence,
            current_user._get_current_object(),
            case,
            incident,
            service.EvidenceDetails(
                evidence_type=EvidenceType(form.evidence_type.data),
                description=form.description.data or "",
                reference=form.reference.data or None,
            ),
            storage.Upload(chosen.filename or "", chosen.stream) if chosen else None,
        )
        if item is not None:
            flash("The evidence has been added.", "success")
            return _back(case)
    viewed(case, "add evidence", incident_id=incident.id)
    return render_template(
        "incidents/evidence_form.html", case=case, form=form, incident=incident, active_tab="incidents"
    )


@bp.route("/<int:incident_id>/evidence/<int:evidence_id>/file")
def download(case_id: int, incident_id: int, evidence_id: int) -> Response:
    """Download an evidence file (logged as a consultation of the case); never shown inline."""
    case = load_case(case_id)
    item = queries.get_evidence(case, incident_id, evidence_id)
    path = service.evidence_file(current_user._get_current_object(), case, item)
    return send_file(
        path,
        mimetype=item.content_type or "application/octet-stream",
        as_attachment=True,
        download_name=item.file_name or "evidence",
    )
