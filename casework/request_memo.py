"""Remember a read about one case for the rest of a web request, until anything is written.

A case page asks some features twice for the same rows (the orders needing attention feed both the
open items and the task list). Memoising such a read in ``flask.g`` saves the second query; any
flush, commit or rollback forgets every memo, and a session with unflushed changes bypasses them,
so a page that saves and then renders never shows what was true before the save.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from flask import Flask, g, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from casework.extensions import db

_STORE = "_request_memo"
R = TypeVar("R")


class _HasId(Protocol):
    id: int


def per_request(read: Callable[[Any], R]) -> Callable[[Any], R]:
    """``read(case)`` memoised by the case's id for the rest of the request (see the module's docstring)."""

    @functools.wraps(read)
    def memoised(case: _HasId) -> R:
        if not has_request_context() or _has_unflushed_changes():
            return read(case)
        store: dict[tuple[Callable[[Any], R], int], Any] = g.setdefault(_STORE, {})
        key = (read, case.id)
        if key not in store:
            store[key] = read(case)
        return store[key]  # type: ignore[no-any-return]

    return memoised


def _has_unflushed_changes() -> bool:
    session = db.session()
    return bool(session.new or session.deleted or session.dirty)


def _forget(*_: Any) -> None:
    if has_app_context():
        g.pop(_STORE, None)


def init_app(app: Flask) -> None:
    """Forget the memos at the end of each request, and whenever any session writes or ends its transaction."""
    app.teardown_request(_forget)
    if not event.contains(Session, "after_flush", _forget):
        for name in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
            event.listen(Session, name, _forget)
