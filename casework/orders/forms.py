"""Forms for protective orders: recording one, moving it on, its details, hearings and breaches.

Each form checks what it can see on its own (dates in the future, an expiry before the order was
made, service before it was made); the service checks the same and everything against the stored order.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from casework.db import utcnow
from casework.forms import (
    CaseworkForm,
    GovDateField,
    VersionedForm,
    date_required,
    normalise_time,
    text_area,
    text_field,
)
from casework.incidents.timing import TIME_PATTERN, parse_time, to_utc
from casework.orders.models import OrderStatus, OrderType, london_today
from casework.orders.service import COURT_MAX, MAKING, NAME_MAX, TEXT_MAX

NEW_INCIDENT = "new"


class ChoiceCheckboxes(SelectMultipleField):
    """Checkboxes from a list set by the view; a value not on the list gets a plain message."""

    def pre_validate(self, form: Any) -> None:
        """Refuse anything that is not one of the choices."""
        allowed = {str(value) for value, _ in self.choices or []}
        if any(str(value) not in allowed for value in self.data or []):
            raise ValidationError(f"Choose {self.label.text.lower()} only from the list")


def _past(label: str) -> Any:
    def check(form: Any, field: GovDateField) -> None:
        if field.data is not None and field.data > london_today():
            raise ValidationError(f"{label} must be today or in the past")

    return check


def _date(
    label: str, description: str = "For example, 27 3 2026", *, required: str | None = None, past: bool = True
) -> GovDateField:
    validators: list[Any] = [date_required(required)] if required else []
    if past:
        validators.append(_past(label))
    return GovDateField(label, widget=GovDateInput(), description=description, validators=validators)


def _choice(label: str, message: str, choices: list[tuple[str, str]] | None = None) -> RadioField:
    return RadioField(
        label, widget=GovRadioInput(), choices=choices or [], validators=[InputRequired(message)], validate_choice=True
    )


def _terms() -> tuple[TextAreaField, TextAreaField]:
    return (
        TextAreaField(
            "What it forbids",
            widget=GovCharacterCount(),
            description="The prohibitions, as the order words them. For example, not to contact the victim",
            validators=[
                Optional(),
                Length(max=TEXT_MAX, message=f"What it forbids must be {TEXT_MAX} characters or fewer"),
            ],
        ),
        TextAreaField(
            "What it requires",
            widget=GovCharacterCount(),
            description="Optional. Positive requirements, for example to attend a perpetrator programme",
            validators=[
                Optional(),
                Length(max=TEXT_MAX, message=f"What it requires must be {TEXT_MAX} characters or fewer"),
            ],
        ),
    )


class PartyChoices:
    """Fills the subject and protected-people choices from the case's suspects and victims."""

    def set_parties(self, suspects: list[Any], victims: list[Any]) -> None:
        """Only suspects may be subjects and only victims may be protected."""
        if hasattr(self, "subject_id"):
            self.subject_id.choices = [(str(party.id), party.person.full_name) for party in suspects]  # type: ignore[attr-defined]
        self.protected_ids.choices = [(str(party.id), party.person.full_name) for party in victims]  # type: ignore[attr-defined]

    def protected(self) -> list[int]:
        """The chosen victims' party ids."""
        return [int(value) for value in self.protected_ids.data or []]  # type: ignore[attr-defined]


class NewOrderForm(PartyChoices, CaseworkForm):
    """Record an order being considered."""

    text_max = TEXT_MAX
    order_type = _choice("Type of order", "Select the type of order", OrderType.choices())
    other_name = text_field("Name of the order", NAME_MAX)
    subject_id = _choice("Subject of the order", "Select the suspect the order is against")
    protected_ids = ChoiceCheckboxes(
        "Who it protects", widget=GovCheckboxesInput(), description="Select all that apply", choices=[]
    )
    court = text_field("Court", COURT_MAX)
    considered_on = _date("Date it was considered", required="Enter the date it was considered")
    prohibitions, requirements = _terms()
    submit = SubmitField("Record the order", widget=GovSubmitInput())

    def validate_other_name(self, field: StringField) -> None:
        """An "other" order needs its name."""
        if self.order_type.data == OrderType.OTHER.value and not field.data:
            raise ValidationError("Enter the name of the order")

    def validate_protected_ids(self, field: SelectMultipleField) -> None:
        """At least one victim."""
        if not field.data:
            raise ValidationError("Select at least one victim the order protects")


