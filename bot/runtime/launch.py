"""Start a throw-away bot (CRM, tracker store, Rasa + action server) for tests and benchmarks.

The servers run exactly as ``python -m bot serve`` runs them, on free ports,
with their own seeded SQLite CRM in a work folder, so a test or a benchmark
never touches the developer's ``var/`` data.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Tuple

from bot.settings import PROJECT_ROOT, Settings

if TYPE_CHECKING:
    from bot.handoff.rasa_client import RasaClient

STARTUP_TIMEOUT = 240
TEST_WEBHOOK_SECRET = "test-webhook-secret"  # the launched bot's; tests and benchmarks sign with it
TEST_RASA_TOKEN = "test-rasa-token"  # its Rasa HTTP API's token
TEST_ACTION_TOKEN = "test-action-token"  # the token its Rasa sends the action server


class LaunchError(RuntimeError):
    """A server did not come up; the message carries the end of its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LaunchedBot:
    url: str
    database_url: str
    workdir: Path
    console_url: str = ""
    webhook_secret: str = TEST_WEBHOOK_SECRET
    parts: Dict[str, "Part"] = field(default_factory=dict)
    settings: Optional[Settings] = None
    endpoints: Optional[Path] = None
    model: Optional[Path] = None
    rasa_token: str = TEST_RASA_TOKEN
    _sent: "itertools.count" = field(default_factory=itertools.count)

    def rasa_client(self, url: Optional[str] = None) -> "RasaClient":
        """A client of this bot's Rasa HTTP API (or of ``url``, an added server), with its token."""
        from bot.handoff.rasa_client import RasaClient

        return RasaClient(url or self.url, token=self.rasa_token)

    @property
    def pids(self) -> List[int]:
        """actions, rasa, console (the order of bot.runtime.serve.server_commands), then extra servers."""
        return [part.process.pid for part in self.parts.values() if part.process is not None]

    def stop(self, name: str) -> None:
        """Really stop one server (``actions``, ``rasa``, ``console`` or an added Rasa server)."""
        self.parts[name].stop()

    def start(self, name: str) -> None:
        part = self.parts[name]
        part.start()
        part.wait_up()

    def add_rasa_server(self, name: str) -> str:
        """Another Rasa server with the same model, endpoints and environment; returns its URL."""
        from dataclasses import replace

        from bot.runtime.serve import server_commands

        assert self.settings is not None and self.endpoints is not None and self.model is not None
        settings = replace(self.settings, rasa_port=free_port())
        command = server_commands(settings, self.endpoints, self.model, self.rasa_token)["rasa"]
        base = self.parts["rasa"]
        url = f"http://127.0.0.1:{settings.rasa_port}"
        self.parts[name] = Part(name, command, base.env, self.workdir / f"{name}.log", f"{url}/status?token={self.rasa_token}")
        self.start(name)
        return url

    def send(self, sender: str, text: str, timeout: float = 60) -> List[dict]:
        """One buyer message through the signed webhook, as the platform sends it; the bot's replies."""
        status, body, _ = self.message(sender, text, f"t-{os.getpid()}-{next(self._sent)}-{time.time_ns()}",
                                       timeout=timeout)
        if status != 200:
            raise LaunchError(f"HTTP {status}: {body}")
        return list(body["replies"])

    def events(self, sender: str, server: Optional[str] = None) -> List[dict]:
        """Every event of ``sender``'s conversation, from Rasa's HTTP API (of ``server``, default the first)."""
        query = urllib.parse.urlencode({"include_events": "ALL", "token": self.rasa_token})
        url = f"{server or self.url}/conversations/{urllib.parse.quote(sender, safe='')}/tracker?{query}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read().decode("utf-8")).get("events") or []

    def staff_api(self, method: str, path: str, token: str = "", body: Optional[dict] = None) -> Tuple[int, dict]:
        """One call to the staff API: (HTTP status, JSON body), errors included."""
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(f"{self.console_url}{path}", data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read().decode("utf-8") or "{}")

    def post_webhook(
        self,
        body: bytes,
        timestamp: Optional[str] = None,
        signature: Optional[str] = None,
        timeout: float = 60,
        server: Optional[str] = None,
    ) -> Tuple[int, dict, Dict[str, str]]:
        """One raw POST to the shop webhook (of ``server``, default the first), signed with the bot's secret."""
        from bot.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

        timestamp = timestamp if timestamp is not None else str(int(time.time()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp}
        headers[SIGNATURE_HEADER] = signature if signature is not None else sign(self.webhook_secret, timestamp, body)
        request = urllib.request.Request(
            f"{server or self.url}/webhooks/shop/webhook", data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read().decode("utf-8")), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read().decode("utf-8") or "{}"), dict(exc.headers)

    def message(
        self, sender: str, text: str, message_id: str, kind: str = "text", server: Optional[str] = None,
        timeout: float = 60,
    ) -> Tuple[int, dict, Dict[str, str]]:
        """A buyer's message through the signed webhook, as the platform sends it."""
        payload = {"message_id": message_id, "sender": sender, "type": kind, "timestamp": int(time.time())}
        if kind == "text":
            payload["text"] = text
        return self.post_webhook(json.dumps(payload, ensure_ascii=False).encode("utf-8"), server=server, timeout=timeout)

    def texts(self, sender: str, text: str) -> str:
        return "\n".join(m.get("text", "") for m in self.send(sender, text))


