"""The audit viewer's filters are served by indexes on PostgreSQL (50,000 events; the plan never scans the table)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from casework.admin import audit_log
from casework.audit.models import AuditAction, AuditEvent
from casework.extensions import db

BULK = """
INSERT INTO audit_events (created_at, actor, action, object_type, object_id, user_id)
SELECT now() - make_interval(secs => g), 'bulk@example.org',
       (ARRAY['view','sign_in','disclose','access_denied','update','sign_in_failed'])[1 + g % 6],
       CASE WHEN g % 3 = 0 THEN 'case' ELSE 'user' END, (g % 5000)::text, :user_id
FROM generate_series(1, 50000) AS g
"""


def _plan(filters: audit_log.AuditFilters) -> str:
    query, _ = audit_log._filtered(filters)
    query = query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(audit_log.PAGE_SIZE + 1)
    compiled = query.compile(dialect=postgresql.dialect(), compile_kwargs={"render_postcompile": True})
    connection = db.session.connection()
    rows = connection.exec_driver_sql("EXPLAIN " + str(compiled), compiled.construct_params()).scalars()
    return "\n".join(rows)


@pytest.mark.parametrize(
    "filters",
    [
        audit_log.AuditFilters(),
        audit_log.AuditFilters(action=AuditAction.DISCLOSE),
        audit_log.AuditFilters(category="refusals"),
        audit_log.AuditFilters(object_type="case", object_id="42"),
        audit_log.AuditFilters(date_from=date(2026, 1, 1), date_to=date(2026, 1, 2)),
        audit_log.AuditFilters(user_id=-1),
    ],
    ids=["none", "action", "category", "object", "dates", "person"],
)
def test_filters_use_an_index(db_session, app, filters):
    with app.app_context():
        db.session.execute(sa.text(BULK), {"user_id": None})
        db.session.execute(sa.text("ANALYZE audit_events"))
        plan = _plan(filters)
    assert "Seq Scan on audit_events" not in plan, plan
    assert "ix_audit_events" in plan or "pk_audit_events" in plan, plan
