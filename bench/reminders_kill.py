"""Kill a reminder worker with SIGKILL again and again while it sends, and count what was delivered.

Run with the test services (PostgreSQL and Redis on loopback):
    scripts/with-test-services.sh .venv/bin/python -m bench.reminders_kill [--kills 20] [--reminders 60]

Each round starts a worker (threads pool, 4 at a time), lets it send for a random 0.05-RUN_FOR s,
and SIGKILLs it; a last worker then finishes. The SMTP server (aiosmtpd, on loopback) takes
``--smtp-delay`` seconds per message so that kills land mid-send. Prints deliveries per reminder,
duplicates, and the window between the SMTP server accepting a message and the worker's record of it.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from flask_migrate import upgrade

from casework.extensions import db
from tests.conftest import create_database, make_test_app
from tests.reminders.live import Rig, SmtpServer, SmtpSink, kill_run
from tests.reminders.test_live import _due_cases, _flush, _redis_url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--reminders", type=int, default=60)
    parser.add_argument("--smtp-delay", type=float, default=0.1)
    parser.add_argument("--run-for", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=2026)
    arguments = parser.parse_args()

    app = make_test_app(create_database("casework_bench_kill"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    redis_url = _redis_url(9)
    _flush(redis_url)
    _due_cases(app, arguments.reminders)
    sink = SmtpSink(delay=arguments.smtp_delay)
    with tempfile.TemporaryDirectory() as folder, SmtpServer(sink) as smtp:
        rig = Rig(Path(folder), app.config["SQLALCHEMY_DATABASE_URI"], redis_url, smtp.port)
        try:
            report = kill_run(
                rig, sink, arguments.reminders, arguments.kills, arguments.seed, timeout=300, run_for=arguments.run_for
            )
        finally:
            rig.stop_all()
    print(report.summary())


if __name__ == "__main__":
    main()
