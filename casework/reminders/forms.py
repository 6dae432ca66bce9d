"""The outbox page's one button."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from casework.forms import CaseworkForm


class SweepNowForm(CaseworkForm):
    """Ask a worker to look for due reminders now, rather than at the next minute."""

    submit = SubmitField("Check for due reminders now", widget=GovSubmitInput())
