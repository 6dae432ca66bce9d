"""The S-DASH stalking screening checklist, kept as data.

Every assessment stores the version it was answered against (DOMAIN.md), so a revised
checklist is a new ``Checklist`` added to ``CHECKLISTS`` and made ``CURRENT``; old
assessments keep showing the questions they answered.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    """One Yes/No question. ``key`` is stored in the answers and never changes."""

    key: str
    text: str


@dataclass(frozen=True)
class Checklist:
    """A versioned list of questions."""

    version: str
    questions: tuple[Question, ...]

    @property
    def keys(self) -> list[str]:
        """The question keys, in order."""
        return [question.key for question in self.questions]


S_DASH_2013 = Checklist(
    version="S-DASH (2013)",
    questions=(
        Question("victim_very_frightened", "Is the victim very frightened?"),
        Question("harassed_before", "Has the suspect harassed before (this victim or others)?"),
        Question("destroyed_property", "Has the suspect destroyed or vandalised the victim’s property?"),
        Question(
            "visits_often",
            "Does the suspect visit the victim at home, work etc. more than three times a week?",
        ),
        Question("loitered", "Has the suspect loitered around the victim’s home, workplace etc.?"),
        Question("threatened_violence", "Has the suspect threatened physical or sexual violence in this harassment?"),
        Question(
            "harassed_third_parties",
            "Has the suspect harassed third parties since it began (family, friends, colleagues…)?",
        ),
        Question("violent_in_this_stalking", "Has the suspect acted violently towards anyone within this stalking?"),
        Question("persuaded_others", "Has the suspect persuaded others to help, knowingly or not?"),
        Question("drugs_or_alcohol", "Is the suspect known to abuse drugs or alcohol?"),
        Question("violent_in_past", "Is the suspect known to have been violent in the past?"),
    ),
)

CURRENT = S_DASH_2013
CHECKLIST_VERSION = CURRENT.version
CHECKLISTS: dict[str, Checklist] = {checklist.version: checklist for checklist in (S_DASH_2013,)}

COMMENT_MAX = 2000
RATIONALE_MAX = 5000
