"""Serve the GOV.UK and MOJ Frontend files installed from the npm registry (never a CDN).

The precompiled stylesheets ask for ``/assets/images/...``; those come from GOV.UK
Frontend's folder, then MOJ Frontend's. Fonts are deliberately not served: the GDS
Transport typeface is licensed for GOV.UK services only, so browsers fall back to the
stylesheet's Arial/Helvetica stack; its ``@font-face`` rules are taken out of the stylesheet so
browsers do not ask for the files.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from flask import Blueprint, abort, current_app, request, send_from_directory
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


# GOV.UK Frontend's stylesheet declares the GDS Transport font faces; left in, every page would
# ask for four font files we do not serve (404s). Served without them, browsers never ask.
_FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
_STYLESHEET = ("govuk", "govuk-frontend.min.css")


@functools.cache
def _stylesheet_without_fonts(path: Path, modified: float) -> bytes:
    return _FONT_FACE.sub("", path.read_text(encoding="utf-8")).encode("utf-8")


@bp.route("/<any(govuk, moj):package>/<path:filename>")
@public
def asset(package: str, filename: str) -> Response:
    """One file from an installed front-end package (GOV.UK's stylesheet without its font faces)."""
    if (package, filename) == _STYLESHEET:
        path = _package_root(package) / filename
        response = Response(_stylesheet_without_fonts(path, path.stat().st_mtime), mimetype="text/css")
        response.cache_control.public = True
        response.cache_control.max_age = _CACHE_SECONDS
        response.add_etag()
        return response.make_conditional(request)
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
