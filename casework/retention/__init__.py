"""Retention: review dates for closed cases, the administrator's review, and erasure of personal data."""
