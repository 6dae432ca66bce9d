"""The database goes away and comes back (``casework/errors_pages.py``): pages answer a friendly 503 with
``Retry-After`` meanwhile, never a 500, and the app recovers by itself when the database returns.

The app reaches the real PostgreSQL through a TCP relay on loopback; stopping the relay closes every
open connection (as a restart does) and refuses new ones, starting it again lets them through.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from casework.auth.models import Role
from casework.errors_pages import RETRY_AFTER_SECONDS
from casework.extensions import db
from tests import factories
from tests.conftest import CaseworkClient, create_database, make_test_app, sign_in


class Relay:
    """Forwards connections from a loopback port to ``target``; ``stop`` drops them all and refuses more."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept(): the port closes now
            listener.close()
        with self._lock:
            for connection in self._open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self._lock:
                self._open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)


@pytest.fixture(scope="module")
def outage_database(worker_suffix: str) -> str:
    """A database of its own (these tests commit), migrated."""
    url = create_database(f"casework_outage_{worker_suffix}")
    app = make_test_app(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def relayed(outage_database: str) -> Iterator[tuple[Flask, Relay]]:
    """An app whose database connections go through a relay the test can stop and start."""
    real = sa.make_url(outage_database)
    relay = Relay((real.host or "127.0.0.1", real.port or 5432))
    relay.start()
    app = make_test_app(real.set(port=relay.port).render_as_string(hide_password=False))
    app.test_client_class = CaseworkClient
    yield app, relay
    relay.stop()
    with app.app_context():
        db.engine.dispose()


def _signed_in(app: Flask, role: Role) -> CaseworkClient:
    with app.app_context():
        made = factories.UserFactory(role=role)
        user = SimpleNamespace(email=made.email, totp_secret=made.totp_secret, totp_last_step=None)
    client = app.test_client()
    assert sign_in(client, user).status_code == 302  # type: ignore[arg-type]
    return client


def _assert_friendly_503(response) -> None:  # type: ignore[no-untyped-def]
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:2000]
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "Sorry, the service is unavailable" in page
    assert "Nothing you entered has been saved" in page
    assert "Traceback" not in page and "psycopg" not in page and "SELECT" not in page


def test_pages_answer_503_while_the_database_is_away_and_work_again_when_it_returns(relayed):
    app, relay = relayed
    client = _signed_in(app, Role.MANAGER)
    assert client.get("/cases").status_code == 200
    token = client.csrf_token("/cases/new")

    relay.stop()  # every pooled connection is cut, and new ones are refused
    _assert_friendly_503(client.get("/cases"))
    _assert_friendly_503(client.get("/"))
    _assert_friendly_503(client.post("/cases/new", data={"csrf_token": token}))

    relay.start()
    assert client.get("/cases").status_code == 200
    assert client.get("/").status_code == 200


def test_a_connection_lost_in_the_middle_of_a_request_gives_the_same_503(relayed):
    """The user was loaded before the database went: the error page must not need it again."""
    app, relay = relayed

    @app.route("/probe/outage-mid-request")
    def lose_the_database() -> str:
        relay.stop()
        db.session.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
        return "unreachable"

    client = _signed_in(app, Role.OFFICER)
    _assert_friendly_503(client.get("/probe/outage-mid-request"))
    relay.start()
    assert client.get("/cases").status_code == 200


def test_a_signed_out_visitor_gets_the_same_503(relayed):
    app, relay = relayed
    client = _signed_in(app, Role.OFFICER)
    relay.stop()
    _assert_friendly_503(client.get("/cases"))
    relay.start()
    signed_out = app.test_client()
    assert signed_out.get("/sign-in").status_code == 200
    assert client.get("/cases").status_code == 200


def test_another_database_error_is_still_a_500(relayed):
    """Only an unreachable database is a 503: a programming error must not hide behind "try again later"."""
    app, _ = relayed

    @app.route("/broken-sql")
    def broken_sql() -> str:
        db.session.execute(sa.text("SELECT no_such_column FROM cases"))
        return "unreachable"

    client = _signed_in(app, Role.MANAGER)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/broken-sql")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
