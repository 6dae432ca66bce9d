"""The officer's support forms are form pages: the task as the H1, the case reference as a caption,
one back link to the Support tab, no case sub-navigation; each view still writes its consultation row."""

from __future__ import annotations

from markupsafe import escape

from casework.audit.models import AuditAction
from casework.auth.models import Role
from tests.support.helpers import audit_rows, make_world, propose


def test_support_form_pages_have_one_back_link_to_the_support_tab_and_no_sub_navigation(make_client):
    client, officer = make_client(Role.OFFICER)
    world = make_world(officer=officer)
    referral = propose(world)
    victim, support = world.victim.person.full_name, world.support.name
    tab = f"/cases/{world.case.id}/support"
    pages = {
        f"{tab}/new": "Make a referral",
        f"{tab}/{referral.id}/consent": f"Record consent to the referral of {victim} to {support}",
        f"{tab}/{referral.id}/response": f"Record {support}'s answer to the referral of {victim}",
        f"{tab}/{referral.id}/withdraw": f"Record that {victim} withdrew consent to the referral to {support}",
    }
    for path, heading in pages.items():
        page = client.get(path).get_data(as_text=True)
        assert page.count("govuk-back-link") == 1, path
        assert f'<a href="{tab}" class="govuk-back-link">' in page, path
        assert f'href="{tab}">Cancel</a>' in page, path
        assert "moj-sub-navigation" not in page, path
        assert f'<span class="govuk-caption-l">{world.case.reference}</span>' in page, path
        assert page.count("<h1") == 1 and f'<h1 class="govuk-heading-l">{escape(heading)}</h1>' in page, path
    viewed = {row.detail.get("page") for row in audit_rows(world.case, AuditAction.VIEW)}
    assert {"new referral", "referral consent", "referral response", "withdraw consent"} <= viewed
