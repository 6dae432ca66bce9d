"""Delivery throughput of reminders to a local SMTP sink: ``python -m bench.reminders_delivery``.

Writes ``--reminders`` pending staff reminders (set-based), then sends them (1) one after another
in this process through ``service.send_reminder`` (claim, commit, compose, SMTP, record, commit),
and (2) through a real Celery worker on Redis (threads pool, ``--concurrency``). The sink is
aiosmtpd on loopback, accepting at once. Run with the test services:

    scripts/with-test-services.sh .venv/bin/python -m bench.reminders_delivery
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from casework.auth.models import Role
from casework.cases import registry
from casework.db import utcnow
from casework.extensions import db
from casework.reminders import service
from tests import factories
from tests.conftest import create_database, make_test_app
from tests.reminders import sources
from tests.reminders.live import Rig, SmtpServer, SmtpSink, wait_for
from tests.reminders.test_live import _flush, _redis_url


def pending_reminders(engine: sa.Engine, case_id: int, officer_id: int, count: int, offset: int) -> list[int]:
    """``count`` pending reminders about one case, owed to one officer (distinct due instants)."""
    with engine.begin() as connection:
        rows = connection.execute(
            sa.text(
                "INSERT INTO reminders (kind, object_id, case_id, due_at, audience, recipient_id, stage, status, "
                "attempts, not_before, enqueued_at) SELECT 'test_case_deadline', :case_id, :case_id, "
                "now() - make_interval(secs => n::double precision), 'staff', :officer_id, 'due', 'pending', 0, "
                "now(), now() "
                "FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS n RETURNING id"
            ),
            {"case_id": case_id, "officer_id": officer_id, "first": offset + 1, "last": offset + count},
        )
        return [row.id for row in rows]


def main(argv: list[str] | None = None) -> int:
    """Send through both paths and print messages per second."""
    parser = argparse.ArgumentParser(prog="python -m bench.reminders_delivery")
    parser.add_argument("--reminders", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)

    database_url = create_database("casework_bench_delivery")
    app = make_test_app(database_url)
    app.extensions["celery"].conf.update(task_always_eager=False)
    registry.obligation_source(sources.case_deadline())
    engine = sa.create_engine(database_url)
    sink = SmtpSink()
    with SmtpServer(sink) as smtp, tempfile.TemporaryDirectory() as folder:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
        with app.app_context():
            upgrade()
            officer = factories.UserFactory(role=Role.OFFICER)
            case_id = factories.allocated_case(officer, reported_at=utcnow() - timedelta(hours=1)).id
            officer_id = officer.id

            ids = pending_reminders(engine, case_id, officer_id, args.reminders, 0)
            began = time.perf_counter()
            for reminder_id in ids:
                service.send_reminder(reminder_id)
            in_process = time.perf_counter() - began
            db.session.remove()
        assert len(sink.accepted) == args.reminders

        redis_url = _redis_url(10)
        _flush(redis_url)
        app.extensions["celery"].conf.update(broker_url=redis_url)
        rig = Rig(Path(folder), database_url, redis_url, smtp.port)
        try:
            rig.worker(concurrency=args.concurrency)
            ids = pending_reminders(engine, case_id, officer_id, args.reminders, args.reminders)
            began = time.perf_counter()
            with app.app_context():
                service.wake(ids)
            wait_for(lambda: len(sink.accepted) >= 2 * args.reminders, 600, "every reminder")
            on_worker = time.perf_counter() - began
        finally:
            rig.stop_all()
    engine.dispose()
    print(
        f"{args.reminders} reminders: in-process one at a time {args.reminders / in_process:.0f}/s "
        f"({in_process * 1000 / args.reminders:.1f} ms each); one worker, threads x{args.concurrency}, "
        f"through Redis {args.reminders / on_worker:.0f}/s; load {os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
