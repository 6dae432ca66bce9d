"""The people tab of a case: who is involved, victims' safe contact, sealed details and break-glass."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.auth.models import User
from casework.cases.loading import load_case, viewed
from casework.cases.models import Case, ReporterType
from casework.forms import apply_service
from casework.people import queries, service
from casework.people.forms import (
    DIFFERENT_PERSON,
    PART_FORMS,
    ContactForm,
    PartChoiceForm,
    PartyForm,
    RevealForm,
)
from casework.people.models import CaseParty, ContactMethod, PartyRole, Relationship
from casework.security import Permission, can, ensure, ensure_case, require

bp = Blueprint("people", __name__)


PARTS = {role.value: role for role in PartyRole}


@bp.route("/cases/<int:case_id>/people")
def case_people(case_id: int) -> str:
    """Victims, suspects, witnesses and reporters, with repeat-suspect links."""
    case = load_case(case_id)
    user = current_user._get_current_object()
    cards = queries.party_cards(user, case)
    viewed(case, "people", linked_cases=sorted({link.case.id for card in cards for link in card.links}))
    return render_template(
        "people/list.html", case=case, cards=cards, may_add=can(user, Permission.CASE_EDIT, case), active_tab="people"
    )


@bp.route("/cases/<int:case_id>/people/new", methods=["GET", "POST"])
def choose_part(case_id: int) -> str | Response:
    """Who is being added: victim, suspect, witness or reporter (each has its own form)."""
    case = load_case(case_id, Permission.CASE_EDIT)
    form = PartChoiceForm()
    if case.reporter_type == ReporterType.ANONYMOUS:
        form.role.choices = [choice for choice in form.role.choices if choice[0] != PartyRole.REPORTER.value]
    if form.validate_on_submit():
        return redirect(url_for("people.add", case_id=case.id, part=form.role.data))
    viewed(case, "add person")
    return render_template("people/choose_part.html", case=case, form=form)


@bp.route("/cases/<int:case_id>/people/new/<any(victim, suspect, witness, reporter):part>", methods=["GET", "POST"])
def add(case_id: int, part: str) -> str | Response:
    """Add a victim, suspect, witness or reporter; a likely match with someone already known is offered first."""
    case = load_case(case_id, Permission.CASE_EDIT)
    user = current_user._get_current_object()
    role = PARTS[part]
    form = PART_FORMS[role]()
    matches: list = []
    if form.validate_on_submit():
        answer = form.same_as.data or ""
        if answer and answer != DIFFERENT_PERSON and not answer.isdigit():
            form.same_as.errors = ["Choose one of the people listed, or say it is a different person"]
        else:
            party = apply_service(form, service.add_party, user, case, _party_details(role, form, answer))
            if party is not None:
                return _after_adding(user, case, party)
    if form.errors:
        matches = queries.likely_matches(
            user, form.first_name.data or "", form.last_name.data or "", form.date_of_birth.data
        )
    viewed(case, "add person", likely_match_cases=sorted({match.case.id for match in matches}))
    return render_template(
        "people/add.html", case=case, form=form, role=role, matches=matches, different=DIFFERENT_PERSON
    )


def _party_details(role: PartyRole, form: PartyForm, answer: str) -> service.PartyDetails:
    relationship = form.data.get("relationship_to_victim")
    return service.PartyDetails(
        role=role,
        first_name=form.first_name.data or "",
        last_name=form.last_name.data or "",
        other_names=form.other_names.data or None,
        date_of_birth=form.date_of_birth.data,
        relationship_to_victim=Relationship(relationship) if relationship else None,
        not_to_be_identified=bool(form.data.get("not_to_be_identified")),
        enhanced_rights=form.data.get("enhanced_rights") != "no" if role == PartyRole.VICTIM else None,
        enhanced_rights_reason=form.data.get("enhanced_rights_reason") or None,
        notes=form.notes.data or None,
        existing_person_id=int(answer) if answer.isdigit() else None,
        different_person_confirmed=answer == DIFFERENT_PERSON,
    )


def _after_adding(user: User, case: Case, party: CaseParty) -> Response:
    """Back to the people tab; a victim goes on to how to contact them safely, when the user may record it."""
    if party.role == PartyRole.VICTIM and can(user, Permission.SEALED_DETAILS_VIEW, case):
        flash(f"Victim added. Now record how to contact {party.person.full_name} safely.", "success")
        return redirect(url_for("people.contact", case_id=case.id, party_id=party.id))
    flash(f"{party.role.label} added to the case.", "success")
    return redirect(url_for("people.case_people", case_id=case.id))


@bp.route("/cases/<int:case_id>/people/<int:party_id>/contact", methods=["GET", "POST"])
def contact(case_id: int, party_id: int) -> str | Response:
    """A victim's contact preferences and sealed details (officer in case and supervisor, or the recorder
    until the case is allocated)."""
    case = load_case(case_id, Permission.CASE_EDIT)
    ensure_case(Permission.SEALED_DETAILS_VIEW, case)
    party = queries.get_party(case, party_id)
    ensure(Permission.VICTIM_CONTACT_EDIT, party, object_type="case_party", hide=True)
    form = ContactForm(obj=party.contact if request.method == "GET" else None)
    if request.method == "GET" and party.contact:
        form.load(party.contact)
    if form.validate_on_submit():
        data = {name: form[name].data for name in service.ContactDetails.__dataclass_fields__ if name in form}
        data.update(form.flags())
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
    return render_template("people/contact.html", case=case, party=party, form=form)


@bp.route("/cases/<int:case_id>/people/<int:party_id>/reveal", methods=["GET", "POST"])
def reveal(case_id: int, party_id: int) -> str:
    """Break-glass, on its own page: show sealed details once, after a reason is given (a disclosure,
    audited and flagged to the supervisor)."""
    case = load_case(case_id, Permission.SEALED_DETAILS_BREAK_GLASS)
    party = queries.get_party(case, party_id)
    form = RevealForm()
    revealed = None
    if form.validate_on_submit():
        revealed = apply_service(
            form, service.break_glass, current_user._get_current_object(), case, party, reason=form.reason.data or ""
        )
    viewed(case, "sealed details", party_id=party.id, revealed=revealed is not None)
    return render_template("people/reveal.html", case=case, party=party, form=form, revealed=revealed)


@bp.route("/disclosures/<int:disclosure_id>/acknowledge", methods=["POST"])
@require(Permission.DISCLOSURE_ACKNOWLEDGE)
def acknowledge(disclosure_id: int) -> Response:
    """A supervisor has seen a break-glass reveal on one of their cases."""
    disclosure = queries.get_disclosure(disclosure_id)
    ensure(Permission.DISCLOSURE_ACKNOWLEDGE, disclosure, object_type="disclosure", hide=True)
    service.acknowledge_disclosure(current_user._get_current_object(), disclosure)
    flash("Marked as reviewed.", "success")
    return redirect(url_for("dashboard.home"))
