import pytest

from casework.auth.models import Role
from tests import factories
from tests.querycount import count_queries
from tests.cases.test_case_pages_queries import add_linked_rows
from casework.cases.models import CaseStatus, RiskLevel


@pytest.mark.parametrize("tab", ["", "/people", "/incidents", "/risk", "/log", "/audit", "/status", "/close", "/edit"])
def test_measure(make_client, db_session, tab):
    client, supervisor = make_client(Role.SUPERVISOR)
    officer = factories.UserFactory(role=Role.OFFICER, team=supervisor.team)
    case = factories.CaseFactory(team=supervisor.team, officer=officer, supervisor=supervisor, status=CaseStatus.INVESTIGATING, risk_level=RiskLevel.HIGH)
    try:
        add_linked_rows(case, officer, 3)
    except Exception:
        pass
    db_session.commit()
    client.get(f"/cases/{case.id}{tab}")
    with count_queries() as few:
        assert client.get(f"/cases/{case.id}{tab}").status_code == 200
    print(f"\nQC {tab or '/summary'} {few.count}")
