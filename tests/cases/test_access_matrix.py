"""Who may open which case page: every role against every case route and every kind of case.

The routes are read from ``app.url_map`` (every rule with ``<int:case_id>``), so a case route
added later is checked too: a GET-only page counts as *read*, a GET of a form and every POST
count as *write*, unless ``SPECIAL_ROUTES`` says otherwise. POSTs are sent with a valid CSRF
token and no other data: a user who may act gets the form back (200, or 302 for a form whose
fields are all optional); nothing is changed by the probe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role, Team, User
from casework.cases.models import Case, CaseAccess, CaseStatus, Outcome
from casework.contact.models import DoNotContact
from casework.db import utcnow
from casework.extensions import db
from casework.incidents import storage
from casework.incidents.models import EvidenceItem, EvidenceType
from casework.people.models import PartyRole, VictimContact
from tests import factories
from tests.orders.helpers import make_order

# --- The expectations ----------------------------------------------------------------------
#
# Route kinds:
#   read         GET of a page that shows the case (summary, people, incidents, risk, log, ...)
#   audit        GET of the case's audit tab (needs CASE_VIEW_AUDIT)
#   write        GET of a form that changes the case (edit, status, new person, contact, ...) and every POST
#   manage       allocate, close, access list (GET and POST)
#   reopen       reopen (GET and POST), tried on a *closed* case of the same kind
#   break_glass  POST of a reason to reveal a victim's sealed details
#   adviser_page GET of an adviser's view of a case (/support/cases/<id>): advisers only, and only with a
#                sent or accepted referral to their service (none here; see tests/support/test_adviser_access.py)
#   retention    the retention review of a case and its erasures (/admin/retention/...): administrators only,
#                whatever the case (records management shows reference, dates and names, never content);
#                a POST here carries no reason, so it comes back with a message (see tests/retention)
#
# Case kinds. On "own" and "listed" the signed-in officer is the officer in case and the signed-in
# supervisor the case supervisor (the victim's contact form is theirs alone: a team colleague gets
# 403, see tests/people/test_sealed_details.py). The adviser belongs to the same team; the manager
# and the admin to none. Officers have no CASE_VIEW_AUDIT, so the audit tab is 403 even on their own case.
#   own       an unrestricted case of the user's team
#   other     an unrestricted case of another team
#   hidden    a restricted case of the user's team; the user is NOT on its access list
#   listed    a restricted case of the user's team; the user IS on its access list
#
# "deny" means 403 or 404, never 200.  For a POST, 200 also accepts a 302 (the form was processed).
EXPECTATIONS = """
role        route kind    own   other  hidden  listed
officer     read          200   403    404     200
officer     audit         403   403    404     403
officer     write         200   403    404     200
officer     manage        403   403    404     403
officer     reopen        403   403    404     403
officer     break_glass   200   403    404     200
supervisor  read          200   403    404     200
supervisor  audit         200   403    404     200
supervisor  write         200   403    404     200
supervisor  manage        200   403    404     200
supervisor  reopen        200   403    404     200
supervisor  break_glass   200   403    404     200
manager     read          200   200    404     200
manager     audit         200   200    404     200
manager     write         403   403    404     403
manager     manage        403   403    404     403
manager     reopen        403   403    404     403
manager     break_glass   200   200    404     200
officer     adviser_page  403   403    403     403
supervisor  adviser_page  403   403    403     403
manager     adviser_page  403   403    403     403
adviser     *             deny  deny   404     deny
admin       *             deny  deny   404     deny
admin       adviser_page  403   403    403     403
officer     retention     403   403    403     403
supervisor  retention     403   403    403     403
manager     retention     403   403    403     403
adviser     retention     403   403    403     403
admin       retention     200   200    200     200
"""

CASE_KINDS = ("own", "other", "hidden", "listed")
ROUTE_KINDS = ("read", "audit", "write", "manage", "reopen", "break_glass", "adviser_page", "retention")

# (endpoint, method) -> route kind, where the default (GET-only page = read, else write) is wrong.
SPECIAL_ROUTES = {
    ("cases.log", "GET"): "read",
    ("cases.audit_trail", "GET"): "audit",
    ("cases.allocate", "GET"): "manage",
    ("cases.allocate", "POST"): "manage",
    ("cases.close", "GET"): "manage",
    ("cases.close", "POST"): "manage",
    ("cases.access", "GET"): "manage",
    ("cases.access", "POST"): "manage",
    ("cases.reopen", "GET"): "reopen",
    ("cases.reopen", "POST"): "reopen",
    ("people.reveal", "GET"): "break_glass",
    ("people.reveal", "POST"): "break_glass",
    ("cases.lift_restriction", "GET"): "manage",
    ("cases.lift_restriction", "POST"): "manage",
    ("cases.remove_access", "GET"): "manage",
    ("cases.remove_access", "POST"): "manage",
    ("support.adviser_case", "GET"): "adviser_page",
    ("retention.review", "GET"): "retention",
    ("retention.retain", "POST"): "retention",
    ("retention.erase_case", "POST"): "retention",
    ("retention.erase_person", "GET"): "retention",
    ("retention.erase_person", "POST"): "retention",
}

# Case routes whose other URL arguments this file cannot fill in. Keep this list explicit:
# a new route with an unknown id fails ``test_every_case_route_is_in_the_matrix`` until an
# id is provided in ``_ids_for`` (preferred) or the route is listed here with a reason.
SKIPPED_ROUTES: dict[str, str] = {
    "cases.decision": "the decision pages are checked per role in tests/cases/test_task_list.py",
}


def _parse(table: str) -> dict[tuple[Role, str, str], str]:
    lines = [line.split() for line in table.strip().splitlines()[1:]]
    expected = {}
    for role_name, route_kind, *cells in lines:
        route_kinds = ROUTE_KINDS if route_kind == "*" else (route_kind,)
        for kind in route_kinds:
            for case_kind, cell in zip(CASE_KINDS, cells, strict=True):
                expected[(Role(role_name), kind, case_kind)] = cell
    return expected


EXPECTED = _parse(EXPECTATIONS)


def _allowed(expected: str, method: str) -> set[int]:
    if expected == "deny":
        return {403, 404}
    if expected == "200" and method == "POST":
        return {200, 302}
    return {int(expected)}


# --- Routes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRoute:
    endpoint: str
    rule: str
    method: str
    arguments: frozenset[str]
    get_only: bool

    @property
    def kind(self) -> str:
        return SPECIAL_ROUTES.get((self.endpoint, self.method)) or (
            "read" if self.method == "GET" and self.get_only else "write"
        )


def case_routes(app: Flask) -> list[CaseRoute]:
    routes = []
    for rule in app.url_map.iter_rules():
        if "<int:case_id>" not in rule.rule:
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        for method in methods:
            routes.append(
                CaseRoute(rule.endpoint, rule.rule, method, frozenset(rule.arguments), get_only=methods == ["GET"])
            )
    return routes


# --- Data ------------------------------------------------------------------------------------


def _ids_for(case: Case, evidence_dir: Path) -> dict[str, int]:
    """Real values, from this case, for the other URL arguments of case routes."""
    victim = factories.CasePartyFactory(case=case, role=PartyRole.VICTIM)
    db.session.add(VictimContact(party_id=victim.id, sealed_address="1 Matrix Road", sealed_phone="07700 900000"))
    author = db.session.get(User, case.created_by_id)
    incident = factories.IncidentFactory(case=case, recorded_by=author)
    stored_name = storage.new_stored_name()
    (evidence_dir / stored_name).write_bytes(b"%PDF-1.4 exhibit")
    evidence = EvidenceItem(
        incident_id=incident.id,
        evidence_type=EvidenceType.DOCUMENT,
        description="Letter left on the car",
        file_name="letter.pdf",
        stored_name=stored_name,
        content_type="application/pdf",
        size_bytes=16,
        added_by_id=author.id,
    )
    db.session.add(evidence)
    flag = DoNotContact(
        case_id=case.id,
        party_id=victim.id,
        reason="Matrix",
        review_on=utcnow().date(),
        review_due_at=utcnow(),
        set_by_id=author.id,
    )
    db.session.add(flag)
    db.session.commit()
    return {
        "case_id": case.id,
        "party_id": victim.id,
        "assessment_id": factories.RiskAssessmentFactory(case=case, assessor=author).id,
        "incident_id": incident.id,
        "evidence_id": evidence.id,
        "flag_id": flag.id,
        "order_id": make_order(author, case, victim, factories.CasePartyFactory(case=case, role=PartyRole.SUSPECT)).id,
        "referral_id": factories.ReferralFactory(case=case, party=victim).id,
        "user_id": author.id,
        "part": "victim",
    }


def _make_case(kind: str, user: User, team: Team, *, closed: bool) -> Case:
    status = {"status": CaseStatus.CLOSED, "outcome": Outcome.NO_CRIME, "closed_at": utcnow()} if closed else {}
    if kind == "other":
        other_team = factories.TeamFactory()
        return factories.allocated_case(factories.UserFactory(role=Role.OFFICER, team=other_team), **status)
    officer = user if user.role == Role.OFFICER and kind != "hidden" else factories.UserFactory(team=team)
    supervisor = (
        user
        if user.role == Role.SUPERVISOR and kind != "hidden"
        else factories.UserFactory(role=Role.SUPERVISOR, team=team)
    )
    case = factories.CaseFactory(
        team=team,
        officer=officer,
        supervisor=supervisor,
        created_by=officer,
        restricted=kind in {"hidden", "listed"},
        **({"status": CaseStatus.INVESTIGATING} | status),
    )
    if case.restricted:
        listed = {officer, supervisor} | ({user} if kind == "listed" else set())
        for member in listed:
            db.session.add(CaseAccess(case_id=case.id, user_id=member.id, granted_by_id=supervisor.id))
        db.session.commit()
    return case


def _sign_in_with_team(make_client, role: Role) -> tuple[object, User, Team]:  # type: ignore[no-untyped-def]
    team = factories.TeamFactory()
    client, user = make_client(role, team=None if role in {Role.MANAGER, Role.ADMIN} else team)
    return client, user, team


def _denied_events(user: User) -> int:
    return db.session.execute(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == AuditAction.ACCESS_DENIED, AuditEvent.user_id == user.id
        )
    ).scalar_one()


# --- The matrix ------------------------------------------------------------------------------


PROVIDED_IDS = {
    "case_id",
    "party_id",
    "assessment_id",
    "incident_id",
    "evidence_id",
    "flag_id",
    "order_id",
    "referral_id",
    "user_id",
    "part",
}


@pytest.fixture
def evidence_dir(app, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("case_kind", CASE_KINDS)
@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.MANAGER, Role.ADVISER, Role.ADMIN])
def test_case_routes_answer_each_role_as_the_table_says(app, make_client, evidence_dir, role, case_kind):
    client, user, team = _sign_in_with_team(make_client, role)
    open_case = _make_case(case_kind, user, team, closed=False)
    closed_case = _make_case(case_kind, user, team, closed=True)
    ids = {case.id: _ids_for(case, evidence_dir) for case in (open_case, closed_case)}
    token = client.csrf_token()
    adapter = app.url_map.bind("localhost")
    denied_before = _denied_events(user)

    wrong, denied_responses = [], 0
    routes = [
        route
        for route in case_routes(app)
        if route.endpoint not in SKIPPED_ROUTES and route.arguments <= PROVIDED_IDS  # the rest: see the next test
    ]
    for route in sorted(routes, key=lambda route: route.method != "GET"):  # GETs first, then POSTs
        case = closed_case if route.kind == "reopen" else open_case
        path = adapter.build(route.endpoint, {name: ids[case.id][name] for name in route.arguments})
        response = client.get(path) if route.method == "GET" else client.post(path, data={"csrf_token": token})
        response.close()  # a download streams a file
        expected = EXPECTED[(role, route.kind, case_kind)]
        if response.status_code not in _allowed(expected, route.method):
            wrong.append(f"{route.method} {path} ({route.kind}): {response.status_code}, expected {expected}")
        if response.status_code in {403, 404}:
            denied_responses += 1
    assert not wrong, "\n".join(wrong)
    assert _denied_events(user) - denied_before == denied_responses, "every refusal is audited"


def test_every_case_route_is_in_the_matrix(app):
    unfillable = {
        route.rule
        for route in case_routes(app)
        if route.arguments - PROVIDED_IDS and route.endpoint not in SKIPPED_ROUTES
    }
    assert not unfillable, f"give these routes an id in _ids_for, or list them in SKIPPED_ROUTES: {unfillable}"
    assert len(case_routes(app)) >= 20, "the matrix found fewer case routes than the app has"


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.MANAGER, Role.ADVISER, Role.ADMIN])
def test_a_refused_restricted_case_is_audited_as_access_denied_to_that_case(make_client, role):
    client, user, team = _sign_in_with_team(make_client, role)
    case = _make_case("hidden", user, team, closed=False)
    assert client.get(f"/cases/{case.id}").status_code == 404
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == AuditAction.ACCESS_DENIED, AuditEvent.user_id == user.id)
    ).scalar_one()
    assert (event.object_type, event.object_id) == ("case", str(case.id))


def test_a_restricted_case_answers_exactly_like_a_case_that_does_not_exist(make_client):
    client, user, team = _sign_in_with_team(make_client, Role.SUPERVISOR)
    case = _make_case("hidden", user, team, closed=False)
    hidden = client.get(f"/cases/{case.id}")
    missing = client.get("/cases/987654321")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_data(as_text=True).replace(f"/cases/{case.id}", "/cases/ID") == missing.get_data(
        as_text=True
    ).replace("/cases/987654321", "/cases/ID")
    assert case.reference not in hidden.get_data(as_text=True)


# --- The case list ---------------------------------------------------------------------------


@pytest.fixture
def listed_world(make_client):  # type: ignore[no-untyped-def]
    """A team with cases of its own, another team's case and a restricted case; ``sign_in(role)`` gives a client.

    The other team's case and the restricted case are overdue (awaiting allocation for three
    days), so they would also show in the red "Overdue" panel if it leaked.
    """
    team = factories.TeamFactory()
    officer = factories.UserFactory(role=Role.OFFICER, team=team)
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, team=team)
    three_days_ago = utcnow() - timedelta(days=3)
    own = factories.CaseFactory(team=team, officer=officer, supervisor=supervisor, status=CaseStatus.INVESTIGATING)
    other = factories.CaseFactory(reported_at=three_days_ago)
    hidden = factories.CaseFactory(team=team, restricted=True, reported_at=three_days_ago)
    for case in (own, other, hidden):
        factories.CasePartyFactory(case=case, person=factories.PersonFactory(last_name=f"Surname{case.id}"))
    db.session.add(CaseAccess(case_id=hidden.id, user_id=factories.UserFactory(team=team).id, granted_by_id=officer.id))
    db.session.commit()

    def sign_in(role: Role):  # type: ignore[no-untyped-def]
        return make_client(role, team=None if role == Role.MANAGER else team)[0]

    return {"sign_in": sign_in, "own": own, "other": other, "hidden": hidden}


LIST_QUERIES = ["", "?scope=mine", "?scope=team", "?scope=all", "?overdue=y&scope=all", "?status=reported&scope=all"]


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR])
def test_case_list_never_shows_officers_another_teams_case(listed_world, role):
    client = listed_world["sign_in"](role)
    for query in LIST_QUERIES:
        page = client.get(f"/cases{query}").get_data(as_text=True)
        assert listed_world["other"].reference not in page, query


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.MANAGER])
def test_case_list_never_shows_a_restricted_case_to_someone_not_on_its_access_list(listed_world, role):
    client = listed_world["sign_in"](role)
    hidden = listed_world["hidden"]
    for query in LIST_QUERIES:
        page = client.get(f"/cases{query}").get_data(as_text=True)
        assert hidden.reference not in page, query
        assert f"Surname{hidden.id}" not in page, query


def test_case_list_shows_the_manager_every_unrestricted_case(listed_world):
    page = listed_world["sign_in"](Role.MANAGER).get("/cases?scope=all").get_data(as_text=True)
    assert listed_world["own"].reference in page
    assert listed_world["other"].reference in page


def test_case_list_shows_officers_their_own_teams_case(listed_world):
    page = listed_world["sign_in"](Role.OFFICER).get("/cases?scope=team").get_data(as_text=True)
    assert listed_world["own"].reference in page


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.MANAGER])
def test_searching_for_a_restricted_cases_reference_finds_nothing(listed_world, role):
    client = listed_world["sign_in"](role)
    hidden = listed_world["hidden"]
    for scope in ("mine", "team", "all"):
        response = client.get(f"/cases?search={hidden.reference}&scope={scope}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "0 cases" in page, scope
        assert f'href="/cases/{hidden.id}"' not in page, scope


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.MANAGER])
def test_searching_for_a_restricted_cases_victim_finds_nothing(listed_world, role):
    hidden = listed_world["hidden"]
    page = listed_world["sign_in"](role).get(f"/cases?search=Surname{hidden.id}&scope=all").get_data(as_text=True)
    assert "0 cases" in page
    assert hidden.reference not in page


def test_searching_for_another_teams_reference_finds_nothing_for_an_officer(listed_world):
    other = listed_world["other"]
    page = listed_world["sign_in"](Role.OFFICER).get(f"/cases?search={other.reference}&scope=all")
    assert "0 cases" in page.get_data(as_text=True)
    assert f'href="/cases/{other.id}"' not in page.get_data(as_text=True)


def test_my_cases_never_shows_a_report_i_recorded_for_another_team(make_client):
    """Only the officer-in-case and supervisor branches of "my cases" may skip the team rule (``among_own``)."""
    client, officer = make_client(Role.OFFICER)
    three_days_ago = utcnow() - timedelta(days=3)  # awaiting allocation that long: overdue too
    mine = factories.CaseFactory(team=officer.team, created_by=officer, reported_at=three_days_ago)
    elsewhere = factories.CaseFactory(created_by=officer, reported_at=three_days_ago)
    for query in ("", "?scope=mine", "?scope=mine&sort=reference", "?scope=mine&overdue=y"):
        page = client.get(f"/cases{query}").get_data(as_text=True)
        assert mine.reference in page, query
        assert elsewhere.reference not in page, query


CASE_OBJECT_IDS = {"party_id", "assessment_id", "incident_id", "evidence_id", "flag_id", "order_id", "referral_id"}


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR])
def test_an_object_of_another_case_under_this_case_s_address_is_not_found(app, make_client, evidence_dir, role):
    """Every page with an object id in its address finds the object on that case only: another case's incident,
    flag or order under this case's id is a 404, even where both cases are the user's."""
    client, user, team = _sign_in_with_team(make_client, role)
    this, other = (_make_case("own", user, team, closed=False) for _ in range(2))
    ids = {case.id: _ids_for(case, evidence_dir) for case in (this, other)}
    adapter = app.url_map.bind("localhost")
    wrong, checked = [], 0
    for route in case_routes(app):
        swapped = route.arguments & CASE_OBJECT_IDS
        if route.method != "GET" or not swapped or route.endpoint in SKIPPED_ROUTES:
            continue
        own = adapter.build(route.endpoint, {name: ids[this.id][name] for name in route.arguments})
        response = client.get(own)
        response.close()
        if response.status_code != 200:
            continue  # not a page this role opens
        values = {name: ids[other.id if name in swapped else this.id][name] for name in route.arguments}
        path = adapter.build(route.endpoint, values)
        response = client.get(path)
        response.close()
        checked += 1
        if response.status_code != 404:
            wrong.append(f"GET {path}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert checked >= 8
