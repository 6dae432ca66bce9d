"""The home page: what needs doing, by role."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from casework.auth.models import Role, User
from casework.cases import queries, registry
from casework.cases import service as cases
from casework.dashboard import figures, service
from casework.dashboard.forms import DashboardFilterForm
from casework.db import utcnow
from casework.people import queries as people_queries
from casework.security import Permission, require
from casework.support import service as support

bp = Blueprint("dashboard", __name__)


def _home_data(user: User) -> dict[str, Any]:
    if user.role == Role.OFFICER:
        return {"caseload": service.caseload(user, queries.Scope.MINE), "overdue": queries.overdue_cases(user)}
    if user.role == Role.SUPERVISOR:
        return {
            "caseload": service.caseload(user, queries.Scope.TEAM),
            "overdue": queries.overdue_cases(user),
            "disclosures": people_queries.disclosures_to_review(user),
        }
    if user.role == Role.MANAGER:
        return {"teams": service.caseload_by_team(user)}
    if user.role == Role.ADVISER:
        return {"referrals": support.caseload(user)}
    return {}


@bp.route("/")
def home() -> str:
    """Each role lands on its own home page."""
    user = current_user._get_current_object()
    data = _home_data(user)
    data["worklist"] = registry.worklist(user)
    data["overdue_reasons"] = queries.overdue_reasons_for([case.id for case in data.get("overdue", [])], utcnow())
    shown = (
        {case.id for case in data.get("overdue", [])}
        | {d.case_id for d in data.get("disclosures", [])}
        | {item.case_id for item in data["worklist"] if item.case_id is not None}
        | set(data["referrals"].case_ids() if "referrals" in data else ())
    )
    if shown:
        cases.record_list_view(user, "home", shown)
    return render_template(f"dashboard/home_{user.role.value}.html", **data)


@bp.route("/dashboard")
@require(Permission.DASHBOARD_VIEW)
def dashboard() -> str:
    """Caseload, flow, orders, referrals and Victims' Code compliance: each figure links to its case list."""
    user = current_user._get_current_object()
    now = utcnow()
    teams = service.teams_for(user)
    form = DashboardFilterForm(request.args, meta={"csrf": False})
    form.prepare(teams)
    period = form.period(now)
    scope = service.DashboardScope(user, period, form.team(teams))
    data = service.dashboard(scope, now=now)
    cases.record_list_view(
        user,
        "dashboard",
        {case.id for case in data.urgent},
        filters={"team_id": scope.team_id, "period": period.value},
    )

    def link(**params: object) -> str:
        return url_for("cases.index", **scope.link(**params))

    return render_template(
        "dashboard/dashboard.html",
        form=form,
        teams=teams,
        data=data,
        period=period,
        link=link,
        figures=figures,
        urgent_link=service.URGENT_LINK,
    )
