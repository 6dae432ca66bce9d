"""Forms for contact plans, do-not-contact flags, the contact log and key decisions.

The forms read what was typed; the rules (a frequency from 1 to 90 days, a review date not in
the past, a contact neither in the future nor before the report, no key decision on a closed
case) are the service's, shown on the field at fault.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import Field, RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import AnyOf, InputRequired, Optional, Regexp, ValidationError

from casework.contact.models import ContactOutcome, DecisionKind, MessageChannel, Schedule
from casework.contact.service import OFFERED_FREQUENCIES, PlanTerms
from casework.forms import (
    CaseworkForm,
    GovDateField,
    VersionedForm,
    date_required,
    id_choice,
    normalise_time,
    text_area,
)
from casework.people.models import ContactMethod
from casework.workdays import LONDON

OTHER, ENHANCED, NO_MESSAGES = "other", "enhanced", "none"
TIME_PATTERN = re.compile(r"^(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d)\Z", re.ASCII)
TIME_HINT = "For example 14:30 or 2:30pm"
WHOLE_DAYS = re.compile(r"^\d{1,3}\Z", re.ASCII)


def _radio(label: str, choices: list[tuple[str, str]], message: str, **kwargs: Any) -> RadioField:
    return RadioField(
        label,
        widget=GovRadioInput(),
        choices=choices,
        validate_choice=False,
        validators=[InputRequired(message), AnyOf([value for value, _ in choices], message=message)],
        **kwargs,
    )


def _time(label: str, *, required: str | None) -> StringField:
    return StringField(
        label,
        widget=GovTextInput(),
        description=TIME_HINT,
        filters=[normalise_time],
        validators=[
            InputRequired(required) if required else Optional(),
            Regexp(TIME_PATTERN, message=f"{label} must be a real time, like 14:30 or 2:30pm"),
        ],
    )


def local_instant(day: Any, text: str | None) -> datetime | None:
    """A date and a typed "14:30" (Europe/London) as an aware instant; ``None`` if either is missing."""
    match = TIME_PATTERN.match((text or "").strip())
    if day is None or match is None:
        return None
    return datetime.combine(day, time(int(match["hour"]), int(match["minute"])), tzinfo=LONDON)


class PlanForm(VersionedForm):
    """Agree or change a victim's contact plan."""

    schedule = _radio(
        "How often will you update them?",
        [
            *((str(days), f"Every {days} days") for days in OFFERED_FREQUENCIES),
            (OTHER, "Another number of days"),
            (ENHANCED, Schedule.ENHANCED_STANDARD.label),
        ],
        "Select how often you will update them",
    )
    frequency_days = StringField(
        "Number of days, if another number",
        widget=GovTextInput(),
        description="A whole number from 1 to 90",
        validators=[Optional(), Regexp(WHOLE_DAYS, message="Enter the number of days as a whole number, like 21")],
    )
    owner_id = SelectField(
        "Who keeps in contact with them?", widget=GovSelect(), coerce=id_choice, choices=[], validate_choice=False
    )
    message_channel = RadioField(
        "Messages from the system",
        widget=GovRadioInput(),
        choices=[],
        validate_choice=False,
        description="Offered only on channels their contact details mark safe. Messages never carry case detail.",
        validators=[Optional()],
    )
    reason = text_area("Why? (needed when you change a plan)", 1000)
    submit = SubmitField("Save the plan", widget=GovSubmitInput())

    def offer(self, owners: list[tuple[int, str]], officer_name: str, channels: list[MessageChannel]) -> None:
        """Fill the choices this victim and case allow."""
        self.owner_id.choices = [(0, f"The officer in case ({officer_name})"), *owners]
        self.message_channel.choices = [(NO_MESSAGES, "No messages"), *((c.value, c.label) for c in channels)]

    def validate_owner_id(self, field: Field) -> None:
        """Only an offered owner."""
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose who keeps in contact from the list")

    def validate_message_channel(self, field: Field) -> None:
        """Only an offered channel (one marked safe)."""
        if field.data and field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose a channel marked safe for this victim, or no messages")

    def terms(self) -> PlanTerms:
        """What was chosen, for the service (which checks it)."""
        choice = self.schedule.data
        typed = self.frequency_days.data
        if choice == ENHANCED:
            return PlanTerms(Schedule.ENHANCED_STANDARD, None, self.owner_id.data or None, self._channel())
        days = int(typed) if choice == OTHER and typed else (None if choice == OTHER else int(choice))
        return PlanTerms(Schedule.EVERY_N_DAYS, days, self.owner_id.data or None, self._channel())

    def _channel(self) -> MessageChannel | None:
        value = self.message_channel.data
        return MessageChannel(value) if value and value != NO_MESSAGES else None

    def show(self, terms: PlanTerms) -> None:
        """Fill the form from a plan's current terms."""
        if terms.schedule == Schedule.ENHANCED_STANDARD:
            self.schedule.data = ENHANCED
        elif terms.frequency_days in OFFERED_FREQUENCIES:
            self.schedule.data = str(terms.frequency_days)
        else:
            self.schedule.data, self.frequency_days.data = OTHER, str(terms.frequency_days)
        self.owner_id.data = terms.owner_id or 0
        self.message_channel.data = terms.message_channel.value if terms.message_channel else NO_MESSAGES


