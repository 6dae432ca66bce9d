"""Sign-in rate limiting fails safe when Redis (its shared counter) cannot be reached: the limits keep
holding, counted in the web process's memory (``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``); it neither
lets unlimited attempts through nor refuses everyone, and sign-in pages never answer 500."""

from __future__ import annotations

import socket

import pytest
from limits.storage import storage_from_string

from casework.extensions import limiter


def _refused_redis_url() -> str:
    """A loopback port with nothing listening on it."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def redis_unreachable(app, monkeypatch):
    """The limiter's storage is a Redis that refuses connections (put back afterwards)."""
    storage = storage_from_string(_refused_redis_url(), socket_connect_timeout=1, socket_timeout=1)
    monkeypatch.setattr(limiter, "_storage", storage)
    monkeypatch.setattr(limiter, "_limiter", type(limiter._limiter)(storage))
    monkeypatch.setattr(limiter, "_storage_dead", False)
    assert app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True
    assert not storage.check()


def _attempts(client, address: str, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    token = client.csrf_token("/sign-in")
    return [
        client.post(
            "/sign-in",
            data={"email": f"nobody{n}@casework.police.uk", "password": "x", "csrf_token": token},
            environ_base={"REMOTE_ADDR": address},
        ).status_code
        for n in range(count)
    ]


def test_with_redis_down_sign_in_attempts_are_still_limited_per_address(client, app, monkeypatch, redis_unreachable):
    monkeypatch.setitem(app.config, "SIGN_IN_RATE_LIMIT_PER_ADDRESS", "3 per minute")
    assert _attempts(client, "198.51.100.91", 4) == [200, 200, 200, 429]
    # Another address is not locked out by the first one's attempts.
    assert _attempts(client, "198.51.100.92", 1) == [200]


def test_with_redis_down_the_sign_in_page_still_serves(client, redis_unreachable):
    assert client.get("/sign-in").status_code == 200
    assert _attempts(client, "198.51.100.93", 1) == [200]
