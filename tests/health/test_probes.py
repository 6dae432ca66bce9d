"""``/healthz`` (alive, touches nothing) and ``/readyz`` (database, broker, migrations at head)."""

from __future__ import annotations

import sqlalchemy as sa

from casework.health import service as health
from tests.conftest import make_test_app


def _must_not_be_called() -> bool:
    raise AssertionError("/healthz checked a dependency")


def test_healthz_says_alive_without_sign_in_or_any_dependency(client, app, monkeypatch):
    monkeypatch.setattr(health, "database_ok", _must_not_be_called)
    monkeypatch.setattr(health, "broker_ok", _must_not_be_called)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "alive"}


def test_readyz_reports_database_broker_and_migrations_as_json_without_sign_in(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    report = response.json
    assert report["status"] == "ok"
    assert report["database"] == "ok"
    assert report["broker"] == "ok"
    assert report["migrations"] == "ok"
    assert report["database_revision"] == report["code_revision"]
    assert report["reasons"] == []


def test_readyz_shows_the_last_worker_heartbeat(client, db_session):
    beat = health.record_heartbeat()
    db_session.commit()
    assert client.get("/readyz").json["worker_last_heartbeat"] == beat.beat_at.isoformat()


def test_readyz_is_503_when_the_broker_is_unreachable(client, app, monkeypatch, caplog):
    celery = app.extensions["celery"]
    monkeypatch.setitem(celery.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["broker"] == "unreachable"
    assert response.json["database"] == "ok"
    assert response.json["reasons"] == ["The Celery broker is unreachable."]
    assert any(record.getMessage().startswith("readiness: broker failed (") for record in caplog.records)


def test_readyz_is_503_when_the_database_is_behind_the_migrations(client, db_session):
    head = client.get("/readyz").json["code_revision"]
    db_session.execute(sa.text("UPDATE alembic_version SET version_num = '0002'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["migrations"] == "behind"
    assert response.json["database_revision"] == "0002"
    assert response.json["reasons"] == [
        f"The database is at migration 0002; this code needs {head}: run `flask db upgrade`."
    ]


def test_readyz_is_503_when_the_database_was_never_migrated(client, db_session):
    db_session.execute(sa.text("DELETE FROM alembic_version"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["database_revision"] == "none"


def test_readyz_is_503_when_the_database_is_unreachable_and_healthz_still_alive():
    unreachable = make_test_app("postgresql+psycopg://postgres@127.0.0.1:1/casework")
    client = unreachable.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
    assert response.json["migrations"] == "unknown"
    assert "The database is unreachable." in response.json["reasons"]
    assert client.get("/healthz").status_code == 200
