"""Administration pages: staff accounts and teams. No case content is reachable from here."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.admin import service
from casework.admin.forms import NO_TEAM, ConfirmForm, TeamForm, UserForm
from casework.auth import service as auth_service
from casework.auth.models import Role, User
from casework.db import utcnow
from casework.forms import apply_service
from casework.security import Permission, require

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _user_form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user if request.method == "GET" else None)
    form.team_id.choices = [(NO_TEAM, "No team")] + [
        (team.id, team.name) for team in service.list_teams(active_only=True)
    ]
    if user is not None and request.method == "GET":
        form.role.data = user.role.value
        form.team_id.data = user.team_id or NO_TEAM
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
            email=form.email.data or "",
            full_name=form.full_name.data or "",
            role=Role(form.role.data),
            team_id=form.team_id.data or None,
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
        updated = apply_service(
            form,
            service.update_user,
            user,
            expected_version=request.form.get("version", type=int) or 0,
            email=form.email.data or "",
            full_name=form.full_name.data or "",
            role=Role(form.role.data),
            team_id=form.team_id.data or None,
        )
        if updated is not None:
            flash(f"{updated.full_name}'s account has been updated.", "success")
            return redirect(url_for("admin.users"))
    version = request.form.get("version", type=int) if request.method == "POST" else user.version_id
    throttled = bool(auth_service.throttled_user_ids([user], now=utcnow()))
    return render_template(
        "admin/user_form.html", form=form, user=user, version=version, confirm_form=ConfirmForm(), throttled=throttled
    )


@bp.route("/users/<int:user_id>/<any(deactivate, reactivate):action>", methods=["POST"])
@require(Permission.MANAGE_USERS)
def set_active(user_id: int, action: str) -> str | Response:
    """Deactivate or reactivate an account."""
    user = service.get_user(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        done = apply_service(
            form, service.set_active, user, action == "reactivate", acting_user=current_user._get_current_object()
        )
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
        service.unlock(user)
        flash(f"{user.full_name}'s account has been unlocked.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-second-factor", methods=["POST"])
@require(Permission.MANAGE_USERS)
def reset_second_factor(user_id: int) -> Response:
    """Clear a user's authenticator (a lost phone): they set one up again at next sign-in."""
    user = service.get_user(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        done = apply_service(
            form, auth_service.reset_second_factor, current_user._get_current_object(), user, now=utcnow()
        )
        if done is not None:
            flash(f"{user.full_name} will set up a new authenticator app at their next sign-in.", "success")
    for message in form.form_errors:
        flash(message, "error")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@require(Permission.MANAGE_USERS)
def reset_password(user_id: int) -> str | Response:
    """Issue a new temporary password."""
    user = service.get_user(user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.edit_user", user_id=user.id))
    password = service.reset_password(user)
    return render_template("admin/password_issued.html", user=user, password=password, created=False)


@bp.route("/teams", methods=["GET", "POST"])
@require(Permission.MANAGE_TEAMS)
def teams() -> str | Response:
    """List teams and add one."""
    form = TeamForm()
    if form.validate_on_submit() and apply_service(form, service.create_team, form.name.data or "") is not None:
        flash(f"Team '{form.name.data}' has been added.", "success")
        return redirect(url_for("admin.teams"))
    return render_template("admin/teams.html", teams=service.list_teams(), form=form)


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@require(Permission.MANAGE_TEAMS)
def edit_team(team_id: int) -> str | Response:
    """Rename a team."""
    team = service.get_team(team_id)
    form = TeamForm(obj=team)
    if form.validate_on_submit() and apply_service(form, service.rename_team, team, form.name.data or "") is not None:
        flash("The team has been renamed.", "success")
        return redirect(url_for("admin.teams"))
    return render_template("admin/team_form.html", form=form, team=team)
