"""Forms for recording and working a case."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from casework.audit.models import AuditAction
from casework.cases.models import (
    DECISION_OUTCOMES,
    NUMBER_MAX,
    SUMMARY_MAX,
    CaseStatus,
    Channel,
    Classification,
    DecisionKind,
    NoteVisibility,
    Offence,
    Outcome,
    ReporterType,
)
from casework.cases.queries import AuditFilters
from casework.db import utcnow
from casework.forms import CaseworkForm, GovDateField, VersionedForm, date_required, id_choice, text_area, text_field
from casework.workdays import local_date

NOTE_MAX = 10000
REASON_MAX = 2000


class CaseFactsForm(CaseworkForm):
    """The facts of a case that can be corrected later: shared by recording and editing."""

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
    summary = TextAreaField(
        "Summary of the report",
        widget=GovCharacterCount(),
        description="What the victim says is happening. Do not include their address or contact details.",
        validators=[
            DataRequired("Enter a summary of the report"),
            Length(max=SUMMARY_MAX, message=f"Summary must be {SUMMARY_MAX} characters or fewer"),
        ],
    )
    incident_number = text_field("Incident (call) number", NUMBER_MAX)
    crime_number = text_field("Crime number", NUMBER_MAX)


class NewCaseForm(CaseFactsForm):
    """Record a report."""

    channel = RadioField(
        "How was it reported?",
        widget=GovRadioInput(),
        choices=Channel.choices(),
        validators=[InputRequired("Select how it was reported")],
    )
    reporter_type = RadioField(
        "Who reported it?",
        widget=GovRadioInput(),
        choices=ReporterType.choices(),
        validators=[InputRequired("Select who reported it")],
    )
    reported_on = GovDateField(
        "Date reported",
        widget=GovDateInput(),
        description="For example, 27 3 2026",
        validators=[date_required("Enter the date it was reported")],
    )
    restricted = BooleanField(
        "Restrict this case",
        widget=GovCheckboxInput(),
        description="Only people on the access list will see it, for example when the suspect works for the force.",
    )
    submit = SubmitField("Record the report", widget=GovSubmitInput())

    def validate_reported_on(self, field: GovDateField) -> None:
        """A report cannot come from the future (in England and Wales local time)."""
        if field.data and field.data > local_date(utcnow()):
            raise ValidationError("Date reported must be today or in the past")


class EditCaseForm(CaseFactsForm, VersionedForm):
    """Edit the facts of a case."""

    submit = SubmitField("Save changes", widget=GovSubmitInput())


class StatusForm(VersionedForm):
    """Move the case on."""

    status = RadioField("New status", widget=GovRadioInput(), validators=[InputRequired("Select the new status")])
    reason = text_area("Reason", REASON_MAX)
    submit = SubmitField("Change status", widget=GovSubmitInput())

    def limit_to(self, statuses: list[CaseStatus]) -> None:
        """Offer only the statuses the case may move to."""
        self.status.choices = [(status.value, status.label) for status in statuses]


class AllocateForm(VersionedForm):
    """Choose the officer in case and the supervisor."""

    officer_id = SelectField("Officer in case", widget=GovSelect(), coerce=id_choice)
    supervisor_id = SelectField("Supervisor", widget=GovSelect(), coerce=id_choice)
    reason = text_area("Reason for the change (optional)", REASON_MAX)
    keep_previous_officer = BooleanField(
        "Keep the previous officer in case on the access list",
        widget=GovCheckboxInput(),
        description="The case is restricted: otherwise they can no longer see it once it is reallocated.",
    )
    submit = SubmitField("Allocate", widget=GovSubmitInput())


class CloseForm(VersionedForm):
    """Close with an outcome."""

    outcome = RadioField(
        "Outcome", widget=GovRadioInput(), choices=Outcome.choices(), validators=[InputRequired("Select the outcome")]
    )
    reason = text_area("Closing summary", REASON_MAX)
    confirm = BooleanField("I have checked the list above and want to close the case", widget=GovCheckboxInput())
    submit = SubmitField("Close case", widget=GovSubmitInput())


class DecisionForm(CaseworkForm):
    """Record a dated decision on a high-risk case: what was decided, when, and why."""

    outcome = RadioField(
        "What was decided?", widget=GovRadioInput(), validators=[InputRequired("Select what was decided")]
    )
    decided_on = GovDateField(
        "Date decided",
        widget=GovDateInput(),
        description="For example, 27 3 2026",
        validators=[date_required("Enter the date it was decided")],
    )
    note = text_area("Reasons and details", REASON_MAX)
    submit = SubmitField("Record the decision", widget=GovSubmitInput())

    def for_kind(self, kind: DecisionKind) -> None:
        """Offer the outcomes of this kind of decision only."""
        self.outcome.choices = [(outcome.value, outcome.label) for outcome in DECISION_OUTCOMES[kind]]

    def validate_decided_on(self, field: GovDateField) -> None:
        """A decision cannot be dated in the future (England and Wales local time)."""
        if field.data and field.data > local_date(utcnow()):
            raise ValidationError("Date decided must be today or in the past")


class ReopenForm(VersionedForm):
    """Reopen a closed case."""

    reason = text_area("Reason for reopening", REASON_MAX, required="Enter the reason for reopening")
    submit = SubmitField("Reopen case", widget=GovSubmitInput())


class NoteForm(CaseworkForm):
    """An investigation log entry."""

    body = TextAreaField(
        "Log entry",
        widget=GovCharacterCount(),
        validators=[
            DataRequired("Enter the log entry"),
            Length(max=NOTE_MAX, message=f"Log entry must be {NOTE_MAX} characters or fewer"),
        ],
    )
    visibility = RadioField(
        "Who can read it?",
        widget=GovRadioInput(),
        choices=NoteVisibility.choices(),
        default=NoteVisibility.POLICE_ONLY.value,
        validators=[InputRequired("Select who can read it")],
    )
    submit = SubmitField("Add to log", widget=GovSubmitInput())


class RestrictForm(CaseworkForm):
    """Restrict a case to its access list."""

    reason = text_area("Why restrict this case?", REASON_MAX, required="Enter why you are restricting this case")
    submit = SubmitField("Restrict this case", widget=GovSubmitInput())


class LiftRestrictionForm(CaseworkForm):
    """Lift a case's restriction: a confirmation page of its own."""

    reason = text_area("Why lift the restriction?", REASON_MAX, required="Enter why you are lifting the restriction")
    submit = SubmitField("Lift the restriction", widget=GovSubmitInput())


