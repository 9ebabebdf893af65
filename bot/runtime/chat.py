"""A terminal chat with the running bot, as one buyer (``python -m bot chat``).

It talks to the bot exactly as the messaging platform does: each line is a message with its own id,
signed with the webhook's shared secret (SHOP_WEBHOOK_SECRET, or the one `serve` generated into
var/). There is no unsigned way in.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
import uuid
from typing import List, Optional

from bot.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from bot.runtime.keys import WEBHOOK_SECRET, key_value

POLL_SECONDS = 1.0


class ChatRefused(RuntimeError):
    """The bot refused the message (too long, …): its own words."""


def send(url: str, sender: str, text: str, timeout: float = 30.0, secret: Optional[str] = None) -> List[dict]:
    """Post one message to the signed shop webhook and return the bot's replies."""
    body = json.dumps(
        {"message_id": f"chat-{uuid.uuid4().hex}", "sender": sender, "type": "text", "text": text,
         "timestamp": int(time.time())},
        ensure_ascii=False,
    ).encode("utf-8")
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret or key_value(WEBHOOK_SECRET), timestamp, body),
    }
    request = urllib.request.Request(f"{url.rstrip('/')}/webhooks/shop/webhook", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))["replies"]
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500:
            raise ChatRefused(json.loads(exc.read().decode("utf-8") or "{}").get("message") or f"HTTP {exc.code}") from exc
        raise


def read_inbox(console_url: str, sender: str, after: int, secret: Optional[str] = None) -> dict:
    """The demo inbox's messages for ``sender`` after position ``after``, asked for with a signed request."""
    from bot.console.demo_platform import inbox_request

    stamp = str(int(time.time()))
    headers = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(secret or key_value(WEBHOOK_SECRET), stamp, inbox_request(sender))}
    query = f"recipient={urllib.request.quote(sender)}&after={after}"
    request = urllib.request.Request(f"{console_url}/demo/platform/inbox?{query}", headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read().decode("utf-8"))


def watch_inbox(console_url: str, sender: str, stop: threading.Event) -> None:
    """Print what staff (or a follow-up) send this buyer through the demo platform, as it arrives."""
    position = None
    while not stop.is_set():
        try:
            body = read_inbox(console_url, sender, position or 0)
            if position is not None:
                for message in body["messages"]:
                    who = f"客服{message['agent']}" if message.get("agent") else "小二"
                    print(f"\n{who}> {message.get('text', '')}\n买家> ", end="", flush=True)
            position = body["next"]
        except (urllib.error.URLError, TimeoutError, ValueError, KeyError):
            pass  # no console, or a real platform configured: nothing to show here
        stop.wait(POLL_SECONDS)


def chat(sender: str, url: str) -> int:
    print(f"以买家 {sender} 的身份聊天（{url}）。输入 /quit 退出。")
    stop = threading.Event()
    console_url = f"http://127.0.0.1:{os.environ.get('CONSOLE_PORT', '5002')}"
    threading.Thread(target=watch_inbox, args=(console_url, sender, stop), daemon=True).start()
    try:
        return _loop(sender, url)
    finally:
        stop.set()


def _loop(sender: str, url: str) -> int:
    while True:
        try:
            text = input("买家> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if text in ("/quit", "/exit"):
            return 0
        if not text:
            continue
        try:
            replies = send(url, sender, text)
        except ChatRefused as refused:
            print(f"（未发送：{refused}）")
            continue
        except (urllib.error.URLError, TimeoutError) as exc:
            print(f"连接机器人失败：{exc}（先运行 make run）")
            continue
        if not replies:
            print("（已转人工：您的消息已留给客服，客服回复会显示在这里）")
        for reply in replies:
            if reply.get("text"):
                print(f"小二> {reply['text']}")
            for index, button in enumerate(reply.get("buttons") or [], start=1):
                print(f"      [{index}] {button.get('title')}")
