"""Sign-in and password forms."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from casework.auth.passwords import MIN_LENGTH
from casework.forms import CaseworkForm


class RawPasswordField(PasswordField):
    """A password is taken exactly as typed: no trimming or normalising."""

    keep_raw = True


class SignInForm(CaseworkForm):
    """Email and password."""

    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[DataRequired("Enter your email address"), Length(max=254, message="Email address is too long")],
    )
    password = RawPasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password"), Length(max=1024, message="Password is too long")],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ChangePasswordForm(CaseworkForm):
    """The user's own password change."""

    current_password = RawPasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your current password"), Length(max=1024, message="Password is too long")],
    )
    new_password = RawPasswordField(
        "New password",
        widget=GovPasswordInput(),
        description="At least 12 characters. A few unrelated words make a strong password.",
        validators=[
            InputRequired("Enter a new password"),
            Length(min=MIN_LENGTH, message=f"Password must be {MIN_LENGTH} characters or more"),
            Length(max=1024, message="Password is too long"),
        ],
    )
    confirm_password = RawPasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired("Enter the new password again"),
            EqualTo("new_password", message="Passwords do not match"),
        ],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class SignOutEverywhereForm(CaseworkForm):
    """A button that ends every session of the signed-in user."""

    submit = SubmitField("Sign out of every session", widget=GovSubmitInput())


class CodeForm(CaseworkForm):
    """The six-digit code from the authenticator app (or a recovery code)."""

    code = StringField(
        "Code",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the code"), Length(max=40, message="The code is too long")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())
