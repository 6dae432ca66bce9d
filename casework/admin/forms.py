"""Forms for managing staff accounts and teams."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length

from casework.auth.models import Role
from casework.forms import CaseworkForm, VersionedForm

NO_TEAM = 0
NO_SERVICE = 0


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
    team_id = SelectField("Team", widget=GovSelect(), coerce=int, validate_choice=True, choices=[(NO_TEAM, "No team")])
    support_service_id = SelectField(
        "Support service (advisers)",
        widget=GovSelect(),
        coerce=int,
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
