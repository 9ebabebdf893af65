"""Shared fixtures: real CRM databases (SQLite file and the local PostgreSQL server)."""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Iterator

import pytest

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: "Now" for every seeded test database: parcels in transit, orders awaiting shipment …
AS_OF = datetime(2026, 11, 25, 12, 0, 0)
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    name = f"xiaoer_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    except OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is required for the CRM tests but {POSTGRES_ADMIN_URL} is unreachable: {exc.orig}. "
            "Start it (pg_ctlcluster <version> main start) or set TEST_POSTGRES_URL.",
            pytrace=False,
        )
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        from bot.crm.db import get_engine

        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated CRM with the demo shop, on SQLite and on PostgreSQL."""
    from bot.crm import schema
    from bot.crm.db import session_scope
    from bot.crm.demo.seed import seed_demo

    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("crm") / "crm.db"
        urls: Iterator[str] = iter([f"sqlite:///{path}"])
    else:
        urls = _postgres_database()
    url = next(urls)
    schema.upgrade(url)
    with session_scope(url) as session:
        seed_demo(session, as_of=AS_OF)
    yield url
    for _ in urls:  # finish the generator: drops the PostgreSQL database
        pass
