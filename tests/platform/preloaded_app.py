"""The portal as gunicorn preloads it, after the master has used the database (as an import or a hook
might): the master's pool then holds an open connection that every forked worker inherits."""

import sqlalchemy as sa

from casework.extensions import db
from wsgi import app

with app.app_context():
    db.session.execute(sa.text("SELECT 1"))
    db.session.remove()

__all__ = ["app"]
