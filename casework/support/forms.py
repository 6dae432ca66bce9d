"""Forms for support services, referrals, consent and aftercare."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
)
from wtforms import BooleanField, Field, RadioField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import AnyOf, Email, InputRequired, ValidationError

from casework.db import utcnow
from casework.forms import CaseworkForm, GovDateField, VersionedForm, date_required, id_choice, text_area, text_field
from casework.support.models import (
    AftercareKind,
    ConsentDecision,
    ConsentMethod,
    NeedArea,
    NeedRating,
    ReferralOutcome,
    ServiceKind,
    SharedDetail,
)
from casework.workdays import local_date


def _choice(label: str, choices: list[tuple[str, str]], message: str) -> RadioField:
    """A required radio question; an unexpected value gets the same plain message as none at all."""
    return RadioField(
        label,
        widget=GovRadioInput(),
        choices=choices,
        validate_choice=False,
        validators=[InputRequired(message), AnyOf([value for value, _ in choices], message=message)],
    )


def not_in_future(message: str) -> Any:
    """The date is today or earlier (in England and Wales)."""

    def check(form: Any, field: Field) -> None:
        if field.data is not None and field.data > local_date(utcnow()):
            raise ValidationError(message)

    return check


def not_in_past(message: str) -> Any:
    """The date is today or later (in England and Wales)."""

    def check(form: Any, field: Field) -> None:
        if field.data is not None and field.data < local_date(utcnow()):
            raise ValidationError(message)

    return check


class ServiceForm(VersionedForm):
    """Add or edit a support service."""

    name = text_field("Name of the service", 120, required="Enter the name of the service")
    kind = _choice("Kind of service", ServiceKind.choices(), "Select the kind of service")
    secure_email = text_field("Secure email address for referrals", 254, required="Enter the secure email address")
    active = BooleanField("Takes referrals now", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate_secure_email(self, field: Field) -> None:
        """A plausible email address."""
        Email(
            "Enter an email address in the correct format, like referrals@service.org.uk", check_deliverability=False
        )(self, field)


class ReferralForm(CaseworkForm):
    """Propose a referral: which victim, to which service, and why. Choices are filled in by the view."""

    party_id = SelectField("Victim", widget=GovSelect(), coerce=id_choice, validate_choice=False)
    service_id = SelectField("Support service", widget=GovSelect(), coerce=id_choice, validate_choice=False)
    reason = text_area("Why refer them?", 2000, required="Give the reason for the referral")
    submit = SubmitField("Propose the referral", widget=GovSubmitInput())

    def validate_party_id(self, field: Field) -> None:
        """One of the case's victims."""
        if field.data not in {value for value, _ in self.party_id.choices if value}:
            raise ValidationError("Choose a victim of this case")

    def validate_service_id(self, field: Field) -> None:
        """One of the active services."""
        if field.data not in {value for value, _ in self.service_id.choices if value}:
            raise ValidationError("Choose an active support service")


class ConsentForm(VersionedForm):
    """The victim's consent to the referral: given or declined, scope, when, how."""

    decision = _choice("Did the victim agree to the referral?", ConsentDecision.choices(), "Select whether they agreed")
    scope = text_area("What did they agree may be shared, and for what?", 2000)
    shares = SelectMultipleField(
        "Which of their contact details did they agree go to the service?",
        widget=GovCheckboxesInput(),
        choices=SharedDetail.choices(),
        description="Tick only what they agreed to. With none, the service contacts them through the officer in case.",
    )
    consent_on = GovDateField(
        "When did they answer?",
        widget=GovDateInput(),
        validators=[
            date_required("Enter the date they answered"),
            not_in_future("The date consent was given must be today or in the past"),
        ],
    )
    method = _choice("How did they answer?", ConsentMethod.choices(), "Select how they answered")
    submit = SubmitField("Record the answer", widget=GovSubmitInput())

    def validate_scope(self, field: Field) -> None:
        """Consent always says what it covers."""
        if self.decision.data == ConsentDecision.GIVEN.value and not field.data:
            raise ValidationError("Say what the victim agreed may be shared, and for what")


