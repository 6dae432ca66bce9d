"""The public report form (``report`` blueprint, no sign-in) and the staff triage queue (``intake``).

Public pages exist only when ``PUBLIC_REPORTING`` is on. Their addresses and titles are
numbered, never named after the subject (``/report/q/3``, "Report – question 3"), they are
never cached, and the only cookie is the session, which holds a random draft token: the
answers themselves stay on the server.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from casework.auth.models import User
from casework.cases.loading import load_case
from casework.cases.models import Classification, Offence
from casework.extensions import limiter
from casework.forms import apply_service
from casework.intake import questions, service
from casework.intake.forms import AddToCaseForm, CloseReportForm, CreateCaseForm, EmptyForm, SendReportForm
from casework.intake.models import CloseReason, OnlineReport, ReportDraft, ReportStatus
from casework.security import Permission, deny, public

public_bp = Blueprint("report", __name__, url_prefix="/report")
bp = Blueprint("intake", __name__, url_prefix="/triage")

DRAFT_KEY = "report_draft"
SENT_KEY = "report_sent"


# --- Public pages -------------------------------------------------------------------------------


@public_bp.url_value_preprocessor
def _only_when_switched_on(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Runs before every other hook (CSRF, rate limits): off means 404, and bodies are kept small."""
    if not current_app.config["PUBLIC_REPORTING"]:
        abort(404)
    request.max_content_length = current_app.config["INTAKE_MAX_BODY_KB"] * 1024


@public_bp.after_request
def _no_other_cookies(response: Response) -> Response:
    """The session is the only cookie: no sign-in happens here, so Flask-Login's remember-cookie
    housekeeping (a deletion cookie after its session-protection check) is skipped."""
    session.pop("_remember", None)
    return response


@public_bp.errorhandler(CSRFError)
@public_bp.errorhandler(400)
@public_bp.errorhandler(413)
@public_bp.errorhandler(429)
def _public_error(error: HTTPException) -> tuple[str, int]:
    """Refusals on public pages keep the public layout and say what to do next."""
    code = error.code or 400
    return render_template("intake/error.html", code=code), code


@public_bp.context_processor
def _public_page_helpers() -> dict[str, Any]:
    return {"exit_url": current_app.config["INTAKE_EXIT_URL"], "field_params": _field_params}


_AUTOCOMPLETE = {
    ("victim_self", "first_name"): "given-name",
    ("victim_self", "last_name"): "family-name",
    ("reporter_details", "first_name"): "given-name",
    ("reporter_details", "last_name"): "family-name",
    ("contact", "phone"): "tel",
    ("contact", "email"): "email",
}


def _field_params(question: questions.Question, spec: questions.Field) -> dict[str, Any]:
    """GOV.UK macro parameters: a one-field page's label is its heading; the reporter's own details autocomplete."""
    heading = question.single
    kind = questions.Kind
    params: dict[str, Any]
    if spec.kind in {kind.CHOICE, kind.CHOICES, kind.DATE}:
        size = "l" if heading else "m"
        legend = {"text": spec.label, "isPageHeading": heading, "classes": f"govuk-fieldset__legend--{size}"}
        params = {"fieldset": {"legend": legend}}
    else:
        size = "l" if heading else "s"
        params = {"label": {"text": spec.label, "isPageHeading": heading, "classes": f"govuk-label--{size}"}}
    if spec.kind is kind.TEXTAREA:
        params.update(maxlength=spec.max_length, rows=8 if heading else 4)
    if spec.kind is kind.TEXT and spec.max_length <= questions.NAME_MAX:
        params["classes"] = "govuk-input--width-20"
    autocomplete = _AUTOCOMPLETE.get((question.key, spec.name))
    if autocomplete:
        params["autocomplete"] = autocomplete
    if spec.kind is kind.TEXT and spec.name == "email":
        params.update(type="email", spellcheck=False)
    if spec.kind is kind.TEXT and spec.name == "phone":
        params.update(type="tel")
    return params


def _submit_limit() -> str:
    return current_app.config["INTAKE_SUBMIT_RATE_LIMIT"]


def _start_limit() -> str:
    return current_app.config["INTAKE_START_RATE_LIMIT"]


def _load_draft() -> ReportDraft | Response:
    """The session's draft, or a redirect to the start page (with a message when it expired)."""
    try:
        draft = service.find_draft(session.get(DRAFT_KEY))
    except service.DraftExpired as expired:
        session.pop(DRAFT_KEY, None)
        flash(expired.message, "expired")
        return redirect(url_for("report.start"))
    if draft is None:
        return redirect(url_for("report.start"))
    return draft


