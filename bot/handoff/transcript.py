"""A Rasa tracker, read as staff read a conversation: who said what, when, and what the bot did."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional

from bot.crm.formats import mask_phones_in

#: Actions that are plumbing, not something staff need to see.
HIDDEN_ACTIONS = {"action_listen", "action_session_start", "action_unlikely_intent"}


@dataclass
class Entry:
    role: str  # buyer / bot / agent / action / system
    text: str
    at: Optional[str]
    intent: Optional[str] = None
    confidence: Optional[float] = None
    author: Optional[str] = None
    while_paused: bool = False  # a buyer message the bot did not answer, for staff to read
    buttons: List[str] = field(default_factory=list)

    def as_dict(self) -> Dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, [], False)}


def _time(event: Dict[str, Any]) -> Optional[str]:
    stamp = event.get("timestamp")
    return datetime.fromtimestamp(stamp).isoformat(timespec="seconds") if stamp else None


def transcript(events: List[Dict[str, Any]], mask_phones: bool = False) -> List[Entry]:
    """Every message in order, with the bot's actions and the pause/resume marks between them.

    ``mask_phones``: phone numbers in the messages (a buyer types theirs to be verified, the bot repeats a
    recipient's) show as 138****0005, as agents see them everywhere until they reveal them on purpose.
    """
    shown = mask_phones_in if mask_phones else (lambda text: text)
    entries: List[Entry] = []
    paused = False
    for event in events:
        kind = event.get("event")
        if kind == "user":
            parsed = event.get("parse_data") or {}
            intent = parsed.get("intent") or {}
            if (intent.get("name") or "").startswith("EXTERNAL_"):
                continue  # a staff-side trigger, not something the buyer wrote
            entries.append(
                Entry(
                    "buyer",
                    shown(event.get("text") or ""),
                    _time(event),
                    intent=intent.get("name"),
                    confidence=round(float(intent["confidence"]), 3) if intent.get("confidence") is not None else None,
                    while_paused=paused,
                )
            )
        elif kind == "bot":
            metadata = event.get("metadata") or {}
            agent = metadata.get("agent")
            data = event.get("data") or {}
            entries.append(
                Entry(
                    "agent" if agent else "bot",
                    shown(event.get("text") or ""),
                    _time(event),
                    author=agent or metadata.get("utter_action"),
                    buttons=[b.get("title", "") for b in data.get("buttons") or []],
                )
            )
        elif kind == "action" and event.get("name") not in HIDDEN_ACTIONS and not str(event.get("name")).startswith("utter_"):
            entries.append(Entry("action", event.get("name") or "", _time(event)))
        elif kind == "pause":
            paused = True
            entries.append(Entry("system", "机器人已暂停，等待人工客服", _time(event)))
        elif kind == "resume":
            paused = False
            entries.append(Entry("system", "机器人已恢复接待", _time(event)))
        elif kind == "session_started":
            paused = False
            entries.append(Entry("system", "新会话开始", _time(event)))
    return entries


def unanswered(entries: List[Entry]) -> int:
    """Buyer messages since the last reply from anyone (bot or staff): what the buyer is waiting on."""
    count = 0
    for entry in reversed(entries):
        if entry.role in ("bot", "agent"):
            break
        if entry.role == "buyer":
            count += 1
    return count
