"""The questions of the public report form, declared once.

Each question is one page (GOV.UK "one thing per page") with a stable number used in its
address (``/report/q/3``), so neither the address nor the page title says what the report is
about. From the same declaration come the page's WTForms form (``form_for``), the server-side
check of a stored answer (``clean_answer``, used by the service whatever the form said), and
the words shown on check-your-answers, in the triage queue and on the case's timeline
(``describe``). Whether a question is asked depends on earlier answers (``applies``): an
anonymous report is never asked for a name or contact details.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovTextInput,
)
from wtforms import Field as WTField
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from casework.cases.models import ReporterType
from casework.db import utcnow
from casework.errors import DomainError
from casework.forms import (
    EMAIL_MESSAGE,
    PHONE_MESSAGE,
    CaseworkForm,
    GovDateField,
    date_required,
    is_email_address,
    is_phone_number,
)
from casework.incidents.models import Behaviour
from casework.people.models import Relationship
from casework.workdays import local_date

Answers = dict[str, dict[str, Any]]


class Kind(enum.Enum):
    """How a field is asked."""

    CHOICE = "choice"  # radios: one value
    CHOICES = "choices"  # checkboxes: any number of values
    TEXT = "text"
    TEXTAREA = "textarea"
    DATE = "date"  # a past or present day, stored as ISO text


@dataclass(frozen=True)
class Field:
    """One field of a question."""

    name: str
    label: str
    kind: Kind
    required: str | None = None  # the message when it is left empty; None means optional
    max_length: int = 0
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""

    def choice_label(self, value: str) -> str:
        """The words for a stored choice value."""
        return dict(self.choices).get(value, value)


def _always(answers: Answers) -> bool:
    return True


@dataclass(frozen=True)
class Question:
    """One page of the form."""

    number: int
    key: str
    heading: str
    summary: str  # the short name on check-your-answers
    fields: tuple[Field, ...]
    applies: Callable[[Answers], bool] = _always
    hint: str = ""

    @property
    def single(self) -> bool:
        """A page asking one field: its label is the page heading."""
        return len(self.fields) == 1


# --- Answers the flow depends on ---------------------------------------------------------------

DANGER_NOW = "now"
DANGER_CALLED = "called"
DANGER_FEAR = "fear"
URGENT_DANGER = frozenset({DANGER_CALLED, DANGER_FEAR})


def value(answers: Answers, key: str, name: str) -> Any:
    """One stored value, or ``None``."""
    return answers.get(key, {}).get(name)


def reporter_type(answers: Answers) -> ReporterType | None:
    """Who is reporting, once answered."""
    chosen = value(answers, "reporter", "reporter_type")
    return ReporterType(chosen) if chosen in ReporterType._value2member_map_ else None


def in_danger_now(answers: Answers) -> bool:
    """Someone is in danger now and 999 has not been called: the form stops here."""
    return value(answers, "danger", "danger") == DANGER_NOW


def is_urgent(answers: Answers) -> bool:
    """The reporter said someone is, or may soon be, in danger (shown first, in red, in triage)."""
    return value(answers, "danger", "danger") in URGENT_DANGER


def _reporter_in(*types: ReporterType) -> Callable[[Answers], bool]:
    def check(answers: Answers) -> bool:
        return reporter_type(answers) in types

    return check


def _named(answers: Answers) -> bool:
    """Anyone but an anonymous reporter is asked how to contact them."""
    return reporter_type(answers) not in {None, ReporterType.ANONYMOUS}


def _suspect_known(answers: Answers) -> bool:
    return value(answers, "suspect_known", "known") == "yes"


YES_NO = (("yes", "Yes"), ("no", "No"))
SAFE_WAYS = (
    ("voicemail", "Leaving a voicemail"),
    ("texts", "Sending a text message"),
    ("email", "Sending an email"),
)
CONTACT_METHODS = (
    ("phone", "Phone call"),
    ("text", "Text message"),
    ("email", "Email"),
    ("textphone", "Textphone or Relay UK"),
)
SUPPORT = (
    ("interpreter", "An interpreter for a spoken language"),
    ("bsl", "A British Sign Language (BSL) interpreter"),
    ("textphone", "Textphone or Relay UK"),
)
FREQUENCY = (
    ("once", "Once"),
    ("few", "2 to 5 times"),
    ("many", "6 to 20 times"),
    ("constant", "More than 20 times"),
    ("unsure", "I'm not sure"),
)
DATE_HINT = "For example, 27 3 2026. If you do not know the exact date, give your best guess."
NAME_MAX, OTHER_NAMES_MAX, PHONE_MAX, EMAIL_MAX = 100, 200, 40, 254
DESCRIPTION_MAX, DETAILS_MAX, LOCATION_MAX = 5000, 2000, 300

QUESTIONS: tuple[Question, ...] = (
    Question(
        1,
        "danger",
        "Is anyone in immediate danger?",
        "Immediate danger",
        (
            Field(
                "danger",
                "Is anyone in immediate danger?",
                Kind.CHOICE,
                "Select whether anyone is in immediate danger",
                choices=(
                    (DANGER_NOW, "Yes, someone is in danger now"),
                    (DANGER_CALLED, "Yes, and 999 has already been called"),
                    (DANGER_FEAR, "Not right now, but I am frightened something will happen soon"),
                    ("no", "No"),
                ),
            ),
        ),
    ),
    Question(
        2,
        "reporter",
        "Who is reporting?",
        "Who is reporting",
        (
            Field(
                "reporter_type",
                "Who is reporting?",
                Kind.CHOICE,
                "Select who is reporting",
                choices=(
                    (ReporterType.VICTIM.value, "I am the person it is happening to"),
                    (ReporterType.THIRD_PARTY.value, "I am reporting for someone it is happening to"),
                    (ReporterType.WITNESS.value, "I have seen or know about it happening to someone else"),
                    (ReporterType.ANONYMOUS.value, "I want to report anonymously"),
                ),
                hint="If you report anonymously we will not ask for your name or contact details, "
                "and we will not be able to contact you.",
            ),
        ),
    ),
    Question(
        3,
        "behaviours",
        "What has been happening?",
        "What has been happening",
        (
            Field(
                "behaviours",
                "What has been happening?",
                Kind.CHOICES,
                choices=tuple(Behaviour.choices()),
                hint="Select all that apply. You can describe anything else later.",
            ),
        ),
    ),
    Question(
        4,
        "frequency",
        "How many times has it happened?",
        "How many times",
        (
            Field(
                "frequency",
                "How many times has it happened?",
                Kind.CHOICE,
                "Select how many times it has happened",
                choices=FREQUENCY,
            ),
        ),
    ),
    Question(
        5,
        "started",
        "When did it start?",
        "When it started",
        (Field("started_on", "When did it start?", Kind.DATE, "Enter the date it started", hint=DATE_HINT),),
    ),
    Question(
        6,
        "latest",
        "When did it last happen?",
        "When it last happened",
        (Field("latest_on", "When did it last happen?", Kind.DATE, "Enter the date it last happened", hint=DATE_HINT),),
    ),
    Question(
        7,
        "place",
        "Where did it last happen?",
        "Where it last happened",
        (
            Field(
                "location",
                "Where did it last happen?",
                Kind.TEXT,
                max_length=LOCATION_MAX,
                hint="For example, outside a workplace, on a bus, or online (name the website or app). "
                "You can leave this blank.",
            ),
        ),
    ),
    Question(
        8,
        "description",
        "Tell us what happened",
        "What happened",
        (
            Field(
                "description",
                "Tell us what happened",
                Kind.TEXTAREA,
                "Tell us what happened",
                max_length=DESCRIPTION_MAX,
                hint="Include what was said or done, and how it has affected you or the person it is happening to. "
                "You do not need evidence to report.",
            ),
        ),
    ),
    Question(
        9,
        "suspect_known",
        "Do you know who is doing this?",
        "Know who is doing it",
        (Field("known", "Do you know who is doing this?", Kind.CHOICE, "Select yes or no", choices=YES_NO),),
    ),
    Question(
        10,
        "suspect",
        "About the person responsible",
        "The person responsible",
        (
            Field("first_name", "First name", Kind.TEXT, max_length=NAME_MAX),
            Field("last_name", "Last name", Kind.TEXT, max_length=NAME_MAX),
            Field(
                "other_names",
                "Other names, nicknames or online accounts",
                Kind.TEXT,
                max_length=OTHER_NAMES_MAX,
            ),
            Field(
                "relationship",
                "How do they know the person it is happening to?",
                Kind.CHOICE,
                "Select how they know the person it is happening to",
                choices=tuple(Relationship.choices()),
            ),
            Field(
                "details",
                "Anything else that would help us identify them",
                Kind.TEXTAREA,
                max_length=DETAILS_MAX,
                hint="For example, what they look like, their car, or where they live or work.",
            ),
        ),
        applies=_suspect_known,
        hint="Tell us what you know. Leave blank anything you do not know.",
    ),
    Question(
        11,
        "reporter_details",
        "Your details",
        "Your details",
        (
            Field("first_name", "First name", Kind.TEXT, "Enter your first name", NAME_MAX),
            Field("last_name", "Last name", Kind.TEXT, "Enter your last name", NAME_MAX),
            Field(
                "connection",
                "How do you know the person it is happening to?",
                Kind.TEXT,
                max_length=OTHER_NAMES_MAX,
                hint="For example, a friend, family member or colleague. Leave blank if you do not know them.",
            ),
        ),
        applies=_reporter_in(ReporterType.THIRD_PARTY, ReporterType.WITNESS),
    ),
    Question(
        12,
        "victim_self",
        "Your details",
        "Your details",
        (
            Field("first_name", "First name", Kind.TEXT, "Enter your first name", NAME_MAX),
            Field("last_name", "Last name", Kind.TEXT, "Enter your last name", NAME_MAX),
            Field("date_of_birth", "Date of birth", Kind.DATE, hint="For example, 27 3 1990. You may leave it blank."),
        ),
        applies=_reporter_in(ReporterType.VICTIM),
    ),
    Question(
        13,
        "victim_other",
        "The person it is happening to",
        "The person it is happening to",
        (
            Field("first_name", "First name", Kind.TEXT, max_length=NAME_MAX),
            Field("last_name", "Last name", Kind.TEXT, max_length=NAME_MAX),
            Field("date_of_birth", "Date of birth", Kind.DATE, hint="For example, 27 3 1990."),
        ),
        applies=_reporter_in(ReporterType.THIRD_PARTY, ReporterType.WITNESS),
        hint="Leave blank anything you do not know.",
    ),
    Question(
        14,
        "victim_contact",
        "Is it safe for us to contact them directly?",
        "Contacting the person it is happening to",
        (
            Field(
                "contact_victim",
                "Is it safe for us to contact them directly?",
                Kind.CHOICE,
                "Select whether it is safe to contact them",
                choices=(
                    ("yes", "Yes, it is safe to contact them"),
                    ("via_reporter", "No, contact me first"),
                    ("unsure", "I don't know"),
                ),
            ),
        ),
        applies=_reporter_in(ReporterType.THIRD_PARTY),
    ),
    Question(
        15,
        "contact",
        "How can we contact you?",
        "How to contact you",
        (
            Field("phone", "Phone number", Kind.TEXT, max_length=PHONE_MAX),
            Field("email", "Email address", Kind.TEXT, max_length=EMAIL_MAX),
            Field(
                "preferred",
                "How would you like us to contact you?",
                Kind.CHOICE,
                "Select how you would like us to contact you",
                choices=CONTACT_METHODS,
            ),
        ),
        applies=_named,
        hint="Give a number or email address that only you can see.",
    ),
    Question(
        16,
        "safe",
        "When is it safe to contact you?",
        "When and how it is safe",
        (
            Field(
                "safe_times",
                "Best days and times to contact you",
                Kind.TEXT,
                max_length=200,
                hint="For example, weekdays between 9am and 12pm.",
            ),
            Field(
                "safe_ways",
                "Which of these are safe?",
                Kind.CHOICES,
                choices=SAFE_WAYS,
                hint="Only select what is safe: someone else may see your phone or email.",
            ),
        ),
        applies=_named,
    ),
    Question(
        17,
        "needs",
        "Do you need any help to talk to us?",
        "Help to talk to us",
        (
            Field("language", "Language you would prefer, if not English", Kind.TEXT, max_length=60),
            Field("support", "Do you need any of these?", Kind.CHOICES, choices=SUPPORT),
            Field("access_needs", "Any other needs", Kind.TEXTAREA, max_length=1000),
        ),
        applies=_named,
        hint="We can provide an interpreter by phone to start with, and later in person.",
    ),
)

BY_NUMBER = {question.number: question for question in QUESTIONS}
BY_KEY = {question.key: question for question in QUESTIONS}


def _applicable(answers: Answers) -> list[Question]:
    return [question for question in QUESTIONS if question.applies(answers)]


def asked(answers: Answers) -> list[Question]:
    """The questions this reporter is asked, given their answers so far, in order.

    While someone is in danger now (and 999 has not been called) the form asks nothing more.
    """
    return [BY_KEY["danger"]] if in_danger_now(answers) else _applicable(answers)


def first_unanswered(answers: Answers) -> Question | None:
    """The next question to ask, or ``None`` when every question asked has an answer."""
    return next((question for question in asked(answers) if question.key not in answers), None)


def prune(answers: Answers) -> Answers:
    """Only the answers to questions still asked: changing to an anonymous report drops every identity."""
    kept = dict(answers)
    while True:
        still_asked = {question.key for question in _applicable(kept)}
        pruned = {key: data for key, data in kept.items() if key in still_asked}
        if pruned == kept:
            return pruned
        kept = pruned


# --- Forms -------------------------------------------------------------------------------------


def _choices_in(allowed: tuple[tuple[str, str], ...], message: str) -> Callable[[Any, WTField], None]:
    values = {value for value, _ in allowed}

    def check(form: Any, wtfield: WTField) -> None:
        chosen = wtfield.data if isinstance(wtfield.data, list) else [wtfield.data]
        if any(item not in values for item in chosen if item is not None):
            raise ValidationError(message)

    return check


def _not_in_future(label: str) -> Callable[[Any, WTField], None]:
    def check(form: Any, wtfield: WTField) -> None:
        if wtfield.data is not None and wtfield.data > _today():
            raise ValidationError(f"{label} must be today or in the past")

    return check


def _wtf_field(spec: Field) -> Any:
    label = spec.label
    if spec.kind is Kind.CHOICE:
        message = spec.required or f"Select an answer for ‘{label}’"
        first = InputRequired(message) if spec.required else Optional()
        return RadioField(
            label,
            widget=GovRadioInput(),
            choices=list(spec.choices),
            description=spec.hint,
            validate_choice=False,
            validators=[first, _choices_in(spec.choices, message)],
        )
    if spec.kind is Kind.CHOICES:
        return SelectMultipleField(
            label,
            widget=GovCheckboxesInput(),
            choices=list(spec.choices),
            description=spec.hint,
            validate_choice=False,
            validators=[_choices_in(spec.choices, f"Select from the list for ‘{label}’")],
        )
    if spec.kind is Kind.DATE:
        validators = [date_required(spec.required)] if spec.required else []
        return GovDateField(
            label,
            widget=GovDateInput(),
            description=spec.hint,
            validators=[*validators, _not_in_future(label)],
        )
    length = Length(max=spec.max_length, message=_too_long(spec))
    validators = [DataRequired(spec.required) if spec.required else Optional(), length]
    if spec.kind is Kind.TEXTAREA:
        return TextAreaField(label, widget=GovCharacterCount(), description=spec.hint, validators=validators)
    return StringField(label, widget=GovTextInput(), description=spec.hint, validators=validators)


def _too_long(spec: Field) -> str:
    return f"{spec.label} must be {spec.max_length} characters or fewer"


class QuestionForm(CaseworkForm):
    """A question page's form; ``form_for`` adds the question's fields."""

    question: Question

    def answer(self) -> dict[str, Any]:
        """The submitted values, ready to store (dates as ISO text, checkboxes as lists)."""
        data: dict[str, Any] = {}
        for spec in self.question.fields:
            raw = self[spec.name].data
            if spec.kind is Kind.DATE:
                data[spec.name] = raw.isoformat() if raw else None
            elif spec.kind is Kind.CHOICES:
                data[spec.name] = list(raw or [])
            else:
                data[spec.name] = raw or None
        return data

    def fill(self, stored: dict[str, Any]) -> None:
        """Show a stored answer (for changing it)."""
        for spec in self.question.fields:
            stored_value = stored.get(spec.name)
            if spec.kind is Kind.DATE and stored_value:
                self[spec.name].data = date.fromisoformat(stored_value)
            elif stored_value is not None:
                self[spec.name].data = stored_value


_FORMS: dict[int, type[QuestionForm]] = {}


def form_for(question: Question) -> type[QuestionForm]:
    """The WTForms class of a question page (built once)."""
    if question.number not in _FORMS:
        attributes: dict[str, Any] = {spec.name: _wtf_field(spec) for spec in question.fields}
        attributes["question"] = question
        _FORMS[question.number] = type(f"Question{question.number}Form", (QuestionForm,), attributes)
    return _FORMS[question.number]


# --- The same rules, checked by the service on what is stored ---------------------------------


def _today() -> date:
    return local_date(utcnow())


def _clean_field(spec: Field, raw: Any) -> Any:
    """Check one stored value; raise ``DomainError`` naming the field."""
    empty = raw in (None, "", [])
    if empty:
        if spec.required:
            raise DomainError(spec.required, field=spec.name)
        return [] if spec.kind is Kind.CHOICES else None
    if spec.kind is Kind.CHOICE:
        if not isinstance(raw, str) or raw not in dict(spec.choices):
            raise DomainError(spec.required or f"Select an answer for ‘{spec.label}’", field=spec.name)
        return raw
    if spec.kind is Kind.CHOICES:
        allowed = [choice for choice, _ in spec.choices]
        if not isinstance(raw, list) or any(item not in allowed for item in raw):
            raise DomainError(f"Select from the list for ‘{spec.label}’", field=spec.name)
        return [choice for choice in allowed if choice in raw]
    if spec.kind is Kind.DATE:
        try:
            day = date.fromisoformat(raw)
        except (TypeError, ValueError) as error:
            raise DomainError(f"{spec.label} must be a real date, like 27 3 2026", field=spec.name) from error
        if day > _today():
            raise DomainError(f"{spec.label} must be today or in the past", field=spec.name)
        return day.isoformat()
    if not isinstance(raw, str):
        raise DomainError(f"Enter {spec.label.lower()} as text", field=spec.name)
    if len(raw) > spec.max_length:
        raise DomainError(_too_long(spec), field=spec.name)
    return raw


def clean_answer(question: Question, raw: dict[str, Any], answers: Answers) -> dict[str, Any]:
    """Check an answer to ``question`` (each field, then the rules across questions) and return it clean."""
    if not isinstance(raw, dict) or set(raw) - {spec.name for spec in question.fields}:
        raise DomainError("That answer does not belong to this question")
    cleaned = {spec.name: _clean_field(spec, raw.get(spec.name)) for spec in question.fields}
    _check_across(question, cleaned, answers)
    return cleaned


def _check_across(question: Question, cleaned: dict[str, Any], answers: Answers) -> None:
    if question.key == "latest":
        started = value(answers, "started", "started_on")
        if started and cleaned["latest_on"] < started:
            raise DomainError(
                "The date it last happened must be the same as or after the date it started", field="latest_on"
            )
    if question.key == "started":
        latest = value(answers, "latest", "latest_on")
        if latest and cleaned["started_on"] > latest:
            raise DomainError(
                "The date it started must be the same as or before the date it last happened", field="started_on"
            )
    if question.key == "suspect" and not any(
        cleaned[name] for name in ("first_name", "last_name", "other_names", "details")
    ):
        raise DomainError(
            "Enter a name, an online account or anything that would help identify them", field="first_name"
        )
    if question.key == "contact":
        needs = {"phone": "phone", "text": "phone", "textphone": "phone", "email": "email"}[cleaned["preferred"]]
        if not cleaned[needs]:
            message = "Enter a phone number" if needs == "phone" else "Enter an email address"
            raise DomainError(f"{message} to be contacted that way", field=needs)
        if cleaned["phone"] and not is_phone_number(cleaned["phone"]):
            raise DomainError(PHONE_MESSAGE, field="phone")
        if cleaned["email"] and not is_email_address(cleaned["email"]):
            raise DomainError(EMAIL_MESSAGE, field="email")


# --- Words ------------------------------------------------------------------------------------


def _show(spec: Field, stored: Any) -> str:
    if stored in (None, "", []):
        return "Not given"
    if spec.kind is Kind.CHOICE:
        return spec.choice_label(stored)
    if spec.kind is Kind.CHOICES:
        return "; ".join(spec.choice_label(item) for item in stored)
    if spec.kind is Kind.DATE:
        return date.fromisoformat(stored).strftime("%-d %B %Y")
    return str(stored)


@dataclass(frozen=True)
class AnswerRow:
    """One question and its answer, in words: ``lines`` are ``(label or None, text)``."""

    question: Question
    lines: list[tuple[str | None, str]]


# The answers that become a victim's sealed details when she reports herself (``service._victim_contact``).
SEALED_ANSWERS = frozenset({("contact", "phone"), ("contact", "email")})
WITHHELD = "Held in the victim's sealed details"


def describe(answers: Answers, withheld: frozenset[tuple[str, str]] = frozenset()) -> list[AnswerRow]:
    """Every answered question, in order, in words (check-your-answers, triage, the case timeline).

    ``withheld`` answers (question key, field name) are not shown: the line says where they are held instead.
    """
    rows = []
    for question in QUESTIONS:
        stored = answers.get(question.key)
        if stored is None:
            continue
        lines = [
            (
                None if question.single else spec.label,
                WITHHELD
                if (question.key, spec.name) in withheld and stored.get(spec.name)
                else _show(spec, stored.get(spec.name)),
            )
            for spec in question.fields
        ]
        rows.append(AnswerRow(question, lines))
    return rows
