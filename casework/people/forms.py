"""Forms for people in a case and a victim's safe-contact details."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from casework.forms import EMAIL_MESSAGE, CaseworkForm, GovDateField, phone_number, text_area, text_field
from casework.people.models import ContactMethod, PartyRole, Relationship, VictimContact

DIFFERENT_PERSON = "new"


class PartChoiceForm(CaseworkForm):
    """Which part the person being added plays: the first question before their details."""

    role = RadioField(
        "Who are you adding?",
        widget=GovRadioInput(),
        choices=PartyRole.choices(),
        validators=[InputRequired("Select who you are adding")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class PartyForm(CaseworkForm):
    """Add a person to a case: the fields every part has. Each part has its own form below."""

    first_name = text_field("First name", 100, required="Enter their first name")
    last_name = text_field("Last name", 100, required="Enter their last name")
    other_names = text_field("Other names (optional)", 200)
    date_of_birth = GovDateField("Date of birth (optional)", widget=GovDateInput())
    notes = text_area("Notes (optional)", 2000)
    same_as = RadioField(
        "Is this the same person?", widget=GovRadioInput(), choices=[], validate_choice=False, validators=[Optional()]
    )


class VictimForm(PartyForm):
    """Add a victim: with their Victims' Code rights."""

    enhanced_rights = RadioField(
        "Are they entitled to enhanced rights under the Victims' Code?",
        widget=GovRadioInput(),
        description="Stalking victims usually qualify as persistently targeted or intimidated.",
        choices=[("yes", "Yes"), ("no", "No")],
        default="yes",
        validators=[Optional()],
    )
    enhanced_rights_reason = text_area("Reason for the enhanced rights decision (optional)", 1000)
    submit = SubmitField("Add the victim", widget=GovSubmitInput())


class SuspectForm(PartyForm):
    """Add a suspect: with how they know the victim."""

    relationship_to_victim = SelectField(
        "Relationship to the victim (optional)",
        widget=GovSelect(),
        choices=[("", "Not known yet"), *Relationship.choices()],
        validators=[Optional()],
    )
    submit = SubmitField("Add the suspect", widget=GovSubmitInput())


class WitnessForm(PartyForm):
    """Add a witness: they may ask not to be identified."""

    not_to_be_identified = BooleanField("They asked not to be identified", widget=GovCheckboxInput())
    submit = SubmitField("Add the witness", widget=GovSubmitInput())


class ReporterForm(WitnessForm):
    """Add a third-party reporter: they may ask not to be identified."""

    submit = SubmitField("Add the reporter", widget=GovSubmitInput())


PART_FORMS: dict[PartyRole, type[PartyForm]] = {
    PartyRole.VICTIM: VictimForm,
    PartyRole.SUSPECT: SuspectForm,
    PartyRole.WITNESS: WitnessForm,
    PartyRole.REPORTER: ReporterForm,
}

SAFE_CHANNELS = (
    ("voicemail_safe", "Voicemail"),
    ("texts_safe", "Text messages"),
    ("letters_safe", "Letters"),
    ("email_safe", "Email"),
)
COMMUNICATION_NEEDS = (
    ("interpreter_needed", "Needs an interpreter"),
    ("uses_bsl", "Uses British Sign Language (BSL)"),
    ("uses_textphone", "Uses a textphone or Relay UK"),
)


class ContactForm(CaseworkForm):
    """A victim's contact preferences and sealed details."""

    preferred_method = SelectField(
        "Preferred way to contact them",
        widget=GovSelect(),
        choices=[("", "Not recorded"), *ContactMethod.choices()],
        validators=[Optional()],
    )
    safe_times = text_field("Safe times to contact (optional)", 200)
    safe_channels = SelectMultipleField(
        "Which of these are safe to use?",
        widget=GovCheckboxesInput(),
        description="Select all that apply. Leave them all unticked if none is safe.",
        choices=list(SAFE_CHANNELS),
        validators=[Optional()],
    )
    language = text_field("Language (optional)", 60)
    communication_needs = SelectMultipleField(
        "Communication needs",
        widget=GovCheckboxesInput(),
        description="Select all that apply.",
        choices=list(COMMUNICATION_NEEDS),
        validators=[Optional()],
    )
    access_needs = text_area("Other communication or access needs (optional)", 2000)
    sealed_address = text_area("Current address (optional)", 500)
    sealed_phone = StringField(
        "Safe phone number (optional)",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=40, message="Safe phone number must be 40 characters or fewer"),
            phone_number,
        ],
    )
    sealed_email = StringField(
        "Safe email address (optional)",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=254, message="Safe email address must be 254 characters or fewer"),
            Email(EMAIL_MESSAGE, check_deliverability=False),
        ],
    )
    submit = SubmitField("Save contact details", widget=GovSubmitInput())

    def load(self, contact: VictimContact) -> None:
        """Fill the questions that are not one column each from a victim's contact record."""
        self.preferred_method.data = contact.preferred_method.value if contact.preferred_method else ""
        self.safe_channels.data = [name for name, _ in SAFE_CHANNELS if getattr(contact, name)]
        self.communication_needs.data = [name for name, _ in COMMUNICATION_NEEDS if getattr(contact, name)]

    def flags(self) -> dict[str, bool]:
        """The yes/no flags the two checkbox questions stand for."""
        ticked = {*(self.safe_channels.data or []), *(self.communication_needs.data or [])}
        return {name: name in ticked for name, _ in (*SAFE_CHANNELS, *COMMUNICATION_NEEDS)}


class RevealForm(CaseworkForm):
    """Break-glass: the reason for seeing sealed details."""

    reason = TextAreaField(
        "Why do you need to see these details?",
        widget=GovTextArea(),
        description="This is logged as a disclosure and sent to the case's supervisor.",
        validators=[
            DataRequired("Give the reason you need to see these details"),
            Length(max=1000, message="Reason must be 1000 characters or fewer"),
        ],
    )
    submit = SubmitField("Show sealed details", widget=GovSubmitInput())
