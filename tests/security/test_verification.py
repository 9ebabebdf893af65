"""Identity checks cannot be retried without limit (issue 15, finding 5): failures are counted per phone, order
number, chat and address in the CRM, across new sender ids and new sessions, and a locked check is not run
even for the right pair."""

from __future__ import annotations

import json
import urllib.request

from tests.integration.conftest import RunningBot, said

ORDER = "5230917846203559"  # 王军's completed keyboard order
RIGHT_PHONE, WRONG_PHONE = "13800000002", "13912345678"


def restart(bot: RunningBot, sender: str) -> None:
    """A fresh session for the chat: every slot (an attempt counter kept there included) starts over."""
    body = json.dumps([{"event": "restart"}]).encode("utf-8")
    request = urllib.request.Request(
        f"{bot.url}/conversations/{sender}/tracker/events?token={bot.rasa_token}", data=body, method="POST",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=30).close()


def test_a_lockout_holds_across_new_senders_and_new_sessions(running_bot: RunningBot) -> None:
    for attempt, sender in enumerate(["guest_lock_1", "guest_lock_1", "guest_lock_2"]):
        if attempt:
            restart(running_bot, sender)
        running_bot.texts(sender, "帮我查一下订单")
        reply = running_bot.texts(sender, f"{WRONG_PHONE} {ORDER}")
        assert "核实" in reply or "对不上" in reply, reply
    locked = running_bot.texts("guest_lock_3", f"查订单 {RIGHT_PHONE} {ORDER}")  # the right pair, a new chat
    assert said(locked, "utter_verify_locked"), locked
    assert "键盘" not in locked and "核实成功" not in locked
