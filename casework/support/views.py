"""Victim support pages: services (admin), the case's Support tab (police), the adviser's case and referrals."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.auth.models import User
from casework.cases import service as cases
from casework.cases.loading import load_case, viewed
from casework.cases.models import Case
from casework.db import utcnow
from casework.forms import apply_service, run_versioned
from casework.security import Permission, can, deny, ensure, ensure_adviser_case, require
from casework.support import service
from casework.support.forms import (
    AFTERCARE_FORMS,
    ActionForm,
    CloseReferralForm,
    ConsentForm,
    CourtSupportForm,
    ReasonForm,
    ReferralForm,
    ResponseForm,
    ServiceForm,
    need_field_name,
    need_notes_name,
)
from casework.support.models import (
    AftercareKind,
    ConsentDecision,
    ConsentMethod,
    NeedArea,
    NeedRating,
    Referral,
    ReferralOutcome,
    ServiceKind,
    SharedDetail,
)

bp = Blueprint("support", __name__)


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


# --- Support services (admin area) ---------------------------------------------------------


@bp.route("/admin/support-services")
@require(Permission.MANAGE_SUPPORT_SERVICES)
def services() -> str:
    """Every support service, active first."""
    return render_template("support/services.html", services=service.list_services())


def _service_details(form: ServiceForm) -> service.ServiceDetails:
    return service.ServiceDetails(
        name=form.name.data or "",
        kind=ServiceKind(form.kind.data),
        secure_email=form.secure_email.data or "",
        active=bool(form.active.data),
    )


@bp.route("/admin/support-services/new", methods=["GET", "POST"])
@require(Permission.MANAGE_SUPPORT_SERVICES)
def new_service() -> str | Response:
    """Add a support service."""
    form = ServiceForm()
    if form.validate_on_submit():
        created = apply_service(form, service.create_service, _me(), _service_details(form))
        if created is not None:
            flash(f"{created.name} has been added.", "success")
            return redirect(url_for("support.services"))
    return render_template("support/service_form.html", form=form, support_service=None)


@bp.route("/admin/support-services/<int:service_id>", methods=["GET", "POST"])
@require(Permission.MANAGE_SUPPORT_SERVICES)
def edit_service(service_id: int) -> str | Response:
    """Change a support service (or stop it taking referrals)."""
    support_service = service.get_service(service_id)
    form = ServiceForm(obj=support_service if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = support_service.kind.value
        form.version.data = support_service.version_id
    if form.validate_on_submit():
        updated = run_versioned(
            form, support_service, service.update_service, _me(), support_service, _service_details(form)
        )
        if updated is not None:
            flash(f"{updated.name} has been updated.", "success")
            return redirect(url_for("support.services"))
    return render_template("support/service_form.html", form=form, support_service=support_service)


# --- The case's Support tab (police) --------------------------------------------------------


def _tab_redirect(case: Case) -> Response:
    return redirect(url_for("support.case_support", case_id=case.id))


@bp.route("/cases/<int:case_id>/support")
def case_support(case_id: int) -> str:
    """Referrals, consent, deadlines and history; aftercare summaries for the officer in case."""
    case = load_case(case_id)
    viewed(case, "support")
    user = _me()
    return render_template(
        "support/case_tab.html",
        case=case,
        tab=service.support_tab(user, case),
        may_edit=can(user, Permission.CASE_EDIT, case),
        action_form=ActionForm(),
        active_tab="support",
    )


@bp.route("/cases/<int:case_id>/support/new", methods=["GET", "POST"])
def new_referral(case_id: int) -> str | Response:
    """Propose referring a victim of the case to a support service."""
    case = load_case(case_id, Permission.CASE_EDIT)
    form = ReferralForm()
    form.party_id.choices = [(0, "Select a victim")] + [
        (party.id, party.person.full_name) for party in service.victims_of(case)
    ]
    form.service_id.choices = [(0, "Select a service")] + [
        (found.id, f"{found.name} ({found.kind.label})") for found in service.list_services(active_only=True)
    ]
    if form.validate_on_submit():
        referral = apply_service(
            form,
            service.propose_referral,
            _me(),
            case,
            party_id=form.party_id.data or 0,
            service_id=form.service_id.data or 0,
            reason=form.reason.data or "",
        )
        if referral is not None:
            flash("The referral is proposed. Record the victim's consent next.", "success")
            return redirect(url_for("support.consent", case_id=case.id, referral_id=referral.id))
    viewed(case, "new referral")
    return render_template("support/referral_new.html", case=case, form=form, active_tab="support")


@bp.route("/cases/<int:case_id>/support/<int:referral_id>/consent", methods=["GET", "POST"])
def consent(case_id: int, referral_id: int) -> str | Response:
    """Record the victim's consent (or refusal) to the referral."""
    case = load_case(case_id, Permission.CASE_EDIT)
    referral = service.get_referral(case, referral_id)
    form = ConsentForm()
    if request.method == "GET":
        form.version.data = referral.version_id
    if form.validate_on_submit():
        answer = service.Consent(
            decision=ConsentDecision(form.decision.data),
            scope=form.scope.data or "",
            given_at=service.consent_instant(form.consent_on.data, now=utcnow()),
            method=ConsentMethod(form.method.data),
            shares=frozenset(SharedDetail(value) for value in form.shares.data or ()),
        )
        recorded = run_versioned(form, referral, service.record_consent, _me(), referral, answer)
        if recorded is not None:
            flash("The victim's answer has been recorded.", "success")
            return _tab_redirect(case)
    referral = service.get_referral(case, referral_id)  # fresh, after a refused change rolled back
    viewed(case, "referral consent", referral=referral.id)
    return render_template("support/consent.html", case=case, referral=referral, form=form, active_tab="support")


