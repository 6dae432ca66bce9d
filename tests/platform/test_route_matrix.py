"""Every route that is not a case page, for every role and for someone signed out: the status.

The case pages have their own matrix (own team, other team, restricted case not on the list:
``tests/cases/test_access_matrix.py``); this file covers every other rule of ``app.url_map``.
Each (endpoint, method) must have a row in ``EXPECTATIONS``: a route added without one fails
``test_every_route_has_a_row``. POSTs carry a valid CSRF token and no other data, so a user who
may act gets the form back with its errors (or the operation's redirect); ``auth.sign_out`` and
the sessions page's "sign out everywhere" run last, each on a fresh sign-in, as they end the
probing session (both then answer with a redirect to sign in).

Cells: ``ok`` 200 or a redirect other than to sign in; ``in`` a redirect to sign in; ``403``,
``404``, ``405``; ``deny`` 403 or 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, url_for

from casework.auth.models import Role, User
from casework.extensions import db
from casework.intake import service as intake
from casework.people.models import SealedDetailsDisclosure
from casework.support.models import AftercareKind
from tests import factories
from tests.conftest import CaseworkClient, sign_in
from tests.intake.helpers import victim_answers
from tests.support import helpers as support_helpers

ROLES = ("officer", "supervisor", "manager", "adviser", "admin", "anonymous")

# endpoint                     method  officer supervisor manager adviser admin anonymous
EXPECTATIONS = """
dashboard.home                 GET     ok      ok      ok      ok      ok      in
dashboard.dashboard            GET     403     ok      ok      403     403     in
dashboard.export_cases         GET     403     ok      ok      403     403     in
dashboard.export_cases         POST    403     ok      ok      403     403     in
dashboard.export_dashboard_table GET   403     ok      ok      403     403     in
dashboard.export_dashboard_table POST  403     ok      ok      403     403     in
auth.change_password           GET     ok      ok      ok      ok      ok      in
auth.change_password           POST    ok      ok      ok      ok      ok      in
auth.sessions                  GET     ok      ok      ok      ok      ok      in
auth.sessions                  POST    in      in      in      in      in      in
auth.sign_in                   GET     ok      ok      ok      ok      ok      ok
auth.sign_in                   POST    ok      ok      ok      ok      ok      ok
auth.second_factor             GET     in      in      in      in      in      in
auth.second_factor             POST    in      in      in      in      in      in
auth.enrol_second_factor       GET     in      in      in      in      in      in
auth.enrol_second_factor       POST    in      in      in      in      in      in
auth.sign_out                  POST    in      in      in      in      in      in
reminders.outbox               GET     403     403     403     403     ok      in
reminders.sweep_now            POST    403     403     403     403     ok      in
support.services               GET     403     403     403     403     ok      in
support.new_service            GET     403     403     403     403     ok      in
support.new_service            POST    403     403     403     403     ok      in
support.edit_service           GET     403     403     403     403     ok      in
support.edit_service           POST    403     403     403     403     ok      in
admin.teams                    GET     403     403     403     403     ok      in
admin.teams                    POST    403     403     403     403     ok      in
admin.edit_team                GET     403     403     403     403     ok      in
admin.edit_team                POST    403     403     403     403     ok      in
admin.users                    GET     403     403     403     403     ok      in
admin.new_user                 GET     403     403     403     403     ok      in
admin.new_user                 POST    403     403     403     403     ok      in
admin.edit_user                GET     403     403     403     403     ok      in
admin.edit_user                POST    403     403     403     403     ok      in
admin.set_active               GET     403     403     403     403     ok      in
admin.set_active               POST    403     403     403     403     ok      in
admin.reset_password           GET     403     403     403     403     ok      in
admin.reset_password           POST    403     403     403     403     ok      in
admin.reset_second_factor      GET     403     403     403     403     ok      in
admin.reset_second_factor      POST    403     403     403     403     ok      in
admin.unlock                   POST    403     403     403     403     ok      in
audit_log.index                GET     403     403     403     403     ok      in
audit_log.export               GET     403     403     403     403     ok      in
audit_log.export               POST    403     403     403     403     ok      in
retention.report               GET     403     403     403     403     ok      in
assets.asset                   GET     ok      ok      ok      ok      ok      ok
assets.image                   GET     ok      ok      ok      ok      ok      ok
static                         GET     ok      ok      ok      ok      ok      ok
cases.index                    GET     ok      ok      ok      403     403     in
cases.new                      GET     ok      ok      403     403     403     in
cases.new                      POST    ok      ok      403     403     403     in
people.acknowledge             POST    403     ok      403     403     403     in
health.healthz                 GET     ok      ok      ok      ok      ok      ok
health.readyz                  GET     ok      ok      ok      ok      ok      ok
report.start                   GET     ok      ok      ok      ok      ok      ok
report.begin                   POST    ok      ok      ok      ok      ok      ok
report.question                GET     ok      ok      ok      ok      ok      ok
report.question                POST    ok      ok      ok      ok      ok      ok
report.check                   GET     ok      ok      ok      ok      ok      ok
report.check                   POST    ok      ok      ok      ok      ok      ok
report.get_help                GET     ok      ok      ok      ok      ok      ok
report.sent                    GET     ok      ok      ok      ok      ok      ok
report.delete                  POST    ok      ok      ok      ok      ok      ok
support.take                   POST    403     403     403     ok      403     in
support.decline                GET     403     403     403     ok      403     in
support.decline                POST    403     403     403     ok      403     in
support.adviser_withdraw       GET     403     403     403     ok      403     in
support.adviser_withdraw       POST    403     403     403     ok      403     in
support.close                  GET     403     403     403     ok      403     in
support.close                  POST    403     403     403     ok      403     in
support.aftercare              GET     403     403     403     ok      403     in
support.aftercare              POST    403     403     403     ok      403     in
intake.queue                   GET     403     ok      403     403     403     in
intake.report                  GET     403     ok      403     403     403     in
intake.add_to_case             GET     403     ok      403     403     403     in
intake.add_to_case             POST    403     ok      403     403     403     in
intake.create_case             GET     403     ok      403     403     403     in
intake.create_case             POST    403     ok      403     403     403     in
intake.close                   GET     403     ok      403     403     403     in
intake.close                   POST    403     ok      403     403     403     in
"""

# Run last: they end the session the probes use.
LAST = (("auth.sessions", "POST"), ("auth.sign_out", "POST"))


def _parse(table: str) -> dict[tuple[str, str], dict[str, str]]:
    expected = {}
    for line in table.strip().splitlines():
        endpoint, method, *cells = line.split()
        expected[(endpoint, method)] = dict(zip(ROLES, cells, strict=True))
    return expected


EXPECTED = _parse(EXPECTATIONS)


def _routes(app: Flask) -> list[tuple[str, str]]:
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if "case_id" not in rule.arguments
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    return sorted(routes, key=lambda route: (route in LAST, LAST.index(route) if route in LAST else 0, route))


def test_every_route_has_a_row(app):
    missing = [route for route in _routes(app) if route not in EXPECTED]
    assert missing == [], f"add these routes to EXPECTATIONS with the status each role must get: {missing}"
    stale = sorted(set(EXPECTED) - set(_routes(app)))
    assert stale == [], f"these rows name routes that no longer exist: {stale}"


@dataclass
class Scene:
    """One of everything the routes' URLs name, in one team; the adviser works for the referral's service."""

    users: dict[str, User]
    values: dict[str, Any]


@pytest.fixture
def scene(app, db_session, monkeypatch) -> Scene:
    monkeypatch.setitem(app.config, "PUBLIC_REPORTING", True)
    world = support_helpers.make_world()
    referral = support_helpers.accepted(world)
    monkeypatch.setitem(app.config, "INTAKE_TEAM", world.team.name)
    users = {
        "officer": world.officer,
        "supervisor": world.supervisor,
        "manager": factories.UserFactory(role=Role.MANAGER, team=None),
        "adviser": world.adviser,
        "admin": factories.UserFactory(role=Role.ADMIN, team=None),
    }
    disclosure = SealedDetailsDisclosure(
        case_id=world.case.id, party_id=world.victim.id, user_id=world.officer.id, reason="Matrix"
    )
    db.session.add(disclosure)
    report = intake.record_report(victim_answers())
    db.session.commit()
    values = {
        "team_id": world.team.id,
        "user_id": factories.UserFactory(role=Role.OFFICER, team=world.team).id,
        "action": "deactivate",
        "service_id": world.support.id,
        "disclosure_id": disclosure.id,
        "referral_id": referral.id,
        "kind": AftercareKind.NEEDS_ASSESSMENT.value,
        "table": "caseload",
        "report_id": report.id,
        "number": 1,
        "package": "govuk",
        "filename": "govuk-frontend.min.css",
    }
    return Scene(users, values)


def _url(app: Flask, endpoint: str, values: dict[str, Any]) -> str:
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    arguments = {name: values[name] for name in rule.arguments}
    if endpoint == "assets.image":
        arguments["filename"] = "favicon.ico"
    if endpoint == "static":
        arguments["filename"] = "js/body-class.js"
    with app.test_request_context():
        return url_for(endpoint, **arguments)


def _matches(cell: str, response: Any) -> bool:
    status, location = response.status_code, response.headers.get("Location", "")
    if cell == "ok":
        return status == 200 or (status in (302, 303) and not location.startswith("/sign-in"))
    if cell == "in":
        return status == 302 and location.startswith("/sign-in")
    if cell == "deny":
        return status in (403, 404)
    return status == int(cell)


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_expected(app, scene, role):
    app.test_client_class = CaseworkClient
    client = app.test_client()
    token = client.csrf_token("/sign-in")
    if role != "anonymous":
        assert sign_in(client, scene.users[role]).status_code == 302
        token = client.csrf_token("/")
    wrong = []
    for endpoint, method in _routes(app):
        if (endpoint, method) in LAST and role != "anonymous":
            assert sign_in(client, scene.users[role]).status_code == 302
            token = client.csrf_token("/")
        url = _url(app, endpoint, scene.values)
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        response.close()
        cell = EXPECTED[(endpoint, method)][role]
        if not _matches(cell, response):
            wrong.append(f"{method} {url} ({endpoint}): expected {cell}, got {response.status_code}")
    assert wrong == [], "\n" + "\n".join(wrong)
