"""The home page by role, the supervisors' and managers' dashboard, and exports of lists and tables."""

from __future__ import annotations

import gc
from datetime import datetime
from urllib.parse import quote, urlencode

from flask import Blueprint, abort, after_this_request, current_app, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from casework.auth.models import Team, User
from casework.cases import queries
from casework.cases import service as cases
from casework.cases.filters import CaseFilterForm
from casework.dashboard import exports, figures, service
from casework.dashboard import home as home_page
from casework.dashboard.forms import DashboardFilterForm, ExportForm
from casework.db import utcnow
from casework.forms import apply_service
from casework.security import Permission, can, require

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def home() -> str:
    """Each role lands on its own home page."""
    user = current_user._get_current_object()
    return render_template(f"dashboard/home_{user.role.value}.html", **home_page.home(user))


@bp.route("/dashboard")
@require(Permission.DASHBOARD_VIEW)
def dashboard() -> str:
    """Caseload, flow, orders, referrals and Victims' Code compliance: each figure links to its case list."""
    user = current_user._get_current_object()
    now = utcnow()
    after_this_request(_collect_garbage_once_sent)
    form, teams, scope = _dashboard_scope(user, now)
    period = scope.period
    data = service.dashboard(scope, now=now, readers=current_app.config["DASHBOARD_READERS"])
    cases.record_list_view(
        user,
        "dashboard",
        {case.id for case in data.urgent},
        filters={"team_id": scope.team_id, "period": period.value},
    )

    # About a thousand figures link to the case list: its address and the scope's part of the query string are
    # built once (``url_for`` a thousand times was a fifth of the rendering), each figure adds its own filters.
    address = url_for("cases.index")
    prefix = f"{address}?{urlencode(scope.link(), doseq=True)}"

    def link(**params: object) -> str:
        return prefix + "".join(f"&{key}={quote(str(value), safe=',:.')}" for key, value in params.items())

    def list_href(params: dict[str, object]) -> str:
        return f"{address}?{urlencode(params)}"

    return render_template(
        "dashboard/dashboard.html",
        form=form,
        teams=teams,
        data=data,
        period=period,
        link=link,
        list_href=list_href,
        figure=figure,
        figures=figures,
        urgent_link=service.URGENT_LINK,
        may_export=can(user, Permission.CASES_EXPORT),
    )


def _collect_garbage_once_sent(response: Response) -> Response:
    """Free the page's garbage after the response has been sent (the server closes it once written).

    A dashboard leaves about 4,000 objects in reference cycles (SQLAlchemy's proxies of its statements' columns),
    most of them old enough by the time they die to wait for a full collection. Left to the collector, that came
    every dozen dashboards or so and took 80-230 ms inside whichever request set it off, a list page as likely as
    a dashboard (docs/benchmarks.md, "The dashboard side by side"). Collected here, in the worker's own time.
    """
    response.call_on_close(gc.collect)
    return response


def figure(count: int, href: str, what: str) -> Markup:
    """A count that links to the case list producing it; ``what`` names it for screen readers.

    One f-string of escaped parts: ``Markup.format`` and then ``Markup.join`` were a third of the rendering of
    the dashboard's thousand figures; this is five times cheaper than the join.
    """
    return Markup(  # noqa: S704 - both texts are escaped, the count is an int
        f'<a class="govuk-link casework-figure" href="{escape(href)}">{int(count)}'
        f'<span class="govuk-visually-hidden"> {escape(what)}</span></a>'
    )


def _dashboard_scope(user: User, now: datetime) -> tuple[DashboardFilterForm, list[Team], service.DashboardScope]:
    teams = service.teams_for(user)
    form = DashboardFilterForm(request.args, meta={"csrf": False})
    form.prepare(teams)
    days = current_app.config["DASHBOARD_NO_CONTACT_DAYS"]
    return form, teams, service.DashboardScope(user, form.period(now), form.team(teams), no_contact_days=days)


def _download(content: bytes, name: str, file_format: str) -> Response:
    mimetype, extension = exports.FORMATS[file_format]
    filename = f"{name}-{utcnow():%Y%m%d-%H%M}.{extension}"
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _export_page(form: ExportForm, what: str, rows: int, filters: dict[str, str], back: str) -> str:
    return render_template("dashboard/export.html", form=form, what=what, rows=rows, filters=filters, back=back)


@bp.route("/exports/cases", methods=["GET", "POST"])
@require(Permission.CASES_EXPORT)
def export_cases() -> str | Response:
    """Export the case list filtered as in the query string, after asking why (audited as a disclosure)."""
    user = current_user._get_current_object()
    now = utcnow()
    list_form = CaseFilterForm(request.args, meta={"csrf": False})
    list_form.prepare(user)
    filters = list_form.to_filters()
    filters.extra = queries.extra_filters(request.args, now)
    described = {**list_form.describe(), **filters.extra}
    described.pop("page", None)
    form = ExportForm()
    if form.validate_on_submit():
        table = apply_service(form, exports.case_table, user, filters, now)
        if table is not None:
            content = apply_service(
                form,
                exports.export,
                user,
                table,
                what="cases",
                file_format=form.file_format.data,
                reason=form.reason.data or "",
                filters=described,
            )
            if content is not None:
                return _download(content, "cases", form.file_format.data)
    words = list_form.in_words()
    if filters.extra:
        words["Also"] = "; ".join(queries.describe_extra_filters(filters.extra).values())
    back = url_for("cases.index", **{key: values for key, values in request.args.lists()})
    return _export_page(form, "cases", exports.visible_count(user, filters, now), words, back)


@bp.route("/exports/dashboard/<table>", methods=["GET", "POST"])
@require(Permission.CASES_EXPORT)
def export_dashboard_table(table: str) -> str | Response:
    """Export one dashboard table for the team and period in the query string, after asking why."""
    if table not in exports.DASHBOARD_TABLES:
        abort(404)
    user = current_user._get_current_object()
    now = utcnow()
    _, _, scope = _dashboard_scope(user, now)
    data = service.dashboard(scope, now=now, readers=current_app.config["DASHBOARD_READERS"])
    rows = exports.DASHBOARD_TABLES[table](data)
    described = {"table": table, "team_id": scope.team_id, "period": scope.period.value}
    form = ExportForm()
    if form.validate_on_submit():
        content = apply_service(
            form,
            exports.export,
            user,
            rows,
            what=f"dashboard:{table}",
            file_format=form.file_format.data,
            reason=form.reason.data or "",
            filters=described,
        )
        if content is not None:
            return _download(content, f"dashboard-{table}", form.file_format.data)
    words = {"Table": rows.title, "Period": scope.period.describe()}
    if scope.team_id:
        words["Team"] = next(team.name for team in service.teams_for(user) if team.id == scope.team_id)
    back = url_for("dashboard.dashboard", **{key: values for key, values in request.args.lists()})
    return _export_page(form, rows.title, len(rows.rows), words, back)
