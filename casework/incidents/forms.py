"""Forms for recording an incident and adding evidence to it."""

from __future__ import annotations

from datetime import time
from typing import Any

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from casework.cases.models import Channel
from casework.db import LabelledEnum
from casework.forms import CaseworkForm, GovDateField, VersionedForm, date_required, normalise_time
from casework.incidents import storage
from casework.incidents.models import Behaviour, EvidenceType, Incident
from casework.incidents.timing import TIME_PATTERN, LocalMoment, parse_time

DESCRIPTION_MAX = 10000
LOCATION_MAX = 300
EVIDENCE_DESCRIPTION_MAX = 2000
REFERENCE_MAX = 100
TIME_HINT = "Optional. For example 14:30 or 2:30pm"


class ChecklistField(SelectMultipleField):
    """Checkboxes from a fixed list; a value not on the list gets a plain message."""

    def pre_validate(self, form: Any) -> None:
        """Refuse anything that is not one of the choices."""
        allowed = {value for value, _ in self.choices or []}
        if any(value not in allowed for value in self.data or []):
            raise ValidationError(f"Choose {self.label.text.lower()} only from the list")


def _values(choices: type[LabelledEnum]) -> set[str]:
    return {value for value, _ in choices.choices()}


def _time(label: str) -> StringField:
    return StringField(
        label,
        widget=GovTextInput(),
        description=TIME_HINT,
        filters=[normalise_time],
        validators=[
            Optional(),
            Regexp(TIME_PATTERN, message=f"{label} must be a real time, like 14:30 or 2:30pm"),
        ],
    )


class IncidentForm(VersionedForm):
    """Record or edit an incident (an edit carries the incident's version)."""

    description_max = DESCRIPTION_MAX
    occurred_on = GovDateField(
        "Date it happened",
        widget=GovDateInput(),
        description="If it went on over a period, enter the date it started. For example, 27 3 2026",
        validators=[date_required("Enter the date it happened")],
    )
    occurred_at = _time("Time it happened")
    ended_on = GovDateField(
        "Date it ended",
        widget=GovDateInput(),
        description="Optional. Only if it went on over more than one day",
    )
    ended_at = _time("Time it ended")
    location = StringField(
        "Where it happened",
        widget=GovTextInput(),
        description="For example, outside the victim's workplace, or online (say which platform)",
        validators=[
            Optional(),
            Length(max=LOCATION_MAX, message=f"Where it happened must be {LOCATION_MAX} characters or fewer"),
        ],
    )
    behaviours = ChecklistField(
        "Behaviours",
        widget=GovCheckboxesInput(),
        description="Select all that apply",
        choices=Behaviour.choices(),
    )
    description = TextAreaField(
        "What happened",
        widget=GovCharacterCount(),
        description="In the victim's or witness's words where you can. Do not include the victim's address.",
        validators=[
            DataRequired("Enter what happened"),
            Length(max=DESCRIPTION_MAX, message=f"What happened must be {DESCRIPTION_MAX} characters or fewer"),
        ],
    )
    how_reported = SelectField(
        "How it was reported",
        widget=GovSelect(),
        choices=[("", "Not recorded"), *Channel.choices()],
        validate_choice=False,
    )
    submit = SubmitField("Save incident", widget=GovSubmitInput())

    def validate_how_reported(self, field: SelectField) -> None:
        """Only a channel from the list, or none."""
        if field.data and field.data not in _values(Channel):
            raise ValidationError("Select how it was reported from the list")

    def fill_from(self, incident: Incident) -> None:
        """Show a stored incident, its times as the local dates and times they were typed as."""
        start = LocalMoment.of_start(incident.occurred_from)
        self.occurred_on.data, self.occurred_at.data = start.day, start.time_text
        if incident.occurred_to is not None:
            end = LocalMoment.of_end(incident.occurred_to)
            self.ended_on.data, self.ended_at.data = end.day, end.time_text
        self.location.data = incident.location or ""
        self.behaviours.data = list(incident.behaviours)
        self.description.data = incident.description
        self.how_reported.data = incident.how_reported.value if incident.how_reported else ""
        self.version.data = incident.version_id

    @property
    def start_time(self) -> time | None:
        """The start time typed, if any (the field has been validated)."""
        return parse_time(self.occurred_at.data)

    @property
    def end_time(self) -> time | None:
        """The end time typed, if any (the field has been validated)."""
        return parse_time(self.ended_at.data)


class EvidenceForm(CaseworkForm):
    """Add an item of evidence to an incident, with an optional file."""

    description_max = EVIDENCE_DESCRIPTION_MAX
    evidence_type = RadioField(
        "Type of evidence",
        widget=GovRadioInput(),
        description="Choose the closest match",
        choices=EvidenceType.choices(),
        validate_choice=False,
        validators=[InputRequired("Select the type of evidence")],
    )
    description = TextAreaField(
        "Description",
        widget=GovCharacterCount(),
        description="What it is and what it shows",
        validators=[
            DataRequired("Describe the evidence"),
            Length(
                max=EVIDENCE_DESCRIPTION_MAX,
                message=f"Description must be {EVIDENCE_DESCRIPTION_MAX} characters or fewer",
            ),
        ],
    )
    reference = StringField(
        "Exhibit or property reference",
        widget=GovTextInput(),
        description="Optional",
        validators=[
            Optional(),
            Length(max=REFERENCE_MAX, message=f"Reference must be {REFERENCE_MAX} characters or fewer"),
        ],
    )
    file = FileField(
        "Upload a file",
        widget=GovFileInput(),
        description=f"Optional. {storage.ACCEPTED_DESCRIPTION}, up to {storage.MAX_EVIDENCE_MB} MB",
    )
    submit = SubmitField("Add evidence", widget=GovSubmitInput())

    def validate_evidence_type(self, field: RadioField) -> None:
        """Only a type from the list."""
        if field.data not in _values(EvidenceType):
            raise ValidationError("Select the type of evidence from the list")
