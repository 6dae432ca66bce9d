"""Loading a case for a page: one helper for every feature's views.

A feature's view loads the case it works on with ``load_case`` (404/403, audited, when the
signed-in user may not) and logs the consultation with ``viewed`` (DPA 2018 s.62). Features
import this module, never another feature's views.
"""

from __future__ import annotations

from flask import g
from flask_login import current_user

from casework.cases import service
from casework.cases.models import Case
from casework.security import Permission, can, ensure_case


def load_case(case_id: int, permission: Permission = Permission.CASE_VIEW) -> Case:
    """The case, if the signed-in user may do ``permission`` to it; otherwise 404/403 (audited)."""
    user = current_user._get_current_object()
    case = service.get_case(case_id, viewer=user if getattr(user, "is_authenticated", False) else None)
    ensure_case(permission, case)
    return case


def viewed(case: Case, page: str, **detail: object) -> None:
    """Log the consultation of a case page (DPA 2018 s.62), and load its identity bar for those who see case pages."""
    user = current_user._get_current_object()
    service.record_case_view(user, case, page, **detail)
    if can(user, Permission.CASE_VIEW, case):
        g.case_identity = service.case_identity(case)
