"""A throw-away PostgreSQL database, for benchmarks that run the bot on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, text

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def temporary_database(prefix: str = "xiaoer_tmp", admin_url: str = ADMIN_URL) -> Iterator[str]:
    """A new empty database on the server of ``admin_url``; dropped afterwards. Yields its URL."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        from bot.crm.db import get_engine

        get_engine(admin_url.rsplit("/", 1)[0] + f"/{name}").dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
