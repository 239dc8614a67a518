"""Alembic environment, run programmatically by `Store.migrate()` (no alembic.ini at run time).

The caller passes an open connection in `config.attributes["connection"]`; running `alembic` from the
command line with `-x url=...` also works for development.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        # Store.migrate() upgrades: the scripts name every column, so the models are not needed (importing
        # every table module cost ~0.2 s of a fresh `qualframe serve`'s start-up)
        context.configure(connection=connection, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    from qualframe.store.tables import Base  # the command line's autogenerate compares the models with the database

    target_metadata = Base.metadata
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    engine = create_engine(url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("qualframe migrations run online only (Store.migrate())")
run_migrations_online()
