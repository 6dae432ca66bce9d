"""Demo protective orders on the demo cases: orders in several states, a breach, a missed SPO
notification, one order expiring within 28 days and one past its expiry date.

Written through the services, so history rows and audit events are real. Runs once: if any order
exists, nothing is added.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import sqlalchemy as sa

from casework.auth.models import User
from casework.cases.models import Case
from casework.extensions import db
from casework.orders import service
from casework.orders.models import OrderStatus, OrderType, ProtectiveOrder, london_today
from casework.people.models import PartyRole

S = OrderStatus
COURT = "Exampletown Magistrates' Court"
NO_CONTACT = (
    "Not to contact the victim directly or indirectly, by any means, including through social media or third parties."
)


def _case(summary: str) -> Case | None:
    return db.session.execute(sa.select(Case).where(Case.summary == summary)).scalar_one_or_none()


def _order(
    officer: User,
    case: Case,
    order_type: OrderType,
    considered: date,
    prohibitions: str = NO_CONTACT,
    other_name: str | None = None,
) -> ProtectiveOrder:
    suspect = service.parties_in(case, PartyRole.SUSPECT)[0]
    victims = service.parties_in(case, PartyRole.VICTIM)
    return service.record_order(
        officer,
        case,
        service.NewOrder(
            order_type=order_type,
            subject_id=suspect.id,
            protected_ids=[victim.id for victim in victims],
            considered_on=considered,
            court=COURT,
            prohibitions=prohibitions,
            other_name=other_name,
        ),
    )


def _move(officer: User, case: Case, order: ProtectiveOrder, change: service.StatusChange) -> None:
    service.change_status(officer, case, order, change, expected_version=order.version_id)


def _notify(officer: User, case: Case, order: ProtectiveOrder, notified: date | None) -> None:
    service.update_details(
        officer,
        case,
        order,
        service.OrderDetails(
            protected_ids=[link.party_id for link in order.protected],
            court=order.court,
            prohibitions=order.prohibitions,
            requirements=order.requirements,
            served_on=order.served_on,
            notification_made_on=notified,
        ),
        expected_version=order.version_id,
    )


def seed() -> None:
    """Add the demo orders unless orders exist already (or the demo cases do not)."""
    if db.session.execute(sa.select(sa.exists().where(ProtectiveOrder.id.isnot(None)))).scalar():
        return
    today = london_today()

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    morris = _case("Ex-partner repeatedly turns up outside the victim's home and workplace.")
    if morris is not None and morris.officer_id is not None:
        officer = db.session.get(User, morris.officer_id)
        # A non-molestation order the victim obtained earlier, expiring within 28 days.
        nmo = _order(officer, morris, OrderType.NON_MOLESTATION, ago(200), "Not to use or threaten violence.")
        _move(officer, morris, nmo, service.StatusChange(S.APPLIED, ago(195)))
        _move(
            officer,
            morris,
            nmo,
            service.StatusChange(S.GRANTED, ago(160), expires_on=today + timedelta(days=20), served_on=ago(158)),
        )
        # An SPO: applied, interim order, full order, then breached three days ago.
        spo = _order(officer, morris, OrderType.SPO, ago(11))
        _move(officer, morris, spo, service.StatusChange(S.APPLIED, ago(10)))
        _move(officer, morris, spo, service.StatusChange(S.HEARING_LISTED, ago(10), hearing_on=ago(9)))
        _move(
            officer,
            morris,
            spo,
            service.StatusChange(
                S.INTERIM_GRANTED,
                ago(9),
                until_further_order=True,
                served_on=ago(9),
                reason="Interim order at first hearing.",
            ),
        )
        _notify(officer, morris, spo, ago(8))
        service.add_hearing(officer, morris, spo, hearing_on=ago(2), court=COURT, note="Full hearing")
        _move(
            officer,
            morris,
            spo,
            service.StatusChange(
                S.GRANTED,
                ago(2),
                expires_on=ago(2) + timedelta(days=731),
                prohibitions=NO_CONTACT + " Not to enter Elm Road or the victim's workplace car park.",
                requirements="Attend an assessment with the stalking perpetrator programme within 28 days.",
                served_on=ago(2),
            ),
        )
        _notify(officer, morris, spo, ago(1))
        service.record_breach(
            officer,
            morris,
            spo,
            service.NewBreach(
                occurred_on=ago(1),
                occurred_time=time(20, 40),
                description="Waited in the workplace car park the order forbids him to enter.",
                location="Victim's workplace car park",
            ),
        )

    turner = _case("Former colleague contacting the victim's family and new employer.")
    if turner is not None and turner.officer_id is not None:
        officer = db.session.get(User, turner.officer_id)
        # A full SPO served ten days ago: the subject never notified the police.
        spo = _order(officer, turner, OrderType.SPO, ago(40))
        _move(officer, turner, spo, service.StatusChange(S.APPLIED, ago(35)))
        _move(
            officer,
            turner,
            spo,
            service.StatusChange(S.GRANTED, ago(12), until_further_order=True, served_on=ago(10)),
        )
        # An earlier order past its expiry date: it shows as expired without anyone touching it.
        old = _order(
            officer,
            turner,
            OrderType.OTHER,
            ago(300),
            "Not to attend the victim's former workplace.",
            other_name="Civil injunction (employer)",
        )
        _move(officer, turner, old, service.StatusChange(S.APPLIED, ago(290)))
        _move(officer, turner, old, service.StatusChange(S.GRANTED, ago(280), expires_on=ago(5)))

    harding = _case("Stranger following the victim from the railway station on several evenings.")
    if harding is not None and harding.officer_id is not None:
        officer = db.session.get(User, harding.officer_id)
        spo = _order(officer, harding, OrderType.SPO, ago(8))
        _move(officer, harding, spo, service.StatusChange(S.APPLIED, ago(5)))
        _move(
            officer,
            harding,
            spo,
            service.StatusChange(S.HEARING_LISTED, ago(4), hearing_on=today + timedelta(days=9), court=COURT),
        )

    cole = _case("Acquaintance tracking the victim's car with a device found under the bumper.")
    if cole is not None and cole.officer_id is not None:
        officer = db.session.get(User, cole.officer_id)
        considered = _order(officer, cole, OrderType.SPO, ago(6))
        _move(
            officer,
            cole,
            considered,
            service.StatusChange(
                S.NOT_PURSUED, ago(3), reason="Suspect charged and remanded; bail conditions protect the victim."
            ),
        )
    db.session.flush()
