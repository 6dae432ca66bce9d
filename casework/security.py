"""The one place where access is decided.

Views use ``require`` (a decorator) and ``ensure`` (for one object); services and list
queries call ``can`` with the same permissions, so a list never shows what a page hides.
Feature packages register object-level rules with ``object_rule``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import sqlalchemy as sa
from flask import abort, current_app, g, has_request_context, request
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import Role, User
from casework.cases.models import Case, CaseAccess
from casework.extensions import db

if TYPE_CHECKING:
    from casework.support.models import Referral


class Permission(enum.StrEnum):
    """Things a member of staff may do; roles grant sets of them."""

    MANAGE_USERS = "manage_users"
    MANAGE_TEAMS = "manage_teams"
    CASE_CREATE = "case_create"
    CASE_VIEW = "case_view"
    CASE_EDIT = "case_edit"
    CASE_PROGRESS = "case_progress"
    CASE_ALLOCATE = "case_allocate"
    CASE_CLOSE = "case_close"
    CASE_REOPEN = "case_reopen"
    CASE_RESTRICT = "case_restrict"
    CASE_VIEW_AUDIT = "case_view_audit"
    SEALED_DETAILS_VIEW = "sealed_details_view"
    SEALED_DETAILS_BREAK_GLASS = "sealed_details_break_glass"
    VIEW_ALL_TEAMS = "view_all_teams"
    READ_POLICE_ONLY_NOTES = "read_police_only_notes"
    VICTIM_CONTACT_EDIT = "victim_contact_edit"
    DISCLOSURE_ACKNOWLEDGE = "disclosure_acknowledge"
    VIEW_OUTBOX = "view_outbox"
    CONTACT_VIEW = "contact_view"
    CONTACT_EDIT = "contact_edit"
    ORDER_MANAGE = "order_manage"
    MANAGE_SUPPORT_SERVICES = "manage_support_services"
    SUPPORT_CASE_VIEW = "support_case_view"
    REFERRAL_WORK = "referral_work"
    REFERRAL_CONTACT_DETAILS = "referral_contact_details"
    AFTERCARE_SUMMARY_VIEW = "aftercare_summary_view"
    INTAKE_TRIAGE = "intake_triage"
    VIEW_AUDIT_LOG = "view_audit_log"
    RETENTION_REVIEW = "retention_review"
    ERASE_PERSONAL_DATA = "erase_personal_data"
    DASHBOARD_VIEW = "dashboard_view"
    CASES_EXPORT = "cases_export"
    CASE_DECISION_RECORD = "case_decision_record"


_OFFICER = frozenset(
    {
        Permission.CASE_CREATE,
        Permission.CASE_VIEW,
        Permission.CASE_EDIT,
        Permission.CASE_PROGRESS,
        Permission.SEALED_DETAILS_VIEW,
        Permission.SEALED_DETAILS_BREAK_GLASS,
        Permission.READ_POLICE_ONLY_NOTES,
        Permission.VICTIM_CONTACT_EDIT,
        Permission.CONTACT_VIEW,
        Permission.CONTACT_EDIT,
        Permission.ORDER_MANAGE,
        Permission.AFTERCARE_SUMMARY_VIEW,
        Permission.CASE_DECISION_RECORD,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OFFICER: _OFFICER,
    Role.SUPERVISOR: _OFFICER
    | {
        Permission.CASE_ALLOCATE,
        Permission.CASE_CLOSE,
        Permission.CASE_REOPEN,
        Permission.CASE_RESTRICT,
        Permission.CASE_VIEW_AUDIT,
        Permission.DISCLOSURE_ACKNOWLEDGE,
        Permission.INTAKE_TRIAGE,
    },
    Role.MANAGER: frozenset(
        {
            Permission.READ_POLICE_ONLY_NOTES,
            Permission.CASE_VIEW,
            Permission.CASE_VIEW_AUDIT,
            Permission.VIEW_ALL_TEAMS,
            Permission.SEALED_DETAILS_BREAK_GLASS,
            Permission.CONTACT_VIEW,
        }
    ),
    Role.ADVISER: frozenset(
        {Permission.SUPPORT_CASE_VIEW, Permission.REFERRAL_WORK, Permission.REFERRAL_CONTACT_DETAILS}
    ),
    Role.ADMIN: frozenset(
        {Permission.MANAGE_USERS, Permission.MANAGE_TEAMS, Permission.VIEW_OUTBOX, Permission.MANAGE_SUPPORT_SERVICES}
    ),
}

ObjectRule = Callable[[User, Any], bool]
_object_rules: dict[Permission, ObjectRule] = {}

F = TypeVar("F", bound=Callable[..., Any])


def object_rule(permission: Permission) -> Callable[[ObjectRule], ObjectRule]:
    """Register the object-level check that ``can(user, permission, obj)`` applies."""

    def register(rule: ObjectRule) -> ObjectRule:
        _object_rules[permission] = rule
        return rule

    return register


def can(user: Any, permission: Permission, obj: object | None = None) -> bool:
    """Whether ``user`` may do ``permission`` (to ``obj``, when given)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if permission not in ROLE_PERMISSIONS[user.role]:
        return False
    rule = _object_rules.get(permission)
    return obj is None or rule is None or rule(user, obj)


