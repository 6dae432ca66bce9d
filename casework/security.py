"""The one place where access is decided.

Views use ``require`` (a decorator) and ``ensure`` (for one object); services and list
queries call ``can`` with the same permissions, so a list never shows what a page hides.
Feature packages register object-level rules with ``object_rule``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

from flask import abort, current_app, request
from flask_login import current_user

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import Role, User


class Permission(enum.StrEnum):
    """Things a member of staff may do; roles grant sets of them."""

    MANAGE_USERS = "manage_users"
    MANAGE_TEAMS = "manage_teams"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OFFICER: frozenset(),
    Role.SUPERVISOR: frozenset(),
    Role.MANAGER: frozenset(),
    Role.ADVISER: frozenset(),
    Role.ADMIN: frozenset({Permission.MANAGE_USERS, Permission.MANAGE_TEAMS}),
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


def deny(object_type: str = "page", object_id: object | None = None, *, hide: bool = False) -> NoReturn:
    """Refuse the request, log the attempt, and answer 403 (or 404 when the object's existence is secret)."""
    audit.record_security_event(
        AuditAction.ACCESS_DENIED,
        object_type,
        object_id if object_id is not None else request.path,
        detail={"method": request.method, "path": request.path},
    )
    abort(404 if hide else 403)


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