@dataclass
class Part:
    """One server process of the bot, which tests can stop and start again."""

    name: str
    command: List[str]
    env: Dict[str, str]
    log: Path
    health_url: str
    process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command, cwd=PROJECT_ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def wait_up(self) -> None:
        deadline = time.time() + STARTUP_TIMEOUT
        while time.time() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise LaunchError(f"{self.name} exited during start-up:\n{self.log.read_text(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(self.health_url, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        raise LaunchError(f"{self.health_url} did not come up within {STARTUP_TIMEOUT}s")


@contextmanager
def launched_bot(
    workdir: Path,
    model: Optional[Path] = None,
    seed: bool = True,
    platform_send_url: str = "",
    webhook_secret: str = TEST_WEBHOOK_SECRET,
    database_url: Optional[str] = None,
    tracker_url: Optional[str] = None,
    redis_url: Optional[str] = None,
    action_proxy: Optional[Any] = None,
    extra_env: Optional[Dict[str, str]] = None,
) -> Iterator[LaunchedBot]:
    """A running bot (Rasa, actions, console) with a fresh demo CRM; stopped when the block ends.

    By default everything lives in ``workdir`` (SQLite CRM and tracker store).
    ``database_url`` / ``tracker_url`` put them elsewhere (e.g. PostgreSQL),
    ``redis_url`` adds the Redis lock store, and ``action_proxy`` (a
    ``bot.runtime.proxy.TcpProxy``) is put between Rasa and the action server.
    """
    from bot.crm import schema
    from bot.crm.db import session_scope
    from bot.crm.demo.seed import seed_demo
    from bot.runtime.keys import ACTION_TOKEN, RASA_TOKEN, WEBHOOK_SECRET
    from bot.runtime.serve import SERVER_ENV, console_env, server_commands, write_endpoints
    from bot.training.train import latest_model

    models_dir = Settings.from_env().models_dir  # MODELS_DIR: bench.robust runs the tests against other models
    model = model or latest_model(models_dir)
    if model is None:
        raise LaunchError(f"no trained model in {models_dir}: run `python -m bot train` first")
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = database_url or f"sqlite:///{workdir / 'crm.db'}"
    schema.upgrade(database_url)
    if seed:
        with session_scope(database_url) as session:
            seed_demo(session)  # relative to the real clock, which the servers use
    rasa_port, action_port, console_port = free_port(), free_port(), free_port()
    action_url_port = action_port
    if action_proxy is not None:
        action_proxy.target_port = action_port
        action_url_port = action_proxy.port
    settings = Settings(
        database_url=database_url,
        rasa_port=rasa_port,
        action_port=action_port,
        models_dir=model.parent,
        action_server_url=f"http://127.0.0.1:{action_url_port}/webhook",
        console_port=console_port,
    )
    tracker_db = str(workdir / "tracker.db")
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        TRACKER_DB=tracker_db,
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        PLATFORM_SEND_URL=platform_send_url,
        **{WEBHOOK_SECRET.env: webhook_secret, RASA_TOKEN.env: TEST_RASA_TOKEN, ACTION_TOKEN.env: TEST_ACTION_TOKEN},
        **SERVER_ENV,
        **console_env(settings),
        **(extra_env or {}),
    )
    endpoints = write_endpoints(settings, workdir / "endpoints.yml", tracker_db=tracker_db, tracker_url=tracker_url,
                                redis_url=redis_url, action_token=TEST_ACTION_TOKEN)
    health = {
        "actions": f"http://127.0.0.1:{action_port}/health",
        "rasa": f"http://127.0.0.1:{rasa_port}/status?token={TEST_RASA_TOKEN}",  # the model is loaded
        "console": f"http://127.0.0.1:{console_port}/api/health",
    }
    parts = {
        name: Part(name, command, env, workdir / f"{name}.log", health[name])
        for name, command in server_commands(settings, endpoints, model, TEST_RASA_TOKEN).items()
    }
    bot = LaunchedBot(
        f"http://127.0.0.1:{rasa_port}",
        database_url,
        workdir,
        console_url=f"http://127.0.0.1:{console_port}",
        webhook_secret=webhook_secret,
        parts=parts,
        settings=settings,
        endpoints=endpoints,
        model=model,
    )
    try:
        for part in parts.values():
            part.start()
        for part in parts.values():
            part.wait_up()
        bot.send("warmup_sender", "你好")  # first message loads the model's lazy parts
        yield bot
    finally:
        for part in bot.parts.values():
            part.stop()
