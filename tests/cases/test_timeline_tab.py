"""The timeline has its own tab: the summary links to it and does not build it."""

from __future__ import annotations

import sqlalchemy as sa

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases import registry, service
from casework.cases.models import CaseDecision, DecisionKind, DecisionOutcome, NoteVisibility
from casework.db import utcnow
from casework.extensions import db
from tests import factories
from tests.querycount import count_queries


def test_the_timeline_tab_shows_what_happened_and_the_summary_links_to_it(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    service.add_note(officer, case, body="Spoke to the employer about the gifts", visibility=NoteVisibility.POLICE_ONLY)
    db.session.commit()

    with count_queries() as summary_queries:
        summary = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="/cases/{case.id}/timeline"' in summary
    assert "Spoke to the employer" not in summary
    assert not [s for s in summary_queries.statements if "FROM case_notes" in s]

    timeline = client.get(f"/cases/{case.id}/timeline").get_data(as_text=True)
    assert "Spoke to the employer about the gifts" in timeline
    assert 'aria-current="page">Timeline' in timeline
    pages = db.session.execute(
        sa.select(AuditEvent.detail).where(
            AuditEvent.action == AuditAction.VIEW,
            AuditEvent.object_type == "case",
            AuditEvent.object_id == str(case.id),
        )
    ).scalars()
    assert "timeline" in {detail["page"] for detail in pages}


def test_marac_and_safety_plan_decisions_are_on_the_timeline_with_their_notes_for_police_only(make_client):
    _, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    db.session.add(
        CaseDecision(
            case_id=case.id,
            kind=DecisionKind.MARAC,
            outcome=DecisionOutcome.MARAC_REFERRED,
            decided_at=utcnow(),
            decided_by_id=officer.id,
            note="Listed for the March MARAC",
        )
    )
    db.session.flush()
    for police_only, body in ((True, "Listed for the March MARAC"), (False, None)):
        entries = registry.timeline(case, registry.Viewer(officer, police_only=police_only))
        assert [(entry.title, entry.body) for entry in entries if entry.title == "Referred to MARAC"] == [
            ("Referred to MARAC", body)
        ]
