"""Fixtures for the reminder pipeline: test-only obligation sources and a temporary outbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from casework.cases import registry
from casework.cases.registry import ObligationSource


@pytest.fixture
def register_source(monkeypatch: pytest.MonkeyPatch) -> Callable[[ObligationSource], ObligationSource]:
    """Register an obligation source for this test only (the real ones are set aside, and all restored after)."""
    monkeypatch.setattr(registry, "_obligation_sources", {})

    def register(source: ObligationSource) -> ObligationSource:
        return registry.obligation_source(source)

    return register


@pytest.fixture
def outbox_dir(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Mail goes to a fresh outbox folder (no mail server, no Notify)."""
    folder = tmp_path / "outbox"
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(folder))
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    monkeypatch.setitem(app.config, "NOTIFY_API_KEY", None)
    yield folder


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    """Services read ``current_app.config``; run the test inside the app's context."""
    with app.app_context():
        yield
