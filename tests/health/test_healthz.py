from __future__ import annotations

from casework.health import service as health


def test_healthz_reports_database_and_broker_as_json_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"] == "ok"
    assert response.json["broker"] == "ok"


def test_healthz_shows_the_last_worker_heartbeat(client, db_session):
    beat = health.record_heartbeat()
    db_session.commit()
    assert client.get("/healthz").json["worker_last_heartbeat"] == beat.beat_at.isoformat()


def test_healthz_is_503_when_the_broker_is_unreachable(client, app, monkeypatch):
    celery = app.extensions["celery"]
    monkeypatch.setitem(celery.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["broker"] == "unreachable"
    assert response.json["database"] == "ok"
