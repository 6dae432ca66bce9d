"""Forms of the retention review: retain with a reason and a new date, erase with a reason."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovDateInput, GovSubmitInput
from wtforms import BooleanField, SubmitField
from wtforms.validators import DataRequired

from casework.forms import CaseworkForm, GovDateField, date_required, text_area


class RetainForm(CaseworkForm):
    """Keep a closed case until a new review date."""

    reason = text_area("Why should the record be kept?", 2000, required="Enter the reason for keeping the record")
    next_review_on = GovDateField(
        "Next review date",
        widget=GovDateInput(),
        validators=[date_required("Enter the date of the next review")],
    )
    submit = SubmitField("Retain", widget=GovSubmitInput())


class EraseForm(CaseworkForm):
    """Erase personal data (a case's, or one person's), for a recorded reason."""

    reason = text_area("Reason for the erasure", 2000, required="Enter the reason for the erasure")
    confirm = BooleanField(
        "I understand that the erasure cannot be undone",
        widget=GovCheckboxInput(),
        validators=[DataRequired("Confirm that you understand the erasure cannot be undone")],
    )
    submit = SubmitField("Erase personal data", widget=GovSubmitInput())


ERASE_PREFIX = "erase"  # on the review page, beside the retain form: its own field names and ids
