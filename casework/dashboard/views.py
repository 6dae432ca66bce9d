"""The home page: what needs doing, by role."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def home() -> str:
    """Each role lands on its own home page."""
    return render_template(f"dashboard/home_{current_user.role.value}.html")
