"""The orders tab of a case: what protects the victim now, breaches, and every order with its history."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.cases.loading import load_case, viewed
from casework.cases.models import Case
from casework.forms import apply_service, run_versioned
from casework.incidents.models import Incident
from casework.incidents.timing import describe_period
from casework.orders import service
from casework.orders.forms import BreachForm, DetailsForm, HearingForm, NewOrderForm, StatusForm
from casework.orders.models import OrderStatus, OrderType
from casework.people.models import PartyRole
from casework.security import Permission, can

bp = Blueprint("orders", __name__, url_prefix="/cases/<int:case_id>/orders")


def _back(case: Case) -> Response:
    """After a save, the top of the tab, where its success banner is (a fragment would scroll past it)."""
    return redirect(url_for(".case_orders", case_id=case.id))


def _describe_incident(incident: Incident) -> str:
    return f"{describe_period(incident.occurred_from, incident.occurred_to)}: {incident.description[:60]}"


@bp.route("")
def case_orders(case_id: int) -> str:
    """What protects the victim now, recent breaches, then every order with its history."""
    case = load_case(case_id)
    viewed(case, "orders")
    orders = service.orders_for(case)
    breaches = sorted(
        ((breach, order) for order in orders for breach in order.breaches),
        key=lambda pair: pair[0].occurred_at,
        reverse=True,
    )
    return render_template(
        "orders/tab.html",
        case=case,
        orders=orders,
        in_force=[order for order in orders if order.in_force],
        breaches=breaches,
        recent_breaches=[pair for pair in breaches if service.breach_is_recent(pair[0])],
        may_manage=can(current_user, Permission.ORDER_MANAGE, case),
        allowed=service.allowed_next_statuses,
        active_tab="orders",
    )


@bp.route("/new", methods=["GET", "POST"])
def new(case_id: int) -> str | Response:
    """Record an order being considered for the case."""
    case = load_case(case_id, Permission.ORDER_MANAGE)
    form = NewOrderForm()
    form.set_parties(service.parties_in(case, PartyRole.SUSPECT), service.parties_in(case, PartyRole.VICTIM))
    if form.validate_on_submit():
        order = apply_service(
            form,
            service.record_order,
            current_user._get_current_object(),
            case,
            service.NewOrder(
                order_type=OrderType(form.order_type.data),
                subject_id=int(form.subject_id.data),
                protected_ids=form.protected(),
                considered_on=form.considered_on.data,  # type: ignore[arg-type]  # required by the form
                other_name=form.other_name.data or None,
                court=form.court.data or None,
                prohibitions=form.prohibitions.data or None,
                requirements=form.requirements.data or None,
            ),
        )
        if order is not None:
            flash(f"The {order.name} has been recorded as considered.", "success")
            return _back(case)
    viewed(case, "new order")
    return render_template("orders/new.html", case=case, form=form, active_tab="orders")


@bp.route("/<int:order_id>/status", methods=["GET", "POST"])
def status(case_id: int, order_id: int) -> str | Response:
    """Move an order on: applied, hearing listed, granted, varied, discharged..."""
    case = load_case(case_id, Permission.ORDER_MANAGE)
    order = service.get_order(case, order_id)
    form = StatusForm()
    form.limit_to(service.allowed_next_statuses(order))
    if request.method == "GET":
        form.version.data = order.version_id
        form.court.data = order.court
        form.prohibitions.data = order.prohibitions
        form.requirements.data = order.requirements
    elif form.validate_on_submit():
        changed = run_versioned(
            form,
            order,
            service.change_status,
            current_user._get_current_object(),
            case,
            order,
            service.StatusChange(
                to_status=OrderStatus(form.to_status.data),
                effective_on=form.effective_on.data,  # type: ignore[arg-type]  # required by the form
                reason=form.reason.data or None,
                hearing_on=form.hearing_on.data,
                court=form.court.data or None,
                expires_on=form.expires_on.data,
                until_further_order=bool(form.until_further_order.data),
                prohibitions=form.prohibitions.data or None,
                requirements=form.requirements.data or None,
                served_on=form.served_on.data,
            ),
        )
        if changed is not None:
            flash(f"The {changed.name} is now ‘{changed.status.label}’.", "success")
            return _back(case)
    viewed(case, "order status", order_id=order.id)
    return render_template("orders/status.html", case=case, order=order, form=form, active_tab="orders")


@bp.route("/<int:order_id>/edit", methods=["GET", "POST"])
def edit(case_id: int, order_id: int) -> str | Response:
    """Correct an order's details; record its service and the SPO notification."""
    case = load_case(case_id, Permission.ORDER_MANAGE)
    order = service.get_order(case, order_id)
    form = DetailsForm(obj=order if request.method == "GET" else None)
    form.set_parties([], service.parties_in(case, PartyRole.VICTIM))
    if request.method == "GET":
        form.version.data = order.version_id
        form.protected_ids.data = [str(link.party_id) for link in order.protected]
    elif form.validate_on_submit():
        updated = run_versioned(
            form,
            order,
            service.update_details,
            current_user._get_current_object(),
            case,
            order,
            service.OrderDetails(
                protected_ids=form.protected(),
                court=form.court.data or None,
                prohibitions=form.prohibitions.data or None,
                requirements=form.requirements.data or None,
                other_name=form.other_name.data or None,
                served_on=form.served_on.data,
                notification_made_on=form.notification_made_on.data,
            ),
        )
        if updated is not None:
            flash(f"The {updated.name} has been updated.", "success")
            return _back(case)
    viewed(case, "order details", order_id=order.id)
    return render_template("orders/edit.html", case=case, order=order, form=form, active_tab="orders")


@bp.route("/<int:order_id>/hearings/new", methods=["GET", "POST"])
def add_hearing(case_id: int, order_id: int) -> str | Response:
    """Add a hearing to an order awaiting the court."""
    case = load_case(case_id, Permission.ORDER_MANAGE)
    order = service.get_order(case, order_id)
    form = HearingForm()
    if form.validate_on_submit():
        hearing = apply_service(
            form,
            service.add_hearing,
            current_user._get_current_object(),
            case,
            order,
            hearing_on=form.hearing_on.data,
            court=form.court.data or None,
            note=form.note.data or None,
        )
        if hearing is not None:
            flash("The hearing has been added.", "success")
            return _back(case)
    viewed(case, "order hearing", order_id=order.id)
    return render_template("orders/hearing.html", case=case, order=order, form=form, active_tab="orders")


@bp.route("/<int:order_id>/breaches/new", methods=["GET", "POST"])
def record_breach(case_id: int, order_id: int) -> str | Response:
    """Record a breach of an order in force, against a new or an existing incident."""
    case = load_case(case_id, Permission.ORDER_MANAGE)
    order = service.get_order(case, order_id)
    form = BreachForm()
    form.set_incidents(service.incident_choices(case), _describe_incident)
    if form.validate_on_submit():
        breach = apply_service(
            form,
            service.record_breach,
            current_user._get_current_object(),
            case,
            order,
            service.NewBreach(
                occurred_on=form.occurred_on.data,  # type: ignore[arg-type]  # required by the form
                occurred_time=form.time,
                description=form.description.data or "",
                incident_id=form.chosen_incident,
                location=form.location.data or None,
            ),
        )
        if breach is not None:
            flash(f"The breach of the {order.name} has been recorded. Re-assess the risk.", "success")
            return _back(case)
    viewed(case, "order breach", order_id=order.id)
    return render_template("orders/breach.html", case=case, order=order, form=form, active_tab="orders")
