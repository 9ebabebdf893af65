"""Messages without words: emoji, stickers, platform placeholders like [图片], a bare number.

A statistical classifier has nothing to go on in "🤔" or "[动画表情]" and yet
answers with high confidence (seen: "🤔" as affirm at 0.99). These messages are
settled by a rule instead: a few emoji carry a clear meaning, everything else
without words is "please say it in words" (nlu_fallback). A message that is
nothing but an order number, phone or RMA number is an answer (inform): the
character n-grams of sixteen digits once looked most like "886" (goodbye).
So is a bare small number ("2", "3件", "5分"): the answer to "which one",
"how many" or "what score".
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List, Optional, Text

from bot.crm.formats import ORDER_NO_PATTERN, PHONE_PATTERN, RMA_PATTERN

PLACEHOLDER = re.compile(r"^\s*(\[[^\[\]]{1,8}\]\s*)+$")  # [图片] [语音] [动画表情] …
MEANINGFUL_EMOJI = {
    "affirm": "👍👌🆗✅☑✔",
    "thank": "🙏💐🌹",
    "complain": "😡🤬💢👎😠",
    "goodbye": "👋",
}
WORD_CATEGORIES = ("L", "N")  # letters (incl. CJK) and digits


def has_words(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in WORD_CATEGORIES for ch in text)


IDENTIFIERS = (ORDER_NO_PATTERN, PHONE_PATTERN, RMA_PATTERN)
SEPARATORS = re.compile(r"[\s,，.。:：;；!！?？、#＃-]+")


def is_bare_identifier(text: str) -> bool:
    """True for "4128503961730215" or "13800000005, 4128503961730215": identifiers and separators only."""
    rest = text
    found = False
    for pattern in IDENTIFIERS:
        rest, count = pattern.subn(" ", rest)
        found = found or count > 0
    return found and not SEPARATORS.sub("", rest)


#: "2", "3件", "5分": a bare small number answers the question just asked (which item, how many, what score).
#: Not "88" (拜拜) or "66" (六六): chat slang that happens to be digits (886 and 666 are three digits).
SMALL_NUMBER = re.compile(r"^\s*(?!88\b|66\b)[0-9]{1,2}\s*(?:个|件|分|星|双|条|号)?\s*[。.!！~～]*\s*$")


def classify_nonverbal(text: Optional[str]) -> Optional[str]:
    """The intent of a message without words (or of a bare identifier), or None when it has words to classify."""
    text = (text or "").strip()
    if is_bare_identifier(text) or SMALL_NUMBER.match(text):
        return "inform"
    if text and has_words(text) and not PLACEHOLDER.match(text):
        return None
    symbols = {ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Mn" and ch != "\ufe0f"}
    for intent, emoji in MEANINGFUL_EMOJI.items():
        if symbols and symbols <= set(emoji):
            return intent
    return "nlu_fallback"


try:
    from rasa.engine.graph import ExecutionContext, GraphComponent
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.storage.resource import Resource
    from rasa.engine.storage.storage import ModelStorage
    from rasa.nlu.classifiers.classifier import IntentClassifier
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message
except ImportError:  # pragma: no cover
    pass
else:

    @DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
    class NonVerbalClassifier(GraphComponent, IntentClassifier):
        """Overrides the predicted intent of messages without words (see module docstring)."""

        @classmethod
        def create(
            cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
        ) -> "NonVerbalClassifier":
            return cls()

        def process(self, messages: List[Message]) -> List[Message]:
            for message in messages:
                intent = classify_nonverbal(message.get(TEXT))
                if intent is None:
                    continue
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
                message.set(INTENT, {"name": intent, "confidence": 1.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 1.0}, *ranking], add_to_output=True)
            return messages
