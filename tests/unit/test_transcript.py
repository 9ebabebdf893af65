"""A Rasa tracker read as staff read it."""

from __future__ import annotations

from bot.handoff.transcript import transcript, unanswered


def user(text: str, intent: str, t: float = 1_795_000_000.0) -> dict:
    return {"event": "user", "text": text, "timestamp": t, "parse_data": {"intent": {"name": intent, "confidence": 0.9876}}}


def bot(text: str, **metadata: str) -> dict:
    return {"event": "bot", "text": text, "timestamp": 1_795_000_001.0, "metadata": metadata}


EVENTS = [
    {"event": "action", "name": "action_session_start"},
    {"event": "session_started"},
    {"event": "action", "name": "action_listen"},
    user("转人工", "human_handoff"),
    {"event": "action", "name": "action_handoff_request"},
    bot("好的，已为您转人工", utter_action="utter_handoff_queued"),
    {"event": "pause"},
    user("人呢", "greet"),
    user("快点", "complain"),
    bot("您好，我是小美", agent="xiaomei"),
    {"event": "resume"},
    {"event": "action", "name": "action_listen"},
    user("/EXTERNAL_handed_back", "EXTERNAL_handed_back"),
    {"event": "action", "name": "utter_handed_back"},
    bot("接下来由小二继续为您服务", utter_action="utter_handed_back"),
]


def test_every_message_is_shown_with_who_said_it_and_the_pause_marks() -> None:
    entries = transcript(EVENTS)
    assert [(e.role, e.text) for e in entries] == [
        ("system", "新会话开始"),
        ("buyer", "转人工"),
        ("action", "action_handoff_request"),
        ("bot", "好的，已为您转人工"),
        ("system", "机器人已暂停，等待人工客服"),
        ("buyer", "人呢"),
        ("buyer", "快点"),
        ("agent", "您好，我是小美"),
        ("system", "机器人已恢复接待"),
        ("bot", "接下来由小二继续为您服务"),
    ]
    assert [e.while_paused for e in entries if e.role == "buyer"] == [False, True, True]
    assert entries[1].intent == "human_handoff" and entries[1].confidence == 0.988
    assert entries[7].author == "xiaomei" and entries[3].author == "utter_handoff_queued"
    assert entries[1].at is not None and "T" in entries[1].at


def test_unanswered_counts_buyer_messages_since_the_last_reply() -> None:
    assert unanswered(transcript(EVENTS[:9])) == 2
    assert unanswered(transcript(EVENTS)) == 0
    assert unanswered([]) == 0


def test_as_dict_leaves_out_empty_fields() -> None:
    entry = transcript([user("在吗", "greet")])[0].as_dict()
    assert set(entry) == {"role", "text", "at", "intent", "confidence"}


def test_phone_numbers_are_masked_for_agents_unless_revealed() -> None:
    events = [
        {"event": "user", "text": "我的手机是13800000005", "parse_data": {"intent": {"name": "inform", "confidence": 1.0}}},
        {"event": "bot", "text": "收货人 周婷 13800000005，确认吗？"},
    ]
    masked = [e.text for e in transcript(events, mask_phones=True)]
    assert masked == ["我的手机是138****0005", "收货人 周婷 138****0005，确认吗？"]
    assert [e.text for e in transcript(events)] == ["我的手机是13800000005", "收货人 周婷 13800000005，确认吗？"]
