"""The case's task list (GOV.UK task list pattern): what needs doing, in order, and where to do it.

Features add rows through ``registry.task_provider``; the case's own rows (crime number, allocation,
and for high risk the MARAC and safety plan decisions) are registered here. ``task_list`` puts them
together for one viewer: a row links to its page only when the viewer may use that page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import url_for

from casework.auth.models import User
from casework.cases import registry, service
from casework.cases.models import Case, DecisionKind, RiskLevel
from casework.cases.queries import ALLOCATION_DUE
from casework.db import utcnow
from casework.security import Permission, can
from casework.workdays import LONDON

TaskState = registry.TaskState


def _london(value: datetime, fmt: str = "%-d %B %Y at %H:%M") -> str:
    return value.astimezone(LONDON).strftime(fmt)


@dataclass(frozen=True)
class TaskList:
    """The rows a viewer sees, and how many are done."""

    tasks: list[registry.Task]

    @property
    def completed(self) -> int:
        """How many rows are done."""
        return sum(task.state == TaskState.DONE for task in self.tasks)

    @property
    def overdue(self) -> int:
        """How many rows are overdue."""
        return sum(task.state == TaskState.OVERDUE for task in self.tasks)


def task_list(viewer: User, case: Case) -> TaskList:
    """The case's task list as ``viewer`` may use it: links only to pages they may open."""
    rows = []
    for task in registry.tasks(case):
        if task.href and task.permission and not can(viewer, task.permission, task.subject or case):
            task = registry.Task(task.name, task.state, None, task.hint, task.order)
        rows.append(task)
    return TaskList(rows)


@registry.task_provider
def _crime_number(case: Case) -> list[registry.Task]:
    """NCRS: the crime is recorded within 24 hours of the report; after that the row is overdue."""
    href = url_for("cases.edit", case_id=case.id)
    if case.crime_number:
        state, hint = TaskState.DONE, case.crime_number
    else:
        due_at = service.crime_number_due_at(case)
        state = TaskState.OVERDUE if utcnow() > due_at else TaskState.TO_DO
        hint = f"Within 24 hours of the report (NCRS): by {_london(due_at)}"
    return [registry.Task("Crime number recorded", state, href, hint, 16, Permission.CASE_EDIT)]


@registry.task_provider
def _allocated(case: Case) -> list[registry.Task]:
    href = url_for("cases.allocate", case_id=case.id)
    if case.officer_id is not None:
        # The officer is named when loaded with the case, as ``service.get_case`` does for every case page.
        name = None if "officer" in sa.inspect(case).unloaded else case.officer.full_name  # type: ignore[union-attr]
        return [registry.Task("Officer in case allocated", TaskState.DONE, href, name, 20, Permission.CASE_ALLOCATE)]
    late = utcnow() > case.reported_at + ALLOCATION_DUE
    state = TaskState.OVERDUE if late else TaskState.TO_DO
    hint = "A supervisor allocates the case within 24 hours of the report"
    return [registry.Task("Officer in case allocated", state, href, hint, 20, Permission.CASE_ALLOCATE)]


DECISION_TASKS = {
    DecisionKind.MARAC: ("MARAC referral considered", 22),
    DecisionKind.SAFETY_PLAN: ("Safety plan agreed with the victim", 24),
}


@registry.task_provider
def _high_risk_decisions(case: Case) -> list[registry.Task]:
    """DOMAIN.md: a high-risk case should prompt a MARAC referral and a safety plan, recorded as dated decisions."""
    if case.risk_level != RiskLevel.HIGH:
        return []
    decided = service.latest_decisions(case)
    tasks = []
    for kind, (name, order) in DECISION_TASKS.items():
        href = url_for("cases.decision", case_id=case.id, kind=kind.value)
        decision = decided.get(kind)
        if decision is None:
            tasks.append(registry.Task(name, TaskState.TO_DO, href, "Needed because the risk is high", order))
        else:
            hint = f"{decision.outcome.label}, {_london(decision.decided_at, '%-d %B %Y')}"
            tasks.append(registry.Task(name, TaskState.DONE, href, f"{hint} by {decision.decided_by.full_name}", order))
    return [
        registry.Task(task.name, task.state, task.href, task.hint, task.order, Permission.CASE_DECISION_RECORD)
        for task in tasks
    ]
