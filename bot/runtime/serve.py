"""Start the action server, the Rasa server and the console together, and stop them together.

Rasa's own ``endpoints.yml`` cannot read defaults from the environment, so the
effective file is written to ``var/endpoints.yml`` from the environment each
start. The servers run as child processes under ``bot.runtime.supervisor``: one
that dies is restarted with back-off while the others keep serving.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, List, Optional

import yaml
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.crm import schema
from bot.crm.db import DatabaseUnavailable
from bot.runtime.keys import (
    ACTION_TOKEN,
    ACTION_TOKEN_HEADER,
    ALL_KEYS,
    RASA_TOKEN,
    key_value,
    keys_env,
    private_file,
    tighten,
)
from bot.runtime.supervisor import Supervisor
from bot.settings import PROJECT_ROOT, VAR_DIR, Settings, get_settings
from bot.training.train import latest_model


def write_endpoints(
    settings: Settings,
    path: Path = VAR_DIR / "endpoints.yml",
    tracker_db: Optional[str] = None,
    tracker_url: Optional[str] = None,
    redis_url: Optional[str] = None,
    action_token: Optional[str] = None,
) -> Path:
    """The effective endpoints file for this start: action server (with its token), tracker store, lock store.

    ``tracker_url`` / ``redis_url`` default to TRACKER_STORE_URL / REDIS_URL. The file holds the action
    server's token and maybe database passwords, so it is written readable by the owner only.
    """
    with (PROJECT_ROOT / "endpoints.yml").open(encoding="utf-8") as handle:
        endpoints = yaml.safe_load(handle) or {}
    endpoints["action_endpoint"] = {
        "url": settings.action_server_url,
        "headers": {ACTION_TOKEN_HEADER: action_token or key_value(ACTION_TOKEN)},
    }
    endpoints["tracker_store"] = tracker_store_endpoint(tracker_db, tracker_url)
    redis_url = redis_url or os.environ.get("REDIS_URL")
    if redis_url:
        endpoints["lock_store"] = lock_store_endpoint(redis_url)
    private_file(path, yaml.safe_dump(endpoints, allow_unicode=True, sort_keys=False))
    return path


def tracker_store_url(tracker_db: Optional[str] = None, tracker_url: Optional[str] = None) -> str:
    """TRACKER_STORE_URL (any SQLAlchemy URL, e.g. PostgreSQL), else the SQLite file TRACKER_DB / var/tracker.db."""
    if tracker_url:
        return tracker_url
    url = os.environ.get("TRACKER_STORE_URL")
    if url and not tracker_db:
        return url
    return f"sqlite:///{tracker_db or os.environ.get('TRACKER_DB', str(VAR_DIR / 'tracker.db'))}"


def tracker_store_endpoint(tracker_db: Optional[str] = None, tracker_url: Optional[str] = None) -> Dict[str, object]:
    """Rasa's SQL tracker store settings for the URL (Rasa wants the URL in parts)."""
    url = make_url(tracker_store_url(tracker_db, tracker_url))
    backend = url.get_backend_name()
    if backend == "sqlite":
        return {"type": "SQL", "dialect": "sqlite", "db": url.database}
    endpoint: Dict[str, object] = {"type": "SQL", "dialect": url.drivername, "url": url.host or "127.0.0.1", "db": url.database}
    if url.port:
        endpoint["port"] = url.port
    if url.username:
        endpoint["username"] = url.username
    if url.password:
        endpoint["password"] = url.password
    if url.query:
        endpoint["query"] = dict(url.query)
    return endpoint


def check_tracker_store(tracker_db: Optional[str] = None, tracker_url: Optional[str] = None) -> None:
    """Fail loudly before start when the tracker database cannot be used.

    Rasa's SQL tracker store retries a missing PostgreSQL database forever, and
    at run time falls back to memory on errors; both would hide the problem.
    """
    url = tracker_store_url(tracker_db, tracker_url)
    if make_url(url).get_backend_name() == "sqlite":
        return
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        safe = make_url(url).render_as_string(hide_password=True)
        raise DatabaseUnavailable(f"无法连接对话存储数据库 {safe}（请先创建该数据库）: {exc.orig}") from exc
    finally:
        engine.dispose()


def lock_store_endpoint(redis_url: str) -> Dict[str, object]:
    """Rasa's Redis lock store settings, so several Rasa servers never interleave one conversation."""
    url = make_url(redis_url.replace("redis://", "redis+py://", 1)) if redis_url.startswith("redis://") else make_url(redis_url)
    endpoint: Dict[str, object] = {
        "type": "bot.runtime.locks.RedisMutexLockStore",  # Rasa's RedisLockStore is not atomic across servers
        "url": url.host or "127.0.0.1",
        "port": url.port or 6379,
        "db": int(url.database or 0),
        "key_prefix": "xiaoer",
    }
    if url.password:
        endpoint["password"] = url.password
    return endpoint


