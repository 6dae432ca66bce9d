"""Sign in, sign out, change password, and the sign-in rules applied to every request."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from casework.auth import service, totp
from casework.auth.forms import ChangePasswordForm, CodeForm, SignInForm, SignOutEverywhereForm
from casework.auth.models import User
from casework.db import utcnow
from casework.extensions import db, limiter, login_manager
from casework.forms import apply_service
from casework.security import is_public_endpoint, public
from casework.workdays import LONDON

bp = Blueprint("auth", __name__)

PENDING = "pending_sign_in"
PENDING_SECONDS = 300
# Activity is written to the session cookie at most once a minute, not re-signed and re-sent with
# every page: an idle session may end up to a minute early, never late.
ACTIVITY_RESOLUTION_SECONDS = 60
_ALWAYS_ALLOWED_WHILE_CHANGING_PASSWORD = {"auth.change_password", "auth.sign_out", "static", "assets.asset"}


@login_manager.user_loader
def _load_user(token: str) -> object:
    return service.load_user_for_session(token, now=utcnow(), max_age=current_app.config["PERMANENT_SESSION_LIFETIME"])


def _begin_session(user: User) -> None:
    """Start a server-side session for ``user`` and put its token in a fresh cookie."""
    session.clear()
    service.start_session(
        user, now=utcnow(), ip_address=request.remote_addr, user_agent=request.headers.get("User-Agent")
    )
    login_user(user)
    session.permanent = True
    session["last_active"] = utcnow().timestamp()


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("dashboard.home")


def _sign_in_rate_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT_PER_ADDRESS"]


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_rate_limit, methods=["POST"])
@public
def sign_in() -> str | Response:
    """Show the sign-in form and check it."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = service.check_password(
                form.email.data or "",
                form.password.data or "",
                ip_address=_address(),
                now=utcnow(),
                rules=_throttling(),
            )
        except service.SignInThrottled as throttled:
            form.form_errors.append(_throttled_message(throttled))
        except service.SignInRefused:
            # One message, on the password (the summary links to it); never saying which of the two was wrong.
            form.password.errors = [*form.password.errors, "The email address or password is not right"]
        else:
            session.clear()
            session[PENDING] = {"user_id": user.id, "at": utcnow().timestamp(), "next": request.args.get("next")}
            if user.has_second_factor:
                return redirect(url_for("auth.second_factor"))
            return redirect(url_for("auth.enrol_second_factor"))
    return render_template("auth/sign_in.html", form=form)


def _address() -> str:
    return request.remote_addr or "unknown"


def _throttling() -> service.Throttling:
    return service.Throttling(
        max_failures=current_app.config["SIGN_IN_MAX_FAILURES"], lockout=current_app.config["SIGN_IN_LOCKOUT"]
    )


def _throttled_message(throttled: service.SignInThrottled) -> str:
    until = throttled.until.astimezone(LONDON).strftime("%H:%M on %-d %B %Y")
    return (
        f"Too many attempts to sign in with this email address from here. Try again after {until}, "
        "or ask a system administrator to clear them"
    )


