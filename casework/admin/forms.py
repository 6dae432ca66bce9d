"""Forms for managing staff accounts and teams."""

from __future__ import annotations

import unicodedata

from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from casework.admin.audit_log import AuditFilters
from casework.audit.models import AuditAction
from casework.auth.models import Role
from casework.forms import CaseworkForm, GovDateField, VersionedForm, id_choice, text_area

NO_TEAM = 0
NO_SERVICE = 0
ANYONE = 0


class UserForm(VersionedForm):
    """Create or edit a staff account (an edit carries the account's version); the view fills in team choices."""

    full_name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the full name"),
            Length(max=120, message="Full name must be 120 characters or fewer"),
        ],
    )
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(
                "Enter an email address in the correct format, like name@force.police.uk", check_deliverability=False
            ),
        ],
    )
    role = RadioField(
        "Role",
        widget=GovRadioInput(),
        choices=[(role.value, role.label) for role in Role],
        validators=[InputRequired("Select a role")],
    )
    team_id = SelectField(
        "Team", widget=GovSelect(), coerce=id_choice, validate_choice=True, choices=[(NO_TEAM, "No team")]
    )
    support_service_id = SelectField(
        "Support service (advisers)",
        widget=GovSelect(),
        coerce=id_choice,
        validate_choice=False,  # only advisers have one: the admin service checks it (check_user_service)
        choices=[(NO_SERVICE, "No service")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class TeamForm(CaseworkForm):
    """Create or rename a team."""

    name = StringField(
        "Team name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the team name"),
            Length(max=120, message="Team name must be 120 characters or fewer"),
        ],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class ConfirmForm(CaseworkForm):
    """A bare form (CSRF only) for confirm-style buttons."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


def _printable(value: object) -> object:
    """Text without control or invisible characters (a NUL or a zero-width space matches nothing)."""
    if not isinstance(value, str):
        return value
    return "".join(ch for ch in value if unicodedata.category(ch) not in {"Cc", "Cf", "Cs"}).strip()


def _account_id(value: object) -> int:
    """An account id from the query string; anything that is not a number is no account (-1)."""
    try:
        return int(str(value))
    except ValueError:
        return -1


class AuditFilterForm(CaseworkForm):
    """The audit viewer's filters (query string, no CSRF). A bad value gets a message and shows nothing."""

    category = SelectField("Category", widget=GovSelect(), validators=[Optional()])
    action = SelectField("Action", widget=GovSelect(), validators=[Optional()])
    user_id = SelectField("Person (who acted)", widget=GovSelect(), coerce=_account_id, validators=[Optional()])
    date_from = GovDateField("From", widget=GovDateInput())
    date_to = GovDateField("To", widget=GovDateInput())
    case_reference = StringField(
        "Case reference",
        widget=GovTextInput(),
        filters=[_printable],
        validators=[Optional(), Length(max=20, message="Case reference must be 20 characters or fewer")],
    )
    object_type = StringField(
        "Object type",
        widget=GovTextInput(),
        filters=[_printable],
        validators=[Optional(), Length(max=40, message="Object type must be 40 characters or fewer")],
    )
    object_id = StringField(
        "Object id",
        widget=GovTextInput(),
        filters=[_printable],
        validators=[Optional(), Length(max=64, message="Object id must be 64 characters or fewer")],
    )
    after = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**63 - 1, message="That page does not exist")])

    def validate_date_to(self, field: GovDateField) -> None:
        """The range must run forwards."""
        if field.data and self.date_from.data and self.date_from.data > field.data:
            raise ValidationError("The 'to' date must be on or after the 'from' date")

    def prepare(self, categories: dict[str, str], staff: list[tuple[int, str]]) -> bool:
        """Fill the choices and validate; ``True`` when every filter is usable."""
        self.category.choices = [("", "Any category"), *categories.items()]
        self.action.choices = [("", "Any action"), *AuditAction.choices()]
        self.user_id.choices = [(ANYONE, "Anyone"), *staff]
        return self.validate()

    def to_filters(self) -> AuditFilters:
        """The filters as the query takes them (call after ``prepare`` returned ``True``)."""
        return AuditFilters(
            category=self.category.data or None,
            action=AuditAction(self.action.data) if self.action.data else None,
            user_id=self.user_id.data or None,
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            object_type=self.object_type.data or None,
            object_id=self.object_id.data or None,
            case_reference=self.case_reference.data or None,
        )


class AuditExportForm(CaseworkForm):
    """The reason for exporting the audit trail (the export is itself audited)."""

    reason = text_area("Why are you exporting these audit events?", 1000, required="Enter the reason for the export")
    submit = SubmitField("Export as CSV", widget=GovSubmitInput())
