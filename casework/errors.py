"""Domain errors raised by services and turned into form messages by views."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the operation; ``field`` names the form field at fault, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The object does not exist (or, for restricted cases, may not be known to exist)."""


class ConflictError(DomainError):
    """Someone else changed the record since the form was loaded."""
