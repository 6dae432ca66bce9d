"""The audit trail's hash chain: a DBA's edit, deletion or back-dated insert is found and named."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.audit import chain
from casework.audit import service as audit
from casework.audit.models import AuditAction, AuditEvent, AuditSeal
from casework.db import utcnow
from casework.extensions import db


def events(count: int) -> list[AuditEvent]:
    made = [audit.record(AuditAction.VIEW, "case", n, actor_label="tester", detail={"n": n}) for n in range(count)]
    db.session.flush()
    return made


def as_dba(statement: str, **params: object) -> None:
    """What someone with the database password could do: switch the append-only triggers off."""
    db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    db.session.execute(sa.text(statement), params)
    db.session.execute(sa.text("SET LOCAL session_replication_role = origin"))
    db.session.expire_all()


def test_a_sealed_trail_verifies_and_a_second_seal_adds_nothing(db_session):
    events(5)
    assert chain.seal() == 5
    assert chain.seal() == 0
    assert chain.verify(now=utcnow()) is None


def test_sealing_costs_requests_nothing(db_session):
    recorded = events(1)[0]
    seals = db.session.execute(sa.select(sa.func.count()).select_from(AuditSeal)).scalar_one()
    assert seals == 0, "events are sealed by the worker, not on the request path"
    chain.seal()
    assert db.session.execute(sa.select(AuditSeal.event_id)).scalar_one() == recorded.id


def test_an_edited_event_is_named(db_session):
    edited = events(4)[2].id
    chain.seal()
    as_dba("UPDATE audit_events SET actor = 'someone else' WHERE id = :id", id=edited)
    finding = chain.verify(now=utcnow())
    assert finding is not None
    assert finding.event_id == edited
    assert finding.problem.startswith("edited")


def test_a_deleted_event_is_named(db_session):
    deleted = events(4)[1].id
    chain.seal()
    as_dba("DELETE FROM audit_events WHERE id = :id", id=deleted)
    finding = chain.verify(now=utcnow())
    assert finding is not None
    assert finding.event_id == deleted
    assert finding.problem.startswith("deleted")


def test_a_deleted_link_is_found_too(db_session):
    events(4)
    chain.seal()
    as_dba("DELETE FROM audit_seals WHERE seq = 2")
    finding = chain.verify(now=utcnow())
    assert finding is not None and finding.seq == 2 and finding.problem.startswith("deleted")


def test_an_event_slipped_in_with_an_old_date_is_named_and_never_sealed(db_session):
    events(3)
    chain.seal()
    as_dba(
        "INSERT INTO audit_events (created_at, actor, action, object_type, object_id) "
        "VALUES (:at, 'forger', 'view', 'case', '99')",
        at=utcnow() - timedelta(hours=2),
    )
    assert chain.seal() == 0
    finding = chain.verify(now=utcnow())
    assert finding is not None
    assert finding.problem.startswith("inserted out of order")


@pytest.mark.parametrize("statement", ["UPDATE audit_seals SET chain_hash = 'x'", "DELETE FROM audit_seals"])
def test_the_links_themselves_are_append_only(db_session, statement):
    events(1)
    chain.seal()
    db.session.commit()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text(statement))
    db.session.rollback()


@pytest.mark.xdist_group("audit-chain-concurrency")
def test_two_sealers_at_once_make_one_unbroken_chain(app):
    """Two worker processes sealing at the same moment: the advisory lock serialises them."""
    with app.app_context():
        for n in range(200):
            audit.record(AuditAction.VIEW, "case", n, actor_label="concurrency")
        db.session.commit()
        db.session.remove()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                chain.seal()
                db.session.commit()
                db.session.remove()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        try:
            assert errors == []
            assert chain.verify(now=utcnow()) is None
        finally:
            db.session.execute(sa.text("SET session_replication_role = replica"))
            db.session.execute(sa.text("DELETE FROM audit_seals"))
            db.session.execute(sa.text("DELETE FROM audit_events WHERE actor = 'concurrency'"))
            db.session.execute(sa.text("SET session_replication_role = origin"))
            db.session.commit()
            db.session.remove()
