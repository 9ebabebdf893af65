"""Runtime fixes applied to the Rasa server process before Rasa starts.

jsonschema 4.17 (pinned by Rasa 3.6) re-validates the *schema itself* against the
draft 2020-12 meta-schema on every ``jsonschema.validate`` call. Rasa validates
every action-server response that way, which profiling showed to be more than
half of the server's time per message (about 50 ms per custom action on two
cores). ``validate_with_checked_schema`` keeps jsonschema's semantics exactly
(same validator class, same best-match error, schema errors still raised) but
checks each distinct schema once.

Rasa's SQL tracker store on SQLite runs with SQLite's defaults (rollback journal,
synchronous=FULL: an fsync per saved message). ``tune_sqlite`` switches its
connections to WAL with synchronous=NORMAL, which survives a crash of the
server process and only risks the last messages on a power cut.

Rasa's ``FailSafeTrackerStore`` answers a database error by carrying on with
an in-memory tracker: the conversation silently restarts from nothing and what
the buyer says is kept only in that process's memory. ``fail_loudly`` makes
such an error propagate instead, so the turn fails visibly and the webhook
channel apologises and queues the buyer for staff (DESIGN: silent tracker-store
fallback); when the database is back, the next turn works without a restart
(PostgreSQL connections are pinged before use, so none left broken by the
outage is handed out).

Rasa waits five minutes for an action; ``ACTION_TIMEOUT`` (default 10 s) caps
that, so a hung action ends in the channel's apology while the buyer still waits.
"""

from __future__ import annotations

import json
import sqlite3
from contextvars import ContextVar
from typing import Any, Dict, List, Optional

import jsonschema
from jsonschema import exceptions, validators
from sqlalchemy import event
from sqlalchemy.engine import Engine

_checked: Dict[str, Any] = {}
_original_validate = jsonschema.validate


def validate_with_checked_schema(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    if args or kwargs or not isinstance(schema, dict):
        return _original_validate(instance, schema, cls, *args, **kwargs)
    key = json.dumps(schema, sort_keys=True, default=str)
    validator = _checked.get(key)
    if validator is None:
        validator_class = cls or validators.validator_for(schema)
        validator_class.check_schema(schema)
        validator = _checked[key] = validator_class(schema)
    error = exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


def tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


class TrackerStoreUnavailable(RuntimeError):
    """The conversation store failed; the turn must not go on with an empty in-memory tracker."""


def fail_loudly(self: Any, error: Exception) -> None:
    raise TrackerStoreUnavailable(f"tracker store error: {type(error).__name__}: {error}") from error


def _patch_tracker_store() -> None:
    from rasa.core.tracker_store import FailSafeTrackerStore

    FailSafeTrackerStore.on_tracker_store_error = fail_loudly  # type: ignore[assignment]
    FailSafeTrackerStore.on_tracker_store_retrieve_error = fail_loudly  # type: ignore[assignment]


def _tracker_engine_kwargs(original: Any) -> Any:
    def kwargs(url: Any) -> Dict[str, Any]:
        found = dict(original(url))
        if found.get("pool_size") is not None:  # PostgreSQL
            found["pool_pre_ping"] = True
        return found

    kwargs.patched = True  # type: ignore[attr-defined]
    return kwargs


ACTION_TIMEOUT_DEFAULT = 10.0

#: Set by the webhook channel around one turn; custom actions that fail (server down, timeout, error)
#: are noted here, because Rasa itself only logs them and carries on as if nothing was said.
TURN_FAILURES: ContextVar[Optional[List[str]]] = ContextVar("xiaoer_turn_failures", default=None)


def _patch_remote_action() -> None:
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction

    if getattr(RemoteAction.run, "patched", False):
        return
    original = RemoteAction.run

    async def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await original(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise  # a form declining a message: control flow, not a fault
        except Exception as exc:
            failures = TURN_FAILURES.get()
            if failures is not None:
                failures.append(f"{self.name()}: {type(exc).__name__}")
            raise

    run.patched = True  # type: ignore[attr-defined]
    RemoteAction.run = run  # type: ignore[assignment]


def _patch_action_timeout() -> None:
    import os

    import rasa.core.actions.action as action_module
    import rasa.utils.endpoints as endpoints_module

    seconds = float(os.environ.get("ACTION_TIMEOUT", ACTION_TIMEOUT_DEFAULT))
    action_module.DEFAULT_REQUEST_TIMEOUT = seconds  # type: ignore[attr-defined]
    endpoints_module.DEFAULT_REQUEST_TIMEOUT = seconds  # type: ignore[attr-defined]


def apply() -> None:
    """Install the fixes; idempotent."""
    import rasa.core.tracker_store as tracker_store_module

    _patch_tracker_store()
    _patch_action_timeout()
    _patch_remote_action()
    if not getattr(tracker_store_module.create_engine_kwargs, "patched", False):
        tracker_store_module.create_engine_kwargs = _tracker_engine_kwargs(tracker_store_module.create_engine_kwargs)
    jsonschema.validate = validate_with_checked_schema  # type: ignore[assignment]
    if not event.contains(Engine, "connect", tune_sqlite):
        event.listen(Engine, "connect", tune_sqlite)
