"""psycopg remembers how it parsed the portal's long statements instead of parsing them on every request."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from psycopg import _queries

from casework.cases.models import Case, CaseStatus, RiskLevel
from casework.db import utcnow
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


def test_enum_values_are_written_into_the_sql_not_sent_as_parameters(app: Flask, db_session) -> None:
    """A statement PostgreSQL plans once for any parameter can use ``WHERE status <> 'closed'`` indexes only so."""
    statement = sa.select(Case.id).where(
        Case.status != CaseStatus.CLOSED,
        Case.risk_level.in_([RiskLevel.HIGH, RiskLevel.MEDIUM]),
        Case.reported_at >= utcnow(),
    )
    with app.app_context():
        compiled = statement.compile(dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True})
    sql = str(compiled)
    assert "cases.status != 'closed'" in sql
    assert "cases.risk_level IN ('high', 'medium')" in sql
    assert list(compiled.params) == ["reported_at_1"]


def test_an_enum_value_that_is_not_one_is_refused_when_the_statement_is_built(app: Flask, db_session) -> None:
    with pytest.raises(LookupError, match="is not among the defined enum values"):
        db.session.execute(sa.select(Case.id).where(Case.status == "closed'; DROP TABLE cases; --"))
