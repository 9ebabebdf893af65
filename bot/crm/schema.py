"""Creating and upgrading the CRM schema with Alembic (``python -m bot init-db``)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from bot.crm.db import check_connection, get_engine
from bot.settings import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: Optional[str] = None) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url or get_settings().database_url)
    return config


def upgrade(url: Optional[str] = None, revision: str = "head") -> None:
    """Bring the database to ``revision``; safe to run on every start."""
    check_connection(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: Optional[str] = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def is_initialised(url: Optional[str] = None) -> bool:
    """True when the schema exists (the alembic version table is present)."""
    return "alembic_version" in inspect(get_engine(url)).get_table_names()
