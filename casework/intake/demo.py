"""Demo online reports waiting in the triage queue (embedded default). Runs once: skipped if any report exists."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from casework.db import utcnow
from casework.extensions import db
from casework.intake import service
from casework.intake.models import OnlineReport
from casework.intake.questions import Answers
from casework.workdays import local_date


def _day(days_ago: int) -> str:
    return local_date(utcnow() - timedelta(days=days_ago)).isoformat()


def _reports() -> list[tuple[int, Answers]]:
    """(hours ago, answers): a victim reporting, and an anonymous witness who fears for someone."""
    victim: Answers = {
        "danger": {"danger": "no"},
        "reporter": {"reporter_type": "victim"},
        "behaviours": {"behaviours": ["contacting", "loitering", "unwanted_gifts"]},
        "frequency": {"frequency": "many"},
        "started": {"started_on": _day(40)},
        "latest": {"latest_on": _day(1)},
        "place": {"location": "Outside my flat on Mill Road"},
        "description": {
            "description": "A man I met once at a gym keeps leaving flowers at my door and messaging me from new "
            "numbers after I block him. Yesterday he was waiting outside when I got home."
        },
        "suspect_known": {"known": "yes"},
        "suspect": {
            "first_name": "Dean",
            "last_name": "Parry",
            "other_names": None,
            "relationship": "acquaintance",
            "details": "Tall, drives a blue van.",
        },
        "victim_self": {"first_name": "Leah", "last_name": "Barton", "date_of_birth": "1994-06-12"},
        "contact": {"phone": "07700 900123", "email": None, "preferred": "text"},
        "safe": {"safe_times": "Weekdays after 6pm", "safe_ways": ["texts"]},
        "needs": {"language": None, "support": [], "access_needs": None},
    }
    anonymous: Answers = {
        "danger": {"danger": "fear"},
        "reporter": {"reporter_type": "anonymous"},
        "behaviours": {"behaviours": ["following", "threats"]},
        "frequency": {"frequency": "few"},
        "started": {"started_on": _day(14)},
        "latest": {"latest_on": _day(2)},
        "place": {"location": None},
        "description": {
            "description": "I work in a shop and keep seeing a man follow one of our customers, a young woman, "
            "from the bus stop. Last time I heard him threaten her."
        },
        "suspect_known": {"known": "no"},
    }
    return [(30, victim), (5, anonymous)]


def seed() -> None:
    """Put a couple of reports in the triage queue, unless reports exist already."""
    if db.session.execute(sa.select(sa.exists().where(OnlineReport.id.isnot(None)))).scalar():
        return
    for hours_ago, answers in _reports():
        service.record_report(answers, submitted_at=utcnow() - timedelta(hours=hours_ago))
