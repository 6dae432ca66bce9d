"""The admin's outbox: the embedded default's mail, and how the reminder queue stands."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.reminders import service
from casework.reminders.forms import SweepNowForm
from casework.security import Permission, require

bp = Blueprint("reminders", __name__, url_prefix="/admin/outbox")


@bp.route("")
@require(Permission.VIEW_OUTBOX)
def outbox() -> str:
    """The newest messages in the outbox folder, and the reminder counts by status."""
    messages = service.outbox()
    service.record_outbox_view(current_user._get_current_object(), len(messages))
    return render_template(
        "reminders/outbox.html",
        messages=messages,
        counts=service.status_counts(),
        using_outbox=service.uses_outbox(),
        form=SweepNowForm(),
    )


@bp.route("/sweep", methods=["POST"])
@require(Permission.VIEW_OUTBOX)
def sweep_now() -> Response:
    """Wake a worker to sweep now; the page works (and says so) when the broker is down."""
    form = SweepNowForm()
    if form.validate_on_submit():
        if service.request_sweep():
            flash("A worker will check for due reminders in the next few seconds.", "success")
        else:
            flash(
                "The worker queue cannot be reached just now. Nothing is lost: due reminders are kept "
                "in the database and sent as soon as the queue is back.",
                "important",
            )
    return redirect(url_for("reminders.outbox"))
