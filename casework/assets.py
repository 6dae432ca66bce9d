"""Serve the GOV.UK and MOJ Frontend files installed from the npm registry (never a CDN).

The precompiled stylesheets ask for ``/assets/images/...``; those come from GOV.UK
Frontend's folder, then MOJ Frontend's. Fonts are deliberately not served: the GDS
Transport typeface is licensed for GOV.UK services only, so browsers fall back to the
stylesheet's Arial/Helvetica stack.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from casework.security import public

bp = Blueprint("assets", __name__, url_prefix="/assets")

_PACKAGES = {
    "govuk": "govuk-frontend/dist/govuk",
    "moj": "@ministryofjustice/frontend/moj",
}
_CACHE_SECONDS = 86400


def _package_root(package: str) -> Path:
    return Path(current_app.config["ASSETS_DIR"]) / _PACKAGES[package]


@bp.route("/<any(govuk, moj):package>/<path:filename>")
@public
def asset(package: str, filename: str) -> Response:
    """One file from an installed front-end package."""
    return send_from_directory(_package_root(package), filename, max_age=_CACHE_SECONDS)


@bp.route("/images/<path:filename>")
@public
def image(filename: str) -> Response:
    """An image named by a stylesheet, from whichever package ships it."""
    for package in _PACKAGES:
        folder = _package_root(package) / "assets" / "images"
        found = safe_join(str(folder), filename)
        if found and Path(found).is_file():
            return send_from_directory(folder, filename, max_age=_CACHE_SECONDS)
    abort(404)