def _next_url(answers: questions.Answers) -> str:
    if questions.in_danger_now(answers):
        return url_for("report.get_help")
    following = questions.first_unanswered(answers)
    if following is not None:
        return url_for("report.question", number=following.number)
    return url_for("report.check")


@public_bp.route("")
@public
def start() -> str:
    """What the form is for, what happens, and the way out; the form starts with a button (POST)."""
    in_progress = False
    if session.get(DRAFT_KEY):
        try:
            in_progress = service.find_draft(session.get(DRAFT_KEY)) is not None
        except service.DraftExpired as expired:
            session.pop(DRAFT_KEY, None)
            flash(expired.message, "expired")
    return render_template("intake/start.html", form=EmptyForm(), in_progress=in_progress)


@public_bp.route("/start", methods=["POST"])
@limiter.limit(_start_limit)
@public
def begin() -> Response:
    """Start a new draft (any earlier one in this session is deleted)."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    old = session.pop(DRAFT_KEY, None)
    if old:
        try:
            previous = service.find_draft(old)
        except service.DraftExpired:
            previous = None
        if previous is not None:
            service.discard_draft(previous)
    _, token = service.start_draft()
    session.pop(SENT_KEY, None)
    session[DRAFT_KEY] = token
    return redirect(url_for("report.question", number=1))


@public_bp.route("/q/<int:number>", methods=["GET", "POST"])
@public
def question(number: int) -> str | Response:
    """One question of the form."""
    question = questions.BY_NUMBER.get(number)
    if question is None:
        abort(404)
    draft = _load_draft()
    if isinstance(draft, Response):
        return draft
    answers = draft.answers
    asked = questions.asked(answers)
    pending = questions.first_unanswered(answers)
    if question not in asked or (pending is not None and pending.number < question.number):
        return redirect(_next_url(answers))
    form = questions.form_for(question)()
    if request.method == "GET":
        form.fill(answers.get(question.key, {}))
    if form.validate_on_submit():
        saved = apply_service(form, service.save_answer, draft, question, form.answer())
        if saved is not None:
            return redirect(_next_url(saved.answers))
    earlier = [item for item in asked if item.number < question.number]
    back = url_for("report.question", number=earlier[-1].number) if earlier else url_for("report.start")
    return render_template("intake/question.html", form=form, question=question, back=back)


@public_bp.route("/help")
@public
def get_help() -> str:
    """Someone is in danger now: call 999, with the routes for people who cannot speak or hear."""
    return render_template("intake/help.html")


@public_bp.route("/check", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
@public
def check() -> str | Response:
    """Check your answers (each with a change link), then send the report."""
    draft = _load_draft()
    if isinstance(draft, Response):
        return draft
    if questions.in_danger_now(draft.answers) or questions.first_unanswered(draft.answers) is not None:
        return redirect(_next_url(draft.answers))
    form = SendReportForm()
    if form.validate_on_submit():
        sent = apply_service(form, service.submit, draft, honeypot_filled=bool(form.website.data))
        if sent is not None:
            session.pop(DRAFT_KEY, None)
            session[SENT_KEY] = {"reference": sent.reference, "anonymous": sent.anonymous}
            return redirect(url_for("report.sent"))
    return render_template("intake/check.html", form=form, rows=questions.describe(draft.answers))


@public_bp.route("/sent")
@public
def sent() -> str | Response:
    """The report reference and what happens next."""
    details = session.get(SENT_KEY)
    if not details:
        return redirect(url_for("report.start"))
    return render_template("intake/sent.html", reference=details["reference"], anonymous=details["anonymous"])


@public_bp.route("/delete", methods=["POST"])
@public
def delete() -> Response:
    """Delete my answers now (for a shared device)."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    token = session.pop(DRAFT_KEY, None)
    try:
        draft = service.find_draft(token)
    except service.DraftExpired:
        draft = None
    if draft is not None:
        service.discard_draft(draft)
    flash("Your answers have been deleted.", "deleted")
    return redirect(url_for("report.start"))


# --- Triage (staff) ------------------------------------------------------------------------------


def _triager() -> User:
    """The signed-in supervisor of the receiving team, or a refusal (403, audited)."""
    user = current_user._get_current_object()
    if not service.may_triage(user):
        deny("online_reports")
    return user


