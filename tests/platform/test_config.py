from __future__ import annotations

import pytest

import config


def test_production_refuses_to_start_without_secret_key_and_database(monkeypatch, tmp_path):
    monkeypatch.setenv("CASEWORK_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(config.ConfigurationError, match="SECRET_KEY and DATABASE_URL"):
        config.load(tmp_path)


def test_production_uses_the_given_database_and_redis(monkeypatch, tmp_path):
    monkeypatch.setenv("CASEWORK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("DATABASE_URL", "postgres://casework@db/casework")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    settings = config.load(tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://casework@db/casework"
    assert settings["CELERY"]["broker_url"] == "redis://cache:6379/0"
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_embedded_default_needs_no_services(monkeypatch, tmp_path):
    for name in ("CASEWORK_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = config.load(tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'casework.sqlite'}"
    assert settings["CELERY"]["broker_url"].startswith("sqla+sqlite:///")
    assert settings["SECRET_KEY"] == config.load(tmp_path)["SECRET_KEY"]


def test_web_connections_to_postgresql_run_without_jit_or_parallel_workers_and_sort_in_16_mb(db_session):
    from sqlalchemy import text

    assert db_session.execute(text("SHOW jit")).scalar() == "off"
    assert db_session.execute(text("SHOW max_parallel_workers_per_gather")).scalar() == "0"
    assert db_session.execute(text("SHOW work_mem")).scalar() == "16MB"
