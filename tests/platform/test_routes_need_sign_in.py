"""Every route needs sign-in except an explicit allow-list; routes added later are covered automatically."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter

PUBLIC_ENDPOINTS = {
    "static",
    "assets.asset",
    "assets.image",
    "auth.sign_in",
    "auth.second_factor",
    "auth.enrol_second_factor",
    "health.healthz",
    "health.readyz",
    *{f"report.{name}" for name in ("start", "begin", "question", "get_help", "check", "sent", "delete")},
}


def _sample_url(app: Flask, rule) -> str:  # type: ignore[no-untyped-def]
    values: dict[str, object] = {}
    for argument in rule.arguments:
        converter = rule._converters[argument]
        if hasattr(converter, "items"):
            values[argument] = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter):
            values[argument] = 1
        else:
            values[argument] = "x"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _rules(app: Flask) -> list:  # type: ignore[type-arg]
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in PUBLIC_ENDPOINTS]


def test_allow_list_names_real_endpoints(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints >= PUBLIC_ENDPOINTS


def test_only_allow_listed_views_are_public(app):
    public = {endpoint for endpoint, view in app.view_functions.items() if getattr(view, "casework_public", False)}
    assert public | {"static"} == PUBLIC_ENDPOINTS


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_every_other_route_sends_an_anonymous_visitor_to_sign_in(app, client, method):
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        checked = 0
        for rule in _rules(app):
            if method not in rule.methods:
                continue
            url = _sample_url(app, rule)
            response = client.open(url, method=method)
            assert response.status_code == 302, f"{method} {url} answered {response.status_code}"
            assert response.headers["Location"].startswith("/sign-in"), url
            checked += 1
        assert checked > 0
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
