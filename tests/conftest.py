"""Fixtures: a real PostgreSQL database per test process, one rolled-back transaction per test,
signed-in clients per role, and factories for data."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import inspect
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from bench.seed import recreate_database
from casework import create_app
from casework.auth import totp
from casework.auth.models import Role, User
from casework.db import utcnow
from casework.extensions import db
from tests import factories

CSRF_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def _require_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run the suite with `make test` (it starts PostgreSQL and Redis).", 2)
    return value


def create_database(name: str) -> str:
    """(Re)create an empty database on the throwaway cluster and return its URL (the benchmark's helper)."""
    return recreate_database(_require_env("CASEWORK_TEST_PG_URL"), name)


def make_test_app(database_url: str, **overrides: object) -> Flask:
    """An app on the given database, Celery eager, the limiter on real Redis."""
    redis_url = _require_env("CASEWORK_TEST_REDIS_URL")
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "SIGN_IN_RATE_LIMIT_PER_ADDRESS": "100000 per minute",
    }
    config.update(overrides)
    app = create_app(config)
    app.config["CELERY"].update(
        broker_url=redis_url, result_backend=redis_url, task_always_eager=True, task_eager_propagates=True
    )
    app.extensions["celery"].conf.update(app.config["CELERY"])
    return app


@pytest.fixture(scope="session")
def worker_suffix(worker_id: str) -> str:
    return worker_id.replace("master", "main")


@pytest.fixture(scope="session")
def database_url(worker_suffix: str) -> str:
    return create_database(f"casework_test_{worker_suffix}")


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    app = make_test_app(database_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield app
    with app.app_context():
        db.engine.dispose()


class _TestScopedSession(scoped_session[Session]):
    """One session for the whole test. The app's end-of-request ``remove()`` rolls back what was
    not committed and expires everything (so the next request reloads from the database, as a
    fresh session would) but keeps the test's objects attached."""

    def remove(self) -> None:
        self.registry().rollback()
        self.registry().expire_all()

    def close_for_good(self) -> None:
        super().remove()


@pytest.fixture
def db_session(app: Flask) -> Iterator[scoped_session[Session]]:
    """Everything a test does, including the app's own commits, is rolled back at the end."""
    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    original = db.session
    session = _TestScopedSession(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=True),
        scopefunc=lambda: 0,
    )
    db.session = session  # type: ignore[assignment]
    try:
        yield session
    finally:
        session.close_for_good()
        db.session = original  # type: ignore[assignment]
        outer.rollback()
        connection.close()


class CaseworkClient(FlaskClient):
    """A test client that fills in the CSRF token, as the browser would from the form."""

    def csrf_token(self, path: str = "/") -> str:
        response = self.get(path, follow_redirects=True)
        match = CSRF_TOKEN.search(response.get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        return match.group(1) or match.group(2)

    def post_form(self, path: str, data: dict[str, object] | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        response = self.post(path, data=data, **kwargs)
        response.request.input_stream.close()  # uploads are spooled to a temporary file
        return response


@pytest.fixture
def client(app: Flask, db_session: scoped_session[Session]) -> FlaskClient:
    app.test_client_class = CaseworkClient
    return app.test_client()


def sign_in(client: CaseworkClient, user: User, password: str = factories.PASSWORD):  # type: ignore[no-untyped-def]
    """Sign in with both factors, as a person would; returns the last response."""
    token = client.csrf_token("/sign-in")
    response = client.post("/sign-in", data={"email": user.email, "password": password, "csrf_token": token})
    if response.status_code == 302 and response.headers["Location"] == "/sign-in/code":
        response = enter_code(client, user)
    return response


def unused_step(last_step: int | None) -> int | None:
    """The time step of an authenticator code the server will still accept when it checks, if any is left.

    The current step or the next one, never the previous: a code of the previous step is refused if
    the clock passes a step boundary between choosing it and the server checking it (a flaky sign-in).
    """
    current = int(utcnow().timestamp()) // totp.STEP_SECONDS
    step = max(current, (last_step or 0) + 1)
    return step if step <= current + totp.DRIFT_STEPS else None


def next_code(user: User) -> str:
    """The authenticator code for the earliest time step the user has not used yet."""
    state = inspect(user, raiseerr=False)
    if state is not None and state.session is not None:
        state.session.refresh(user)
    step = unused_step(user.totp_last_step)
    assert step is not None, "signed in too often within one minute"
    return pyotp.TOTP(user.totp_secret).at(step * totp.STEP_SECONDS)


def enter_code(client: CaseworkClient, user: User):  # type: ignore[no-untyped-def]
    token = client.csrf_token("/sign-in/code")
    return client.post("/sign-in/code", data={"code": next_code(user), "csrf_token": token})


@pytest.fixture
def make_client(app: Flask, db_session: scoped_session[Session]):  # type: ignore[no-untyped-def]
    """``make_client(role)`` returns a client signed in as a new user of that role (and the user)."""

    def build(role: Role, **user_fields: object) -> tuple[CaseworkClient, User]:
        user = factories.UserFactory(role=role, **user_fields)
        app.test_client_class = CaseworkClient
        signed_in = app.test_client()
        response = sign_in(signed_in, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        return signed_in, user

    return build


@pytest.fixture
def admin_client(make_client):  # type: ignore[no-untyped-def]
    return make_client(Role.ADMIN)


@pytest.fixture
def officer_client(make_client):  # type: ignore[no-untyped-def]
    return make_client(Role.OFFICER)