def _report(report_id: int) -> OnlineReport:
    return service.get_report(report_id)


def _answers(found: OnlineReport) -> list[questions.AnswerRow]:
    """The report's answers as the signed-in triager may read them.

    A report on a case is part of the case: a case hidden from them (restricted) hides the report too, with the
    same audited 404, and its sealed details stay with those who may see them.
    """
    case = load_case(found.case_id) if found.case_id else None
    return service.answers_for(current_user._get_current_object(), found, case)


def _refused_because_taken(form: Any, report: OnlineReport) -> Response | None:
    """When another supervisor got there first: say so plainly on the report's page."""
    if isinstance(getattr(form, "refused_by", None), service.AlreadyTriaged):
        flash(form.refused_by.message, "error")
        return redirect(url_for("intake.report", report_id=report.id))
    return None


@bp.route("")
def queue() -> str:
    """Every report waiting for triage with its answers: anyone in danger first (red), then oldest first."""
    user = _triager()
    reports = service.waiting_reports()
    service.record_viewed(user, reports, "triage queue")
    return render_template(
        "intake/queue.html",
        reports=[(report, questions.describe(report.answers)) for report in reports],
        summary=service.queue_summary(),
    )


@bp.route("/<int:report_id>")
def report(report_id: int) -> str:
    """One report, its answers, and what can be done with it."""
    user = _triager()
    found = _report(report_id)
    rows = _answers(found)
    service.record_viewed(user, [found], "online report")
    return render_template("intake/report.html", report=found, rows=rows)


def _new_report_or_back(found: OnlineReport) -> Response | None:
    if found.status != ReportStatus.NEW:
        flash("This report has already been dealt with.", "error")
        return redirect(url_for("intake.report", report_id=found.id))
    return None


@bp.route("/<int:report_id>/case", methods=["GET", "POST"])
def create_case(report_id: int) -> str | Response:
    """Create a case from the report."""
    user = _triager()
    found = _report(report_id)
    done = _new_report_or_back(found)
    if done is not None and request.method == "GET":
        return done
    form = CreateCaseForm()
    if form.validate_on_submit():
        case = apply_service(
            form,
            service.create_case_from_report,
            user,
            found,
            classification=Classification(form.classification.data),
            offence=Offence(form.offence.data),
        )
        if case is not None:
            flash(f"Case {case.reference} has been created from online report {found.reference}.", "success")
            return redirect(url_for("cases.summary", case_id=case.id))
        taken = _refused_because_taken(form, found)
        if taken is not None:
            return taken
    rows = _answers(found)
    service.record_viewed(user, [found], "create a case")
    return render_template("intake/create_case.html", form=form, report=found, rows=rows)


@bp.route("/<int:report_id>/add", methods=["GET", "POST"])
def add_to_case(report_id: int) -> str | Response:
    """Find a case by reference or name, and add the report to it as a new incident."""
    user = _triager()
    found = _report(report_id)
    done = _new_report_or_back(found)
    if done is not None and request.method == "GET":
        return done
    form = AddToCaseForm()
    if form.validate_on_submit():
        case = load_case(form.case_id.data or 0, Permission.CASE_VIEW)  # the service says why it cannot be added
        added = apply_service(form, service.add_report_to_case, user, found, case)
        if added is not None:
            flash(f"Online report {found.reference} is now a new incident on case {case.reference}.", "success")
            return redirect(url_for("cases.summary", case_id=case.id))
        taken = _refused_because_taken(form, found)
        if taken is not None:
            return taken
    search = (request.args.get("search") or "").strip()[:100]
    return render_template(
        "intake/add_to_case.html",
        form=form,
        report=found,
        search=search,
        matches=service.find_cases(user, search),
    )


@bp.route("/<int:report_id>/close", methods=["GET", "POST"])
def close(report_id: int) -> str | Response:
    """Close the report without a case, with a reason."""
    user = _triager()
    found = _report(report_id)
    done = _new_report_or_back(found)
    if done is not None and request.method == "GET":
        return done
    form = CloseReportForm()
    if form.validate_on_submit():
        closed = apply_service(
            form, service.close_report, user, found, reason=CloseReason(form.reason.data), note=form.note.data or ""
        )
        if closed is not None:
            flash(f"Online report {found.reference} has been closed.", "success")
            return redirect(url_for("intake.queue"))
        taken = _refused_because_taken(form, found)
        if taken is not None:
            return taken
    return render_template("intake/close.html", form=form, report=found)