def _pending_user() -> User | None:
    """The user who passed the password step in this browser in the last few minutes, if any."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or utcnow().timestamp() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user_id"))
    return user if user is not None and user.active else None


def _finish_sign_in(user: User) -> Response:
    next_page = session.get(PENDING, {}).get("next")
    service.complete_sign_in(user, ip_address=_address(), now=utcnow())
    _begin_session(user)
    if user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return redirect(_safe_next(next_page))


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(_sign_in_rate_limit, methods=["POST"])
@public
def second_factor() -> str | Response:
    """The second step of signing in: the code from the authenticator app, or a recovery code."""
    user = _pending_user()
    if user is None or not user.has_second_factor:
        flash("Sign in again: that took too long.", "info")
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            service.check_second_factor(
                user, form.code.data or "", ip_address=_address(), now=utcnow(), rules=_throttling()
            )
        except service.SignInThrottled as throttled:
            session.pop(PENDING, None)
            form.form_errors.append(_throttled_message(throttled))
        except service.SignInRefused:
            form.code.errors = [*form.code.errors, "The code is not right, or it has been used already"]
        else:
            return _finish_sign_in(user)
    return render_template("auth/code.html", form=form)


@bp.route("/sign-in/authenticator", methods=["GET", "POST"])
@limiter.limit(_sign_in_rate_limit, methods=["POST"])
@public
def enrol_second_factor() -> str | Response:
    """First sign-in: set up an authenticator app (every staff account has a second factor)."""
    user = _pending_user()
    if user is None or user.has_second_factor:
        flash("Sign in again: that took too long.", "info")
        return redirect(url_for("auth.sign_in"))
    secret = service.begin_enrolment(user)
    form = CodeForm()
    if form.validate_on_submit():
        codes = apply_service(form, service.confirm_enrolment, user, form.code.data or "", now=utcnow())
        if codes is not None:
            next_page = _finish_sign_in(user).location
            return render_template("auth/recovery_codes.html", codes=codes, next_page=next_page)
    uri = totp.provisioning_uri(secret, user.email)
    return render_template("auth/enrol.html", form=form, secret=secret, qr_svg=Markup(totp.qr_svg(uri)))  # noqa: S704 - our own SVG


@bp.route("/sign-out", methods=["POST"])
def sign_out() -> Response:
    """End the session."""
    service.end_session(current_user._get_current_object(), now=utcnow(), reason="signed out")
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> str | Response:
    """Change the signed-in user's password (forced after an administrator set it)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = apply_service(
            form,
            service.change_password,
            current_user._get_current_object(),
            form.current_password.data or "",
            form.new_password.data or "",
        )
        if user is not None:
            _begin_session(user)
            flash("Your password has been changed. Other sessions have been signed out.", "success")
            return redirect(url_for("dashboard.home"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/sessions", methods=["GET", "POST"])
def sessions() -> str | Response:
    """The signed-in user's open sessions, and a way to end all of them (a lost or shared device)."""
    user = current_user._get_current_object()
    form = SignOutEverywhereForm()
    if form.validate_on_submit():
        service.end_all_sessions(user, user, now=utcnow(), reason="signed out everywhere")
        logout_user()
        session.clear()
        flash("You have signed out of every session, including this one.", "success")
        return redirect(url_for("auth.sign_in"))
    max_age = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return render_template(
        "auth/sessions.html",
        form=form,
        sessions=service.open_sessions(user, now=utcnow(), max_age=max_age),
        current=user.current_session,
        max_age=max_age,
    )


@bp.before_app_request
def require_sign_in() -> Response | None:
    """Every route needs a signed-in user, unless its view is marked ``@public``.

    Also signs out a session idle for longer than ``IDLE_TIMEOUT`` and keeps a user whose
    password was set by an administrator on the change-password page until they change it.
    """
    if is_public_endpoint(request.endpoint):
        return None
    if current_user.is_authenticated:
        now = utcnow().timestamp()
        idle_limit = current_app.config["IDLE_TIMEOUT"].total_seconds()
        idle_for = now - float(session.get("last_active", 0))
        if idle_for > idle_limit:
            service.end_session(current_user._get_current_object(), now=utcnow(), reason="idle timeout")
            logout_user()
            session.clear()
            flash("You were signed out because you were inactive for a while. Sign in again to carry on.", "info")
            return _back_to_sign_in()
        if idle_for >= ACTIVITY_RESOLUTION_SECONDS:
            session["last_active"] = now
        if current_user.must_change_password and request.endpoint not in _ALWAYS_ALLOWED_WHILE_CHANGING_PASSWORD:
            return redirect(url_for("auth.change_password"))
        return None
    return _back_to_sign_in()


def _back_to_sign_in() -> Response:
    """Send the user to sign in, coming back to the page they asked for (GET only)."""
    next_page = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.sign_in", next=next_page))
