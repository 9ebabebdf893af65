"""Whole form conversations run by Rasa's own form loop against the real actions.

``FormConversation`` keeps a real ``DialogueStateTracker``. Each buyer message
(with the intent a test gives it, and entities from the real catalogue matcher)
goes through what Rasa's processor does: ``action_extract_slots`` fills the
domain's slot mappings, then Rasa's ``FormAction`` activates or continues the
form, calling our validation and ask actions over HTTP on an in-process action
server (rasa_sdk's executor behind an aiohttp route). When the form rejects a
message, the rules would answer it: the test sees ``rejected``. When the form
ends, the rule that follows every form runs its submit action.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Dict, List, Optional

from aiohttp import web
from aiohttp.test_utils import TestServer
from rasa.core.actions.action import ActionExecutionRejection, ActionExtractSlots, RemoteAction
from rasa.core.actions.forms import FormAction
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk.executor import ActionExecutor

from tests.actions.conftest import DOMAIN, MATCHER

RASA_DOMAIN = Domain.from_dict(DOMAIN)
NLG = TemplatedNaturalLanguageGenerator(RASA_DOMAIN.responses)
EXECUTOR = ActionExecutor()
EXECUTOR.register_package("actions")


@dataclass
class FormSpec:
    name: str
    submit: str  # the action the rule runs once the form is done


class ActionServer:
    """rasa_sdk's executor with every action of the ``actions`` package, served in this event loop."""

    def __init__(self) -> None:
        app = web.Application()
        app.router.add_post("/webhook", self.webhook)
        self.server = TestServer(app, host="127.0.0.1")

    async def webhook(self, request: web.Request) -> web.Response:
        result = await EXECUTOR.run(await request.json())
        return web.json_response(result or {})

    async def endpoint(self) -> EndpointConfig:
        if self.server.runner is None:
            await self.server.start_server()
        return EndpointConfig(str(self.server.make_url("/webhook")))

    async def close(self) -> None:
        await self.server.close()


class FormConversation:
    def __init__(self, sender: str, spec: FormSpec, slots: Optional[Dict[str, Any]] = None):
        self.spec = spec
        self.tracker = DialogueStateTracker.from_events(sender, [ActionExecuted(ACTION_LISTEN_NAME)], slots=RASA_DOMAIN.slots)
        for name, value in (slots or {}).items():
            self.tracker.update(SlotSet(name, value))
        self.rejected = False

    @property
    def slots(self) -> Dict[str, Any]:
        return self.tracker.current_slot_values()

    @property
    def requested(self) -> Optional[str]:
        return self.tracker.get_slot("requested_slot")

    @property
    def active(self) -> bool:
        return self.tracker.active_loop_name == self.spec.name

    async def say(self, text: str, intent: str) -> List[Dict[str, Any]]:
        """Send one buyer message into the form; returns the bot's messages (response name, text, values)."""
        parse = {"intent": {"name": intent, "confidence": 0.99}, "entities": MATCHER.extract(text), "text": text}
        self.tracker.update(UserUttered(text, parse["intent"], parse["entities"], parse_data=parse))
        async with self._bot_turn() as endpoint:
            said = await self._apply(await ActionExtractSlots(endpoint).run(*self._context()))
            return said + await self._form_then_submit(endpoint)

    async def resume_after(self, answer: str) -> List[Dict[str, Any]]:
        """After a rejected message: the rule's ``answer`` action runs, then the form resumes (as Rasa does)."""
        assert self.rejected, "only a message the form rejected goes to the rules"
        async with self._bot_turn() as endpoint:
            said = await self._apply(await RemoteAction(answer, endpoint).run(*self._context()), answer)
            return said + await self._form_then_submit(endpoint)

    async def _form_then_submit(self, endpoint: EndpointConfig) -> List[Dict[str, Any]]:
        """Rasa's form runs; a rejection leaves the message to the rules, a finished form gets the rule's submit."""
        form = FormAction(self.spec.name, endpoint)
        self.rejected = False
        try:
            said = await self._apply(await form.run(*self._context()), form.name())
        except ActionExecutionRejection:
            self.rejected = True  # the digression rules would answer; the form stays open
            self.tracker.update(ActionExecutionRejected(form.name()))
            return []
        if not self.active:
            said += await self._apply(await RemoteAction(self.spec.submit, endpoint).run(*self._context()), self.spec.submit)
        return said

    @asynccontextmanager
    async def _bot_turn(self) -> AsyncIterator[EndpointConfig]:
        """The action server for one bot turn; the turn ends listening, as Rasa's do."""
        server = ActionServer()
        try:
            yield await server.endpoint()
        finally:
            self.tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
            await server.close()

    def _context(self) -> tuple:
        return CollectingOutputChannel(), NLG, self.tracker, RASA_DOMAIN

    async def _apply(self, events: List[Event], action: Optional[str] = None) -> List[Dict[str, Any]]:
        """Log an action's events the way Rasa's processor does: the action first, then what it returned."""
        said = []
        if action is not None:
            self.tracker.update(ActionExecuted(action))
        for event in events:
            self.tracker.update(event)
            if isinstance(event, BotUttered):
                metadata = dict(event.metadata or {})
                said.append({"response": metadata.pop("utter_action", None), "text": event.text,
                             "buttons": (event.data or {}).get("buttons"), **metadata})
        return said
