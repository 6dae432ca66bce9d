"""The home page: what needs doing, by role."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import Role, User
from casework.cases import queries, registry
from casework.dashboard import service
from casework.people import service as people

bp = Blueprint("dashboard", __name__)


def _home_data(user: User) -> dict[str, Any]:
    if user.role == Role.OFFICER:
        return {"caseload": service.caseload(user, queries.Scope.MINE), "overdue": queries.overdue_cases(user)}
    if user.role == Role.SUPERVISOR:
        return {
            "caseload": service.caseload(user, queries.Scope.TEAM),
            "overdue": queries.overdue_cases(user),
            "disclosures": people.disclosures_to_review(user),
        }
    if user.role == Role.MANAGER:
        return {"teams": service.caseload_by_team(user)}
    return {}


@bp.route("/")
def home() -> str:
    """Each role lands on its own home page."""
    user = current_user._get_current_object()
    data = _home_data(user)
    data["worklist"] = registry.worklist(user)
    shown = (
        {case.id for case in data.get("overdue", [])}
        | {d.case_id for d in data.get("disclosures", [])}
        | {item.case_id for item in data["worklist"] if item.case_id is not None}
    )
    if shown:
        audit.record(AuditAction.VIEW, "case_list", None, actor=user, detail={"page": "home", "cases": sorted(shown)})
    return render_template(f"dashboard/home_{user.role.value}.html", **data)
