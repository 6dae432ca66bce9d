"""The case list's filter form (query string, no CSRF): bad values are ignored with a message."""

from __future__ import annotations

import enum
import unicodedata
from typing import Any, TypeVar

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovSelect,
    GovTextInput,
)
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SearchField, SelectField, SelectMultipleField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from casework.auth.models import Role, Team, User
from casework.cases.models import CaseStatus, Classification, RiskLevel
from casework.cases.queries import MIN_NAME_SEARCH, SORTS, CaseFilters, Scope, default_scope, is_reference
from casework.extensions import db
from casework.forms import CaseworkForm, GovDateField
from casework.security import Permission, can

ANY = 0
E = TypeVar("E", bound=enum.Enum)


def search_term(value: object) -> object:
    """A search term without invisible characters (zero-width spaces and the like), which match nothing."""
    if not isinstance(value, str):
        return value
    return "".join(ch for ch in value if unicodedata.category(ch) not in {"Cc", "Cf", "Cs"})


class CaseFilterForm(CaseworkForm):
    """Filters, sort, search and page for the case list."""

    scope = SelectField("Show", widget=GovSelect(), validators=[Optional()])
    search = SearchField(
        "Reference or person's name",
        widget=GovTextInput(),
        filters=[search_term],
        validators=[Optional(), Length(max=100, message="Search must be 100 characters or fewer")],
    )
    status = SelectMultipleField(
        "Status", widget=GovCheckboxesInput(), choices=CaseStatus.choices(), validators=[Optional()]
    )
    risk = SelectMultipleField(
        "Risk", widget=GovCheckboxesInput(), choices=RiskLevel.choices(), validators=[Optional()]
    )
    classification = SelectMultipleField(
        "Classification", widget=GovCheckboxesInput(), choices=Classification.choices(), validators=[Optional()]
    )
    officer_id = SelectField("Officer in case", widget=GovSelect(), coerce=int, validators=[Optional()])
    team_id = SelectField("Team", widget=GovSelect(), coerce=int, validators=[Optional()])
    reported_from = GovDateField("Reported from", widget=GovDateInput())
    reported_to = GovDateField("Reported to", widget=GovDateInput())
    overdue = BooleanField("Overdue only", widget=GovCheckboxInput(), validators=[Optional()])
    sort = SelectField(
        "Sort by",
        widget=GovSelect(),
        choices=[(key, label) for key, (label, _) in SORTS.items()],
        default="reported_desc",
    )
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100000)])

    def validate_search(self, field: SearchField) -> None:
        """A name search needs three letters (fewer would match half the county, and defeats the index)."""
        text = (field.data or "").strip()
        if text and not is_reference(text) and sum(ch.isalnum() for ch in text) < MIN_NAME_SEARCH:
            raise ValidationError(f"Enter at least {MIN_NAME_SEARCH} letters of a name, or a whole reference")

    def prepare(self, user: User) -> None:
        """Fill the choices this user may pick from."""
        scopes = [(Scope.MINE, "My cases"), (Scope.TEAM, "Team cases")]
        if can(user, Permission.VIEW_ALL_TEAMS):
            scopes = [(Scope.ALL, "All cases")] + ([(Scope.TEAM, "Team cases")] if user.team_id else [])
        self.scope.choices = scopes
        team_ids = None if can(user, Permission.VIEW_ALL_TEAMS) else [user.team_id]
        officers = select(User).where(User.role.in_([Role.OFFICER, Role.SUPERVISOR])).order_by(User.full_name)
        teams = select(Team).order_by(Team.name)
        if team_ids is not None:
            officers = officers.where(User.team_id.in_(team_ids))
            teams = teams.where(Team.id.in_(team_ids))
        self.officer_id.choices = [(ANY, "Any officer")] + [
            (u.id, u.full_name) for u in db.session.execute(officers).scalars()
        ]
        self.team_id.choices = [(ANY, "Any team")] + [(t.id, t.name) for t in db.session.execute(teams).scalars()]
        self.validate()
        if self.scope.data not in {value for value, _ in scopes}:
            self.scope.data = default_scope(user) if default_scope(user) in {v for v, _ in scopes} else scopes[0][0]

    def _valid(self, field: Any) -> Any:
        return None if field.errors else field.data

    def _chosen(self, field: Any, enum_class: type[E]) -> list[E]:
        values = {member.value for member in enum_class}
        return [enum_class(value) for value in (self._valid(field) or []) if value in values]

    def to_filters(self) -> CaseFilters:
        """The filters to apply; a field with a bad value is left out (and says so)."""
        return CaseFilters(
            scope=self.scope.data,
            status=self._chosen(self.status, CaseStatus),
            risk=self._chosen(self.risk, RiskLevel),
            classification=self._chosen(self.classification, Classification),
            officer_id=self._valid(self.officer_id) or None,
            team_id=self._valid(self.team_id) or None,
            reported_from=self._valid(self.reported_from),
            reported_to=self._valid(self.reported_to),
            overdue=bool(self._valid(self.overdue)),
            search=(self._valid(self.search) or "").strip(),
            sort=self._valid(self.sort) or "reported_desc",
            page=self._valid(self.page) or 1,
        )

    def describe(self) -> dict[str, Any]:
        """The filters, for the audit trail (searches are consultations too)."""
        return {
            name: field.data if isinstance(field.data, str | int | list) else str(field.data)
            for name, field in self._fields.items()
            if field.data not in (None, "", [], False, 0)
        }
