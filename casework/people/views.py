"""The people tab of a case: who is involved, victims' safe contact, sealed details and break-glass."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.cases.loading import load_case, viewed
from casework.cases.models import Case
from casework.forms import apply_service
from casework.people import queries, service
from casework.people.forms import DIFFERENT_PERSON, ContactForm, PartyForm, RevealForm
from casework.people.models import ContactMethod, PartyRole, Relationship
from casework.security import Permission, can, ensure, ensure_case, require

bp = Blueprint("people", __name__)


def _render_people(
    case: Case,
    *,
    revealed: dict[int, queries.SealedDetails] | None = None,
    reveal_form: RevealForm | None = None,
    reveal_party_id: int | None = None,
) -> str:
    user = current_user._get_current_object()
    cards = queries.party_cards(user, case, revealed=revealed)
    shown_elsewhere = sorted({link.case.id for card in cards for link in card.links})
    viewed(case, "people", linked_cases=shown_elsewhere)
    return render_template(
        "people/list.html",
        case=case,
        cards=cards,
        may_add=can(user, Permission.CASE_EDIT, case),
        reveal_form=reveal_form or RevealForm(),
        reveal_party_id=reveal_party_id,
        form=reveal_form,
        active_tab="people",
    )


@bp.route("/cases/<int:case_id>/people")
def case_people(case_id: int) -> str:
    """Victims, suspects, witnesses and reporters, with repeat-suspect links."""
    case = load_case(case_id)
    return _render_people(case)


@bp.route("/cases/<int:case_id>/people/new", methods=["GET", "POST"])
def add(case_id: int) -> str | Response:
    """Add a person to the case; a likely match with someone already known is offered first."""
    case = load_case(case_id, Permission.CASE_EDIT)
    user = current_user._get_current_object()
    form = PartyForm()
    matches: list = []
    if form.validate_on_submit():
        answer = form.same_as.data or ""
        if answer and answer != DIFFERENT_PERSON and not answer.isdigit():
            form.same_as.errors = ["Choose one of the people listed, or say it is a different person"]
        else:
            party = apply_service(
                form,
                service.add_party,
                user,
                case,
                service.PartyDetails(
                    role=PartyRole(form.role.data),
                    first_name=form.first_name.data or "",
                    last_name=form.last_name.data or "",
                    other_names=form.other_names.data or None,
                    date_of_birth=form.date_of_birth.data,
                    relationship_to_victim=Relationship(form.relationship_to_victim.data)
                    if form.relationship_to_victim.data
                    else None,
                    not_to_be_identified=bool(form.not_to_be_identified.data),
                    enhanced_rights=form.enhanced_rights.data != "no",
                    enhanced_rights_reason=form.enhanced_rights_reason.data or None,
                    notes=form.notes.data or None,
                    existing_person_id=int(answer) if answer.isdigit() else None,
                    different_person_confirmed=answer == DIFFERENT_PERSON,
                ),
            )
            if party is not None:
                flash(f"{party.role.label} added to the case.", "success")
                return redirect(url_for("people.case_people", case_id=case.id))
    if form.errors:
        matches = queries.likely_matches(
            user, form.first_name.data or "", form.last_name.data or "", form.date_of_birth.data
        )
    viewed(case, "add person", likely_match_cases=sorted({match.case.id for match in matches}))
    return render_template(
        "people/add.html", case=case, form=form, matches=matches, different=DIFFERENT_PERSON, active_tab="people"
    )


@bp.route("/cases/<int:case_id>/people/<int:party_id>/contact", methods=["GET", "POST"])
def contact(case_id: int, party_id: int) -> str | Response:
    """A victim's contact preferences and sealed details (officer in case and supervisor only)."""
    case = load_case(case_id, Permission.CASE_EDIT)
    ensure_case(Permission.SEALED_DETAILS_VIEW, case)
    party = queries.get_party(case, party_id)
    ensure(Permission.VICTIM_CONTACT_EDIT, party, object_type="case_party", hide=True)
    form = ContactForm(obj=party.contact if request.method == "GET" else None)
    if request.method == "GET" and party.contact and party.contact.preferred_method:
        form.preferred_method.data = party.contact.preferred_method.value
    if form.validate_on_submit():
        data = {name: form[name].data for name in service.ContactDetails.__dataclass_fields__}
        data["preferred_method"] = ContactMethod(data["preferred_method"]) if data["preferred_method"] else None
        for name in ("safe_times", "language", "access_needs", "sealed_address", "sealed_phone", "sealed_email"):
            data[name] = data[name] or None
        saved = apply_service(
            form,
            service.update_contact,
            current_user._get_current_object(),
            case,
            party,
            service.ContactDetails(**data),
        )
        if saved is not None:
            flash("Contact details saved.", "success")
            return redirect(url_for("people.case_people", case_id=case.id))
    viewed(case, "victim contact")
    return render_template("people/contact.html", case=case, party=party, form=form, active_tab="people")


@bp.route("/cases/<int:case_id>/people/<int:party_id>/reveal", methods=["POST"])
def reveal(case_id: int, party_id: int) -> str:
    """Break-glass: show sealed details once, after a reason is given (audited, flagged to the supervisor)."""
    case = load_case(case_id, Permission.SEALED_DETAILS_BREAK_GLASS)
    party = queries.get_party(case, party_id)
    form = RevealForm()
    revealed = None
    if form.validate_on_submit():
        sealed = apply_service(
            form, service.break_glass, current_user._get_current_object(), case, party, reason=form.reason.data or ""
        )
        if sealed is not None:
            revealed = {party.id: sealed}
    return _render_people(case, revealed=revealed, reveal_form=form, reveal_party_id=party.id)


@bp.route("/disclosures/<int:disclosure_id>/acknowledge", methods=["POST"])
@require(Permission.DISCLOSURE_ACKNOWLEDGE)
def acknowledge(disclosure_id: int) -> Response:
    """A supervisor has seen a break-glass reveal on one of their cases."""
    disclosure = queries.get_disclosure(disclosure_id)
    ensure(Permission.DISCLOSURE_ACKNOWLEDGE, disclosure, object_type="disclosure", hide=True)
    service.acknowledge_disclosure(current_user._get_current_object(), disclosure)
    flash("Marked as reviewed.", "success")
    return redirect(url_for("dashboard.home"))
