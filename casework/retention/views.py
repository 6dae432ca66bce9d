"""The retention report and reviews (administrators): decide to retain or erase, erase a person's data.

These pages show a case's reference, classification, outcome, dates and its parties' names and roles
(needed to act on an erasure request), never its content. Each one is logged as a consultation.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import User
from casework.cases.models import Case
from casework.db import utcnow
from casework.errors import NotFound
from casework.extensions import db
from casework.forms import apply_service
from casework.people.models import CaseParty
from casework.retention import queries, service
from casework.retention.forms import ERASE_PREFIX, EraseForm, RetainForm
from casework.security import Permission, require
from casework.workdays import local_date

bp = Blueprint("retention", __name__, url_prefix="/admin/retention")


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound("No such case")
    return case


def _review_page(case: Case, retain_form: RetainForm, erase_form: EraseForm) -> str:
    parties = queries.parties_of(case)
    audit.record(
        AuditAction.VIEW, "case", case.id, actor=_actor(), detail={"page": "retention review", "parties": len(parties)}
    )
    return render_template(
        "retention/review.html",
        case=case,
        review_on=queries.review_on(case),
        first_review_on=queries.first_review_on(case),
        decisions=queries.decisions_for(case),
        parties=parties,
        retain_form=retain_form,
        erase_form=erase_form,
        today=local_date(utcnow()),
    )


@bp.route("")
@require(Permission.RETENTION_REVIEW)
def report() -> str:
    """Closed cases whose review date has come, longest overdue first."""
    today = local_date(utcnow())
    due = queries.due_for_review(today)
    audit.record(
        AuditAction.VIEW,
        "case_list",
        actor=_actor(),
        detail={"page": "retention report", "cases": [row.case.id for row in due]},
    )
    return render_template(
        "retention/report.html", due=due, today=today, limit=queries.REPORT_LIMIT, years=queries.configured_years()
    )


@bp.route("/cases/<int:case_id>")
@require(Permission.RETENTION_REVIEW)
def review(case_id: int) -> str:
    """A case's review date, its decisions so far, its parties, and the two decisions."""
    return _review_page(_case(case_id), RetainForm(), EraseForm(prefix=ERASE_PREFIX))


@bp.route("/cases/<int:case_id>/retain", methods=["POST"])
@require(Permission.RETENTION_REVIEW)
def retain(case_id: int) -> str | Response:
    """Keep the case until a new review date."""
    case = _case(case_id)
    form = RetainForm()
    if form.validate_on_submit():
        decision = apply_service(
            form, service.retain, _actor(), case, reason=form.reason.data, next_review_on=form.next_review_on.data
        )
        if decision is not None:
            flash(f"{case.reference} is kept until its next review on {decision.next_review_on:%-d %B %Y}.", "success")
            return redirect(url_for("retention.report"))
    return _review_page(case, form, EraseForm(prefix=ERASE_PREFIX))


@bp.route("/cases/<int:case_id>/erase", methods=["POST"])
@require(Permission.ERASE_PERSONAL_DATA)
def erase_case(case_id: int) -> str | Response:
    """Erase the personal data of the case (the "erase" decision)."""
    case = _case(case_id)
    form = EraseForm(prefix=ERASE_PREFIX)
    if form.validate_on_submit():
        count = apply_service(form, service.erase_case, _actor(), case, reason=form.reason.data)
        if count is not None:
            flash(f"The personal data of {case.reference} has been erased ({len(count.people)} people).", "success")
            return redirect(url_for("retention.report"))
    return _review_page(case, RetainForm(), form)


@bp.route("/cases/<int:case_id>/parties/<int:party_id>/erase", methods=["GET", "POST"])
@require(Permission.ERASE_PERSONAL_DATA)
def erase_person(case_id: int, party_id: int) -> str | Response:
    """Erase one person's data everywhere (an erasure request), reached from a case they are part of."""
    case = _case(case_id)
    party = db.session.get(CaseParty, party_id)
    if party is None or party.case_id != case.id:
        raise NotFound("No such person in this case")
    person = party.person
    form = EraseForm()
    if form.validate_on_submit():
        count = apply_service(form, service.erase_person, _actor(), person, reason=form.reason.data)
        if count is not None:
            flash(f"The person's data has been erased from {len(count.cases)} cases.", "success")
            return redirect(url_for("retention.review", case_id=case.id))
    audit.record(
        AuditAction.VIEW, "case", case.id, actor=_actor(), detail={"page": "erase a person", "party_id": party.id}
    )
    return render_template(
        "retention/erase_person.html",
        case=case,
        party=party,
        form=form,
        cases=queries.cases_of(person),
    )
