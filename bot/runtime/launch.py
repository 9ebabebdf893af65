"""Start a throw-away bot (CRM, tracker store, Rasa + action server) for tests and benchmarks.

The servers run exactly as ``python -m bot serve`` runs them, on free ports,
with their own seeded SQLite CRM in a work folder, so a test or a benchmark
never touches the developer's ``var/`` data.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from bot.settings import PROJECT_ROOT, Settings

STARTUP_TIMEOUT = 240
TEST_WEBHOOK_SECRET = "test-webhook-secret"  # the launched bot's; tests and benchmarks sign with it


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
    pids: List[int] = field(default_factory=list)
    console_url: str = ""
    webhook_secret: str = TEST_WEBHOOK_SECRET

    def send(self, sender: str, text: str, timeout: float = 60) -> List[dict]:
        """One buyer message through the REST channel; the bot's replies."""
        body = json.dumps({"sender": sender, "message": text}).encode("utf-8")
        request = urllib.request.Request(
            f"{self.url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status != 200:
                raise LaunchError(f"HTTP {response.status}")
            return json.loads(response.read().decode("utf-8"))

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
        self, body: bytes, timestamp: Optional[str] = None, signature: Optional[str] = None, timeout: float = 60
    ) -> Tuple[int, dict, Dict[str, str]]:
        """One raw POST to the shop webhook, signed with the bot's secret unless told otherwise."""
        from bot.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

        timestamp = timestamp if timestamp is not None else str(int(time.time()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp}
        headers[SIGNATURE_HEADER] = signature if signature is not None else sign(self.webhook_secret, timestamp, body)
        request = urllib.request.Request(f"{self.url}/webhooks/shop/webhook", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read().decode("utf-8")), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read().decode("utf-8") or "{}"), dict(exc.headers)

    def message(self, sender: str, text: str, message_id: str, kind: str = "text") -> Tuple[int, dict, Dict[str, str]]:
        """A buyer's message through the signed webhook, as the platform sends it."""
        payload = {"message_id": message_id, "sender": sender, "type": kind, "timestamp": int(time.time())}
        if kind == "text":
            payload["text"] = text
        return self.post_webhook(json.dumps(payload, ensure_ascii=False).encode("utf-8"))

    def texts(self, sender: str, text: str) -> str:
        return "\n".join(m.get("text", "") for m in self.send(sender, text))


def _wait_until_up(url: str, processes: List[subprocess.Popen], logs: List[Path]) -> None:
    deadline = time.time() + STARTUP_TIMEOUT
    while time.time() < deadline:
        for process, log in zip(processes, logs):
            if process.poll() is not None:
                raise LaunchError(f"a bot server exited during start-up:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    raise LaunchError(f"{url} did not come up within {STARTUP_TIMEOUT}s")


@contextmanager
def launched_bot(
    workdir: Path,
    model: Optional[Path] = None,
    seed: bool = True,
    platform_send_url: str = "",
    webhook_secret: str = TEST_WEBHOOK_SECRET,
) -> Iterator[LaunchedBot]:
    """A running bot (Rasa, actions, console) with a fresh demo CRM in ``workdir``; stopped when the block ends."""
    from bot.crm import schema
    from bot.crm.db import session_scope
    from bot.crm.demo.seed import seed_demo
    from bot.runtime.serve import console_env, server_commands, write_endpoints
    from bot.training.train import latest_model

    model = model or latest_model(PROJECT_ROOT / "models")
    if model is None:
        raise LaunchError("no trained model in models/: run `python -m bot train` first")
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{workdir / 'crm.db'}"
    schema.upgrade(database_url)
    if seed:
        with session_scope(database_url) as session:
            seed_demo(session)  # relative to the real clock, which the servers use
    rasa_port, action_port, console_port = free_port(), free_port(), free_port()
    settings = Settings(
        database_url=database_url,
        rasa_port=rasa_port,
        action_port=action_port,
        models_dir=model.parent,
        action_server_url=f"http://127.0.0.1:{action_port}/webhook",
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
        SHOP_WEBHOOK_SECRET=webhook_secret,
        **console_env(settings),
    )
    env.pop("RASA_TOKEN", None)
    endpoints = write_endpoints(settings, workdir / "endpoints.yml", tracker_db=tracker_db)
    processes: List[subprocess.Popen] = []
    logs: List[Path] = []
    try:
        for name, command in server_commands(settings, endpoints, model).items():
            log = workdir / f"{name}.log"
            logs.append(log)
            processes.append(
                subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
            )
        _wait_until_up(f"http://127.0.0.1:{action_port}/health", processes, logs)
        _wait_until_up(f"http://127.0.0.1:{rasa_port}/status", processes, logs)
        _wait_until_up(f"http://127.0.0.1:{console_port}/api/health", processes, logs)
        bot = LaunchedBot(
            f"http://127.0.0.1:{rasa_port}",
            database_url,
            workdir,
            [p.pid for p in processes],
            console_url=f"http://127.0.0.1:{console_port}",
            webhook_secret=webhook_secret,
        )
        bot.send("warmup_sender", "你好")  # first message loads the model's lazy parts
        yield bot
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