@bp.route("/cases/<int:case_id>/support/<int:referral_id>/send", methods=["POST"])
def send(case_id: int, referral_id: int) -> Response:
    """Send the referral to the service (refused without the victim's consent)."""
    case = load_case(case_id, Permission.CASE_EDIT)
    referral = service.get_referral(case, referral_id)
    form = ActionForm()
    if form.validate_on_submit():
        sent = run_versioned(form, referral, service.send_referral, _me(), referral)
        if sent is not None:
            flash(service.sent_in_words(referral), "success")
            return _tab_redirect(case)
    for message in [*form.form_errors, *form.version.errors]:
        flash(message, "error")
    return _tab_redirect(case)


def _reason_page(case: Case, referral: Referral, form: ReasonForm | ResponseForm, template: str, page: str) -> str:
    referral = service.get_referral(case, referral.id)  # fresh, after a refused change rolled back
    viewed(case, page, referral=referral.id)
    return render_template(template, case=case, referral=referral, form=form, active_tab="support")


@bp.route("/cases/<int:case_id>/support/<int:referral_id>/withdraw", methods=["GET", "POST"])
def withdraw(case_id: int, referral_id: int) -> str | Response:
    """The victim withdrew consent: stop the referral."""
    case = load_case(case_id, Permission.CASE_EDIT)
    referral = service.get_referral(case, referral_id)
    form = ReasonForm()
    if request.method == "GET":
        form.version.data = referral.version_id
    if form.validate_on_submit():
        stopped = run_versioned(
            form, referral, service.withdraw_consent, _me(), referral, reason=form.reason.data or ""
        )
        if stopped is not None:
            flash("Consent withdrawn: the referral has stopped.", "success")
            return _tab_redirect(case)
    return _reason_page(case, referral, form, "support/withdraw.html", "withdraw consent")


@bp.route("/cases/<int:case_id>/support/<int:referral_id>/response", methods=["GET", "POST"])
def response(case_id: int, referral_id: int) -> str | Response:
    """Record the answer of a service whose advisers do not use Casework."""
    case = load_case(case_id, Permission.CASE_EDIT)
    referral = service.get_referral(case, referral_id)
    form = ResponseForm()
    if request.method == "GET":
        form.version.data = referral.version_id
    if form.validate_on_submit():
        answered = run_versioned(
            form,
            referral,
            service.record_response,
            _me(),
            referral,
            accepted=form.accepted.data == "yes",
            reason=form.reason.data or "",
        )
        if answered is not None:
            flash("The service's answer has been recorded.", "success")
            return _tab_redirect(case)
    return _reason_page(case, referral, form, "support/response.html", "referral response")


# --- The adviser's pages ----------------------------------------------------------------------


@bp.route("/support/cases/<int:case_id>")
@require(Permission.SUPPORT_CASE_VIEW)
def adviser_case(case_id: int) -> str:
    """The victim-facing part of a case referred to the adviser's service (404, audited, otherwise)."""
    case = cases.get_case(case_id)
    ensure_adviser_case(case)
    view = service.adviser_case(_me(), case)
    viewed(case, "support case", referrals=[victim.referral_id for victim in view.victims])
    return render_template(
        "support/adviser_case.html",
        view=view,
        action_form=ActionForm(),
        needs_labels={area.value: area.label for area in NeedArea},
    )


def _adviser_referral(referral_id: int) -> Referral:
    """A referral the signed-in adviser may work: their service's, on a case they may see; else 404 (audited)."""
    ensure(Permission.REFERRAL_WORK)
    referral = service.find_referral(referral_id)
    if not can(_me(), Permission.REFERRAL_WORK, referral):
        deny("case", referral.case_id, hide=True)
    return referral


def _case_page(referral: Referral) -> Response:
    return redirect(url_for("support.adviser_case", case_id=referral.case_id))


