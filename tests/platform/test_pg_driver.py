"""psycopg remembers how it parsed the portal's long statements instead of parsing them on every request."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from psycopg import _queries

from casework.extensions import db


def test_a_statement_with_many_parameters_is_parsed_once(app: Flask, db_session) -> None:
    ids = list(range(1, 80))
    statement = sa.text("SELECT count(*) FROM cases WHERE id IN :ids").bindparams(sa.bindparam("ids", expanding=True))
    db.session.execute(statement, {"ids": ids})
    parsed = _queries._query2pg.cache_info()
    assert db.session.execute(statement, {"ids": ids}).scalar_one() == 0
    again = _queries._query2pg.cache_info()
    assert again.hits == parsed.hits + 1
    assert again.misses == parsed.misses
