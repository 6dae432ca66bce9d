"""The embedded default (``make run``: SQLite with the demo data) serves every role's main pages.

The suite runs on PostgreSQL; SQL that only PostgreSQL understands (date arithmetic, say) would
otherwise reach the demo unnoticed.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from casework import demo
from casework.auth.service import find_user_by_email
from casework.cases import overdue
from casework.cases.models import Case
from casework.extensions import db
from casework.intake.models import OnlineReport, ReportStatus
from casework.reminders import service as reminders
from casework.reminders.models import Reminder, ReminderStatus
from tests.conftest import CaseworkClient, make_test_app, sign_in

PAGES_BY_ROLE = {
    "officer@casework.police.uk": ["/", "/cases", "/cases?overdue=y", "{case}", "{case}/timeline", "{case}/people"],
    "supervisor@casework.police.uk": ["/", "/cases", "/dashboard", "{case}", "{case}/timeline", "{case}/contact"],
    "manager@casework.police.uk": ["/", "/cases", "/dashboard", "/cases?no_safety_plan=1", "/cases?no_contact=28"],
    "adviser@casework.police.uk": ["/"],
    "admin@casework.police.uk": ["/", "/admin/audit"],
}


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("embedded")
    app = make_test_app(f"sqlite:///{folder / 'casework.sqlite'}", OUTBOX_DIR=str(folder / "outbox"), MAIL_SERVER=None)
    app.test_client_class = CaseworkClient
    with app.app_context():
        upgrade()
        result = demo.seed(folder / "demo-sign-ins.txt")
        db.session.commit()
        case_id = db.session.execute(sa.select(sa.func.min(Case.id)).where(Case.restricted.is_(False))).scalar_one()
    yield app, result.password, case_id
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("email", sorted(PAGES_BY_ROLE))
def test_every_roles_main_pages_answer_on_the_embedded_default(embedded, email):
    app, password, case_id = embedded
    client = app.test_client()
    with app.app_context():
        user = find_user_by_email(email)
        assert user is not None
        db.session.expunge(user)
    assert sign_in(client, user, password).status_code == 302
    for page in PAGES_BY_ROLE[email]:
        path = page.format(case=f"/cases/{case_id}")
        assert client.get(path).status_code == 200, path


def test_the_demos_reminders_reach_the_outbox(embedded):
    """``make run``: the worker's sweep finds the demo's due obligations and its sends write them to the outbox."""
    app, _, _ = embedded
    with app.app_context():
        swept = reminders.sweep()
        db.session.commit()
        assert swept, "the demo has contacts due and overdue"
        for reminder_id in swept:
            reminders.send_reminder(reminder_id)
            db.session.commit()
        statuses = set(db.session.scalars(sa.select(Reminder.status).where(Reminder.id.in_(swept))))
        assert ReminderStatus.SENT in statuses and ReminderStatus.FAILED not in statuses
        assert len(reminders.outbox()) >= 1


def test_recomputing_overdue_from_on_sqlite_agrees_with_what_the_demos_writes_kept(embedded):
    """``flask casework refresh-overdue`` on SQLite (its own ``min``/``coalesce`` form) changes nothing the ORM kept."""
    app, _, _ = embedded
    with app.app_context():
        connection = db.session.connection()
        stored = dict(connection.execute(sa.select(Case.id, Case.overdue_from)).all())
        assert any(stored.values()), "the demo has cases that fall overdue"
        assert overdue.refresh_all(connection) == 0
        db.session.rollback()


HUGE = str(10**20)  # beyond what SQLite can bind (64 bits): a 500 before, wherever an id came from a form


def _signed_in(app, email: str, password: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    with app.app_context():
        user = find_user_by_email(email)
        db.session.expunge(user)
    assert sign_in(client, user, password).status_code == 302
    return client


def test_ids_from_forms_and_filters_that_no_table_can_hold_are_refused_not_failed(embedded):
    app, password, _ = embedded
    with app.app_context():
        report_id = db.session.execute(
            sa.select(sa.func.min(OnlineReport.id)).where(OnlineReport.status == ReportStatus.NEW)
        ).scalar_one()
    supervisor = _signed_in(app, "supervisor@casework.police.uk", password)
    response = supervisor.post_form(f"/triage/{report_id}/add", {"case_id": HUGE})
    assert response.status_code == 200 and "govuk-error-summary" in response.get_data(as_text=True)
    assert supervisor.get(f"/cases?scope=team&officer_id={HUGE}").status_code == 200
    manager = _signed_in(app, "manager@casework.police.uk", password)
    assert manager.get(f"/dashboard?team_id={HUGE}").status_code == 200
    assert manager.get(f"/cases?scope=all&team_id={HUGE}").status_code == 200