#: Sanic's default request body limit is 100 MB; a buyer's message or an API call needs a few KB.
SERVER_ENV = {"SANIC_REQUEST_MAX_SIZE": str(64 * 1024)}


def server_commands(settings: Settings, endpoints: Path, model: Path, rasa_token: str) -> Dict[str, List[str]]:
    """The three servers, each bound to ``settings.bind_host``; Rasa's HTTP API only with ``rasa_token``.

    No CORS on any of them: no browser page of another origin may call them (the console is
    server-rendered and talks to Rasa from its own process).
    """
    rasa = [
        sys.executable,
        "-m",
        "bot.runtime.rasa_main",  # Rasa's CLI plus bot.runtime.patches
        "run",
        "--enable-api",
        "--auth-token",
        rasa_token,
        "--interface",
        settings.bind_host,
        "--port",
        str(settings.rasa_port),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(PROJECT_ROOT / "credentials.yml"),
        "--model",
        str(model),
    ]
    actions = [sys.executable, "-m", "bot.runtime.action_server", "--port", str(settings.action_port)]
    console = [sys.executable, "-m", "bot", "console", "--port", str(settings.console_port)]
    return {"actions": actions, "rasa": rasa, "console": console}


def console_env(settings: Settings) -> Dict[str, str]:
    """What the console needs to reach the Rasa server it works with."""
    return {"RASA_URL": f"http://127.0.0.1:{settings.rasa_port}"}


DEMO_SEND_PATH = "/demo/platform/send"


def demo_platform_env(settings: Settings) -> Dict[str, str]:
    """No real send API configured: staff answers go to the console's demo inbox, which `bot chat` reads.
    Never in production (serve refuses to start there without a real PLATFORM_SEND_URL)."""
    if os.environ.get("PLATFORM_SEND_URL") or settings.production:
        return {}
    return {"PLATFORM_SEND_URL": f"http://127.0.0.1:{settings.console_port}{DEMO_SEND_PATH}", "DEMO_PLATFORM": "1"}


class NotReadyForProduction(RuntimeError):
    """XIAOER_ENV=production and something only a demo may do without: the message names what to set."""


def production_problems(settings: Settings, environ: Dict[str, str]) -> List[str]:
    """What stops a production start: a key not given (a generated one would differ in every container), no real
    platform send API (the demo inbox is never served in production)."""
    if not settings.production:
        return []
    problems = [f"缺少 {key.env}（生产环境必须显式设置，不会自动生成）" for key in ALL_KEYS if not environ.get(key.env, "").strip()]
    send_url = environ.get("PLATFORM_SEND_URL", "").strip()
    if not send_url or DEMO_SEND_PATH in send_url:
        problems.append("缺少 PLATFORM_SEND_URL（消息平台的发送接口；生产环境不提供演示收件箱）")
    return problems


def serve(only: Optional[str] = None) -> int:
    """Start the servers (``only``: one of them, as the services of deploy/ run them) and keep them running."""
    from bot.policy.model import load_policy

    settings = get_settings()
    problems = production_problems(settings, dict(os.environ))
    if problems:
        raise NotReadyForProduction("XIAOER_ENV=production，不能启动：\n" + "\n".join(f"  - {p}" for p in problems))
    load_policy()  # a bad shop_policy.yml stops the start with the fields named (PolicyError)
    schema.upgrade(settings.database_url)
    if only in (None, "rasa"):
        check_tracker_store()
    model = latest_model(settings.models_dir)
    if model is None:
        print("models/ 里没有模型，请先运行 python -m bot train", file=sys.stderr)
        return 1
    tighten()  # databases and keys written before the umask (python -m bot sets 077) become owner-only too
    keys = keys_env()
    endpoints = write_endpoints(settings, action_token=keys[ACTION_TOKEN.env])
    env = dict(
        os.environ,
        DATABASE_URL=settings.database_url,
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        **SERVER_ENV,
        **console_env(settings),
        **demo_platform_env(settings),
        **keys,
    )
    commands = server_commands(settings, endpoints, model, keys[RASA_TOKEN.env])
    every = os.environ.get("CARE_EVERY_MINUTES", "")
    if every and float(every) > 0:  # the proactive-message job on a schedule (else: cron, see the README)
        commands["care"] = [sys.executable, "-m", "bot", "care", "run", "--quiet", "--every", every]
    if only is not None:
        commands = {only: commands[only]}
    print(
        f"小二启动中（{'、'.join(commands)}）：Rasa http://{settings.bind_host}:{settings.rasa_port} ，"
        f"动作服务器 :{settings.action_port} ，员工后台 http://{settings.bind_host}:{settings.console_port} ，模型 {model.name}"
    )
    return Supervisor(commands, env, PROJECT_ROOT, say=lambda line: print(line, file=sys.stderr, flush=True)).run()
