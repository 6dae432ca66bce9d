"""Risk assessments: the S-DASH stalking screening checklist, kept with every answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.auth.models import User
from casework.cases.models import RiskLevel
from casework.db import Timestamped, UTCDateTime, enum_type
from casework.extensions import db
from casework.risk.checklist import CHECKLISTS

if TYPE_CHECKING:
    from casework.cases.models import Case


@dataclass(frozen=True)
class AnsweredQuestion:
    """A question of the checklist an assessment was made against, with its answer."""

    text: str
    answer: bool
    comment: str


class RiskAssessment(Timestamped, db.Model):
    """One completed assessment. Never edited: a new one supersedes it."""

    __tablename__ = "risk_assessments"
    __table_args__ = (sa.Index("ix_risk_assessments_case_assessed", "case_id", "assessed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    assessor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    checklist_version: Mapped[str] = mapped_column(sa.String(40))
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, doc="question key -> {answer: bool, comment: str}")
    yes_count: Mapped[int]
    level: Mapped[RiskLevel] = mapped_column(enum_type(RiskLevel, length=16))
    rationale: Mapped[str] = mapped_column(sa.Text)

    case: Mapped[Case] = relationship(back_populates="assessments", lazy="raise")
    assessor: Mapped[User] = relationship(lazy="raise")

    def answered_questions(self) -> list[AnsweredQuestion]:
        """The answers in checklist order, worded as in the checklist version they were given against."""
        checklist = CHECKLISTS.get(self.checklist_version)
        questions = checklist.questions if checklist else ()
        order = {question.key: index for index, question in enumerate(questions)}
        texts = {question.key: question.text for question in questions}
        keys = sorted(self.answers, key=lambda key: (order.get(key, len(order)), key))
        return [
            AnsweredQuestion(
                text=texts.get(key, key),
                answer=bool(self.answers[key].get("answer")),
                comment=self.answers[key].get("comment") or "",
            )
            for key in keys
        ]
