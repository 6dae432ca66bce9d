"""The contact tab of a case: victims' contact plans, do-not-contact flags, key decisions and the log."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.cases.loading import load_case, viewed
from casework.cases.models import Case
from casework.contact import obligations as _obligations  # noqa: F401 - registers the contact obligations
from casework.contact import service
from casework.contact.forms import ContactForm, DoNotContactForm, KeyDecisionForm, LiftForm, PlanForm
from casework.contact.models import ContactOutcome, DecisionKind
from casework.errors import DomainError
from casework.forms import apply_service, run_versioned
from casework.people.models import ContactMethod
from casework.security import Permission, can

bp = Blueprint("contact", __name__, url_prefix="/cases/<int:case_id>/contact")


def _back(case: Case) -> Response:
    """After a save, the top of the tab, where its success banner is (a fragment would scroll past it)."""
    return redirect(url_for("contact.case_contact", case_id=case.id))


@bp.route("")
def case_contact(case_id: int) -> str:
    """Plans per victim, do-not-contact flags, key decisions with their deadlines, and the contact log."""
    case = load_case(case_id, Permission.CONTACT_VIEW)
    viewed(case, "contact")
    return render_template(
        "contact/tab.html",
        case=case,
        overview=service.overview(case),
        may_edit=can(current_user, Permission.CONTACT_EDIT, case),
        active_tab="contact",
    )


@bp.route("/victims/<int:party_id>/plan", methods=["GET", "POST"])
def plan(case_id: int, party_id: int) -> str | Response:
    """Agree a contact plan with a victim, or change it (with the reason)."""
    case = load_case(case_id, Permission.CONTACT_EDIT)
    party = service.get_victim(case, party_id)
    existing = service.plan_for(party)
    contact = party.contact
    user = current_user._get_current_object()
    form = PlanForm()
    form.offer(
        [(owner.id, owner.full_name) for owner in service.owners_for(case)],
        case.officer.full_name if case.officer else "not allocated yet",
        service.safe_channels(contact),
    )
    if request.method == "GET":
        if existing is not None:
            form.version.data = existing.version_id
            form.show(service.plan_terms(existing))
        else:
            form.owner_id.data = 0
    if form.validate_on_submit():
        if existing is None:
            saved = apply_service(
                form, service.agree_plan, user, case, party, form.terms(), reason=form.reason.data or ""
            )
        else:
            saved = run_versioned(
                form, existing, service.change_plan, user, case, existing, form.terms(), reason=form.reason.data or ""
            )
        if saved is not None:
            flash(f"The contact plan for {party.person.full_name} has been saved.", "success")
            return _back(case)
    viewed(case, "contact plan", party_id=party.id)
    return render_template(
        "contact/plan.html", case=case, party=party, contact=contact, plan=existing, form=form, active_tab="contact"
    )


@bp.route("/victims/<int:party_id>/do-not-contact", methods=["GET", "POST"])
def do_not_contact(case_id: int, party_id: int) -> str | Response:
    """Flag a victim "do not contact", with the reason and a review date."""
    case = load_case(case_id, Permission.CONTACT_EDIT)
    party = service.get_victim(case, party_id)
    form = DoNotContactForm()
    if form.validate_on_submit():
        flag = apply_service(
            form,
            service.set_do_not_contact,
            current_user._get_current_object(),
            case,
            party,
            reason=form.reason.data or "",
            review_on=form.review_on.data,
        )
        if flag is not None:
            flash(f"{party.person.full_name} is flagged do not contact.", "success")
            return _back(case)
    viewed(case, "do not contact", party_id=party.id)
    return render_template("contact/do_not_contact.html", case=case, party=party, form=form, active_tab="contact")


@bp.route("/flags/<int:flag_id>/lift", methods=["GET", "POST"])
def lift(case_id: int, flag_id: int) -> str | Response:
    """Lift a do-not-contact flag, with the reason."""
    case = load_case(case_id, Permission.CONTACT_EDIT)
    service.flag_on(case, flag_id)
    form = LiftForm()
    if form.validate_on_submit():
        flag = apply_service(
            form,
            service.lift_do_not_contact,
            current_user._get_current_object(),
            case,
            flag_id,
            reason=form.reason.data or "",
        )
        if flag is not None:
            flash("The do-not-contact flag has been lifted.", "success")
            return _back(case)
    viewed(case, "lift do not contact", flag_id=flag_id)
    return render_template("contact/lift.html", case=case, form=form, active_tab="contact")


@bp.route("/log", methods=["GET", "POST"])
def log_contact(case_id: int) -> str | Response:
    """Log an attempt to contact a victim, and which key decisions they were told about."""
    case = load_case(case_id, Permission.CONTACT_EDIT)
    victims = service.victims_of(case)
    names = {victim.id: victim.person.full_name for victim in victims}
    notices = service.open_notices(case)
    form = ContactForm()
    form.party_id.choices = [(victim.id, victim.person.full_name) for victim in victims]
    form.notices.choices = [
        (notice.id, f"{names.get(notice.party_id, '')}: {notice.decision.kind.label}") for notice in notices
    ]
    if request.method == "GET":
        form.party_id.data = request.args.get("party", type=int) or (victims[0].id if victims else 0)
        form.method.data = ContactMethod.PHONE.value
    if form.validate_on_submit():
        attempt = apply_service(form, _log, case, form)
        if attempt is not None:
            flash("The contact has been logged.", "success")
            return _back(case)
    viewed(case, "log contact")
    return render_template("contact/log.html", case=case, form=form, has_victims=bool(victims), active_tab="contact")


def _log(case: Case, form: ContactForm) -> object:
    contacted_at = form.contacted_at()
    if contacted_at is None:
        raise DomainError("Enter the date and time of the contact", field="contacted_on")
    party = service.get_victim(case, form.party_id.data)
    return service.log_contact(
        current_user._get_current_object(),
        case,
        party,
        service.NewContact(
            contacted_at=contacted_at,
            method=ContactMethod(form.method.data),
            outcome=ContactOutcome(form.outcome.data),
            discussed=form.discussed.data,
            notice_ids=tuple(form.notices.data or ()),
        ),
    )


@bp.route("/decisions/new", methods=["GET", "POST"])
def new_decision(case_id: int) -> str | Response:
    """Record a key decision; every victim of the case must then be told by their deadline."""
    case = load_case(case_id, Permission.CONTACT_EDIT)
    form = KeyDecisionForm()
    if form.validate_on_submit():
        decision = apply_service(form, _decide, case, form)
        if decision is not None:
            flash(f"Recorded: {decision.kind.label}. Tell each victim by the deadline shown.", "success")
            return _back(case)
    viewed(case, "new key decision")
    return render_template("contact/decision.html", case=case, form=form, active_tab="contact")


def _decide(case: Case, form: KeyDecisionForm) -> object:
    decided_at = form.decided_at()
    if decided_at is None:
        raise DomainError("Enter the date and time of the decision", field="decided_on")
    return service.record_key_decision(
        current_user._get_current_object(),
        case,
        DecisionKind(form.kind.data),
        decided_at=decided_at,
        hearing_at=form.hearing_at(),
        notes=form.notes.data,
    )
