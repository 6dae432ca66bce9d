"""Performance benchmark: seed a large PostgreSQL database and time the case pages through the app.

Run it with ``make bench``; see docs/benchmarks.md.
"""