def _log_refusal(object_type: str, object_id: object | None, **detail: str) -> None:
    audit.record_security_event(
        AuditAction.ACCESS_DENIED,
        object_type,
        object_id if object_id is not None else request.path,
        detail={"method": request.method, "path": request.path, **detail},
    )


def deny(object_type: str = "page", object_id: object | None = None, *, hide: bool = False) -> NoReturn:
    """Refuse the request, log the attempt, and answer 403 (or 404 when the object's existence is secret)."""
    _log_refusal(object_type, object_id)
    abort(404 if hide else 403)


class CaseIsClosed(Forbidden):
    """A refusal because the case is closed, not because of who asks: a stale page or a second click."""

    def __init__(self, case: Case) -> None:
        super().__init__()
        self.case = case


def ensure(permission: Permission, obj: object | None = None, *, object_type: str = "page", hide: bool = False) -> None:
    """Refuse the request unless the signed-in user may do ``permission``."""
    if not can(current_user, permission, obj):
        deny(object_type, getattr(obj, "id", None), hide=hide)


def require(permission: Permission) -> Callable[[F], F]:
    """View decorator: the signed-in user must hold ``permission``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            ensure(permission)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Mark a view as open without sign-in. Everything else requires it (see ``require_sign_in``)."""
    view.casework_public = True  # type: ignore[attr-defined]
    return view


def is_public_endpoint(endpoint: str | None) -> bool:
    """Whether an endpoint is on the allow-list of routes open without sign-in.

    Unknown endpoints (404s) count as public so that they answer 404, not a sign-in page.
    """
    if endpoint is None or endpoint == "static":
        return True
    view = current_app.view_functions.get(endpoint)
    return view is None or getattr(view, "casework_public", False)


# --- Cases -------------------------------------------------------------------------------
# One rule, written once in SQL, decides which cases a user may see: lists filter with it
# and single-case checks run it as an EXISTS query, so a list never shows what a page hides.


def visible_cases_clause(user: User, *, among_own: bool = False) -> sa.ColumnElement[bool]:
    """SQL condition on ``Case`` for the cases ``user`` may see.

    Restricted cases are visible only to users on their access list, whatever the role.
    Otherwise officers and supervisors see their team's cases and those assigned to them;
    managers see every non-restricted case; advisers and admins see none here.

    ``among_own``: the query is already narrowed to the user's own team's cases, or to cases they are
    officer in case or supervisor of. For an officer or a supervisor the rule for unrestricted cases then
    holds on every row, and only the restriction is left to test: the same answer, written so that
    PostgreSQL reads the narrowing's own index instead of OR-ing three (60 ms for a team of 167,000
    cases at a million).
    """
    narrowed = among_own and user.role in {Role.OFFICER, Role.SUPERVISOR}
    return _visible_cases_clause(user.id, Role.MANAGER if narrowed else user.role, user.team_id)


