"""Case references are unique and gapless, even when many are created at once on PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import sqlalchemy as sa
from flask_migrate import upgrade

from casework.auth.models import Role, Team, User
from casework.cases import service
from casework.cases.models import Case, Channel, Classification, Offence, ReporterType
from casework.db import utcnow
from casework.extensions import db
from tests.conftest import create_database, make_test_app

WORKERS = 8
CASES_EACH = 10


def test_reference_format():
    assert service.format_reference(2026, 123) == "SH-2026-000123"


def test_references_count_up_within_a_year_and_restart_each_year(db_session):
    first, second = service.next_reference(2030), service.next_reference(2030)
    assert (first, second) == ("SH-2030-000001", "SH-2030-000002")
    assert service.next_reference(2031) == "SH-2031-000001"


def test_parallel_case_creation_gives_unique_contiguous_references(worker_suffix):
    app = make_test_app(create_database(f"casework_refs_{worker_suffix}"))
    with app.app_context():
        upgrade()
        team = Team(name="Parallel team")
        officer = User(email="p@casework.police.uk", full_name="P", role=Role.OFFICER, team=team, password_hash="x")
        db.session.add_all([team, officer])
        db.session.commit()
        officer_id = officer.id
    start = Barrier(WORKERS)

    def create_cases() -> list[str]:
        references = []
        with app.app_context():
            actor = db.session.get(User, officer_id)
            start.wait()
            for _ in range(CASES_EACH):
                case = service.create_case(
                    actor,
                    service.NewCase(
                        channel=Channel.PHONE_101,
                        reporter_type=ReporterType.VICTIM,
                        classification=Classification.STALKING,
                        offence=Offence.S2A,
                        summary="Parallel",
                        reported_at=utcnow(),
                    ),
                )
                references.append(case.reference)
                db.session.commit()
        return references

    with ThreadPoolExecutor(WORKERS) as pool:
        results = [reference for batch in pool.map(lambda _: create_cases(), range(WORKERS)) for reference in batch]
    with app.app_context():
        stored = db.session.execute(sa.select(Case.reference)).scalars().all()
    with app.app_context():
        db.engine.dispose()
    year = utcnow().year
    expected = {service.format_reference(year, number) for number in range(1, WORKERS * CASES_EACH + 1)}
    assert sorted(results) == sorted(stored)
    assert set(stored) == expected


def test_a_rolled_back_case_gives_its_number_back(db_session):
    first = service.next_reference(2032)
    db_session.rollback()
    assert service.next_reference(2032) == first
