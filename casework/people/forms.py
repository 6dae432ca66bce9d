"""Forms for people in a case and a victim's safe-contact details."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from casework.forms import CaseworkForm, GovDateField, text_area, text_field
from casework.people.models import ContactMethod, PartyRole, Relationship

DIFFERENT_PERSON = "new"


class PartyForm(CaseworkForm):
    """Add a person to a case."""

    role = RadioField(
        "Their part in the case",
        widget=GovRadioInput(),
        choices=PartyRole.choices(),
        validators=[InputRequired("Select their part in the case")],
    )
    first_name = text_field("First name", 100, required="Enter their first name")
    last_name = text_field("Last name", 100, required="Enter their last name")
    other_names = text_field("Other names", 200)
    date_of_birth = GovDateField("Date of birth", widget=GovDateInput())
    relationship_to_victim = SelectField(
        "Suspect's relationship to the victim",
        widget=GovSelect(),
        choices=[("", "Select (suspects only)"), *Relationship.choices()],
        validators=[Optional()],
    )
    not_to_be_identified = BooleanField(
        "They asked not to be identified (witnesses and reporters)", widget=GovCheckboxInput()
    )
    enhanced_rights = RadioField(
        "Entitled to enhanced rights under the Victims' Code? (victims only)",
        widget=GovRadioInput(),
        choices=[("yes", "Yes"), ("no", "No")],
        default="yes",
        validators=[Optional()],
    )
    enhanced_rights_reason = text_area("Reason for the enhanced rights decision", 1000)
    notes = text_area("Notes", 2000)
    same_as = RadioField(
        "Is this the same person?", widget=GovRadioInput(), choices=[], validate_choice=False, validators=[Optional()]
    )
    submit = SubmitField("Add person", widget=GovSubmitInput())


class ContactForm(CaseworkForm):
    """A victim's contact preferences and sealed details."""

    preferred_method = SelectField(
        "Preferred way to contact them",
        widget=GovSelect(),
        choices=[("", "Not recorded"), *ContactMethod.choices()],
        validators=[Optional()],
    )
    safe_times = text_field("Safe times to contact", 200)
    voicemail_safe = BooleanField("Voicemail is safe", widget=GovCheckboxInput())
    texts_safe = BooleanField("Text messages are safe", widget=GovCheckboxInput())
    letters_safe = BooleanField("Letters are safe", widget=GovCheckboxInput())
    email_safe = BooleanField("Email is safe", widget=GovCheckboxInput())
    language = text_field("Language", 60)
    interpreter_needed = BooleanField("Needs an interpreter", widget=GovCheckboxInput())
    uses_bsl = BooleanField("Uses British Sign Language", widget=GovCheckboxInput())
    uses_textphone = BooleanField("Uses a textphone or Relay UK", widget=GovCheckboxInput())
    access_needs = text_area("Other communication or access needs", 2000)
    sealed_address = text_area("Current address (sealed)", 500)
    sealed_phone = text_field("Safe phone number (sealed)", 40)
    sealed_email = StringField(
        "Safe email address (sealed)",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=254, message="Safe email address must be 254 characters or fewer"),
            Email("Enter an email address in the correct format, like name@example.com", check_deliverability=False),
        ],
    )
    submit = SubmitField("Save contact details", widget=GovSubmitInput())


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