class ActionForm(VersionedForm):
    """A button that changes a referral (send, take): CSRF and the version the page was loaded with."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class ReasonForm(VersionedForm):
    """A change that needs a reason (withdrawing consent, declining a referral)."""

    reason = text_area("Reason", 2000, required="Give the reason")
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class ResponseForm(VersionedForm):
    """The answer of a service that does not use Casework."""

    accepted = _choice(
        "What did the service answer?", [("yes", "Accepted"), ("no", "Declined")], "Select the service's answer"
    )
    reason = text_area("Notes, and the reason if they declined", 2000)
    submit = SubmitField("Record the answer", widget=GovSubmitInput())

    def validate_reason(self, field: Field) -> None:
        """A refusal carries its reason."""
        if self.accepted.data == "no" and not field.data:
            raise ValidationError("Give the reason the service declined")


class CloseReferralForm(VersionedForm):
    """Close an accepted referral with its outcome."""

    outcome = _choice("Outcome", ReferralOutcome.choices(), "Select the outcome")
    notes = text_area("Notes on the outcome", 2000)
    submit = SubmitField("Close the referral", widget=GovSubmitInput())


class AftercareForm(CaseworkForm):
    """A piece of aftercare work: when, a summary for the officer, the service's notes, next steps, follow-up."""

    occurred_on = GovDateField(
        "Date of the work",
        widget=GovDateInput(),
        validators=[
            date_required("Enter the date of the work"),
            not_in_future("The date of this work must be today or in the past"),
        ],
    )
    summary = text_area("Summary for the officer in case", 1000, required="Write a summary for the officer in case")
    notes = text_area("The service's notes (not shared with the police)", 5000)
    next_steps = text_area("Next steps", 2000, required="Write the next steps")
    follow_up_on = GovDateField(
        "Follow-up date",
        widget=GovDateInput(),
        validators=[
            date_required("Enter the follow-up date"),
            not_in_past("The follow-up date must be today or in the future"),
        ],
    )
    submit = SubmitField("Save the entry", widget=GovSubmitInput())


class CourtSupportForm(AftercareForm):
    """Court support: special measures, a pre-trial visit, the Witness Service."""

    special_measures = text_area("Special measures discussed or applied for", 2000)
    pre_trial_visit_on = GovDateField("Pre-trial court visit (if arranged)", widget=GovDateInput())
    witness_service = BooleanField("Referred to the Witness Service", widget=GovCheckboxInput())


def need_field_name(area: NeedArea) -> str:
    """The form field holding the rating of ``area``."""
    return f"need_{area.value}"


def need_notes_name(area: NeedArea) -> str:
    """The form field holding the notes on ``area``."""
    return f"need_{area.value}_notes"


def _needs_assessment_form() -> type[AftercareForm]:
    fields: dict[str, Any] = {}
    for area in NeedArea:
        fields[need_field_name(area)] = _choice(
            area.label, NeedRating.choices(), f"Rate the need for {area.label.lower()}"
        )
        fields[need_notes_name(area)] = text_area(f"Notes on {area.label.lower()}", 2000)
    return type("NeedsAssessmentForm", (AftercareForm,), fields)


NeedsAssessmentForm = _needs_assessment_form()

AFTERCARE_FORMS: dict[AftercareKind, type[AftercareForm]] = {
    AftercareKind.NEEDS_ASSESSMENT: NeedsAssessmentForm,
    AftercareKind.SAFETY_PLANNING: AftercareForm,
    AftercareKind.HOUSING: AftercareForm,
    AftercareKind.COUNSELLING: AftercareForm,
    AftercareKind.COURT_SUPPORT: CourtSupportForm,
}