@lru_cache(maxsize=1024)
def _visible_cases_clause(user_id: int, role: Role, team_id: int | None) -> sa.ColumnElement[bool]:
    """``visible_cases_clause``, built once per user, role and team.

    SQL, not data (the access list is read when the statement runs), so it never goes stale; a list page
    used it in up to seven statements, and building it was a tenth of the page's Python. Asked for a
    manager's rule (every unrestricted case) when an officer's or supervisor's query is narrowed to their own.
    """
    on_access_list = _on_access_list(user_id)
    if role == Role.MANAGER:
        unrestricted_rule: sa.ColumnElement[bool] = sa.true()
    elif role in {Role.OFFICER, Role.SUPERVISOR}:
        unrestricted_rule = sa.or_(Case.team_id == team_id, Case.officer_id == user_id, Case.supervisor_id == user_id)
    else:
        return sa.false()
    return sa.or_(sa.and_(~Case.restricted, unrestricted_rule), sa.and_(Case.restricted, on_access_list))


def restricted_cases_hidden_from(user: User) -> sa.Select[tuple[int]]:
    """The ids of the restricted cases ``user`` is not on the access list of.

    Written on the restricted cases alone (not as the negation of ``visible_cases_clause``), so that PostgreSQL
    reads them from the partial index on restricted cases without visiting the table.
    """
    return sa.select(Case.id).where(Case.restricted, ~_on_access_list(user.id))


def _on_access_list(user_id: int) -> sa.Exists:
    """The user is on the current access list of the case."""
    return sa.exists().where(
        CaseAccess.case_id == Case.id, CaseAccess.user_id == user_id, CaseAccess.removed_at.is_(None)
    )


def can_see_case(user: User, case: Case) -> bool:
    """Whether ``user`` may see ``case`` (the same rule as the lists, run in the database)."""
    if not getattr(user, "is_authenticated", False) or Permission.CASE_VIEW not in ROLE_PERMISSIONS[user.role]:
        return False
    cache = g.setdefault("visible_cases", {}) if has_request_context() else {}
    key = (user.id, case.id, case.restricted)
    if key not in cache:
        query = sa.select(sa.exists().where(Case.id == case.id, visible_cases_clause(user)))
        cache[key] = bool(db.session.execute(query).scalar())
    return cache[key]


def remember_case_visibility(user: User, case: Case, visible: bool) -> None:
    """Keep what a query already worked out with ``visible_cases_clause`` for ``case``, for ``can_see_case``."""
    if has_request_context():
        g.setdefault("visible_cases", {})[(user.id, case.id, case.restricted)] = visible


def _runs_case(user: User, case: Case) -> bool:
    """Supervisors manage the cases of their own team and those they supervise."""
    return case.team_id == user.team_id or case.supervisor_id == user.id


@object_rule(Permission.CASE_VIEW)
def _view_case(user: User, case: Case) -> bool:
    return can_see_case(user, case)


@object_rule(Permission.CASE_EDIT)
def _edit_case(user: User, case: Case) -> bool:
    return case.is_open and can_see_case(user, case)


@object_rule(Permission.CASE_PROGRESS)
def _progress_case(user: User, case: Case) -> bool:
    return case.is_open and can_see_case(user, case)


@object_rule(Permission.CASE_ALLOCATE)
def _allocate_case(user: User, case: Case) -> bool:
    return case.is_open and _runs_case(user, case) and can_see_case(user, case)


@object_rule(Permission.CASE_CLOSE)
def _close_case(user: User, case: Case) -> bool:
    return case.is_open and _runs_case(user, case) and can_see_case(user, case)


@object_rule(Permission.CASE_REOPEN)
def _reopen_case(user: User, case: Case) -> bool:
    return not case.is_open and _runs_case(user, case) and can_see_case(user, case)


@object_rule(Permission.CASE_RESTRICT)
def _restrict_case(user: User, case: Case) -> bool:
    return _runs_case(user, case) and can_see_case(user, case)


@object_rule(Permission.CASE_VIEW_AUDIT)
def _view_case_audit(user: User, case: Case) -> bool:
    return can_see_case(user, case)


@object_rule(Permission.SEALED_DETAILS_VIEW)
def _see_sealed_details(user: User, case: Case) -> bool:
    """The officer in case and the case's supervisor (advisers with a referral: see ``support``).

    Until the case is allocated, whoever recorded the report may too: they take the victim's details
    at intake, and entering them is not a disclosure. Allocation ends that window.
    """
    entitled = user.id in {case.officer_id, case.supervisor_id} or recorder_awaiting_allocation(user, case)
    return entitled and can_see_case(user, case)


