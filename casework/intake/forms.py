"""Forms of the public report (sending it) and of triage. Question pages' forms come from ``questions``."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput, GovSelect, GovSubmitInput
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import HiddenInput

from casework.cases.models import Classification, Offence
from casework.db import ID_MAX
from casework.forms import CaseworkForm
from casework.intake.models import CloseReason

CLOSE_NOTE_MAX = 2000


class SendReportForm(CaseworkForm):
    """The check-your-answers page's button, with a honeypot field people never see."""

    website = StringField("Leave this field empty")
    submit = SubmitField("Send report", widget=GovSubmitInput())


class EmptyForm(CaseworkForm):
    """A button that only needs the CSRF token (start, delete my answers)."""


class CreateCaseForm(CaseworkForm):
    """What the supervisor decides when making a case from a report."""

    classification = RadioField(
        "Classification",
        widget=GovRadioInput(),
        choices=Classification.choices(),
        validators=[InputRequired("Select stalking or harassment")],
    )
    offence = SelectField(
        "Offence (Protection from Harassment Act 1997)",
        widget=GovSelect(),
        choices=[("", "Select an offence"), *Offence.choices()],
        validators=[DataRequired("Select the offence")],
    )
    submit = SubmitField("Create the case", widget=GovSubmitInput())


class AddToCaseForm(CaseworkForm):
    """The case chosen from the search results."""

    case_id = IntegerField(
        widget=HiddenInput(),
        validators=[InputRequired("Choose a case"), NumberRange(min=1, max=ID_MAX, message="Choose a case")],
    )
    submit = SubmitField("Add to this case", widget=GovSubmitInput())


class CloseReportForm(CaseworkForm):
    """Closing a report without a case."""

    reason = RadioField(
        "Why is no case needed?",
        widget=GovRadioInput(),
        choices=CloseReason.choices(),
        validators=[InputRequired("Select why the report is closed")],
    )
    note = TextAreaField(
        "Explain the decision",
        widget=GovCharacterCount(),
        description="For a duplicate, give the other report or case; for another force, say which.",
        validators=[
            DataRequired("Explain why the report is closed"),
            Length(max=CLOSE_NOTE_MAX, message=f"The explanation must be {CLOSE_NOTE_MAX} characters or fewer"),
        ],
    )
    submit = SubmitField("Close the report", widget=GovSubmitInput())
