"""Order form pages are the case action page (a form page): Cancel and the one back link go to the orders tab."""

from __future__ import annotations

from casework.auth.models import Role
from tests import factories


def test_order_form_pages_share_the_case_action_page_and_cancel_back_to_the_orders_tab(make_client):
    client, officer = make_client(Role.OFFICER)
    case, _, _ = factories.order_case(officer)
    page = client.get(f"/cases/{case.id}/orders/new").get_data(as_text=True)
    assert f'href="/cases/{case.id}/orders">Cancel</a>' in page
    assert f'<a href="/cases/{case.id}/orders" class="govuk-back-link">' in page
    assert page.count("govuk-back-link") == 1
    assert '<h1 class="govuk-heading-l">Record an order</h1>' in page
    assert "moj-sub-navigation" not in page
