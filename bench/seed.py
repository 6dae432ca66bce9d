"""Create the benchmark database and fill it fast with set-based SQL (no ORM).

Proportions, per case: one victim; a suspect in 92% (a second in 6%), and in 15% of
cases that suspect is one of a pool of repeat suspects; a witness in 45%; a third-party
reporter when the report came from one. About three incidents, two log entries, 1.2 risk
assessments (cases past allocation), the status history to the current status, the
allocation history, safe-contact details for 80% of victims. Most old cases are closed;
5% are restricted, with access granted to their officer and supervisor (and sometimes a
manager).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import sqlalchemy as sa

from bench import names

START = datetime(2024, 1, 1, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
TEAMS = ["North", "South", "East", "West", "Central", "Online harms"]
OFFICERS_PER_TEAM = 8
SUPERVISORS_PER_TEAM = 2
TEAM_SIZE = OFFICERS_PER_TEAM + SUPERVISORS_PER_TEAM
MANAGER_IDS = (61, 62)
ADMIN_ID = 63
REPEAT_SUSPECTS = 4000


def officer_id(team: int, number: int) -> int:
    """The user id of officer ``number`` (1-8) of ``team`` (1-6)."""
    return (team - 1) * TEAM_SIZE + number


def supervisor_id(team: int, number: int) -> int:
    """The user id of supervisor ``number`` (1-2) of ``team`` (1-6)."""
    return (team - 1) * TEAM_SIZE + OFFICERS_PER_TEAM + number


def email_for(user_id: int) -> str:
    """The seeded user's email address."""
    return f"user{user_id}@bench.police.example"


def weighted(shares: Mapping[str, float], size: int = 1000) -> list[str]:
    """A list of ``size`` values in proportion to ``shares``, to draw from with ``arr[1 + floor(random() * size)]``."""
    return names.spread(list(shares.items()), size)


CHANNELS = weighted(
    {
        "101": 35,
        "999": 14,
        "online": 20,
        "in_person": 12,
        "agency_referral": 6,
        "third_party": 5,
        "crimestoppers": 3,
        "text_relay": 2,
        "emergency_sms": 1.5,
        "bsl_video_relay": 1.5,
    }
)
REPORTER_TYPES = weighted({"victim": 76, "third_party": 11, "witness": 5, "anonymous": 8})
RELATIONSHIPS = weighted(
    {
        "ex_partner": 45,
        "partner": 4,
        "family": 6,
        "acquaintance": 14,
        "colleague": 6,
        "neighbour": 7,
        "stranger": 7,
        "online_only": 7,
        "unknown": 4,
    }
)
CONTACT_METHODS = weighted(
    {"phone": 40, "text": 25, "email": 15, "letter": 3, "in_person": 5, "textphone": 2, "via_adviser": 10}
)
OUTCOMES_BY_STAGE = [
    ["no_crime", "transferred", "nfa_suspect_not_identified"],
    ["nfa_victim_does_not_support", "nfa_suspect_not_identified", "nfa_public_interest", "transferred"],
    [
        "nfa_victim_supports",
        "nfa_victim_does_not_support",
        "nfa_suspect_not_identified",
        "caution",
        "community_resolution",
        "nfa_public_interest",
    ],
    ["charged_summonsed", "convicted", "acquitted"],
    ["convicted", "convicted", "acquitted"],
]
BEHAVIOURS = [
    "contacting",
    "following",
    "loitering",
    "watching",
    "threats",
    "unwanted_gifts",
    "monitoring_communications",
    "fake_accounts",
    "contacting_third_parties",
    "publishing",
    "interfering_with_property",
    "tracking_device",
    "violence",
]
SUMMARIES = [
    "Ex-partner keeps turning up at the victim's workplace and messaging her friends.",
    "Repeated calls and texts from an ex-partner since the relationship ended; victim frightened.",
    "Neighbour watches the victim's house and follows her to the shops.",
    "Former colleague sends gifts and letters to the victim's home despite being asked to stop.",
    "Unknown person running fake social media accounts in the victim's name.",
    "Ex-partner threatened violence in voicemails and was seen outside the children's school.",
    "Acquaintance from the gym contacts the victim on every platform after being blocked.",
    "Suspect has placed a tracking device on the victim's car; victim moved address.",
    "Family member sends abusive messages and contacts the victim's employer.",
    "Online-only contact posting the victim's photographs and address publicly.",
]
INCIDENT_DESCRIPTIONS = [
    "Suspect waited outside the victim's home for about an hour and left when a neighbour came out.",
    "Victim received 37 messages in one evening, several threatening.",
    "Suspect followed the victim from the station to her workplace.",
    "Flowers and a letter left on the victim's car windscreen.",
    "Suspect contacted the victim's mother asking where the victim now lives.",
    "New account created in the victim's name and used to message her friends.",
    "Suspect seen driving slowly past the victim's address twice.",
    "Voicemail threatening to 'make her pay' left on the victim's phone.",
]
LOCATIONS = [
    "Victim's home address",
    "Victim's workplace",
    "Online – Instagram",
    "Online – WhatsApp",
    "Online – Facebook",
    "Town centre",
    "Railway station",
    "Outside the children's school",
    "Supermarket car park",
    "Victim's parents' address",
    None,
]
NOTE_BODIES = [
    "Spoke to the victim by phone; safety advice given and the safety plan reviewed.",
    "Obtained CCTV from the station; exhibit created.",
    "Suspect interviewed under caution; denies the offence.",
    "Referral made to the independent stalking advocacy service.",
    "Stalking Protection Order application discussed with legal services.",
    "Victim updated on progress under the Victims' Code.",
]
RISK_RATIONALES = {
    "standard": "No escalation; suspect has stopped contact since being warned.",
    "medium": "Persistent contact and fixation; no threats of violence so far.",
    "high": "Threats of violence, escalating frequency and the suspect knows the new address.",
}


@dataclass
class SeedResult:
    """What seeding did and how long each step took."""

    seconds: float = 0.0
    steps: list[tuple[str, float]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    database_size: str = ""


def admin_engine_url(pg_url: str) -> sa.URL:
    """The SQLAlchemy URL of the cluster's maintenance database."""
    return sa.make_url(pg_url)


def recreate_database(pg_url: str, name: str) -> str:
    """Drop and create ``name`` on the cluster; return its SQLAlchemy URL."""
    admin_url = admin_engine_url(pg_url)
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False)


