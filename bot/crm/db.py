"""Engines and sessions for the CRM database.

One engine per URL per process. SQLite gets WAL mode and a busy timeout so the
action server, the console and the CLI can share the embedded file safely;
PostgreSQL is reached through ``DATABASE_URL``. Connecting to a database that
does not exist fails loudly with the URL named, instead of quietly using another.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.settings import get_settings

_engines: Dict[str, Engine] = {}

# SQLite stores Numeric(10, 2) as a float and SQLAlchemy rounds it back to two places;
# amounts here never exceed that precision, so the generic warning is noise.
warnings.filterwarnings("ignore", message=r"Dialect sqlite\+pysqlite does \*not\* support Decimal")


class DatabaseUnavailable(RuntimeError):
    """The configured CRM database cannot be reached; the message says which and why."""


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def get_engine(url: Optional[str] = None) -> Engine:
    """The shared engine for ``url`` (default: ``DATABASE_URL`` or the embedded SQLite file)."""
    url = url or get_settings().database_url
    engine = _engines.get(url)
    if engine is None:
        parsed = make_url(url)
        kwargs: dict = {"future": True}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
            # SQLAlchemy 1.4 opens a new SQLite connection per session by default (NullPool);
            # keeping a small pool saves the connect and the PRAGMAs on every action call.
            kwargs.update(poolclass=QueuePool, pool_size=5, max_overflow=10)
        else:
            kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=10)
        engine = create_engine(url, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            _configure_sqlite(engine)
        _engines[url] = engine
    return engine


def check_connection(url: Optional[str] = None) -> None:
    """Raise ``DatabaseUnavailable`` with a readable reason if the database cannot be used."""
    engine = get_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        safe_url = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnavailable(f"无法连接 CRM 数据库 {safe_url}: {exc.orig}") from exc


def dispose_engines() -> None:
    """Close every pooled connection (tests and forked processes)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def session_factory(url: Optional[str] = None) -> sessionmaker:
    return sessionmaker(bind=get_engine(url), future=True, expire_on_commit=False)


class UsesCrm:
    """A service bound to one CRM: sessions are made on first use, so DATABASE_URL set after import counts."""

    def __init__(self, sessions: Optional[sessionmaker] = None):
        self._sessions = sessions

    @property
    def sessions(self) -> sessionmaker:
        if self._sessions is None:
            self._sessions = session_factory()
        return self._sessions


def next_daily_number(session: Session, column: Any, prefix: str, now: datetime) -> str:
    """prefix + yymmdd + a four-digit sequence of the day (RMA2611250001, TS2611250001).

    Ordered by length first so that …10000 follows …9999; a race for the same
    number is settled by the column's unique index and the caller's retry.
    """
    stem = f"{prefix}{now:%y%m%d}"
    last = session.execute(
        select(column).where(column.like(f"{stem}%")).order_by(func.length(column).desc(), column.desc()).limit(1)
    ).scalar_one_or_none()
    return f"{stem}{(int(last[len(stem) :]) + 1) if last else 1:04d}"


@contextmanager
def session_scope(url: Optional[str] = None) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    session: Session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