class GrantAccessForm(CaseworkForm):
    """Add someone to a restricted case's access list."""

    email = StringField(
        "Email address of the person to add",
        widget=GovTextInput(),
        validators=[DataRequired("Enter an email address"), Length(max=254, message="Email address is too long")],
    )
    reason = text_area(
        "Why do they need to see this case?", REASON_MAX, required="Enter why they need to see this case"
    )
    submit = SubmitField("Add to access list", widget=GovSubmitInput())


class RemoveAccessForm(CaseworkForm):
    """Take someone off a restricted case's access list: a confirmation page of its own."""

    reason = text_area(
        "Why do they no longer need to see this case?",
        REASON_MAX,
        required="Enter why they no longer need to see this case",
    )
    submit = SubmitField("Remove from the access list", widget=GovSubmitInput())


AUDIT_ACTIONS = [
    (AuditAction.VIEW.value, "Viewed"),
    (AuditAction.CREATE.value, "Created"),
    (AuditAction.UPDATE.value, "Changed"),
    (AuditAction.DISCLOSE.value, "Disclosed"),
    (AuditAction.COMBINE.value, "Linked with other records"),
    (AuditAction.ACCESS_DENIED.value, "Refused access"),
]


class AuditFilterForm(CaseworkForm):
    """Narrow a case's audit trail (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    action = SelectField(
        "Action", widget=GovSelect(), choices=[("", "Any action"), *AUDIT_ACTIONS], validators=[Optional()]
    )
    user = SelectField("Person", widget=GovSelect(), choices=[("", "Anyone")], validators=[Optional()])
    since = DateField("From", widget=GovTextInput(), validators=[Optional()], format="%Y-%m-%d")
    until = DateField("To", widget=GovTextInput(), validators=[Optional()], format="%Y-%m-%d")
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def offer_people(self, people: list[tuple[int, str]]) -> None:
        """The people who appear in this case's trail."""
        self.user.choices = [("", "Anyone"), *[(str(user_id), name) for user_id, name in people]]

    def to_filters(self, page: int) -> AuditFilters:
        """The filters asked for; an unknown value is ignored rather than refused."""
        self.validate()
        user = self.user.data or ""
        return AuditFilters(
            action=AuditAction(self.action.data) if self.action.data and not self.action.errors else None,
            user_id=int(user) if user.isdigit() and not self.user.errors else None,
            since=None if self.since.errors else self.since.data,
            until=None if self.until.errors else self.until.data,
            page=page,
        )
