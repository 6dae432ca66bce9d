"""Name lists for the seeded people, with realistic frequencies.

Surnames and forenames come from Faker's en_GB lists (500 surnames weighted by their
frequency in Great Britain, 182 forenames of each sex, taken as roughly most common first)
and, for about one person in ten, Faker's en_IN lists. Faker is already installed with the
test extras (factory-boy depends on it). Each list is expanded into a fixed number of
*slots* so that SQL can draw a weighted name with ``floor(random() * SLOTS)`` and an
equality join.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

from faker.providers.person.en_GB import Provider as GreatBritain
from faker.providers.person.en_IN import Provider as India

from casework.people.models import name_match_key

SLOTS = 20_000
ORIGIN_SHARES = {"gb": 0.90, "in": 0.10}


def _by_rank(names: Sequence[str]) -> list[tuple[str, float]]:
    """Zipf-like weights for a list given most common first."""
    return [(name, 1.0 / (rank + 20)) for rank, name in enumerate(names)]


def _uniform(names: Sequence[str]) -> list[tuple[str, float]]:
    return [(name, 1.0) for name in names]


def spread(weighted: Sequence[tuple[str, float]], size: int = SLOTS) -> list[str]:
    """``size`` names in which each name appears in proportion to its weight (at quantile midpoints)."""
    cumulative = list(itertools.accumulate(weight for _, weight in weighted))
    total = cumulative[-1]
    return [weighted[bisect.bisect_right(cumulative, (slot + 0.5) / size * total)][0] for slot in range(size)]


def key_part(name: str) -> str:
    """A name normalised as ``name_match_key`` does; ``last_key + " " + first_key`` is the match key."""
    return name_match_key("", name)


def first_name_slots() -> list[tuple[str, str, int, str, str]]:
    """Rows (origin, sex, slot, name, key) for the forename slot table."""
    lists = {
        ("gb", "f"): _by_rank(GreatBritain.first_names_female),
        ("gb", "m"): _by_rank(GreatBritain.first_names_male),
        ("in", "f"): _uniform(India.first_names_female),
        ("in", "m"): _uniform(India.first_names_male),
    }
    return [
        (origin, sex, slot, name, key_part(name))
        for (origin, sex), weighted in lists.items()
        for slot, name in enumerate(spread(weighted))
    ]


def last_name_slots() -> list[tuple[str, int, str, str]]:
    """Rows (origin, slot, name, key) for the surname slot table."""
    lists = {
        "gb": list(GreatBritain.last_names.items()),
        "in": _uniform(India.last_names),
    }
    return [
        (origin, slot, name, key_part(name))
        for origin, weighted in lists.items()
        for slot, name in enumerate(spread(weighted))
    ]


def staff_names() -> list[str]:
    """Plausible, distinct names for the seeded staff accounts."""
    firsts = [*GreatBritain.first_names_female[:40], *GreatBritain.first_names_male[:40]]
    lasts = list(GreatBritain.last_names)[:120]
    names: list[str] = []
    for index in range(200):
        name = f"{firsts[(index * 7) % len(firsts)]} {lasts[(index * 13) % len(lasts)]}"
        if name not in names:
            names.append(name)
    return names
