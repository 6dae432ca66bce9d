from __future__ import annotations

import re


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
