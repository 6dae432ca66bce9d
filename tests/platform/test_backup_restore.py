"""The backup and restore of docs/operations.md, done for real: ``pg_dump --format=custom`` of a
seeded database, ``pg_restore`` into a fresh one, and every case and audit row found again."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from casework import demo
from casework.audit import chain
from casework.audit.models import AuditEvent
from casework.auth.models import User
from casework.cases import service as cases
from casework.cases.models import Case
from casework.db import utcnow
from casework.extensions import db
from tests.conftest import create_database, make_test_app

pytestmark = pytest.mark.xdist_group("backup")


def _postgres_binary(name: str) -> str:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name))
    assert versions, "no PostgreSQL binaries under /usr/lib/postgresql"
    return str(versions[-1] / name)


def _libpq_url(url: str) -> str:
    """The same database as a URL pg_dump understands (no SQLAlchemy driver name)."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _rows(engine: sa.Engine, query: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(query))]


def _table_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        tables = sa.inspect(connection).get_table_names()
        return {
            table: connection.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar_one()  # noqa: S608
            for table in tables
        }


def test_a_dump_restored_into_a_fresh_database_has_every_case_and_audit_row(worker_suffix, tmp_path):
    source_url = create_database(f"casework_backup_source_{worker_suffix}")
    restored_url = create_database(f"casework_backup_restored_{worker_suffix}")

    source_app = make_test_app(source_url)
    with source_app.app_context():
        upgrade()
        demo.seed(tmp_path / "demo-sign-ins.txt")
        supervisor = db.session.execute(
            sa.select(User).where(User.email == "supervisor@casework.police.uk")
        ).scalar_one()
        for case in db.session.execute(sa.select(Case).order_by(Case.id)).scalars():
            cases.record_case_view(supervisor, case, "summary")
        case_count = db.session.execute(sa.select(sa.func.count()).select_from(Case)).scalar_one()
        audit_count = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()
        db.session.commit()
        assert chain.seal() == audit_count  # the worker's sealer, run before the nightly dump
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert case_count > 0
    assert audit_count > case_count

    dump = tmp_path / "casework.dump"
    environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    subprocess.run(  # noqa: S603 - fixed binary, arguments from the test
        [_postgres_binary("pg_dump"), "--format=custom", f"--file={dump}", _libpq_url(source_url)],
        check=True,
        env=environment,
        timeout=120,
    )
    subprocess.run(  # noqa: S603
        [
            _postgres_binary("pg_restore"),
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={_libpq_url(restored_url)}",
            str(dump),
        ],
        check=True,
        env=environment,
        timeout=120,
    )

    source, restored = sa.create_engine(source_url), sa.create_engine(restored_url)
    try:
        references = _rows(restored, "SELECT reference FROM cases ORDER BY reference")
        assert len(references) == case_count
        assert references == _rows(source, "SELECT reference FROM cases ORDER BY reference")
        assert _rows(restored, "SELECT * FROM cases ORDER BY id") == _rows(source, "SELECT * FROM cases ORDER BY id")
        audit_query = "SELECT * FROM audit_events ORDER BY id"
        restored_audit = _rows(restored, audit_query)
        assert len(restored_audit) == audit_count
        assert restored_audit == _rows(source, audit_query)
        assert _table_counts(restored) == _table_counts(source)
        assert _rows(restored, "SELECT version_num FROM alembic_version") == _rows(
            source, "SELECT version_num FROM alembic_version"
        )

        # The append-only trigger came along with the data.
        for statement in ("UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"):
            with restored.connect() as connection, pytest.raises(sa.exc.DBAPIError, match="append-only"):
                connection.execute(sa.text(statement))
        assert len(_rows(restored, audit_query)) == audit_count

        # And the app finds the restored database ready (reachable, schema at the migrations' head).
        restored_app = make_test_app(restored_url)
        readiness = restored_app.test_client().get("/readyz")
        assert readiness.status_code == 200, readiness.json
        with restored_app.app_context():
            assert chain.verify(now=utcnow()) is None  # the audit chain came through intact
            db.session.remove()
            db.engine.dispose()
    finally:
        source.dispose()
        restored.dispose()
