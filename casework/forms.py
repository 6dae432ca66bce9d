"""Shared form machinery: input clean-up for every text field, and domain errors as field messages."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.core import UnboundField

from casework.errors import DomainError
from casework.extensions import db

T = TypeVar("T")

_KEPT_CONTROLS = {"\n", "\r", "\t"}


def clean_text(value: object) -> object:
    """Normalise to NFC, drop control characters (a NUL breaks PostgreSQL) and trim."""
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFC", value)
    value = "".join(ch for ch in value if ch in _KEPT_CONTROLS or unicodedata.category(ch) not in {"Cc", "Cs"})
    return value.strip()


class CaseworkForm(FlaskForm):
    """Base form: every text field is cleaned before validation; CSRF comes from Flask-WTF."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: UnboundField, options: dict[str, Any]) -> Field:
            """Put ``clean_text`` first in every field's filters (unless the field keeps raw input)."""
            filters = list(unbound_field.kwargs.get("filters", ()))
            if not getattr(unbound_field.field_class, "keep_raw", False):
                filters.insert(0, clean_text)
            unbound_field.kwargs["filters"] = filters
            return unbound_field.bind(form=form, **options)


def apply_service(form: FlaskForm, operation: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Run a service operation; on a ``DomainError`` undo its changes and show the message on the form.

    Returns the operation's result, or ``None`` when it was refused.
    """
    try:
        return operation(*args, **kwargs)
    except DomainError as error:
        db.session.rollback()
        field = getattr(form, error.field, None) if error.field else None
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            form.form_errors.append(error.message)
        return None
