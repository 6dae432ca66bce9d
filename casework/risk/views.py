"""The risk tab of a case: current level, history of assessments, and a new assessment."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.cases.loading import load_case, viewed
from casework.cases.models import RiskLevel
from casework.forms import apply_service
from casework.risk import queries, service
from casework.risk.forms import AssessmentForm
from casework.security import Permission

bp = Blueprint("risk", __name__, url_prefix="/cases/<int:case_id>/risk")


@bp.route("")
def case_risk(case_id: int) -> str:
    """The current risk level, what it asks for, and the history of assessments."""
    case = load_case(case_id)
    viewed(case, "risk")
    return render_template(
        "risk/history.html",
        case=case,
        assessments=queries.assessments_for(case),
        prompts=queries.prompts_for(case),
        reasons=queries.reassessment_reasons(case),
        active_tab="risk",
    )


@bp.route("/new", methods=["GET", "POST"])
def new_assessment(case_id: int) -> str | Response:
    """Complete the S-DASH checklist and record the level; the Yes answers are counted when it is saved
    (and, with JavaScript, as the officer answers: ``static/js/yes-count.mjs``)."""
    case = load_case(case_id, Permission.CASE_EDIT)
    form = AssessmentForm()
    if form.validate_on_submit():
        assessment = apply_service(
            form,
            service.record_assessment,
            current_user._get_current_object(),
            case,
            form.answers(),
            RiskLevel(form.level.data),
            form.rationale.data or "",
        )
        if assessment is not None:
            flash(
                f"The risk assessment has been saved: {assessment.level.label.lower()} risk, "
                f"{assessment.yes_count} of {len(assessment.answers)} answered Yes.",
                "success",
            )
            return redirect(url_for("risk.case_risk", case_id=case.id))
    viewed(case, "new risk assessment")
    return render_template("risk/new.html", case=case, form=form)


@bp.route("/<int:assessment_id>")
def assessment(case_id: int, assessment_id: int) -> str:
    """One assessment in full."""
    case = load_case(case_id)
    found = queries.get_assessment(case, assessment_id)
    viewed(case, "risk_assessment", assessment_id=found.id)
    return render_template("risk/assessment.html", case=case, assessment=found, active_tab="risk")
