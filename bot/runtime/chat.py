"""A terminal chat with the running bot, as one buyer (``python -m bot chat``)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import List


def send(url: str, sender: str, text: str, timeout: float = 30.0) -> List[dict]:
    """Post one message to Rasa's REST channel and return the bot's replies."""
    body = json.dumps({"sender": sender, "message": text}).encode("utf-8")
    request = urllib.request.Request(
        f"{url.rstrip('/')}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def chat(sender: str, url: str) -> int:
    print(f"以买家 {sender} 的身份聊天（{url}）。输入 /quit 退出。")
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
        except (urllib.error.URLError, TimeoutError) as exc:
            print(f"连接机器人失败：{exc}（先运行 make run）")
            continue
        for reply in replies:
            if reply.get("text"):
                print(f"小二> {reply['text']}")
            for index, button in enumerate(reply.get("buttons") or [], start=1):
                print(f"      [{index}] {button.get('title')}")