def recorder_awaiting_allocation(user: User, case: Case) -> bool:
    """Whether ``user`` recorded ``case`` and it still has no officer in case (the recorder's window)."""
    return case.officer_id is None and case.is_open and case.created_by_id == user.id


@object_rule(Permission.SEALED_DETAILS_BREAK_GLASS)
def _break_glass(user: User, case: Case) -> bool:
    return can_see_case(user, case)


@object_rule(Permission.VICTIM_CONTACT_EDIT)
def _edit_victim_contact(user: User, party: Any) -> bool:
    """A victim's contact preferences and sealed details: victims only, by those who may edit the case
    and see its sealed details. ``party`` is a ``CaseParty`` with its case loaded."""
    return (
        party.role == "victim"
        and can(user, Permission.CASE_EDIT, party.case)
        and can(user, Permission.SEALED_DETAILS_VIEW, party.case)
    )


@object_rule(Permission.DISCLOSURE_ACKNOWLEDGE)
def _acknowledge_disclosure(user: User, disclosure: Any) -> bool:
    """Only the supervisor of the disclosure's case marks a break-glass reveal as reviewed.

    ``disclosure`` is a ``SealedDetailsDisclosure`` with its case loaded.
    """
    return disclosure.case.supervisor_id == user.id


def ensure_case(permission: Permission, case: Case) -> None:
    """Refuse unless the signed-in user may do ``permission`` to ``case``.

    A case the user may not see at all answers 404 when restricted (its existence is itself
    secret) and 403 otherwise; every refusal is audited.
    """
    user = current_user
    if can(user, permission, case):
        return
    if not can_see_case(user, case):
        deny("case", case.id, hide=case.restricted)
    if not case.is_open and permission in ROLE_PERMISSIONS[user.role]:
        # Still a refusal, and logged as one; but the page says why, and keeps what was typed.
        _log_refusal("case", case.id, reason="case closed")
        raise CaseIsClosed(case)
    deny("case", case.id)


# --- Contact with victims ------------------------------------------------------------------
# The contact tab is police work with the victim: never granted to advisers, whatever case access
# they are given. Contacts and plans may be recorded on a closed case (victims are told the outcome);
# the contact service refuses what a closed case may not have (a new key decision).


@object_rule(Permission.CONTACT_VIEW)
def _view_contact(user: User, case: Case) -> bool:
    return can_see_case(user, case)


@object_rule(Permission.CONTACT_EDIT)
def _edit_contact(user: User, case: Case) -> bool:
    return can_see_case(user, case)


# --- Protective orders -----------------------------------------------------------------------


@object_rule(Permission.ORDER_MANAGE)
def _manage_orders(user: User, case: Case) -> bool:
    """Officers and supervisors record and change the orders of open cases they may see (managers only read)."""
    return case.is_open and can_see_case(user, case)


# --- Victim support advisers -------------------------------------------------------------
# An adviser never passes ``visible_cases_clause`` (the case pages stay closed to them). They
# see the victim-facing part of a case, on the support pages only, while their service holds a
# sent or accepted referral on it; a restricted case also needs them on its access list.

# The referral columns the rule reads, named here rather than imported, so that the permission
# module (which every feature imports) does not pull the support feature under every other one.
# tests/support checks these names and values against ``support.models``.
ADVISER_VISIBLE_STATUSES = ("sent", "accepted")
CONSENT_GIVEN = "given"
_REFERRALS = sa.table("referrals", sa.column("case_id"), sa.column("service_id"), sa.column("status"))


def adviser_cases_clause(user: User) -> sa.ColumnElement[bool]:
    """SQL condition on ``Case`` for the cases an adviser may see (the victim-facing part of)."""
    if user.role != Role.ADVISER or user.support_service_id is None:
        return sa.false()
    live = _REFERRALS.alias("live_referral")  # an alias, so the rule also works inside queries on referrals
    referred = sa.exists().where(
        live.c.case_id == Case.id,
        live.c.service_id == user.support_service_id,
        live.c.status.in_(ADVISER_VISIBLE_STATUSES),
    )
    on_access_list = sa.exists().where(
        CaseAccess.case_id == Case.id, CaseAccess.user_id == user.id, CaseAccess.removed_at.is_(None)
    )
    return sa.and_(referred, sa.or_(~Case.restricted, on_access_list))


