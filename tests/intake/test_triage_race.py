"""Two supervisors triage the same report at the same moment, in two threads with their own
transactions on PostgreSQL: exactly one action happens, and the other supervisor is told."""

from __future__ import annotations

import threading
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from casework.audit.models import AuditEvent
from casework.auth.models import Role, User
from casework.cases.models import Case, Classification, Offence
from casework.extensions import db
from casework.intake import service
from casework.intake.models import CloseReason, OnlineReport, ReportStatus
from tests import factories
from tests.conftest import create_database, make_test_app
from tests.intake.helpers import victim_answers

ROUNDS = 4


Action = Callable[[User, OnlineReport], object]


def _race(app: Flask, report_id: int, actors: list[tuple[int, Action]]) -> dict[int, str]:
    """Each supervisor acts on the report in their own thread and transaction, released together."""
    barrier = threading.Barrier(len(actors))
    outcomes: dict[int, str] = {}

    def act(user_id: int, action: Action) -> None:
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                report = service.get_report(report_id)
                barrier.wait(timeout=10)
                try:
                    action(user, report)
                    db.session.commit()
                    outcomes[user_id] = "won"
                except service.AlreadyTriaged as refused:
                    db.session.rollback()
                    outcomes[user_id] = refused.message
            finally:
                db.session.remove()

    threads = [threading.Thread(target=act, args=actor) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_supervisors_acting_at_once_only_one_wins(worker_suffix):
    app = make_test_app(create_database(f"casework_intake_race_{worker_suffix}"), INTAKE_TEAM="Race team")
    with app.app_context():
        upgrade()
        team = factories.TeamFactory(name="Race team")
        first = factories.UserFactory(role=Role.SUPERVISOR, team=team, full_name="Fay First")
        second = factories.UserFactory(role=Role.SUPERVISOR, team=team, full_name="Sid Second")
        reports = [service.record_report(victim_answers()) for _ in range(ROUNDS)]
        db.session.commit()
        user_ids, report_ids = (first.id, second.id), [report.id for report in reports]
        db.session.remove()

    def create_case(user: User, report: OnlineReport) -> object:
        return service.create_case_from_report(
            user, report, classification=Classification.STALKING, offence=Offence.S2A
        )

    def close(user: User, report: OnlineReport) -> object:
        return service.close_report(user, report, reason=CloseReason.DUPLICATE, note="Same as another report.")

    for report_id in report_ids:
        outcomes = _race(app, report_id, [(user_ids[0], create_case), (user_ids[1], close)])
        assert sorted(outcome == "won" for outcome in outcomes.values()) == [False, True], outcomes
        winner = next(user_id for user_id, outcome in outcomes.items() if outcome == "won")
        loser_message = next(outcome for outcome in outcomes.values() if outcome != "won")
        winner_name = "Fay First" if winner == user_ids[0] else "Sid Second"
        assert f"{winner_name} has already dealt with this report" in loser_message
        with app.app_context():
            report = db.session.get(OnlineReport, report_id)
            assert report.triaged_by_id == winner
            expected = ReportStatus.CASE_CREATED if winner == user_ids[0] else ReportStatus.CLOSED
            assert report.status == expected
            cases = db.session.execute(sa.select(sa.func.count()).where(Case.summary.contains(report.reference)))
            assert cases.scalar_one() == (1 if expected == ReportStatus.CASE_CREATED else 0)
            triage_rows = db.session.execute(
                sa.select(sa.func.count()).where(
                    AuditEvent.object_type == "online_report",
                    AuditEvent.object_id == str(report_id),
                    AuditEvent.detail["triage"].isnot(None),
                )
            ).scalar_one()
            assert triage_rows == 1
            db.session.remove()
    with app.app_context():
        db.engine.dispose()
