"""Each role's home page: what it shows, and the consultation of the cases it names (DPA 2018 s.62)."""

from __future__ import annotations

from typing import Any

from casework.auth.models import Role, User
from casework.cases import queries, registry
from casework.cases import service as cases
from casework.dashboard import service
from casework.db import utcnow
from casework.people import queries as people_queries
from casework.support import service as support


def _role_data(user: User) -> dict[str, Any]:
    if user.role == Role.OFFICER:
        return {
            "caseload": service.caseload(user, queries.Scope.MINE),
            "overdue": queries.overdue_cases(user),
            "mine": service.my_figures(user),
        }
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


def home(user: User) -> dict[str, Any]:
    """The home page's data for ``user``'s role; every case it names is logged as consulted."""
    data = _role_data(user)
    data["worklist"] = registry.worklist(user)
    data["overdue_reasons"] = queries.overdue_reasons_for(data.get("overdue", []), utcnow())
    shown = (
        {case.id for case in data.get("overdue", [])}
        | {d.case_id for d in data.get("disclosures", [])}
        | {item.case_id for item in data["worklist"] if item.case_id is not None}
        | set(data["referrals"].case_ids() if "referrals" in data else ())
    )
    if shown:
        cases.record_list_view(user, "home", shown)
    return data
