"""The dashboard's filters (query string, no CSRF): a team for managers, and the period."""

from __future__ import annotations

from datetime import datetime

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput
from wtforms import RadioField, SelectField
from wtforms.validators import InputRequired, Optional

from casework.auth.models import Team
from casework.dashboard.figures import Period, default_period
from casework.forms import CaseworkForm, GovDateField, id_choice, text_area

ALL_TEAMS = 0
LONGEST_PERIOD_DAYS = 366 * 3


class DashboardFilterForm(CaseworkForm):
    """Which team (managers) and which period the dashboard counts."""

    # Rendered with the plain filter macros (templates/_filter_fields.html), as the case list's filters.
    team_id = SelectField("Team", coerce=id_choice, validators=[Optional()])
    period_from = GovDateField("From")
    period_to = GovDateField("To")

    def prepare(self, teams: list[Team]) -> None:
        """Offer these teams (none: the field is not shown) and check what was asked for."""
        self.team_id.choices = [(ALL_TEAMS, "All teams")] + [(team.id, team.name) for team in teams]
        self.validate()

    def period(self, now: datetime) -> Period:
        """The period asked for, or the last 28 days when it is missing or wrong (with a message)."""
        default = default_period(now)
        start = self.period_from.data if not self.period_from.errors else None
        end = self.period_to.data if not self.period_to.errors else None
        start, end = start or default.start, end or default.end
        if start > end:
            self.period_to.errors = [*self.period_to.errors, "‘To’ must be the same as or after ‘From’"]
            return default
        if (end - start).days > LONGEST_PERIOD_DAYS:
            self.period_to.errors = [*self.period_to.errors, "The period must be 3 years or shorter"]
            return default
        return Period(start, end)

    def team(self, teams: list[Team]) -> int | None:
        """The team chosen, if any and allowed."""
        chosen = self.team_id.data if not self.team_id.errors else None
        return chosen if chosen and any(team.id == chosen for team in teams) else None


class ExportForm(CaseworkForm):
    """Why the data is leaving the system, and in which format (asked before every export)."""

    reason = text_area("Why do you need this export?", 500, required="Enter why you need this export")
    file_format = RadioField(
        "Format",
        widget=GovRadioInput(),
        choices=[("csv", "CSV (comma-separated values)"), ("xlsx", "Excel workbook")],
        default="xlsx",
        validators=[InputRequired("Choose CSV or Excel")],
    )