@bp.route("/support/referrals/<int:referral_id>/take", methods=["POST"])
def take(referral_id: int) -> Response:
    """Take a referral sent to the adviser's service: it is accepted and theirs."""
    referral = _adviser_referral(referral_id)
    form = ActionForm()
    if form.validate_on_submit():
        taken = run_versioned(form, referral, service.take_referral, _me(), referral)
        if taken is not None:
            flash("You have taken the referral. Start with a needs assessment.", "success")
            return _case_page(referral)
    for message in [*form.form_errors, *form.version.errors]:
        flash(message, "error")
    return _case_page(referral)


def _adviser_form_page(template: str, referral: Referral, form: object, page: str, **extra: object) -> str:
    referral = service.find_referral(referral.id)  # fresh, after a refused change rolled back
    viewed(referral.case, page, referral=referral.id)
    return render_template(template, referral=referral, form=form, **extra)


@bp.route("/support/referrals/<int:referral_id>/decline", methods=["GET", "POST"])
def decline(referral_id: int) -> str | Response:
    """The service cannot take the referral: say why."""
    referral = _adviser_referral(referral_id)
    form = ReasonForm()
    if request.method == "GET":
        form.version.data = referral.version_id
    if form.validate_on_submit():
        declined = run_versioned(
            form, referral, service.decline_referral, _me(), referral, reason=form.reason.data or ""
        )
        if declined is not None:
            flash("The referral has been declined and the officer in case can see why.", "success")
            return redirect(url_for("dashboard.home"))
    return _adviser_form_page("support/decline.html", referral, form, "decline referral")


@bp.route("/support/referrals/<int:referral_id>/withdraw", methods=["GET", "POST"])
def adviser_withdraw(referral_id: int) -> str | Response:
    """The victim told the service they withdraw consent: the referral stops."""
    referral = _adviser_referral(referral_id)
    form = ReasonForm()
    if request.method == "GET":
        form.version.data = referral.version_id
    if form.validate_on_submit():
        stopped = run_versioned(
            form, referral, service.withdraw_consent, _me(), referral, reason=form.reason.data or ""
        )
        if stopped is not None:
            flash("Consent withdrawn: the referral has stopped and the officer in case can see it.", "success")
            return redirect(url_for("dashboard.home"))
    return _adviser_form_page("support/adviser_withdraw.html", referral, form, "withdraw consent")


@bp.route("/support/referrals/<int:referral_id>/close", methods=["GET", "POST"])
def close(referral_id: int) -> str | Response:
    """Close an accepted referral with its outcome."""
    referral = _adviser_referral(referral_id)
    form = CloseReferralForm()
    if request.method == "GET":
        form.version.data = referral.version_id
    if form.validate_on_submit():
        closed = run_versioned(
            form,
            referral,
            service.close_referral,
            _me(),
            referral,
            outcome=ReferralOutcome(form.outcome.data),
            notes=form.notes.data or "",
        )
        if closed is not None:
            flash("The referral is closed.", "success")
            return redirect(url_for("dashboard.home"))
    return _adviser_form_page("support/close.html", referral, form, "close referral")


@bp.route("/support/referrals/<int:referral_id>/aftercare/<kind>", methods=["GET", "POST"])
def aftercare(referral_id: int, kind: str) -> str | Response:
    """Record a needs assessment, safety planning, housing, counselling or court support."""
    try:
        aftercare_kind = AftercareKind(kind)
    except ValueError:
        abort(404)
    referral = _adviser_referral(referral_id)
    form = AFTERCARE_FORMS[aftercare_kind]()
    if form.validate_on_submit():
        details = service.AftercareDetails(
            kind=aftercare_kind,
            occurred_on=form.occurred_on.data,
            summary=form.summary.data or "",
            next_steps=form.next_steps.data or "",
            follow_up_on=form.follow_up_on.data,
            notes=form.notes.data or "",
            needs={
                area: service.Need(NeedRating(form[need_field_name(area)].data), form[need_notes_name(area)].data or "")
                for area in NeedArea
            }
            if aftercare_kind == AftercareKind.NEEDS_ASSESSMENT
            else {},
            **(
                {
                    "special_measures": form.special_measures.data or "",
                    "pre_trial_visit_on": form.pre_trial_visit_on.data,
                    "witness_service": bool(form.witness_service.data),
                }
                if isinstance(form, CourtSupportForm)
                else {}
            ),
        )
        entry = apply_service(form, service.add_aftercare, _me(), referral, details)
        if entry is not None:
            flash(f"{aftercare_kind.label} saved. Follow-up on {entry.follow_up_on:%-d %B %Y}.", "success")
            return _case_page(referral)
    return _adviser_form_page(
        "support/aftercare_form.html",
        referral,
        form,
        "new aftercare",
        kind=aftercare_kind,
        areas=[(area, need_field_name(area), need_notes_name(area)) for area in NeedArea],
    )
