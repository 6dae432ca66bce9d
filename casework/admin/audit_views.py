"""The audit viewer: sign-in activity, refusals and disclosures across the system, for administrators."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.admin import audit_log
from casework.admin.forms import AuditExportForm, AuditFilterForm
from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import User
from casework.db import utcnow
from casework.forms import apply_service
from casework.security import Permission, require

bp = Blueprint("audit_log", __name__, url_prefix="/admin/audit")


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _filter_form() -> tuple[AuditFilterForm, bool]:
    form = AuditFilterForm(request.args, meta={"csrf": False})
    valid = form.prepare(audit_log.CATEGORIES, audit_log.staff_choices())
    return form, valid


def _query_string() -> dict[str, object]:
    """The filters as query-string arguments (for the next page and the export), without the cursor."""
    return {key: value for key, value in request.args.items(multi=False) if key != "after" and value}


@bp.route("")
@require(Permission.VIEW_AUDIT_LOG)
def index() -> str:
    """Filter and page through the audit trail, newest first. Viewing it is itself a consultation."""
    form, valid = _filter_form()
    page = audit_log.AuditPage()
    if valid:
        page = (
            apply_service(form, audit_log.events_page, form.to_filters(), after=form.after.data)
            or audit_log.AuditPage()
        )
    if valid and not form.errors and not form.form_errors:
        audit.record(
            AuditAction.VIEW,
            "audit_log",
            actor=_actor(),
            detail={"filters": form.to_filters().describe(), "rows": len(page.rows)},
        )
    return render_template(
        "admin/audit_log.html",
        form=form,
        page=page,
        query=_query_string(),
        categories=audit_log.CATEGORIES,
    )


@bp.route("/export", methods=["GET", "POST"])
@require(Permission.VIEW_AUDIT_LOG)
def export() -> str | Response:
    """Ask why, then download the filtered events as CSV (audited as a disclosure of the trail)."""
    filter_form, valid = _filter_form()
    form = AuditExportForm()
    if valid and form.validate_on_submit():
        result = apply_service(form, audit_log.export_csv, _actor(), filter_form.to_filters(), reason=form.reason.data)
        if result is not None:
            text, _ = result
            stamp = utcnow().strftime("%Y%m%d-%H%M%S")
            return Response(
                text,
                mimetype="text/csv",
                headers={
                    "Content-Disposition": f'attachment; filename="audit-{stamp}.csv"',
                    "Cache-Control": "no-store",
                },
            )
    return render_template(
        "admin/audit_export.html",
        form=form,
        filter_form=filter_form,
        valid=valid,
        query=_query_string(),
        described=filter_form.to_filters().describe() if valid else {},
        cap=audit_log.EXPORT_CAP,
    )