class DoNotContactForm(CaseworkForm):
    """Flag a victim "do not contact"."""

    reason = text_area("Why must they not be contacted?", 1000, required="Give the reason")
    review_on = GovDateField(
        "Review date",
        widget=GovDateInput(),
        description="You will be reminded to review the flag on this date. For example, 27 3 2026",
        validators=[date_required("Enter the date to review this flag")],
    )
    submit = SubmitField("Set do not contact", widget=GovSubmitInput())


class LiftForm(CaseworkForm):
    """Lift a do-not-contact flag."""

    reason = text_area("Why can they be contacted again?", 1000, required="Give the reason for lifting the flag")
    submit = SubmitField("Lift the flag", widget=GovSubmitInput())


class ContactForm(CaseworkForm):
    """Log an attempt to contact a victim."""

    party_id = SelectField("Victim", widget=GovSelect(), coerce=id_choice, choices=[], validate_choice=False)
    contacted_on = GovDateField(
        "Date of the contact", widget=GovDateInput(), validators=[date_required("Enter the date of the contact")]
    )
    contacted_time = _time("Time of the contact", required="Enter the time of the contact")
    method = SelectField(
        "How",
        widget=GovSelect(),
        choices=ContactMethod.choices(),
        validate_choice=False,
        validators=[AnyOf([value for value, _ in ContactMethod.choices()], message="Choose how you contacted them")],
    )
    outcome = _radio("What happened?", ContactOutcome.choices(), "Select what happened")
    discussed = text_area("What was discussed", 4000)
    notices = SelectMultipleField(
        "Key decisions they were told about",
        widget=GovCheckboxesInput(),
        coerce=id_choice,
        choices=[],
        validate_choice=False,
        description="Only when you spoke to them or left a safe message.",
    )
    submit = SubmitField("Save the contact", widget=GovSubmitInput())

    def validate_party_id(self, field: Field) -> None:
        """Only a victim of this case."""
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose the victim you contacted")

    def contacted_at(self) -> datetime | None:
        """When the contact was, as an aware instant."""
        return local_instant(self.contacted_on.data, self.contacted_time.data)


class KeyDecisionForm(CaseworkForm):
    """Record a key decision the victims must be told about."""

    kind = _radio("Decision", DecisionKind.choices(), "Select the decision")
    decided_on = GovDateField(
        "Date of the decision", widget=GovDateInput(), validators=[date_required("Enter the date of the decision")]
    )
    decided_time = _time("Time of the decision", required="Enter the time of the decision")
    hearing_on = GovDateField("Date of the hearing (court dates only)", widget=GovDateInput())
    hearing_time = _time("Time of the hearing", required=None)
    notes = text_area("Notes", 2000)
    submit = SubmitField("Record the decision", widget=GovSubmitInput())

    def decided_at(self) -> datetime | None:
        """When the decision was made, as an aware instant."""
        return local_instant(self.decided_on.data, self.decided_time.data)

    def hearing_at(self) -> datetime | None:
        """The hearing, as an aware instant (10:00 when no time was typed)."""
        if self.hearing_on.data is None:
            return None
        return local_instant(self.hearing_on.data, self.hearing_time.data or "10:00")
