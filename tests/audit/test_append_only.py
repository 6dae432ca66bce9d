from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from casework.audit import service as audit
from casework.audit.models import AuditAction, AuditEvent
from casework.extensions import db


def test_the_application_refuses_to_change_an_audit_row(db_session):
    event = audit.record(AuditAction.VIEW, "case", 1, actor_label="tester")
    db.session.commit()
    event.justification = "rewritten history"
    with pytest.raises(audit.AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_the_application_refuses_to_delete_an_audit_row(db_session):
    event = audit.record(AuditAction.VIEW, "case", 1, actor_label="tester")
    db.session.commit()
    db.session.delete(event)
    with pytest.raises(audit.AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"])
def test_postgresql_itself_refuses_updates_and_deletes(db_session, statement):
    audit.record(AuditAction.VIEW, "case", 1, actor_label="tester")
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(sa.text(statement))
    db.session.rollback()


def test_events_outside_a_request_are_attributed_to_the_system(db_session):
    event = audit.record(AuditAction.UPDATE, "case", 7)
    db.session.flush()
    assert event.actor == "system"
    assert event.ip_address is None
    assert db.session.get(AuditEvent, event.id).created_at.tzinfo is not None


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"])
def test_sqlite_refuses_updates_and_deletes_too(tmp_path, statement):
    """The embedded default keeps the same promise: migrations add SQLite triggers."""
    from flask_migrate import upgrade

    from tests.conftest import make_test_app

    app = make_test_app(f"sqlite:///{tmp_path / 'embedded.sqlite'}")
    with app.app_context():
        upgrade()
        audit.record(AuditAction.VIEW, "case", 1, actor_label="tester")
        db.session.commit()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
        assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one() == 1
        db.session.remove()
        db.engine.dispose()
