"""The people tab runs the same number of SQL queries for 5 people as for 200."""

from __future__ import annotations

from datetime import date

import pytest

from casework.auth.models import Role, Team, User
from casework.cases.models import Case
from casework.extensions import db
from casework.people.models import CaseParty, PartyRole, Person, VictimContact
from tests import factories
from tests.people.helpers import open_case
from tests.querycount import count_queries

ROLES = [PartyRole.VICTIM, PartyRole.SUSPECT, PartyRole.WITNESS, PartyRole.REPORTER]


def add_parties(case: Case, elsewhere: Case, count: int) -> None:
    """``count`` people of every kind; every suspect is also a suspect in ``elsewhere`` (a repeat suspect)."""
    for number in range(count):
        role = ROLES[number % len(ROLES)]
        person = Person(
            first_name=f"Bulk{number}", last_name=f"Person{case.id}", date_of_birth=date(1980, 1, 1 + number % 28)
        )
        party = CaseParty(
            case_id=case.id,
            person=person,
            role=role,
            enhanced_rights=True if role == PartyRole.VICTIM else None,
            not_to_be_identified=role == PartyRole.WITNESS,
            notes=f"Note {number}",
        )
        if role == PartyRole.VICTIM:
            party.contact = VictimContact(sealed_address=f"{number} Bulk Street", language="Polish")
        db.session.add(party)
        if role == PartyRole.SUSPECT:
            db.session.add(CaseParty(case_id=elsewhere.id, person=person, role=PartyRole.SUSPECT))
    db.session.commit()


def two_cases(team: Team, officer: User, supervisor: User, sizes: tuple[int, int]) -> list[Case]:
    cases = []
    for size in sizes:
        case = open_case(team, officer, supervisor)
        add_parties(case, open_case(team, officer, supervisor), size)
        cases.append(case)
    return cases


@pytest.mark.parametrize("viewer", [Role.SUPERVISOR, Role.MANAGER])
def test_the_people_tab_runs_a_constant_number_of_queries(make_client, viewer):
    team = factories.TeamFactory()
    client, user = make_client(viewer, team=team if viewer == Role.SUPERVISOR else None)
    officer = factories.UserFactory(team=team)
    supervisor = user if viewer == Role.SUPERVISOR else factories.UserFactory(role=Role.SUPERVISOR, team=team)
    small, large = two_cases(team, officer, supervisor, (5, 200))
    client.get(f"/cases/{small.id}/people")  # warm up: the first request loads what every request then caches
    with count_queries() as few:
        small_page = client.get(f"/cases/{small.id}/people")
    with count_queries() as many:
        large_page = client.get(f"/cases/{large.id}/people")
    assert small_page.status_code == large_page.status_code == 200
    assert large_page.get_data(as_text=True).count("Repeat suspect") == 50
    assert many.count == few.count, "\n".join(many.statements)
