"""Alembic environment: the URL comes from the caller (queue_app.store.migrate), never from a file."""

from alembic import context
from sqlalchemy import create_engine, pool

from queue_app.store.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
connection = config.attributes.get("connection")


def run(connection_) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection_,
        target_metadata=Base.metadata,
        render_as_batch=connection_.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif connection is not None:
    run(connection)
else:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        run(conn)
