"""Case workflow in real Chromium: a supervisor closing a high-risk case without a safety plan is warned and must
confirm; an officer sees the task list and the identity bar (BSL, interpreter) on the case summary."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from casework.auth.models import Team
from casework.auth.service import find_user_by_email
from casework.cases.models import CaseDecision, CaseStatus, DecisionKind, DecisionOutcome, RiskLevel
from casework.db import utcnow
from casework.extensions import db
from casework.orders.models import london_today
from casework.people.models import PartyRole, VictimContact
from tests import factories
from tests.browser.conftest import accessibility_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _seed_high_risk_case(live_server: dict[str, Any], *, safety_plan: bool) -> tuple[int, str]:
    """A high-risk case of the demo officer and supervisor with a BSL-using victim; MARAC decided, no safety plan."""
    with live_server["app"].app_context():
        officer = find_user_by_email("officer@casework.police.uk")
        supervisor = find_user_by_email("supervisor@casework.police.uk")
        assert officer is not None and supervisor is not None
        case = factories.CaseFactory(
            team=db.session.get(Team, officer.team_id),
            officer=officer,
            supervisor=supervisor,
            created_by=officer,
            status=CaseStatus.INVESTIGATING,
            risk_level=RiskLevel.HIGH,
            crime_number="44/12345/26",
            reference=f"SH-2026-{800000 + int(utcnow().timestamp()) % 100000:06d}",
        )
        victim = factories.CasePartyFactory(
            case=case, role=PartyRole.VICTIM, person=factories.PersonFactory(first_name="Grace", last_name="Okafor")
        )
        db.session.add(VictimContact(party_id=victim.id, uses_bsl=True, uses_textphone=True))
        factories.IncidentFactory(case=case, recorded_by_id=officer.id)
        decisions = [(DecisionKind.MARAC, DecisionOutcome.MARAC_REFERRED)]
        if safety_plan:
            decisions.append((DecisionKind.SAFETY_PLAN, DecisionOutcome.PLAN_AGREED))
        for kind, outcome in decisions:
            db.session.add(
                CaseDecision(case_id=case.id, kind=kind, outcome=outcome, decided_at=utcnow(), decided_by_id=officer.id)
            )
        db.session.commit()
        return case.id, case.reference


def test_supervisor_closing_a_high_risk_case_without_a_safety_plan_is_warned_and_must_confirm(page: Page, live_server):
    case_id, reference = _seed_high_risk_case(live_server, safety_plan=False)
    sign_in(page, live_server, "supervisor@casework.police.uk")
    page.goto(f"{live_server['base_url']}/cases/{case_id}")
    page.get_by_role("link", name="Close case").click()
    warnings = page.locator("#closing-warnings")
    expect(warnings).to_contain_text("High risk: no safety plan decision is recorded")
    expect(page.locator("#main-content")).not_to_contain_text("Nothing is")
    assert accessibility_violations(page) == []

    page.get_by_label("No further action – victim does not support").check()
    page.get_by_role("button", name="Close case").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Confirm that you want to close the case")
    assert accessibility_violations(page) == []
    page.get_by_label("I have checked the list above and want to close the case").check()
    page.get_by_role("button", name="Close case").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"Case {reference} is closed")
    expect(page.locator("#identity-bar")).to_contain_text("Closed")


def test_officer_sees_the_task_list_and_the_identity_bar_on_the_summary(page: Page, live_server):
    case_id, reference = _seed_high_risk_case(live_server, safety_plan=False)
    sign_in(page, live_server, "officer@casework.police.uk")
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"{live_server['base_url']}/cases/{case_id}")
    bar = page.locator("#identity-bar")
    expect(bar).to_contain_text("Grace Okafor")
    expect(bar).to_contain_text(reference)
    expect(bar).to_contain_text("Olivia Officer")
    expect(bar).to_contain_text("High risk")
    expect(page.locator("#communication-needs")).to_contain_text("BSL interpreter")
    expect(page.locator("#communication-needs")).to_contain_text("Textphone / Relay UK")
    red = "rgb(212, 53, 28)"  # the high-risk banner is red, title bar included, never the default blue
    expect(page.locator(".casework-high-risk .govuk-notification-banner__header")).to_have_css("background-color", red)
    task_list = page.locator("#task-list")
    expect(task_list.locator("li", has_text="MARAC referral considered")).to_contain_text("Completed")
    safety = task_list.locator("li", has_text="Safety plan agreed with the victim")
    expect(safety).to_contain_text("To do")
    assert accessibility_violations(page) == []
    if os.environ.get("CASEWORK_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "case-summary.png"), full_page=True)

    safety.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Safety plan agreed")).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_label("Safety plan agreed with the victim").check()
    today = london_today()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Recorded: Safety plan agreed with the victim"
    )
    expect(page.locator("#task-list li", has_text="Safety plan agreed with the victim")).to_contain_text("Completed")
    page.get_by_role("link", name="Timeline", exact=True).click()
    expect(page.get_by_role("heading", level=2, name="Timeline")).to_be_visible()
    expect(page.locator(".moj-timeline")).to_contain_text("Safety plan agreed with the victim")
    assert accessibility_violations(page) == []
