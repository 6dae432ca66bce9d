"""The case list's filter form (query string, no CSRF): bad values are ignored with a message."""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlencode

from sqlalchemy import bindparam, select
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, IntegerField, SearchField, SelectField, SelectMultipleField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from casework.auth.models import Role, Team, User
from casework.cases.models import CaseStatus, Classification, RiskLevel
from casework.cases.queries import (
    MIN_NAME_SEARCH,
    SORTABLE_COLUMNS,
    SORTS,
    CaseFilters,
    Scope,
    column_sort,
    default_scope,
    is_reference,
)
from casework.extensions import db
from casework.forms import CaseworkForm, GovDateField, id_choice
from casework.security import Permission, can

ANY = 0
E = TypeVar("E", bound=enum.Enum)


def search_term(value: object) -> object:
    """A search term without invisible characters (zero-width spaces and the like), which match nothing."""
    if not isinstance(value, str):
        return value
    return "".join(ch for ch in value if unicodedata.category(ch) not in {"Cc", "Cf", "Cs"})


@dataclass
class SelectedFilter:
    """One applied filter as an MOJ filter tag: its text and the list without it."""

    text: str
    remove_href: str


@dataclass
class SelectedCategory:
    """The applied filters of one kind (a heading and its tags)."""

    heading: str
    filters: list[SelectedFilter] = field(default_factory=list)


@dataclass
class SortHeader:
    """A sortable column header: its ``aria-sort`` and the link that sorts by it (the other way if sorted)."""

    aria_sort: str
    href: str


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


# The choices of the officer and team filters, for someone who sees every team or only their own.
_OFFICERS = (
    select(User.id, User.full_name).where(User.role.in_([Role.OFFICER, Role.SUPERVISOR])).order_by(User.full_name)
)
_TEAM_OFFICERS = _OFFICERS.where(User.team_id == bindparam("team_id"))
_TEAMS = select(Team.id, Team.name).order_by(Team.name)
_OWN_TEAM = _TEAMS.where(Team.id == bindparam("team_id"))


class CaseFilterForm(CaseworkForm):
    """Filters, sort, search and page for the case list.

    The controls are drawn by plain Jinja macros in ``templates/cases/list.html`` (not one
    GOV.UK widget template per field): the list is the most requested page.
    """

    scope = SelectField("Show", validators=[Optional()])
    search = SearchField(
        "Reference or person's name",
        filters=[search_term],
        validators=[Optional(), Length(max=100, message="Search must be 100 characters or fewer")],
    )
    status = SelectMultipleField("Status", choices=CaseStatus.choices(), validators=[Optional()])
    risk = SelectMultipleField("Risk", choices=RiskLevel.choices(), validators=[Optional()])
    classification = SelectMultipleField("Classification", choices=Classification.choices(), validators=[Optional()])
    officer_id = SelectField("Officer in case", coerce=id_choice, validators=[Optional()])
    team_id = SelectField("Team", coerce=id_choice, validators=[Optional()])
    reported_from = GovDateField("Reported from")
    reported_to = GovDateField("Reported to")
    overdue = BooleanField("Overdue only", validators=[Optional()])
    sort = SelectField(
        "Sort by",
        choices=[(key, label) for key, (label, *_) in SORTS.items()],
        default="reported_desc",
    )
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100000)])

    def validate_search(self, field: SearchField) -> None:
        """A name search needs three letters (fewer would match half the county, and defeats the index)."""
        text = (field.data or "").strip()
        if text and not is_reference(text) and sum(ch.isalnum() for ch in text) < MIN_NAME_SEARCH:
            raise ValidationError(f"Enter at least {MIN_NAME_SEARCH} letters of a name, or a whole reference")

    def validate_reported_to(self, field: GovDateField) -> None:
        """A range that ends before it starts matches nothing: say so rather than list no cases."""
        if field.data and self.reported_from.data and field.data < self.reported_from.data:
            raise ValidationError("‘Reported to’ must be the same as or after ‘Reported from’")

    def prepare(self, user: User) -> None:
        """Fill the choices this user may pick from."""
        scopes = [(Scope.MINE, "My cases"), (Scope.TEAM, "Team cases")]
        if can(user, Permission.VIEW_ALL_TEAMS):
            scopes = [(Scope.ALL, "All cases")] + ([(Scope.TEAM, "Team cases")] if user.team_id else [])
        self.scope.choices = scopes
        if can(user, Permission.VIEW_ALL_TEAMS):
            officers, teams, own_team = _OFFICERS, _TEAMS, {}
        else:
            officers, teams, own_team = _TEAM_OFFICERS, _OWN_TEAM, {"team_id": user.team_id}
        self.officer_id.choices = [(ANY, "Any officer"), *db.session.execute(officers, own_team).tuples()]
        self.team_id.choices = [(ANY, "Any team"), *db.session.execute(teams, own_team).tuples()]
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

    def selected(self, path: str, args: MultiDict[str, str]) -> list[SelectedCategory]:
        """The filters in force, each with a link that drops just that one (and goes back to page 1)."""
        filters = self.to_filters()

        def without(name: str, value: str | None = None) -> str:
            kept = [
                (key, item)
                for key, item in args.items(multi=True)
                if key != "page" and not (key == name and (value is None or item == value))
            ]
            return f"{path}?{urlencode(kept)}" if kept else path

        categories: list[SelectedCategory] = []
        if filters.search:
            categories.append(SelectedCategory("Search", [SelectedFilter(f"‘{filters.search}’", without("search"))]))
        for name, chosen in (
            ("status", filters.status),
            ("risk", filters.risk),
            ("classification", filters.classification),
        ):
            if chosen:
                categories.append(
                    SelectedCategory(
                        self[name].label.text,
                        [SelectedFilter(member.label, without(name, member.value)) for member in chosen],
                    )
                )
        for name, chosen_id in (("officer_id", filters.officer_id), ("team_id", filters.team_id)):
            names = dict(self[name].choices or [])
            if chosen_id and chosen_id in names:
                categories.append(
                    SelectedCategory(self[name].label.text, [SelectedFilter(names[chosen_id], without(name))])
                )
        dates = [
            SelectedFilter(f"{label} {_day(value)}", without(name))
            for name, label, value in (
                ("reported_from", "From", filters.reported_from),
                ("reported_to", "To", filters.reported_to),
            )
            if value
        ]
        if dates:
            categories.append(SelectedCategory("Reported", dates))
        if filters.overdue:
            categories.append(SelectedCategory("Overdue", [SelectedFilter("Overdue only", without("overdue"))]))
        return categories

    def in_words(self) -> dict[str, str]:
        """The list's scope, filters and order as the user chose them in the page (an export's confirmation)."""
        scopes = dict(self.scope.choices or [])
        words = {"Cases": str(scopes.get(self.scope.data, self.scope.data))}
        for category in self.selected("", MultiDict()):
            words[category.heading] = ", ".join(chosen.text for chosen in category.filters)
        words["Sorted by"] = str(dict(self.sort.choices or []).get(self.to_filters().sort, ""))
        return words

    def sort_headers(self, path: str, args: MultiDict[str, str]) -> dict[str, SortHeader]:
        """Each sortable column's header, keeping the filters in force (and going back to page 1)."""
        current = self.to_filters().sort
        kept = [(key, item) for key, item in args.items(multi=True) if key not in {"page", "sort"}]
        headers = {}
        for column in SORTABLE_COLUMNS:
            aria_sort, sort = column_sort(column, current)
            headers[column] = SortHeader(aria_sort, f"{path}?{urlencode([*kept, ('sort', sort)])}")
        return headers
