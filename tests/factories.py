"""Factories for test data, written through the same session the app uses."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from casework.auth.models import Role, Team, User
from casework.auth.passwords import hash_password
from casework.extensions import db

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class TeamFactory(BaseFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@casework.police.uk")
    full_name = factory.Sequence(lambda n: f"Test User {n}")
    role = Role.OFFICER
    team = factory.LazyAttribute(lambda user: None if user.role in {Role.ADMIN, Role.MANAGER} else TeamFactory())
    password_hash = _PASSWORD_HASH
