"""Liveness marks written by background processes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Timestamped, UTCDateTime
from casework.extensions import db


class Heartbeat(Timestamped, db.Model):
    """The last time a named process (the Celery worker) proved it was alive."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