class StatusForm(VersionedForm):
    """Move an order on; which extra fields matter depends on the new status."""

    text_max = TEXT_MAX
    to_status = _choice("New status", "Select the new status")
    effective_on = _date(
        "Date it happened",
        "The date it was applied for, decided, made, varied or ended. For example, 27 3 2026",
        required="Enter the date it happened",
    )
    reason = text_area("Reason", TEXT_MAX)
    hearing_on = _date("Date of the hearing", "When the hearing is listed. For example, 3 12 2026", past=False)
    court = text_field("Court", COURT_MAX)
    expires_on = _date("Expiry date", "The last day the order has effect. For example, 27 3 2028", past=False)
    until_further_order = BooleanField("Until further order (no expiry date)", widget=GovCheckboxInput())
    prohibitions, requirements = _terms()
    served_on = _date("Date it was served on the subject", "Optional. For example, 27 3 2026")
    submit = SubmitField("Save the change", widget=GovSubmitInput())

    def limit_to(self, statuses: list[OrderStatus]) -> None:
        """Offer only the moves the order may make."""
        self.to_status.choices = [(status.value, status.label) for status in statuses]

    @property
    def making(self) -> bool:
        """Whether the chosen move makes the order."""
        return self.to_status.data in {status.value for status in MAKING}

    def validate_expires_on(self, field: GovDateField) -> None:
        """The order cannot expire before it was made; not both an expiry and "until further order"."""
        if field.data is None:
            return
        if self.until_further_order.data:
            raise ValidationError("Give an expiry date or choose 'until further order', not both")
        if self.effective_on.data is not None and field.data <= self.effective_on.data:
            raise ValidationError("The expiry date must be after the date the order was made")

    def validate_served_on(self, field: GovDateField) -> None:
        """An order is served after it is made."""
        if field.data is not None and self.effective_on.data is not None and field.data < self.effective_on.data:
            raise ValidationError("The date it was served must be on or after the date it was made")

    def validate_hearing_on(self, field: GovDateField) -> None:
        """A hearing is listed for a date."""
        if self.to_status.data == OrderStatus.HEARING_LISTED.value and field.data is None and not field.errors:
            raise ValidationError("Enter the date of the hearing")


class DetailsForm(PartyChoices, VersionedForm):
    """Correct an order's details; record service and the SPO notification."""

    text_max = TEXT_MAX
    other_name = text_field("Name of the order", NAME_MAX)
    protected_ids = ChoiceCheckboxes(
        "Who it protects", widget=GovCheckboxesInput(), description="Select all that apply", choices=[]
    )
    court = text_field("Court", COURT_MAX)
    prohibitions, requirements = _terms()
    served_on = _date("Date it was served on the subject", "Optional. For example, 27 3 2026")
    notification_made_on = _date(
        "Date the subject notified the police of their name and address",
        "Stalking Protection Orders only: within 3 days of service. For example, 30 3 2026",
    )
    submit = SubmitField("Save the details", widget=GovSubmitInput())

    def validate_protected_ids(self, field: SelectMultipleField) -> None:
        """At least one victim."""
        if not field.data:
            raise ValidationError("Select at least one victim the order protects")

    def validate_notification_made_on(self, field: GovDateField) -> None:
        """The subject notifies after being served."""
        if field.data is None:
            return
        if self.served_on.data is None and not self.served_on.errors:
            raise ValidationError("Record when the order was served first")
        if self.served_on.data is not None and field.data < self.served_on.data:
            raise ValidationError("The notification must be on or after the date of service")


class HearingForm(CaseworkForm):
    """Add a hearing (a first listing or an adjournment)."""

    text_max = TEXT_MAX
    hearing_on = _date(
        "Date of the hearing", "For example, 3 12 2026", required="Enter the date of the hearing", past=False
    )
    court = text_field("Court", COURT_MAX)
    note = text_area("Note", TEXT_MAX)
    submit = SubmitField("Add the hearing", widget=GovSubmitInput())


class BreachForm(CaseworkForm):
    """Record a breach of an order in force."""

    text_max = TEXT_MAX
    occurred_on = _date("Date of the breach", required="Enter the date of the breach")
    occurred_at = StringField(
        "Time of the breach",
        widget=GovTextInput(),
        description="Optional. For example 14:30 or 2:30pm",
        filters=[normalise_time],
        validators=[
            Optional(),
            Regexp(TIME_PATTERN, message="Time of the breach must be a real time, like 14:30 or 2:30pm"),
        ],
    )
    description = TextAreaField(
        "What happened",
        widget=GovCharacterCount(),
        validators=[
            InputRequired("Enter what happened"),
            Length(max=TEXT_MAX, message=f"What happened must be {TEXT_MAX} characters or fewer"),
        ],
    )
    incident_id = SelectField("Incident", widget=GovSelect(), choices=[], validate_choice=True)
    location = text_field("Where it happened (for a new incident)", 300)
    submit = SubmitField("Record the breach", widget=GovSubmitInput())

    def set_incidents(self, incidents: list[Any], describe: Any) -> None:
        """A new incident first, then the case's incidents."""
        self.incident_id.choices = [(NEW_INCIDENT, "Record a new incident for this breach")] + [
            (str(incident.id), describe(incident)) for incident in incidents
        ]

    def validate_occurred_at(self, field: StringField) -> None:
        """Not a time later today."""
        day: date | None = self.occurred_on.data
        at = self.time
        if day is not None and at is not None and day == london_today() and to_utc(day, at) > utcnow():
            raise ValidationError("The time of the breach must not be in the future")

    @property
    def time(self) -> time | None:
        """The time typed, if valid."""
        try:
            return parse_time(self.occurred_at.data)
        except ValueError:
            return None

    @property
    def chosen_incident(self) -> int | None:
        """The existing incident chosen, or ``None`` for a new one."""
        value = self.incident_id.data
        return None if not value or value == NEW_INCIDENT else int(value)
