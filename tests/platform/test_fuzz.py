"""Fuzzing with Hypothesis: every form the portal shows, and every route with an id in its URL.

The forms are not listed by hand: each role (and someone signed out) opens every page whose URL
this file can fill in, on a case where that role may act, and every ``<form method="post">``
found is then posted with drawn values for each of its fields (random text with control and
odd Unicode characters, huge and negative numbers, markup, the field's own options) and a
valid CSRF token. Whatever comes back must not be a server error; when the form comes back
refused (an error summary, or a 4xx) nothing may have been saved: a fingerprint of every table
but the audit trail and the sign-in bookkeeping is the same before and after.

Ids in URLs are drawn too (huge numbers, text, Unicode) for every route and method, plus
methods the route does not take. ``REQUESTS`` counts what was sent (printed with ``-s``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from casework.auth.models import Role, User
from casework.extensions import db
from casework.intake import service as intake
from tests import factories
from tests.cases.test_access_matrix import _ids_for
from tests.conftest import CaseworkClient, sign_in
from tests.intake.helpers import victim_answers
from tests.support import helpers as support_helpers

REQUESTS: Counter[str] = Counter()
FORM_EXAMPLES = 4  # each example posts every form found once
ID_EXAMPLES = 15  # each example probes every route with an id once

# Tables a refused form may still write to: the audit trail (views and refusals are audited) and
# the bookkeeping of signing in and of public report drafts.
UNFINGERPRINTED = {
    "audit_events",
    "audit_seals",
    "user_sessions",
    "sign_in_throttles",
    "report_drafts",
    "alembic_version",
}

# Forms whose success ends the probing session.
NOT_FUZZED = {"/sign-out", "/account/sessions"}

NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\x1b[31m",
        "\u202eevil",
        "\u200b",
        "Zoë Ǆ 𝔘",
        "9" * 40,
        str(2**63),
        "-1",
        "0",
        "1e309",
        "NaN",
        "31/02/2026",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "x" * 5000,
    ]
)


@dataclass(frozen=True)
class Form:
    action: str
    fields: tuple[tuple[str, tuple[str, ...]], ...]  # (name, its offered values) in page order


class _Forms(HTMLParser):
    """The POST forms of a page: their action and the names (and offered values) of their fields."""

    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.forms: list[Form] = []
        self._action: str | None = None
        self._fields: dict[str, list[str]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "get").lower() == "post":
            self._action, self._fields = attributes.get("action") or self.page_path, {}
        elif self._action is None:
            return
        elif tag in {"input", "textarea", "select", "button"} and attributes.get("name"):
            name = attributes["name"] or ""
            values = self._fields.setdefault(name, [])
            if attributes.get("value") is not None:
                values.append(attributes["value"] or "")
            if tag == "select":
                self._select = name
        elif tag == "option" and self._select:
            self._fields[self._select].append(attributes.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag == "form" and self._action is not None:
            fields = tuple((name, tuple(values)) for name, values in self._fields.items())
            self.forms.append(Form(urlsplit(self._action).path or self.page_path, fields))
            self._action = None


def _forms_on(client: CaseworkClient, path: str) -> list[Form]:
    response = client.get(path)
    REQUESTS["pages crawled"] += 1
    response.close()
    if response.status_code != 200 or "text/html" not in response.content_type:
        return []
    parser = _Forms(path)
    parser.feed(response.get_data(as_text=True))
    return [form for form in parser.forms if form.action not in NOT_FUZZED]


def fingerprint() -> dict[str, str]:
    """An md5 of every row of every table that a refused form must leave alone."""
    tables = [name for name in sa.inspect(db.session.get_bind()).get_table_names() if name not in UNFINGERPRINTED]
    query = " UNION ALL ".join(
        f"SELECT '{name}', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {name} t"  # noqa: S608 - names from the catalogue
        for name in tables
    )
    return dict(db.session.execute(sa.text(query)).all())  # type: ignore[arg-type]


def _refused(response: Any) -> bool:
    if response.status_code >= 400:
        return True
    page = response.status_code == 200 and "text/html" in response.content_type  # not an export's file
    return page and "govuk-error-summary" in response.get_data(as_text=True)


# --- The world: one case where each role may act ------------------------------------------------


@dataclass
class World:
    users: dict[str, User]
    values: dict[str, Any]


@pytest.fixture
def world(app: Flask, db_session: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "PUBLIC_REPORTING", True)
    monkeypatch.setitem(app.config, "INTAKE_SUBMIT_RATE_LIMIT", "100000 per minute")
    monkeypatch.setitem(app.config, "INTAKE_START_RATE_LIMIT", "100000 per minute")
    setting = support_helpers.make_world()
    referral = support_helpers.accepted(setting)
    monkeypatch.setitem(app.config, "INTAKE_TEAM", setting.team.name)
    values = _ids_for(setting.case, tmp_path)
    values |= {
        "referral_id": referral.id,
        "team_id": setting.team.id,
        "user_id": factories.UserFactory(role=Role.OFFICER, team=setting.team).id,
        "service_id": setting.support.id,
        "report_id": intake.record_report(victim_answers()).id,
        "number": 1,
        "kind": "needs_assessment",
        "table": "caseload",
    }
    db.session.commit()
    users = {
        "officer": setting.officer,
        "supervisor": setting.supervisor,
        "adviser": setting.adviser,
        "admin": factories.UserFactory(role=Role.ADMIN, team=None),
    }
    return World(users, values)


def _pages(app: Flask, values: dict[str, Any]) -> list[str]:
    """Every GET route whose URL arguments the world can fill in."""
    adapter = app.url_map.bind("localhost")
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint in {"static", "assets.asset", "assets.image"}:
            continue
        arguments = {}
        for name in rule.arguments:
            converter = rule._converters[name]
            choices = sorted(getattr(converter, "items", ()))
            if name in values and (not choices or values[name] in choices):
                arguments[name] = values[name]
            elif choices:
                arguments[name] = choices[0]
        if set(arguments) == set(rule.arguments):
            pages.append(adapter.build(rule.endpoint, arguments))
    return sorted(set(pages))


def _client(app: Flask, world: World, role: str) -> CaseworkClient:
    app.test_client_class = CaseworkClient
    client = app.test_client()
    if role != "anonymous":
        assert sign_in(client, world.users[role]).status_code == 302
    return client  # type: ignore[return-value]


@pytest.mark.parametrize("role", ["officer", "supervisor", "adviser", "admin", "anonymous"])
def test_every_form_survives_drawn_input_and_a_refusal_saves_nothing(app, world, role):
    client = _client(app, world, role)
    token = client.csrf_token("/" if role != "anonymous" else "/sign-in")
    if role == "anonymous":
        client.post("/report/start", data={"csrf_token": token})
    forms = sorted({form for page in _pages(app, world.values) for form in _forms_on(client, page)}, key=str)
    assert len(forms) >= (1 if role == "anonymous" else 3)

    @settings(max_examples=FORM_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def post_every_form(data: st.DataObject) -> None:
        for form in forms:
            body = {"csrf_token": token}
            for name, offered in form.fields:
                if name == "csrf_token":
                    continue
                choices = [NASTY, st.text(max_size=60), st.integers(-(2**70), 2**70).map(str)]
                if offered:
                    choices.append(st.sampled_from(offered))
                body[name] = data.draw(st.one_of(*choices), label=f"{form.action} {name}")
            before = fingerprint()
            response = client.post(form.action, data=body)
            REQUESTS["form posts"] += 1
            response.close()
            assert response.status_code < 500, (form.action, body, response.status_code)
            if _refused(response):
                assert fingerprint() == before, f"{form.action} refused the input but saved something: {body}"
                REQUESTS["refused, nothing saved"] += 1

    post_every_form()


ID_PART = re.compile(r"<(?:int:)?(\w+)>")


def _fill(rule: str, ids: list[Any]) -> str:
    drawn = iter(ids * 2)
    return ID_PART.sub(lambda _: quote(str(next(drawn)), safe=""), rule)


IDS = st.lists(
    st.one_of(
        st.integers(min_value=0, max_value=2**80),
        st.integers(max_value=-1),
        st.text(min_size=1, max_size=30),
        NASTY.filter(bool),
    ),
    min_size=4,
    max_size=4,
)


def test_every_route_with_an_id_survives_drawn_ids_and_methods(app, make_client):
    client, _ = make_client(Role.SUPERVISOR)
    rules = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(rule._converters[name], IntegerConverter) for name in ID_PART.findall(rule.rule))
    ]
    assert len(rules) > 30

    @settings(max_examples=ID_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(ids=IDS, method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]))
    def probe_every_route(ids: list[Any], method: str) -> None:
        for rule in rules:
            path = _fill(rule, ids)
            response = client.open(path, method=method)
            REQUESTS["id probes"] += 1
            response.close()
            assert response.status_code < 500, (method, path, response.status_code)

    probe_every_route()


@pytest.fixture(scope="module", autouse=True)
def report_requests_sent() -> Any:
    """Print how many requests the fuzzing sent (seen with ``-s``)."""
    yield
    print(f"\nfuzzing sent: {dict(REQUESTS)}")
