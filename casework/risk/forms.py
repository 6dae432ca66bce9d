"""The risk assessment form, built from the checklist so that a new version needs no new form code."""

from __future__ import annotations

from typing import Any, ClassVar

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import Field, RadioField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from casework.cases.models import RiskLevel
from casework.forms import CaseworkForm
from casework.risk import checklist
from casework.risk.checklist import COMMENT_MAX, RATIONALE_MAX, Checklist
from casework.risk.service import Answer

YES, NO = "yes", "no"


def comment_field_name(key: str) -> str:
    """The form field holding the comment on question ``key``."""
    return f"{key}_comment"


def _choice(label: str, choices: list[tuple[str, str]], message: str, description: str = "") -> RadioField:
    """A required radio question; an unexpected value gets the same plain message as none at all."""
    return RadioField(
        label,
        widget=GovRadioInput(),
        choices=choices,
        description=description,
        validate_choice=False,
        validators=[InputRequired(message), AnyOf([value for value, _ in choices], message=message)],
    )


class AssessmentFormBase(CaseworkForm):
    """Behaviour shared by the assessment forms; the fields come from ``build_assessment_form``."""

    checklist: ClassVar[Checklist]
    rationale_max: ClassVar[int] = RATIONALE_MAX

    def question_fields(self) -> list[tuple[Field, Field]]:
        """Each question's Yes/No field and comment field, in checklist order."""
        return [(self[question.key], self[comment_field_name(question.key)]) for question in self.checklist.questions]

    def answers(self) -> dict[str, Answer]:
        """The answers for ``service.record_assessment``."""
        return {
            question.key: Answer(answer=answer.data == YES, comment=comment.data or "")
            for question, (answer, comment) in zip(self.checklist.questions, self.question_fields(), strict=True)
        }


def build_assessment_form(version: Checklist) -> type[AssessmentFormBase]:
    """A form class for one checklist version: the questions in order, then the level and rationale.

    Each question's fields are named after its stable key, so the error summary links to them.
    """
    fields: dict[str, Any] = {"checklist": version}
    for number, question in enumerate(version.questions, start=1):
        fields[question.key] = _choice(
            f"{number}. {question.text}", [(YES, "Yes"), (NO, "No")], f"Select Yes or No for question {number}"
        )
        fields[comment_field_name(question.key)] = TextAreaField(
            f"Comment on question {number} (optional)",
            widget=GovTextArea(),
            validators=[
                Optional(),
                Length(
                    max=COMMENT_MAX, message=f"Comment on question {number} must be {COMMENT_MAX} characters or fewer"
                ),
            ],
        )
    fields["level"] = _choice(
        "Risk level",
        RiskLevel.choices(),
        "Select the risk level",
        "More Yes answers mean more risk, but the level is your judgement.",
    )
    fields["rationale"] = TextAreaField(
        "Why did you choose this level?",
        widget=GovCharacterCount(),
        description="Explain your judgement: what the answers, the incidents and the victim tell you.",
        validators=[
            DataRequired("Give the reasons for the risk level you chose"),
            Length(max=RATIONALE_MAX, message=f"The reasons must be {RATIONALE_MAX} characters or fewer"),
        ],
    )
    fields["submit"] = SubmitField("Save the assessment", widget=GovSubmitInput())
    return type("AssessmentForm", (AssessmentFormBase,), fields)


AssessmentForm = build_assessment_form(checklist.CURRENT)