def adviser_may_see_case(user: User, case: Case) -> bool:
    """Whether an adviser's service holds a sent or accepted referral on ``case`` (run in the database)."""
    return _adviser_may_see_case_id(user, case.id)


def _adviser_may_see_case_id(user: User, case_id: int) -> bool:
    if not getattr(user, "is_authenticated", False) or user.role != Role.ADVISER:
        return False
    query = sa.select(sa.exists().where(Case.id == case_id, adviser_cases_clause(user)))
    return bool(db.session.execute(query).scalar())


@object_rule(Permission.SUPPORT_CASE_VIEW)
def _adviser_sees_case(user: User, case: Case) -> bool:
    return adviser_may_see_case(user, case)


@object_rule(Permission.REFERRAL_WORK)
def _adviser_works_referral(user: User, referral: Referral) -> bool:
    """Advisers work the referrals sent to their own service, on cases they may see."""
    return referral.service_id == user.support_service_id and _adviser_may_see_case_id(user, referral.case_id)


@object_rule(Permission.REFERRAL_CONTACT_DETAILS)
def _adviser_sees_contact_details(user: User, referral: Referral) -> bool:
    """The referred victim's sealed details, only when the victim agreed they go to the service."""
    return (
        referral.service_id == user.support_service_id
        and referral.status in ADVISER_VISIBLE_STATUSES
        and referral.consent == CONSENT_GIVEN
        and bool(referral.shared_details)
        and _adviser_may_see_case_id(user, referral.case_id)
    )


@object_rule(Permission.AFTERCARE_SUMMARY_VIEW)
def _see_aftercare_summaries(user: User, case: Case) -> bool:
    """Aftercare summaries are police-only, and for the officer in case and the case supervisor only."""
    return user.id in {case.officer_id, case.supervisor_id} and can_see_case(user, case)


def ensure_adviser_case(case: Case) -> None:
    """Refuse (404, audited) unless the signed-in adviser may see the victim-facing part of ``case``."""
    if not can(current_user, Permission.SUPPORT_CASE_VIEW, case):
        deny("case", case.id, hide=True)


# --- Online reports (intake) ------------------------------------------------------------------


@object_rule(Permission.INTAKE_TRIAGE)
def _triage_online_reports(user: User, receiving_team: object) -> bool:
    """Only supervisors of the team that receives online reports (``INTAKE_TEAM``) triage them."""
    return user.team_id is not None and user.team_id == getattr(receiving_team, "id", None)


# --- Audit viewer and retention (administrators) ----------------------------------------------
# Records management, not casework: the audit viewer, the retention report and erasure show a
# case's reference, classification, outcome and its parties' names, never its content.
ROLE_PERMISSIONS[Role.ADMIN] = ROLE_PERMISSIONS[Role.ADMIN] | {
    Permission.VIEW_AUDIT_LOG,
    Permission.RETENTION_REVIEW,
    Permission.ERASE_PERSONAL_DATA,
}


# --- Dashboard and exports ------------------------------------------------------------------------
# Supervisors see their team's dashboard, managers every team's. Exports (a disclosure of case data
# outside the system) are for the same two roles: officers work cases one at a time and have no
# need to take lists away; a supervisor or manager exports for them, with a reason, audited.
ROLE_PERMISSIONS[Role.SUPERVISOR] |= {Permission.DASHBOARD_VIEW, Permission.CASES_EXPORT}
ROLE_PERMISSIONS[Role.MANAGER] |= {Permission.DASHBOARD_VIEW, Permission.CASES_EXPORT}


# --- Decisions on a high-risk case (MARAC considered, safety plan agreed) ---------------------


@object_rule(Permission.CASE_DECISION_RECORD)
def _record_case_decision(user: User, case: Case) -> bool:
    """Those who may work the case (officers of its team, the officer in case, supervisors) while it is open."""
    return case.is_open and can_see_case(user, case)
