"""Alembic environment: runs on the connection that clmdesk hands over.

No ``alembic.ini`` and no ``fileConfig``: the app owns logging and the URL.
"""

from alembic import context

from clmdesk.storage.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=context.config.attributes.get("target_metadata", Base.metadata),
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
