"""Shared form machinery: input clean-up for every text field, and domain errors as field messages."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovTextInput
from sqlalchemy.orm.exc import StaleDataError
from wtforms import DateField, Field, HiddenField, StringField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError

from casework.db import CONFLICT_MESSAGE, ID_MAX, Versioned
from casework.errors import ConflictError, DomainError
from casework.extensions import db

T = TypeVar("T")

_KEPT_CONTROLS = {"\n", "\r", "\t"}
_DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Dates typed into forms are births, reports and incidents: anything outside this is a typing slip.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100


def clean_text(value: object) -> object:
    """Normalise to NFC, drop control characters (a NUL breaks PostgreSQL) and direction overrides, and trim.

    Text made only of spaces and invisible format characters (zero-width spaces) is empty. The bidirectional
    embeddings, overrides and isolates are dropped because they can make a name or reference read as another
    (U+202E turns what follows backwards); the marks that right-to-left text needs (U+200E, U+200F) stay.
    """
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFC", value)
    value = "".join(
        ch
        for ch in value
        if ch in _KEPT_CONTROLS or (unicodedata.category(ch) not in {"Cc", "Cs"} and ch not in _DIRECTION_CONTROLS)
    )
    if all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in value):
        return ""
    return value.strip()


class CaseworkForm(FlaskForm):
    """Base form: every text field is cleaned before validation; CSRF comes from Flask-WTF."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: UnboundField, options: dict[str, Any]) -> Field:
            """Put ``clean_text`` first in every field's filters (unless the field keeps raw input)."""
            filters = list(unbound_field.kwargs.get("filters", ()))
            if not getattr(unbound_field.field_class, "keep_raw", False):
                filters.insert(0, clean_text)
            # A copy for this form only: the unbound field belongs to the class and is shared.
            return unbound_field.bind(form=form, **{**options, "filters": filters})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The CSRF token is a hidden input without an id: pages with several forms would repeat it.
        csrf = self._fields.get("csrf_token")
        if csrf is not None:
            csrf.render_kw = {**(csrf.render_kw or {}), "id": False}


