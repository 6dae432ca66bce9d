from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import abort

from casework.auth.models import Role
from casework.security import public
from tests import factories
from tests.conftest import make_test_app


def test_pages_carry_security_headers_and_a_strict_csp(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_and_no_third_party_assets(client):
    page = client.get("/sign-in").get_data(as_text=True)
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag, tag
    assert re.search(r"<script[^>]*>\s*[^<\s]", page) is None
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert not url.startswith(("http://", "https://", "//")), url


def test_front_end_assets_are_served_locally(client):
    page = client.get("/sign-in").get_data(as_text=True)
    for url in re.findall(r'(?:src|href)="(/(?:assets|static)/[^"]+)"', page):
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()
    crest = client.get("/assets/images/govuk-crest.svg")
    assert crest.status_code == 200
    crest.close()


def test_asset_paths_cannot_escape_the_package_folder(client):
    for url in ("/assets/govuk/../../../../etc/passwd", "/assets/images/..%2f..%2fpackage.json"):
        response = client.get(url)
        assert response.status_code == 404
        response.close()


# --- The security headers, one by one ---------------------------------------------------------

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _csp_directives(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    return directives


@pytest.mark.parametrize(
    ("directive", "value"),
    [
        ("default-src", "'self'"),
        ("script-src", "'self'"),
        ("style-src", "'self'"),
        ("frame-ancestors", "'none'"),
        ("form-action", "'self'"),
        ("base-uri", "'none'"),
        ("object-src", "'none'"),
    ],
)
def test_content_security_policy_directive(client, directive, value):
    assert _csp_directives(client.get("/sign-in"))[directive] == value


def test_content_security_policy_allows_nothing_inline_or_evaluated(client):
    csp = client.get("/sign-in").headers["Content-Security-Policy"]
    for keyword in ("unsafe-inline", "unsafe-eval", "unsafe-hashes", "nonce-", "sha256-", "*"):
        assert keyword not in csp, keyword


def test_referrer_policy_sends_no_referrer(client):
    assert client.get("/sign-in").headers["Referrer-Policy"] == "no-referrer"


def test_content_type_sniffing_is_off(client):
    assert client.get("/sign-in").headers["X-Content-Type-Options"] == "nosniff"


def test_cross_origin_opener_policy_is_same_origin(client):
    assert client.get("/sign-in").headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "feature", ["camera", "microphone", "geolocation", "payment", "usb", "interest-cohort", "display-capture"]
)
def test_permissions_policy_denies_powerful_features(client, feature):
    features = [item.strip() for item in client.get("/sign-in").headers["Permissions-Policy"].split(",")]
    assert f"{feature}=()" in features


def test_every_kind_of_response_carries_the_headers(client):
    for path in ("/sign-in", "/no-such-page", "/healthz", "/static/css/casework.css"):
        response = client.get(path)
        for header in ("Content-Security-Policy", "Referrer-Policy", "X-Content-Type-Options", "Permissions-Policy"):
            assert header in response.headers, (path, header)
        response.close()


def test_embedded_default_sends_no_hsts_and_no_secure_cookie(client):
    response = client.get("/sign-in")
    assert "Strict-Transport-Security" not in response.headers
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


@pytest.fixture
def production_client(monkeypatch, database_url, db_session):  # type: ignore[no-untyped-def]
    """A client of an app configured from a production environment (same test database)."""
    monkeypatch.setenv("CASEWORK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "production-like-secret-key")
    monkeypatch.setenv("DATABASE_URL", database_url)
    production_app = make_test_app(database_url)
    assert production_app.config["CASEWORK_PRODUCTION"] is True
    return production_app.test_client()


def test_production_sends_hsts_for_a_year_including_subdomains(production_client):
    response = production_client.get("/sign-in", base_url="https://casework.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_production_cookies_are_secure_and_http_only(production_client):
    response = production_client.get("/sign-in", base_url="https://casework.example")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("casework_session=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert attribute in cookie, attribute


# --- No inline style, so the CSP can forbid it ------------------------------------------------

INLINE_STYLE = re.compile(r"""<style[\s>]|\sstyle\s*=""", re.IGNORECASE)


def test_no_template_contains_an_inline_style_attribute_or_style_element():
    offenders = []
    for template in sorted((PROJECT_ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(template.read_text().splitlines(), start=1):
            if INLINE_STYLE.search(line):
                offenders.append(f"{template.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_inline_style_check_recognises_what_it_forbids():
    for markup in ('<p style="color: red">', "<p class='x'  STYLE = 'x'>", "<style>p {}</style>", "<style media=x>"):
        assert INLINE_STYLE.search(markup), markup
    for markup in ('<link rel="stylesheet" href="/x.css">', '<p class="govuk-body">stylesheets</p>'):
        assert not INLINE_STYLE.search(markup), markup


def test_rendered_pages_have_no_inline_style(client, make_client):
    """The GOV.UK macros render markup too: check what the browser actually receives."""
    pages = [client.get("/sign-in").get_data(as_text=True)]
    officer, user = make_client(Role.OFFICER)
    case = factories.allocated_case(user)
    for path in ("/", "/cases", f"/cases/{case.id}"):
        response = officer.get(path)
        assert response.status_code == 200, path
        pages.append(response.get_data(as_text=True))
    for page in pages:
        assert INLINE_STYLE.search(page) is None


# --- Error pages say nothing about the error ---------------------------------------------------

SECRET_DETAIL = "psycopg.OperationalError: password for user casework_secret at db.internal"


@pytest.fixture
def failing_app(database_url, db_session):  # type: ignore[no-untyped-def]
    """An app as deployed (exceptions not propagated) with a public route that always fails."""
    failing = make_test_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @failing.route("/explode")
    @public
    def explode() -> str:
        raise RuntimeError(SECRET_DETAIL)

    @failing.route("/refuse")
    @public
    def refuse() -> str:
        abort(403, description=SECRET_DETAIL)

    return failing


def test_an_unexpected_exception_gives_a_generic_500_page(failing_app, caplog):
    response = failing_app.test_client().get("/explode")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    for leak in ("casework_secret", "RuntimeError", "Traceback", "OperationalError", "explode"):
        assert leak not in page, leak
    assert response.headers["Content-Security-Policy"]
    assert any(record.exc_info for record in caplog.records), "the exception is logged for the operators"


def test_an_http_error_description_is_not_shown(failing_app):
    response = failing_app.test_client().get("/refuse")
    assert response.status_code == 403
    assert "casework_secret" not in response.get_data(as_text=True)


def test_not_found_does_not_echo_the_address(client):
    response = client.get("/cases/<script>alert(1)</script>")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "alert(1)" not in page
    assert "Page not found" in page
