"""Alembic environment: the engine comes from storage.db (never from an ini file)."""

from alembic import context
from sqlalchemy import engine_from_config

from storage import files, forecasts, models, process, transit  # noqa: F401  (their tables, in Base.metadata)
from storage.base import Base, UTCDateTime

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # the alembic CLI, for `alembic revision --autogenerate`
    engine = engine_from_config({"sqlalchemy.url": config.get_main_option("sqlalchemy.url")})


def render_item(type_, obj, autogen_context):  # type: ignore[no-untyped-def]
    # keep migrations free of imports from the live models module
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
        # storage.db.upgrade's progress: told as each revision is applied
        on_version_apply=config.attributes.get("on_version_apply") or (),
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