def apply_service(form: FlaskForm, operation: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Run a service operation; on a ``DomainError`` undo its changes and show the message on the form.

    Returns the operation's result, or ``None`` when it was refused; the refusal is kept on
    ``form.refused_by`` for views that react to a particular kind (a conflict, say).
    """
    form.refused_by = None  # type: ignore[attr-defined]
    try:
        return operation(*args, **kwargs)
    except StaleDataError as stale:
        return apply_service(form, _raise_conflict, stale)
    except DomainError as error:
        db.session.rollback()
        form.refused_by = error  # type: ignore[attr-defined]
        field = getattr(form, error.field, None) if error.field else None
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            form.form_errors.append(error.message)
        return None


def _raise_conflict(stale: StaleDataError) -> None:
    """Two saves raced and the database's version check caught it: the same message as any conflict."""
    raise ConflictError(CONFLICT_MESSAGE) from stale


class VersionedForm(CaseworkForm):
    """A form that changes a ``Versioned`` record: it carries the version the page was loaded with."""

    version = HiddenField()

    def expected_version(self) -> int:
        """The version the user saw; a tampered or missing value never matches a real one."""
        try:
            return int(self.version.data or "")
        except (TypeError, ValueError):
            return -1


def run_versioned(
    form: VersionedForm, record: Versioned, operation: Callable[..., T], *args: Any, **kwargs: Any
) -> T | None:
    """Run a service operation on a versioned record for a form (``expected_version`` is passed in).

    On a conflict the user's input stays in the form, and the form now carries the record's
    latest version, so saving again after checking the record is a deliberate choice.
    """
    result = apply_service(form, operation, *args, expected_version=form.expected_version(), **kwargs)
    if isinstance(form.refused_by, ConflictError):  # type: ignore[attr-defined]
        db.session.refresh(record)
        form.version.data = record.version_id
    return result


class GovDateField(DateField):
    """A date typed as day, month and year boxes (GOV.UK date input), read safely.

    Any number of values may arrive from a crafted request; they are padded to three so
    the form can always be shown again, and a date that does not exist gets a plain message.
    """

    def process_formdata(self, valuelist: list[str]) -> None:
        """Turn the three boxes into a date, or leave ``None`` with a message."""
        values = [str(value).strip() for value in [*valuelist, "", "", ""][:3]]
        self.raw_data = values
        self.data = None
        if not any(values):
            return
        try:
            day, month, year = (int(value) for value in values)
            if not EARLIEST_YEAR <= year <= LATEST_YEAR:
                raise ValueError
            self.data = date(year, month, day)
        except (ValueError, OverflowError) as error:
            name = self.label.text.removesuffix(" (optional)")
            raise ValueError(f"{name} must be a real date, like 27 3 2026") from error


def date_required(message: str) -> Callable[[Any, GovDateField], None]:
    """Like ``DataRequired`` for a ``GovDateField``, but a date that does not exist keeps its own message.

    Optional dates take no validator at all: ``Optional()`` would hide a half-typed date.
    """

    def check(form: Any, field: GovDateField) -> None:
        if field.data is None and not field.process_errors:
            raise StopValidation(message)

    return check


def _text_validators(label: str, max_length: int, required: str | None) -> list[Any]:
    name = label.removesuffix(" (optional)")
    name = "Your answer" if name.endswith("?") else name
    return [
        DataRequired(required) if required else Optional(),
        Length(max=max_length, message=f"{name} must be {max_length} characters or fewer"),
    ]


PHONE_MESSAGE = "Enter a phone number, like 07700 900 982 or +44 20 7946 0958"
EMAIL_MESSAGE = "Enter an email address in the correct format, like name@example.com"
_PHONE_CHARACTERS = re.compile(r"[0-9 +()\-.]+")


def is_phone_number(value: str) -> bool:
    """Digits with the usual separators, 7 to 20 of them (an international number has at most 15, and a
    textphone user may give it with Relay UK's 18001 in front)."""
    digits = sum(ch.isdigit() for ch in value)
    return bool(_PHONE_CHARACTERS.fullmatch(value.strip())) and 7 <= digits <= 20


def is_email_address(value: str) -> bool:
    """Written like an email address (whether it exists cannot be known without sending to it)."""
    try:
        validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


_CLOCK_TIME = re.compile(
    r"(?P<hour>\d{1,2})(?:[:.]?(?P<minute>\d{2}))?\s*(?P<half>am|pm|a\.m\.|p\.m\.)?", re.ASCII | re.IGNORECASE
)


def normalise_time(value: object) -> object:
    """A typed time as ``HH:MM`` when it is one people write: "9am", "9.30pm", "0930", "14:30".

    Anything else is left as typed, for the field's own check to refuse with its message. A bare number
    without am or pm ("9") is not a time: it could be morning or evening.
    """
    if not isinstance(value, str):
        return value
    found = _CLOCK_TIME.fullmatch(value.strip())
    if found is None or (found["minute"] is None and found["half"] is None):
        return value
    hour, minute = int(found["hour"]), int(found["minute"] or 0)
    if found["half"]:
        if not 1 <= hour <= 12:
            return value
        hour = hour % 12 + (12 if found["half"].lower().startswith("p") else 0)
    if hour > 23 or minute > 59:
        return value
    return f"{hour:02d}:{minute:02d}"


def phone_number(_form: Any, field: Field) -> None:
    """WTForms validator: an optional phone number, if given, looks like one."""
    if field.data and not is_phone_number(field.data):
        raise ValidationError(PHONE_MESSAGE)


def id_choice(value: object) -> int:
    """``coerce`` for a select of database ids: a number no table can hold is not a valid choice.

    (``int`` alone lets any size through to the query, and SQLite cannot bind an integer over 64 bits.)
    """
    number = int(value)  # type: ignore[call-overload]
    if not 0 <= number <= ID_MAX:
        raise ValueError(f"{number} is not an id")
    return number


def text_field(label: str, max_length: int, *, required: str | None = None) -> StringField:
    """A one-line text field with a length limit; ``required`` is the message when it is left empty."""
    return StringField(label, widget=GovTextInput(), validators=_text_validators(label, max_length, required))


class CountedTextArea(GovCharacterCount):
    """A text area that counts towards its field's length limit as the user types (GOV.UK character count).

    The limit is the field's ``Length`` validator, so the count and the check cannot disagree; the browser does
    not cut the text at the limit (pasted text stays whole, to be shortened), the check refuses it on save.
    """

    def map_gov_params(self, field: Field, **kwargs: Any) -> dict[str, Any]:
        """The GOV.UK macro's parameters, with ``maxlength`` from the field unless the template gave one."""
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)
        limits = [validator.max for validator in field.validators if isinstance(validator, Length)]
        if limits and limits[0] > 0:
            params.setdefault("maxlength", limits[0])
        return params


def text_area(label: str, max_length: int, *, required: str | None = None) -> TextAreaField:
    """A multi-line text field with a length limit, counted as it is typed; ``required`` is the message when empty."""
    return TextAreaField(label, widget=CountedTextArea(), validators=_text_validators(label, max_length, required))
