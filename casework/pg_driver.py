"""psycopg settings for the portal's statements on PostgreSQL.

psycopg turns each statement's ``%(name)s`` placeholders into PostgreSQL's ``$1`` form with a
regular expression, and remembers the result only for statements of up to 4 KB and 50
parameters. A list page's overdue reasons (a flag per reason for 25 to 35 cases), "my cases" and
the dashboard's statements are longer or have more, so every request parsed them again: about a
twelfth of a list page's time in Python (docs/benchmarks.md, "The Python floor, third pass").
The parse depends on the statement's text alone, so the limits change nothing but the time. The
cache keeps at most 128 statements: with these limits, a few megabytes per process at most.
"""

from __future__ import annotations

from psycopg import _queries

STATEMENT_LENGTH_CACHED = 16 * 1024
STATEMENT_PARAMETERS_CACHED = 500


def cache_long_statements() -> None:
    """Let psycopg remember the parse of statements up to ``STATEMENT_LENGTH_CACHED`` characters."""
    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, STATEMENT_LENGTH_CACHED)
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, STATEMENT_PARAMETERS_CACHED)
