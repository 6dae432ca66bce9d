"""Migrations build exactly the models' schema on PostgreSQL, go back down, and work on SQLite."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from casework.auth.models import Role
from casework.db import include_in_autogenerate
from casework.extensions import db
from tests import factories
from tests.conftest import CaseworkClient, create_database, make_test_app, sign_in


def test_upgrade_on_an_empty_database_matches_the_models_and_downgrade_returns_to_base(worker_suffix):
    url = create_database(f"casework_migrations_{worker_suffix}")
    app = make_test_app(url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include_in_autogenerate}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names())
        assert tables <= {"alembic_version"}
        upgrade()
        db.engine.dispose()


def test_embedded_sqlite_default_migrates_and_signs_in(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'casework.sqlite'}")
    app.test_client_class = CaseworkClient
    with app.app_context():
        upgrade()
        user = factories.UserFactory.build(role=Role.SUPERVISOR, team=factories.TeamFactory.build())
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        db.session.close()  # its transaction holds SQLite's write lock (sqlite_driver), which the next connection wants
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_object": include_in_autogenerate})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
    client = app.test_client()
    assert sign_in(client, user).status_code == 302
    assert "Your team" in client.get("/").get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()