def drop_database(pg_url: str, name: str) -> None:
    """Drop the benchmark database."""
    engine = sa.create_engine(admin_engine_url(pg_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def database_exists(pg_url: str, name: str) -> bool:
    """Whether ``name`` exists on the cluster."""
    engine = sa.create_engine(admin_engine_url(pg_url))
    with engine.connect() as connection:
        found = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first()
    engine.dispose()
    return found is not None


def libpq_url(sqlalchemy_url: str) -> str:
    """The same database as a libpq connection string for psycopg."""
    return sa.make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _answers(yes: int) -> str:
    from casework.risk.checklist import CURRENT

    return json.dumps(
        {
            key: {"answer": index < yes, "comment": "Disclosed by the victim." if index < yes else ""}
            for index, key in enumerate(CURRENT.keys)
        }
    )


def _copy(cursor: psycopg.Cursor[Any], table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _params(cases: int, now: datetime, password_hash: str) -> dict[str, object]:
    from casework.risk.checklist import CHECKLIST_VERSION

    yes_counts = [0, 1, 3, 4, 5, 6, 7, 9, 11]  # three templates per level: standard, medium, high
    return {
        "n": cases,
        "start": START,
        "now": now,
        "password_hash": password_hash,
        "repeat": REPEAT_SUSPECTS,
        "slots": names.SLOTS,
        "in_share": names.ORIGIN_SHARES["in"],
        "channels": CHANNELS,
        "reporter_types": REPORTER_TYPES,
        "relationships": RELATIONSHIPS,
        "contact_methods": CONTACT_METHODS,
        "outcomes0": OUTCOMES_BY_STAGE[0],
        "outcomes1": OUTCOMES_BY_STAGE[1],
        "outcomes2": OUTCOMES_BY_STAGE[2],
        "outcomes3": OUTCOMES_BY_STAGE[3],
        "outcomes4": OUTCOMES_BY_STAGE[4],
        "behaviours": BEHAVIOURS,
        "summaries": SUMMARIES,
        "incident_descriptions": INCIDENT_DESCRIPTIONS,
        "locations": LOCATIONS,
        "note_bodies": NOTE_BODIES,
        "answers": [_answers(yes) for yes in yes_counts],
        "yes_counts": yes_counts,
        "checklist_version": CHECKLIST_VERSION,
        "rationale_standard": RISK_RATIONALES["standard"],
        "rationale_medium": RISK_RATIONALES["medium"],
        "rationale_high": RISK_RATIONALES["high"],
        "today": now.astimezone(LONDON).date(),
        "service_names": [name for name, _ in SUPPORT_SERVICES],
        "service_kinds": [kind for _, kind in SUPPORT_SERVICES],
    }


# Each step is one statement, run with client-side parameter binding (so "%" is written "%%").
STEPS: list[tuple[str, str]] = [
    (
        "case plan",
        """
        CREATE TEMP TABLE s_cases AS
        WITH g AS MATERIALIZED (
            SELECT i AS id,
                   %(start)s::timestamptz
                     + (%(now)s::timestamptz - %(start)s::timestamptz) * ((i - 1 + random()) / %(n)s) AS reported_at,
                   1 + floor(random() * 6)::int AS team_id,
                   random() AS u_status, random() AS u_close, random() AS u_risk, random() AS u_cls,
                   random() AS u_x, random() AS u_y
            FROM generate_series(1, %(n)s) AS i
        ), aged AS MATERIALIZED (
            SELECT g.*, %(now)s::timestamptz - g.reported_at AS age FROM g
        ), st AS MATERIALIZED (
            SELECT aged.*,
              CASE
                WHEN age < interval '1 day' THEN CASE
                  WHEN u_status < 0.6 THEN 'reported' WHEN u_status < 0.95 THEN 'allocated' ELSE 'investigating' END
                WHEN age < interval '3 days' THEN CASE
                  WHEN u_status < 0.08 THEN 'reported' WHEN u_status < 0.45 THEN 'allocated'
                  WHEN u_status < 0.97 THEN 'investigating' ELSE 'closed' END
                WHEN age < interval '30 days' THEN CASE
                  WHEN u_status < 0.003 THEN 'reported' WHEN u_status < 0.12 THEN 'allocated'
                  WHEN u_status < 0.72 THEN 'investigating' WHEN u_status < 0.76 THEN 'charged' ELSE 'closed' END
                WHEN age < interval '180 days' THEN CASE
                  WHEN u_status < 0.002 THEN 'reported' WHEN u_status < 0.01 THEN 'allocated'
                  WHEN u_status < 0.20 THEN 'investigating' WHEN u_status < 0.26 THEN 'charged'
                  WHEN u_status < 0.30 THEN 'at_court' ELSE 'closed' END
                WHEN age < interval '365 days' THEN CASE
                  WHEN u_status < 0.001 THEN 'reported' WHEN u_status < 0.06 THEN 'investigating'
                  WHEN u_status < 0.09 THEN 'charged' WHEN u_status < 0.14 THEN 'at_court' ELSE 'closed' END
                WHEN age < interval '730 days' THEN CASE
                  WHEN u_status < 0.01 THEN 'investigating' WHEN u_status < 0.03 THEN 'at_court' ELSE 'closed' END
                ELSE CASE WHEN u_status < 0.003 THEN 'at_court' ELSE 'closed' END
              END AS status
            FROM aged
        ), staged AS MATERIALIZED (
            SELECT st.*,
              CASE status
                WHEN 'reported' THEN 0 WHEN 'allocated' THEN 1 WHEN 'investigating' THEN 2
                WHEN 'charged' THEN 3 WHEN 'at_court' THEN 4
                ELSE CASE WHEN u_close < 0.05 THEN 0 WHEN u_close < 0.20 THEN 1 WHEN u_close < 0.80 THEN 2
                          WHEN u_close < 0.92 THEN 3 ELSE 4 END
              END AS last_idx,
              CASE WHEN status = 'closed'
                THEN reported_at + LEAST(age * (0.3 + 0.7 * random()), interval '1 day' * (5 + random() * 240))
              END AS closed_at
            FROM st
        )
        SELECT id, reported_at, team_id, status, last_idx, closed_at,
          COALESCE(closed_at, %(now)s::timestamptz) AS end_at,
          extract(year FROM reported_at AT TIME ZONE 'Europe/London')::int AS yr,
          CASE WHEN status = 'closed' THEN CASE last_idx
            WHEN 0 THEN (%(outcomes0)s::text[])[1 + floor(random() * 3)::int]
            WHEN 1 THEN (%(outcomes1)s::text[])[1 + floor(random() * 4)::int]
            WHEN 2 THEN (%(outcomes2)s::text[])[1 + floor(random() * 6)::int]
            WHEN 3 THEN (%(outcomes3)s::text[])[1 + floor(random() * 3)::int]
            ELSE (%(outcomes4)s::text[])[1 + floor(random() * 3)::int] END
          END AS outcome,
          CASE WHEN last_idx >= 1 THEN (team_id - 1) * 10 + 1 + floor(random() * 8)::int END AS officer_id,
          CASE WHEN last_idx >= 1 THEN (team_id - 1) * 10 + 9 + floor(random() * 2)::int END AS supervisor_id,
          (team_id - 1) * 10 + 1 + floor(random() * 10)::int AS created_by_id,
          u_x < 0.05 AS restricted,
          CASE WHEN last_idx = 0 AND u_y < 0.8 THEN NULL
               WHEN u_risk < 0.55 THEN 'standard' WHEN u_risk < 0.88 THEN 'medium' ELSE 'high' END AS risk_level,
          status NOT IN ('closed', 'reported') AND u_y > 0.95 AS risk_review_due,
          CASE WHEN u_cls < 0.55 THEN 'stalking' ELSE 'harassment' END AS classification,
          CASE WHEN u_cls < 0.55 THEN CASE WHEN u_y < 0.8 THEN 's2a' ELSE 's4a' END
               ELSE CASE WHEN u_y < 0.85 THEN 's2' ELSE 's4' END END AS offence,
          (%(channels)s::text[])[1 + floor(random() * 1000)::int] AS channel,
          (%(reporter_types)s::text[])[1 + floor(random() * 1000)::int] AS reporter_type,
          1 + floor(random() * 5)::int AS n_incidents,
          CASE WHEN last_idx >= 1 THEN floor(random() * 5)::int ELSE 0 END AS n_notes,
          CASE WHEN random() < 0.25 THEN 2 ELSE 1 END AS n_assessments
        FROM staged
        """,
    ),
    (
        "teams",
        """
        INSERT INTO teams (id, name)
        SELECT n, 'Stalking team – ' || name FROM unnest(%(team_names)s::text[]) WITH ORDINALITY AS x(name, n)
        """,
    ),
    (
        "users",
        """
        INSERT INTO users (id, email, full_name, role, team_id, password_hash, session_token)
        SELECT u.id, 'user' || u.id || '@bench.police.example', (%(staff_names)s::text[])[u.id],
          CASE WHEN u.id <= 60 AND mod(u.id - 1, 10) < 8 THEN 'officer'
               WHEN u.id <= 60 THEN 'supervisor'
               WHEN u.id <= 62 THEN 'manager' ELSE 'admin' END,
          CASE WHEN u.id <= 60 THEN (u.id - 1) / 10 + 1 END,
          %(password_hash)s, md5(u.id || '-' || random())
        FROM generate_series(1, 63) AS u(id)
        """,
    ),
    (
        "cases",
        """
        INSERT INTO cases (id, reference, channel, reporter_type, classification, offence, summary, incident_number,
                           crime_number, reported_at, status, outcome, closed_at, team_id, officer_id, supervisor_id,
                           created_by_id, restricted, risk_level, risk_review_due, created_at, updated_at, version_id)
        SELECT id,
          'SH-' || yr || '-' || lpad(row_number() OVER (PARTITION BY yr ORDER BY reported_at, id)::text, 6, '0'),
          channel, reporter_type, classification, offence,
          (%(summaries)s::text[])[1 + floor(random() * 10)::int],
          CASE WHEN channel IN ('101', '999') THEN 'CAD-' || to_char(reported_at, 'YYYYMMDD') || '-'
            || lpad(mod(id, 10000)::text, 4, '0') END,
          CASE WHEN last_idx >= 1 THEN 'CRI/' || yr || '/' || lpad(id::text, 7, '0') END,
          reported_at, status, outcome, closed_at, team_id, officer_id, supervisor_id, created_by_id, restricted,
          risk_level, risk_review_due, reported_at,
          COALESCE(closed_at, reported_at + (end_at - reported_at) * random()),
          1 + last_idx + (status = 'closed')::int
        FROM s_cases
        """,
    ),
    (
        "reference counters",
        """
        INSERT INTO reference_counters (year, last_value)
        SELECT split_part(reference, '-', 2)::int, max(split_part(reference, '-', 3)::int) FROM cases GROUP BY 1
        """,
    ),
    (
        "case access",
        """
        INSERT INTO case_access (case_id, user_id, granted_by_id, created_at, updated_at)
        SELECT DISTINCT ON (case_id, user_id) case_id, user_id, granted_by_id, at, at FROM (
            SELECT id AS case_id, created_by_id AS user_id, created_by_id AS granted_by_id, reported_at AS at
              FROM s_cases WHERE restricted
            UNION ALL
            SELECT id, officer_id, supervisor_id, reported_at + interval '1 day'
              FROM s_cases WHERE restricted AND officer_id IS NOT NULL
            UNION ALL
            SELECT id, supervisor_id, supervisor_id, reported_at + interval '1 day'
              FROM s_cases WHERE restricted AND supervisor_id IS NOT NULL
            UNION ALL
            SELECT id, 61, COALESCE(supervisor_id, created_by_id), reported_at + interval '2 days'
              FROM s_cases WHERE restricted AND random() < 0.3
        ) AS grants
        ORDER BY case_id, user_id
        """,
    ),
    (
        "party plan",
        """
        CREATE TEMP TABLE s_plan AS
        WITH raw AS (
            SELECT id AS case_id, 'victim'::text AS role, 1 AS ord, reported_at FROM s_cases
            UNION ALL SELECT id, 'suspect', 2, reported_at FROM s_cases WHERE random() < 0.92
            UNION ALL SELECT id, 'suspect', 3, reported_at FROM s_cases WHERE random() < 0.06
            UNION ALL SELECT id, 'witness', 4, reported_at FROM s_cases WHERE random() < 0.45
            UNION ALL SELECT id, 'reporter', 5, reported_at FROM s_cases WHERE reporter_type = 'third_party'
        ), marked AS MATERIALIZED (
            SELECT raw.*,
              CASE WHEN ord = 2 AND random() < 0.15 THEN 1 + floor(%(repeat)s * random() ^ 2)::int END AS repeat_id
            FROM raw
        )
        SELECT case_id, role, ord, reported_at,
          COALESCE(repeat_id, %(repeat)s + row_number() OVER (PARTITION BY repeat_id IS NULL ORDER BY case_id, ord))
            AS person_id
        FROM marked
        """,
    ),
    (
        "people",
        """
        INSERT INTO people (id, first_name, last_name, other_names, date_of_birth, match_key, created_at, updated_at)
        WITH p AS MATERIALIZED (
            SELECT person_id AS id, min(ord) AS ord, min(reported_at) AS created_at,
              CASE WHEN random() < %(in_share)s THEN 'in' ELSE 'gb' END AS origin,
              random() AS u_sex, random() AS u_dob, random() AS u_alias,
              floor(random() * %(slots)s)::int AS first_slot, floor(random() * %(slots)s)::int AS last_slot
            FROM s_plan GROUP BY person_id
        ), sexed AS (
            SELECT p.*, CASE
                WHEN ord = 1 THEN CASE WHEN u_sex < 0.8 THEN 'f' ELSE 'm' END
                WHEN ord IN (2, 3) THEN CASE WHEN u_sex < 0.85 THEN 'm' ELSE 'f' END
                ELSE CASE WHEN u_sex < 0.5 THEN 'f' ELSE 'm' END END AS sex
            FROM p
        )
        SELECT s.id, f.name, l.name,
          CASE WHEN s.ord IN (2, 3) AND s.u_alias < 0.1 THEN '@' || lower(f.name) || floor(s.u_alias * 10000) END,
          CASE WHEN s.u_dob < (CASE WHEN s.ord <= 3 THEN 0.85 ELSE 0.5 END)
            THEN date '1950-01-01' + floor(random() * 21000)::int END,
          l.key || ' ' || f.key, s.created_at, s.created_at
        FROM sexed s
        JOIN s_first f ON f.origin = s.origin AND f.sex = s.sex AND f.slot = s.first_slot
        JOIN s_last l ON l.origin = s.origin AND l.slot = s.last_slot
        """,
    ),
    (
        "case parties",
        """
        INSERT INTO case_parties (case_id, person_id, role, relationship_to_victim, not_to_be_identified,
                                  enhanced_rights, enhanced_rights_reason, created_at, updated_at)
        SELECT case_id, person_id, role,
          CASE WHEN role = 'suspect' THEN (%(relationships)s::text[])[1 + floor(random() * 1000)::int] END,
          role IN ('witness', 'reporter') AND random() < 0.1,
          CASE WHEN role = 'victim' THEN random() < 0.7 END,
          CASE WHEN role = 'victim' THEN 'Victim of stalking (Victims'' Code: persistently targeted)' END,
          reported_at + interval '1 hour' * ord, reported_at + interval '1 hour' * ord
        FROM s_plan ORDER BY case_id, ord
        """,
    ),
    (
        # cases.party_names, the list's name search: the backfill of migration 0003, which ran on an empty table.
        "party names",
        """
        UPDATE cases SET party_names = names.joined FROM (
            SELECT cp.case_id, string_agg(lower(p.first_name || ' ' || p.last_name), ' | ' ORDER BY cp.id) AS joined
            FROM case_parties cp JOIN people p ON p.id = cp.person_id GROUP BY cp.case_id
        ) AS names WHERE names.case_id = cases.id
        """,
    ),
    (
        "victim contacts",
        """
        INSERT INTO victim_contacts (party_id, preferred_method, safe_times, voicemail_safe, texts_safe, letters_safe,
                                     email_safe, language, interpreter_needed, access_needs, sealed_address,
                                     sealed_phone, sealed_email, created_at, updated_at)
        SELECT id, (%(contact_methods)s::text[])[1 + floor(random() * 1000)::int], 'Weekdays 9am to 3pm',
          random() < 0.5, random() < 0.7, random() < 0.3, random() < 0.4,
          CASE WHEN random() < 0.05 THEN 'Polish' END, random() < 0.04, NULL,
          (10 + mod(id, 190)) || ' Example Road, Anytown AB1 2CD', '07700 9' || lpad(mod(id, 100000)::text, 5, '0'),
          'victim' || id || '@example.org', created_at, created_at
        FROM case_parties WHERE role = 'victim' AND random() < 0.8
        """,
    ),
    (
        "incidents",
        """
        INSERT INTO incidents (case_id, occurred_from, occurred_to, location, behaviours, description, how_reported,
                               recorded_by_id, created_at, updated_at)
        SELECT c.id, o.occurred_from,
          CASE WHEN random() < 0.3 THEN o.occurred_from + interval '1 day' * (1 + random() * 20) END,
          (%(locations)s::text[])[1 + floor(random() * 11)::int],
          to_json((%(behaviours)s::text[])[o.b : o.b + floor(random() * 3)::int]),
          (%(incident_descriptions)s::text[])[1 + floor(random() * 8)::int],
          c.channel, COALESCE(c.officer_id, c.created_by_id), o.recorded_at, o.recorded_at
        FROM s_cases c
        CROSS JOIN LATERAL generate_series(1, c.n_incidents) AS k
        CROSS JOIN LATERAL (
            SELECT LEAST(c.reported_at + interval '1 day' * ((k - 2) * 9 - random() * 30), c.end_at) AS occurred_from,
                   GREATEST(c.reported_at, LEAST(c.reported_at + interval '1 day' * (k - 1) * 9, c.end_at))
                     + interval '1 hour' AS recorded_at,
                   1 + floor(random() * 13)::int AS b
        ) AS o
        """,
    ),
    (
        "risk assessments",
        """
        INSERT INTO risk_assessments (case_id, assessor_id, assessed_at, checklist_version, answers, yes_count, level,
                                      rationale, created_at, updated_at)
        SELECT c.id, COALESCE(c.officer_id, c.created_by_id), a.at, %(checklist_version)s,
          (%(answers)s::text[])[a.template]::json, (%(yes_counts)s::int[])[a.template], a.level,
          CASE a.level WHEN 'standard' THEN %(rationale_standard)s WHEN 'medium' THEN %(rationale_medium)s
            ELSE %(rationale_high)s END,
          a.at, a.at
        FROM s_cases c
        CROSS JOIN LATERAL generate_series(1, c.n_assessments) AS k
        CROSS JOIN LATERAL (
            SELECT c.reported_at + (c.end_at - c.reported_at) * (k - 1) / 2.0 + interval '2 hours' AS at,
                   CASE WHEN k = c.n_assessments THEN c.risk_level ELSE 'standard' END AS level
        ) AS l
        CROSS JOIN LATERAL (
            SELECT l.at, l.level,
              CASE l.level WHEN 'standard' THEN 1 WHEN 'medium' THEN 4 ELSE 7 END + floor(random() * 3)::int
                AS template
        ) AS a
        WHERE c.risk_level IS NOT NULL
        """,
    ),
    (
        "status changes",
        """
        INSERT INTO case_status_changes (case_id, from_status, to_status, outcome, reason, changed_by_id, created_at,
                                         updated_at)
        SELECT c.id,
          CASE WHEN k > 0 THEN (ARRAY['reported', 'allocated', 'investigating', 'charged', 'at_court'])[k] END,
          (ARRAY['reported', 'allocated', 'investigating', 'charged', 'at_court'])[k + 1], NULL, NULL,
          CASE WHEN k = 0 THEN c.created_by_id WHEN k = 1 THEN c.supervisor_id ELSE c.officer_id END,
          c.reported_at + (c.end_at - c.reported_at) * k / (c.last_idx + 1.0),
          c.reported_at + (c.end_at - c.reported_at) * k / (c.last_idx + 1.0)
        FROM s_cases c CROSS JOIN LATERAL generate_series(0, c.last_idx) AS k
        UNION ALL
        SELECT c.id, (ARRAY['reported', 'allocated', 'investigating', 'charged', 'at_court'])[c.last_idx + 1],
          'closed', c.outcome, 'Closed after review with the victim.', COALESCE(c.supervisor_id, c.created_by_id),
          c.closed_at, c.closed_at
        FROM s_cases c WHERE c.status = 'closed'
        """,
    ),
    (
        "assignments",
        """
        INSERT INTO case_assignments (case_id, role, user_id, assigned_by_id, reason, created_at, updated_at)
        SELECT id, 'officer', (team_id - 1) * 10 + 1 + mod(officer_id - (team_id - 1) * 10, 8), supervisor_id, NULL,
          at, at
          FROM (SELECT *, reported_at + (end_at - reported_at) / (last_idx + 1.0) AS at FROM s_cases) c
          WHERE officer_id IS NOT NULL AND mod(id, 12) = 0
        UNION ALL
        SELECT id, 'officer', officer_id, supervisor_id,
          CASE WHEN mod(id, 12) = 0 THEN 'Original officer moved to another team.' END,
          at + CASE WHEN mod(id, 12) = 0 THEN (end_at - at) / 3 ELSE interval '0' END,
          at + CASE WHEN mod(id, 12) = 0 THEN (end_at - at) / 3 ELSE interval '0' END
          FROM (SELECT *, reported_at + (end_at - reported_at) / (last_idx + 1.0) AS at FROM s_cases) c
          WHERE officer_id IS NOT NULL
        UNION ALL
        SELECT id, 'supervisor', supervisor_id, supervisor_id, NULL, at, at
          FROM (SELECT *, reported_at + (end_at - reported_at) / (last_idx + 1.0) AS at FROM s_cases) c
          WHERE supervisor_id IS NOT NULL
        """,
    ),
    (
        "case notes",
        """
        INSERT INTO case_notes (case_id, author_id, body, visibility, created_at, updated_at)
        SELECT c.id, c.officer_id, (%(note_bodies)s::text[])[1 + floor(random() * 6)::int],
          CASE WHEN random() < 0.85 THEN 'police_only' ELSE 'shareable' END, n.at, n.at
        FROM s_cases c
        CROSS JOIN LATERAL generate_series(1, c.n_notes) AS k
        CROSS JOIN LATERAL (SELECT c.reported_at + (c.end_at - c.reported_at) * random() AS at) AS n
        WHERE c.officer_id IS NOT NULL
        """,
    ),
    (
        "sequences",
        """
        SELECT setval(pg_get_serial_sequence('teams', 'id'), (SELECT max(id) FROM teams)),
               setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users)),
               setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases)),
               setval(pg_get_serial_sequence('people', 'id'), (SELECT max(id) FROM people))
        """,
    ),
]

SUPPORT_SERVICES = [
    ("National Stalking Helpline", "national_stalking_helpline"),
    ("Independent stalking advocacy (ISAC)", "isac_advocacy"),
    ("Independent domestic violence advisers", "idva"),
    ("Victim Support", "victim_support"),
    ("Witness Service", "witness_service"),
]

# The contact feature's tables: plans, do-not-contact, key decisions and the notices they owe (also used,
# with its own due share, by ``bench.reminders_sweep --contact``). ``permille`` of the plans are due in the
# last ten days; the rest 2-30 days ahead.
CONTACT_STEPS: list[tuple[str, str]] = [
    (
        "contact plans",
        """
        INSERT INTO contact_plans (case_id, party_id, schedule, frequency_days, next_update_due_at, message_channel,
                                   version_id)
        SELECT cp.case_id, cp.id, 'every_n_days', 14,
               CASE WHEN cp.id %% 1000 < %(permille)s
                    THEN %(now)s::timestamptz - (cp.id %% 10) * interval '1 day' - interval '1 hour'
                    ELSE %(now)s::timestamptz + (2 + cp.id %% 29) * interval '1 day' END,
               CASE WHEN cp.id %% 5 = 0 THEN 'sms' END, 1
        FROM case_parties cp JOIN cases c ON c.id = cp.case_id
        WHERE cp.role = 'victim' AND (c.status <> 'closed' OR cp.id %% 10 = 0)
        """,
    ),
    (
        "do-not-contact",
        """
        INSERT INTO do_not_contact_flags (case_id, party_id, reason, review_on, review_due_at, set_by_id)
        SELECT p.case_id, p.party_id, 'bench', (%(now)s::timestamptz + (10 + p.id %% 20) * interval '1 day')::date,
               %(now)s::timestamptz + (10 + p.id %% 20) * interval '1 day', c.created_by_id
        FROM contact_plans p JOIN cases c ON c.id = p.case_id WHERE p.id %% 50 = 0
        """,
    ),
    (
        "key decisions",
        """
        INSERT INTO key_decisions (case_id, kind, decided_at, recorded_by_id)
        SELECT c.id, 'arrest', %(now)s::timestamptz - (c.id %% 10) * interval '1 day', c.created_by_id
        FROM cases c WHERE c.status <> 'closed' AND c.id %% 4 = 0
        """,
    ),
    (
        "decision notices",
        """
        INSERT INTO decision_notices (decision_id, case_id, party_id, enhanced_rights, due_at, discharged_at)
        SELECT d.id, d.case_id, cp.id, true, d.decided_at + interval '1 day',
               CASE WHEN d.id %% 3 = 0 THEN d.decided_at + interval '2 hours' END
        FROM key_decisions d JOIN case_parties cp ON cp.case_id = d.case_id AND cp.role = 'victim'
        """,
    ),
]

# The other features' records, in proportions described in docs/benchmarks.md ("The data").
FEATURE_STEPS: list[tuple[str, str]] = [
    (
        "contact log",
        """
        INSERT INTO contact_attempts (case_id, party_id, contacted_at, made_by_id, method, outcome, created_at,
                                      updated_at)
        SELECT s.case_id, s.party_id, a.at, s.made_by, (%(contact_methods)s::text[])[1 + floor(random() * 1000)::int],
          CASE WHEN k = 0 THEN CASE WHEN random() < 0.85 THEN 'spoke' ELSE 'safe_message' END
               ELSE (ARRAY['spoke', 'spoke', 'spoke', 'spoke', 'spoke', 'spoke', 'safe_message', 'no_answer',
                           'no_answer', 'unsafe'])[1 + floor(random() * 10)::int] END,
          a.at, a.at
        FROM (
            SELECT p.case_id, p.party_id, COALESCE(c.officer_id, c.created_by_id) AS made_by, c.reported_at,
              COALESCE(c.closed_at, %(now)s::timestamptz)
                - interval '1 day' * CASE WHEN random() < 0.8 THEN random() * 27 ELSE 28 + random() * 60 END
                AS last_at,
              1 + floor(random() * 4)::int AS n
            FROM contact_plans p JOIN cases c ON c.id = p.case_id
        ) AS s
        CROSS JOIN LATERAL generate_series(0, s.n - 1) AS k
        CROSS JOIN LATERAL (SELECT s.last_at - k * interval '14 days' AS at) AS a
        WHERE a.at > s.reported_at
        """,
    ),
    (
        "case decisions",
        """
        INSERT INTO case_decisions (case_id, kind, outcome, decided_at, decided_by_id, created_at, updated_at)
        SELECT c.id, d.kind, d.outcome, d.at, c.officer_id, d.at, d.at
        FROM cases c CROSS JOIN LATERAL (
            SELECT 'marac' AS kind,
                   CASE WHEN random() < 0.7 THEN 'marac_referred' ELSE 'marac_not_referred' END AS outcome,
                   c.reported_at + interval '1 day' * (1 + random() * 5) AS at, random() < 0.85 AS made
            UNION ALL
            SELECT 'safety_plan', CASE WHEN random() < 0.85 THEN 'plan_agreed' ELSE 'plan_declined' END,
                   c.reported_at + interval '1 day' * (1 + random() * 3), random() < 0.8
        ) AS d
        WHERE c.risk_level = 'high' AND c.officer_id IS NOT NULL AND d.made AND d.at < %(now)s::timestamptz
        """,
    ),
    (
        "order plan",
        """
        CREATE TEMP TABLE s_orders AS
        WITH picked AS (
            SELECT DISTINCT ON (cp.case_id) cp.case_id, cp.id AS subject_id, c.reported_at,
              c.officer_id AS by_id, random() AS u_type, random() AS u_status, random() AS u_note
            FROM case_parties cp JOIN cases c ON c.id = cp.case_id
            WHERE cp.role = 'suspect' AND c.officer_id IS NOT NULL AND mod(c.id * 7, 100) < 6
            ORDER BY cp.case_id, cp.id
        ), typed AS (
            SELECT picked.*,
              CASE WHEN u_type < 0.35 THEN 'spo' WHEN u_type < 0.45 THEN 'interim_spo'
                   WHEN u_type < 0.70 THEN 'ro_conviction' WHEN u_type < 0.85 THEN 'non_molestation'
                   WHEN u_type < 0.90 THEN 'dapo' ELSE 'other' END AS order_type,
              LEAST((reported_at + interval '1 day' * (3 + random() * 17))::date, %(today)s::date) AS considered_on
            FROM picked
        ), staged AS (
            SELECT typed.*,
              CASE WHEN u_status < 0.08 THEN 'not_pursued' WHEN u_status < 0.16 THEN 'applied'
                   WHEN u_status < 0.20 THEN 'hearing_listed' WHEN u_status < 0.28 THEN 'refused'
                   WHEN u_status < 0.32 THEN 'withdrawn' WHEN u_status < 0.37 THEN 'discharged'
                   WHEN u_status < 0.42 THEN 'interim_granted' ELSE 'granted' END AS planned,
              LEAST(considered_on + (2 + floor(random() * 10))::int, %(today)s::date) AS applied_on,
              LEAST(considered_on + (14 + floor(random() * 40))::int, %(today)s::date) AS made_on
            FROM typed
        )
        SELECT case_id, subject_id, by_id, order_type, considered_on, u_note,
          CASE WHEN planned IN ('not_pursued', 'applied', 'hearing_listed', 'refused', 'withdrawn') THEN NULL
               ELSE made_on END AS made_on,
          CASE WHEN planned = 'not_pursued' THEN NULL ELSE applied_on END AS applied_on,
          CASE WHEN planned IN ('granted', 'interim_granted', 'discharged') THEN
            made_on + CASE WHEN order_type IN ('spo', 'ro_conviction') THEN 730 WHEN order_type = 'interim_spo' THEN 60
                           ELSE 365 END END AS expires_on,
          CASE WHEN planned IN ('granted', 'interim_granted')
                 AND made_on + CASE WHEN order_type IN ('spo', 'ro_conviction') THEN 730
                                    WHEN order_type = 'interim_spo' THEN 60 ELSE 365 END < %(today)s::date
               THEN 'expired' ELSE planned END AS status
        FROM staged
        """,
    ),
    (
        "protective orders",
        """
        INSERT INTO protective_orders (id, case_id, order_type, other_name, subject_id, court, status, considered_on,
                                       applied_on, made_on, served_on, expires_on, notification_made_on,
                                       notification_due_at, recorded_by_id, created_at, updated_at, version_id)
        SELECT row_number() OVER (ORDER BY case_id), case_id, order_type,
          CASE WHEN order_type = 'other' THEN 'Sexual harm prevention order' END, subject_id,
          CASE WHEN applied_on IS NOT NULL THEN 'Anytown Magistrates'' Court' END, status, considered_on,
          applied_on, made_on, made_on + 1, expires_on,
          CASE WHEN order_type IN ('spo', 'interim_spo') AND made_on IS NOT NULL AND u_note < 0.9
               THEN LEAST(made_on + 1 + floor(u_note * 4)::int, %(today)s::date) END,
          CASE WHEN order_type IN ('spo', 'interim_spo') AND made_on IS NOT NULL
               THEN ((made_on + 4)::timestamp AT TIME ZONE 'Europe/London') - interval '1 second' END,
          by_id, considered_on::timestamp AT TIME ZONE 'Europe/London',
          COALESCE(made_on, applied_on, considered_on)::timestamp AT TIME ZONE 'Europe/London', 1
        FROM s_orders
        """,
    ),
    (
        "order status changes",
        """
        INSERT INTO order_status_changes (order_id, from_status, to_status, effective_on, changed_by_id, created_at,
                                          updated_at)
        SELECT o.id, h.from_status, h.to_status, h.effective_on, o.recorded_by_id,
          h.effective_on::timestamp AT TIME ZONE 'Europe/London', h.effective_on::timestamp AT TIME ZONE 'Europe/London'
        FROM protective_orders o CROSS JOIN LATERAL (
            SELECT NULL AS from_status, 'considered' AS to_status, o.considered_on AS effective_on
            UNION ALL SELECT 'considered', CASE WHEN o.status = 'not_pursued' THEN 'not_pursued' ELSE 'applied' END,
              COALESCE(o.applied_on, o.considered_on)
            UNION ALL SELECT 'applied',
              CASE WHEN o.status IN ('expired', 'discharged') THEN 'granted' ELSE o.status END,
              COALESCE(o.made_on, o.applied_on) WHERE o.status NOT IN ('not_pursued', 'applied')
            UNION ALL SELECT 'granted', o.status, LEAST(o.expires_on, %(today)s::date)
              WHERE o.status IN ('expired', 'discharged')
        ) AS h
        """,
    ),
    (
        "order breaches",
        """
        INSERT INTO order_breaches (order_id, case_id, incident_id, occurred_at, description, recorded_by_id,
                                    created_at, updated_at)
        SELECT o.id, o.case_id, i.id, b.at, 'Suspect contacted the victim in breach of the order.', o.recorded_by_id,
          b.at, b.at
        FROM protective_orders o
        CROSS JOIN LATERAL (
            SELECT (o.made_on::timestamp AT TIME ZONE 'Europe/London')
              + (LEAST(o.expires_on, %(today)s::date) - o.made_on) * random() * interval '1 day' AS at
        ) AS b
        CROSS JOIN LATERAL (SELECT id FROM incidents WHERE case_id = o.case_id ORDER BY id LIMIT 1) AS i
        WHERE o.made_on IS NOT NULL AND mod(o.id * 13, 100) < 15
        """,
    ),
    (
        "support services",
        """
        INSERT INTO support_services (id, name, kind, secure_email)
        SELECT n, name, kind, 'referrals' || n || '@support.example.org'
        FROM unnest(%(service_names)s::text[], %(service_kinds)s::text[]) WITH ORDINALITY AS s(name, kind, n)
        """,
    ),
    (
        "referrals",
        """
        INSERT INTO referrals (case_id, party_id, service_id, reason, status, created_by_id, consent, consent_at,
                               consent_method, consent_by_id, consent_shares_phone, send_due_at, sent_at,
                               accepted_at, outcome, closed_at, created_at, updated_at, version_id)
        SELECT r.case_id, r.party_id, r.service_id, 'Persistently targeted: specialist stalking support.', r.status,
          r.by_id, CASE WHEN r.status = 'consent_declined' THEN 'declined' ELSE 'given' END, r.consent_at,
          'phone', r.by_id, r.status <> 'consent_declined',
          CASE WHEN r.status <> 'consent_declined' THEN r.consent_at + interval '2 days' END,
          CASE WHEN r.status NOT IN ('consent_declined', 'proposed') THEN r.sent_at END,
          CASE WHEN r.status IN ('accepted', 'closed') THEN LEAST(r.sent_at + interval '2 days', %(now)s) END,
          CASE WHEN r.status = 'closed' THEN 'support_completed' END,
          CASE WHEN r.status = 'closed' THEN LEAST(r.sent_at + interval '90 days', %(now)s) END,
          r.created_at, r.created_at, 1
        FROM (
            SELECT q.*,
              LEAST(q.consent_at + interval '1 day' * CASE WHEN q.u_late < 0.9 THEN 0.1 + random() * 1.7
                                                          ELSE 2.5 + random() * 3 END, %(now)s) AS sent_at,
              CASE WHEN q.consent_at > %(now)s::timestamptz - interval '3 days' AND q.u_status < 0.5 THEN 'proposed'
                   WHEN q.u_status < 0.10 THEN 'consent_declined' WHEN q.u_status < 0.13 THEN 'withdrawn'
                   WHEN q.u_status < 0.26 THEN 'sent' WHEN q.u_status < 0.33 THEN 'declined'
                   WHEN q.u_status < 0.63 THEN 'accepted' ELSE 'closed' END AS status
            FROM (
                SELECT cp.case_id, cp.id AS party_id, 1 + floor(random() * 5)::int AS service_id,
                  c.officer_id AS by_id, random() AS u_status, random() AS u_late,
                  LEAST(c.reported_at + interval '1 day' * (1 + x.d), %(now)s::timestamptz) AS created_at,
                  LEAST(c.reported_at + interval '1 day' * (1 + x.d + x.e), %(now)s::timestamptz) AS consent_at
                FROM case_parties cp JOIN cases c ON c.id = cp.case_id
                CROSS JOIN LATERAL (SELECT random() * 4 + 0 * cp.id AS d, random() * 2 + 0 * cp.id AS e) AS x
                WHERE cp.role = 'victim' AND c.officer_id IS NOT NULL AND mod(cp.id * 11, 100) < 35
            ) AS q
        ) AS r
        """,
    ),
    (
        "feature sequences",
        """
        SELECT setval(pg_get_serial_sequence('protective_orders', 'id'),
                      GREATEST((SELECT max(id) FROM protective_orders), 1)),
               setval(pg_get_serial_sequence('support_services', 'id'), (SELECT max(id) FROM support_services))
        """,
    ),
]

COUNTED_TABLES = [
    "teams",
    "users",
    "cases",
    "case_access",
    "people",
    "case_parties",
    "victim_contacts",
    "incidents",
    "risk_assessments",
    "case_status_changes",
    "case_assignments",
    "case_notes",
    "contact_plans",
    "do_not_contact_flags",
    "key_decisions",
    "decision_notices",
    "contact_attempts",
    "case_decisions",
    "protective_orders",
    "order_status_changes",
    "order_breaches",
    "referrals",
]
# Share of contact plans seeded due in the last ten days (the rest fall due 2-30 days ahead).
DUE_PERMILLE = 100


# Tables the later steps read, analysed as soon as they are filled (as the case and party plans are).
ANALYZED_AFTER = {
    "cases": "cases",
    "case parties": "case_parties",
    "incidents": "incidents",
    "contact plans": "contact_plans",
    "protective orders": "protective_orders",
}


def analyze(database_url: str) -> None:
    """Refresh the planner's statistics (after new indexes or data)."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")


def run_steps(database_url: str, steps: Sequence[tuple[str, str]], params: Mapping[str, object]) -> None:
    """Run set-based ``steps`` (psycopg parameter style) in one transaction, then ANALYZE."""
    with psycopg.connect(libpq_url(database_url), cursor_factory=psycopg.ClientCursor) as connection:
        with connection.cursor() as cursor:
            for _, statement in steps:
                cursor.execute(statement, params)
        connection.commit()
    with psycopg.connect(libpq_url(database_url), autocommit=True) as connection:
        connection.execute("ANALYZE")


def refresh_overdue_from(database_url: str) -> int:
    """Each case's ``overdue_from`` from the app's own overdue reasons (the seed writes behind the ORM's back).

    The reasons are those of the app made before seeding (``bench.app.make_app``).
    """
    from casework.cases import overdue

    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            return overdue.refresh_all(connection)
    finally:
        engine.dispose()


def seed(database_url: str, *, cases: int, password_hash: str, now: datetime, log: Any = print) -> SeedResult:
    """Fill the (migrated, empty) database with ``cases`` cases and everything around them, then VACUUM ANALYZE."""
    result = SeedResult()
    began = time.perf_counter()
    params = _params(cases, now, password_hash)
    params["team_names"] = TEAMS
    params["staff_names"] = names.staff_names()[:63]
    params["permille"] = DUE_PERMILLE
    with psycopg.connect(libpq_url(database_url), cursor_factory=psycopg.ClientCursor) as connection:
        with connection.cursor() as cursor:
            step_began = time.perf_counter()
            cursor.execute("SELECT setseed(0.42)")
            cursor.execute("CREATE TEMP TABLE s_first (origin text, sex text, slot int, name text, key text)")
            cursor.execute("CREATE TEMP TABLE s_last (origin text, slot int, name text, key text)")
            _copy(cursor, "s_first", ["origin", "sex", "slot", "name", "key"], names.first_name_slots())
            _copy(cursor, "s_last", ["origin", "slot", "name", "key"], names.last_name_slots())
            cursor.execute("ANALYZE s_first")
            cursor.execute("ANALYZE s_last")
            result.steps.append(("name lists", time.perf_counter() - step_began))
            for label, statement in [*STEPS, *CONTACT_STEPS, *FEATURE_STEPS]:
                step_began = time.perf_counter()
                cursor.execute(statement, params)
                if label in {"case plan", "party plan"}:
                    cursor.execute("ANALYZE s_cases" if label == "case plan" else "ANALYZE s_plan")
                elif label in ANALYZED_AFTER:
                    cursor.execute(f"ANALYZE {ANALYZED_AFTER[label]}")
                seconds = time.perf_counter() - step_began
                result.steps.append((label, seconds))
                log(f"  seeded {label:<20} {seconds:6.1f} s")
        connection.commit()
    step_began = time.perf_counter()
    changed = refresh_overdue_from(database_url)
    result.steps.append(("overdue from", time.perf_counter() - step_began))
    log(f"  seeded {'overdue from':<20} {time.perf_counter() - step_began:6.1f} s ({changed:,} cases)")
    with psycopg.connect(libpq_url(database_url), autocommit=True) as connection:
        step_began = time.perf_counter()
        connection.execute("VACUUM (ANALYZE)")
        result.steps.append(("vacuum analyze", time.perf_counter() - step_began))
        for table in COUNTED_TABLES:
            row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
            result.counts[table] = int(row[0]) if row else 0
        size = connection.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()
        result.database_size = str(size[0]) if size else ""
    result.seconds = time.perf_counter() - began
    return result


def check_match_keys(database_url: str, sample: int = 2000) -> int:
    """How many of a sample of seeded people have a match key the app would not have computed (should be 0)."""
    from casework.people.models import name_match_key

    with psycopg.connect(libpq_url(database_url)) as connection:
        rows = connection.execute(
            "SELECT first_name, last_name, match_key FROM people TABLESAMPLE SYSTEM (5) LIMIT %s", (sample,)
        ).fetchall()
    return sum(1 for first, last, key in rows if name_match_key(first, last) != key)


def check_party_names(database_url: str, sample: int = 2000) -> int:
    """How many of a sample of seeded cases have ``party_names`` other than the app would write (should be 0).

    The app's ``people.service.refresh_party_names`` joins ``f"{first} {last}".lower()`` in party order.
    """
    with psycopg.connect(libpq_url(database_url)) as connection:
        rows = connection.execute(
            "SELECT c.party_names, array_agg(p.first_name ORDER BY cp.id), array_agg(p.last_name ORDER BY cp.id)"
            " FROM (SELECT id, party_names FROM cases TABLESAMPLE SYSTEM (5) LIMIT %s) AS c"
            " JOIN case_parties cp ON cp.case_id = c.id JOIN people p ON p.id = cp.person_id"
            " GROUP BY c.id, c.party_names",
            (sample,),
        ).fetchall()
    return sum(
        1
        for stored, firsts, lasts in rows
        if stored != " | ".join(f"{first} {last}".lower() for first, last in zip(firsts, lasts, strict=True))
    )
