"""Template filters and globals, all registered here: times in Europe/London, sizes, incident wording, forms.

This module only formats. It belongs to the assembly of the app (imported by ``casework/__init__.py``
only), so it may use any feature's helpers; no feature imports it.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import Field

from casework.incidents.models import Behaviour, Incident
from casework.incidents.timing import describe_period
from casework.security import Permission, can
from casework.workdays import LONDON


def london_time(value: datetime | None, fmt: str = "%-d %B %Y at %H:%M") -> str:
    """Show a UTC instant as local time in England and Wales."""
    if value is None:
        return ""
    return value.astimezone(LONDON).strftime(fmt)


def file_size(size_bytes: int | None) -> str:
    """A file size people can read: ``"840 KB"``, ``"2.4 MB"``."""
    if size_bytes is None:
        return ""
    if size_bytes < 1024 * 1024:
        return f"{max(round(size_bytes / 1024), 1)} KB"
    return f"{size_bytes / (1024 * 1024):.1f} MB"


def incident_period(incident: Incident) -> str:
    """When an incident happened, in words (Europe/London)."""
    return describe_period(incident.occurred_from, incident.occurred_to)


def behaviour_labels(values: list[str]) -> list[str]:
    """The words for stored behaviour values, in the order of the list."""
    chosen = set(values)
    return [behaviour.label for behaviour in Behaviour if behaviour.value in chosen]


def _first_input_id(field: Field) -> str:
    """GOV.UK date inputs are three boxes; the error links to the day box."""
    return f"{field.name}-day" if isinstance(field.widget, GovDateInput) else field.id


def form_error_list(form: FlaskForm) -> list[dict[str, str]]:
    """The error summary's entries: each field's first message linked to it; form-level ones to the first field."""
    fields = [field for field in form if field.type not in {"CSRFTokenField", "SubmitField", "HiddenField"}]
    first_id = fields[0].id if fields else "main-content"
    entries = [{"text": message, "href": f"#{first_id}"} for message in form.form_errors]
    entries += [{"text": field.errors[0], "href": f"#{_first_input_id(field)}"} for field in fields if field.errors]
    csrf_field = getattr(form, "csrf_token", None)
    if csrf_field is not None and csrf_field.errors:
        entries.append({"text": "Your session expired or the form was sent twice. Try again.", "href": f"#{first_id}"})
    return entries


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.add_template_filter(london_time, "london")
    app.add_template_filter(file_size, "file_size")
    app.add_template_filter(incident_period, "incident_period")
    app.add_template_filter(behaviour_labels, "behaviour_labels")
    app.add_template_global(can, "can")
    app.add_template_global(form_error_list, "form_error_list")
    app.add_template_global(Permission, "Permission")
