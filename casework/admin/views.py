"""Administration pages: staff accounts and teams. No case content is reachable from here."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.admin import service
from casework.admin.forms import NO_SERVICE, NO_TEAM, ConfirmForm, TeamForm, UserForm
from casework.auth import service as auth_service
from casework.auth.models import Role, User
from casework.db import utcnow
from casework.forms import apply_service, run_versioned
from casework.security import Permission, require
from casework.support import service as support

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _user_form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user if request.method == "GET" else None)
    form.team_id.choices = [(NO_TEAM, "No team")] + [
        (team.id, team.name) for team in service.list_teams(active_only=True)
    ]
    form.support_service_id.choices = [(NO_SERVICE, "No service")] + [
        (found.id, found.name) for found in support.list_services(active_only=True)
    ]
    if user is not None and request.method == "GET":
        form.role.data = user.role.value
        form.team_id.data = user.team_id or NO_TEAM
        form.version.data = user.version_id
        form.support_service_id.data = user.support_service_id or NO_SERVICE
    return form


@bp.route("/users")
@require(Permission.MANAGE_USERS)
def users() -> str:
    """List every staff account."""
    users = service.list_users()
    throttled = auth_service.throttled_user_ids(users, now=utcnow())
    return render_template("admin/users.html", users=users, throttled=throttled)


@bp.route("/users/new", methods=["GET", "POST"])
@require(Permission.MANAGE_USERS)
def new_user() -> str | Response:
    """Create an account and show its temporary password once."""
    form = _user_form()
    if form.validate_on_submit():
        created = apply_service(
            form,
            service.create_user,
            _actor(),
            email=form.email.data or "",
            full_name=form.full_name.data or "",
            role=Role(form.role.data),
            team_id=form.team_id.data or None,
            support_service_id=form.support_service_id.data or None,
        )
        if created is not None:
            user, password = created
            return render_template("admin/password_issued.html", user=user, password=password, created=True)
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require(Permission.MANAGE_USERS)
def edit_user(user_id: int) -> str | Response:
    """Change an account's details, and reach the account actions."""
    user = service.get_user(user_id)
    form = _user_form(user)
    if form.validate_on_submit():
        updated = run_versioned(
            form,
            user,
            service.update_user,
            _actor(),
            user,
            email=form.email.data or "",
            full_name=form.full_name.data or "",
            role=Role(form.role.data),
            team_id=form.team_id.data or None,
            support_service_id=form.support_service_id.data or None,
        )
        if updated is not None:
            flash(f"{updated.full_name}'s account has been updated.", "success")
            return redirect(url_for("admin.users"))
    throttled = bool(auth_service.throttled_user_ids([user], now=utcnow()))
    return render_template(
        "admin/user_form.html", form=form, user=user, confirm_form=ConfirmForm(), throttled=throttled
    )


@bp.route("/users/<int:user_id>/<any(deactivate, reactivate):action>", methods=["GET", "POST"])
@require(Permission.MANAGE_USERS)
def set_active(user_id: int, action: str) -> str | Response:
    """Deactivate (after a confirmation page) or reactivate an account."""
    user = service.get_user(user_id)
    form = ConfirmForm()
    if request.method == "GET":
        if action != "deactivate" or not user.active:
            return redirect(url_for("admin.edit_user", user_id=user.id))
        return _confirm_page(
            user,
            f"Deactivate {user.full_name}'s account?",
            [
                f"{user.full_name} will be signed out at once and cannot sign in again until the account is "
                "reactivated. The account and everything they recorded are kept."
            ],
            url_for("admin.set_active", user_id=user.id, action="deactivate"),
            "Deactivate account",
        )
    if form.validate_on_submit():
        done = apply_service(form, service.set_active, _actor(), user, action == "reactivate")
        if done is not None:
            flash(f"{user.full_name}'s account has been {action}d.", "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    for message in form.form_errors:
        flash(message, "error")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@require(Permission.MANAGE_USERS)
def unlock(user_id: int) -> Response:
    """Lift a sign-in lockout."""
    user = service.get_user(user_id)
    if ConfirmForm().validate_on_submit():
        service.unlock(_actor(), user)
        flash(f"{user.full_name}'s account has been unlocked.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-second-factor", methods=["GET", "POST"])
@require(Permission.MANAGE_USERS)
def reset_second_factor(user_id: int) -> str | Response:
    """Clear a user's authenticator (a lost phone), after a confirmation page: they set one up again at next sign-in."""
    user = service.get_user(user_id)
    form = ConfirmForm()
    if request.method == "GET":
        return _confirm_page(
            user,
            f"Reset {user.full_name}'s authenticator app?",
            [
                "Their authenticator app stops working at once. At their next sign-in they set up a new one, "
                "with their password alone.",
                "Do this only for a lost or replaced phone, once you are sure you are dealing with them.",
            ],
            url_for("admin.reset_second_factor", user_id=user.id),
            "Reset authenticator app",
        )
    if form.validate_on_submit():
        done = apply_service(
            form, auth_service.reset_second_factor, current_user._get_current_object(), user, now=utcnow()
        )
        if done is not None:
            flash(f"{user.full_name} will set up a new authenticator app at their next sign-in.", "success")
    for message in form.form_errors:
        flash(message, "error")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-password", methods=["GET", "POST"])
@require(Permission.MANAGE_USERS)
def reset_password(user_id: int) -> str | Response:
    """Issue a new temporary password, after a confirmation page."""
    user = service.get_user(user_id)
    if request.method == "GET":
        return _confirm_page(
            user,
            f"Issue {user.full_name} a new temporary password?",
            [
                "Their current password stops working at once and they are signed out everywhere. They must "
                "choose a new password when they sign in with the temporary one.",
                "Give it to them in person or by a route you trust.",
            ],
            url_for("admin.reset_password", user_id=user.id),
            "Issue a new temporary password",
        )
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.edit_user", user_id=user.id))
    password = service.reset_password(_actor(), user)
    return render_template("admin/password_issued.html", user=user, password=password, created=False)


def _confirm_page(user: User, title: str, explanation: list[str], action: str, button: str) -> str:
    return render_template(
        "admin/confirm_action.html",
        user=user,
        title=title,
        explanation=explanation,
        action=action,
        button=button,
        confirm_form=ConfirmForm(),
    )


@bp.route("/teams", methods=["GET", "POST"])
@require(Permission.MANAGE_TEAMS)
def teams() -> str | Response:
    """List teams and add one."""
    form = TeamForm()
    if form.validate_on_submit() and apply_service(form, service.create_team, _actor(), form.name.data or ""):
        flash(f"Team '{form.name.data}' has been added.", "success")
        return redirect(url_for("admin.teams"))
    return render_template("admin/teams.html", teams=service.list_teams(), form=form)


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@require(Permission.MANAGE_TEAMS)
def edit_team(team_id: int) -> str | Response:
    """Rename a team."""
    team = service.get_team(team_id)
    form = TeamForm(obj=team)
    if form.validate_on_submit() and apply_service(form, service.rename_team, _actor(), team, form.name.data or ""):
        flash("The team has been renamed.", "success")
        return redirect(url_for("admin.teams"))
    return render_template("admin/team_form.html", form=form, team=team)
