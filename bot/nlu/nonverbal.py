"""Messages without words: emoji, stickers, platform placeholders like [图片], a bare number.

A statistical classifier has nothing to go on in "🤔" or "[动画表情]" and yet
answers with high confidence (seen: "🤔" as affirm at 0.99). These messages are
settled by a rule instead: a few emoji carry a clear meaning, everything else
without words is "please say it in words" (nlu_fallback). A message that is
an order number, phone or RMA number with at most a few framing words ("应该是…这个",
"订单号是…") is an answer (inform): the character n-grams of sixteen digits once looked
most like "886" (goodbye), and "应该是6172839405162738这个" fell below the fallback
threshold on one machine and not on another.
So is a bare small number ("2", "3件", "5分"): the answer to "which one",
"how many" or "what score".

Keyboard mash with words in it ("萨达萨达阿萨德") is the same problem in another form: not one of
its jieba words occurs in the training data, so the classifier's word features are empty and its
answer is a bias, seen as affirm at 0.61. Such a message (no known word, no entity found) is
nlu_fallback too; the vocabulary is learnt from the training data and stored in the model.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List, Optional, Set, Text

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
SEPARATORS = re.compile(r"[\s,，.。:：;；!！~～、#＃()（）\[\]【】-]+")
#: Words that only frame an identifier given as an answer: "应该是…这个", "订单号是…", "我的手机号…呀".
#: No verb and no question word: "取消4128…", "4128…到哪了" or "是这个吗" keep going to the classifier.
ANSWER_FRAME = re.compile(
    "|".join(
        sorted(
            (
                "应该是 大概是 好像是 我记得是 记得是 就是 是 对的 对 嗯嗯 嗯 恩 哦 噢 喔 呃 额 好的 好 "
                "这个 那个 这一个 那一个 这一单 那一单 这单 那单 这笔 那笔 "
                "订单编号 订单号码 订单号 订单 单号 编号 号码 "
                "手机号码 手机号 手机 电话号码 联系电话 电话 下单手机号 "
                "售后单号 售后编号 退货单号 服务单号 "
                "我的 我 的 给你 发你 啊 呀 吧 呢 哈 啦 嘛 哟 亲"
            ).split(),
            key=len,
            reverse=True,
        )
    )
)


def is_identifier_answer(text: str) -> bool:
    """True when the message gives an order, phone or RMA number and nothing else but framing words.

    "4128503961730215", "13800000005, 4128503961730215", "应该是6172839405162738这个", "订单号是 …",
    "我手机号13800000005": answers to "which order / what phone", which a statistical model reads
    with a confidence that drifts around the fallback threshold from one training run (and CPU)
    to the next. A rule reads them the same everywhere.
    """
    rest = text
    found = False
    for pattern in IDENTIFIERS:
        rest, count = pattern.subn(" ", rest)
        found = found or count > 0
    if not found:
        return False
    return not SEPARATORS.sub("", ANSWER_FRAME.sub("", SEPARATORS.sub("", rest)))


#: "2", "3件", "5分": a bare small number answers the question just asked (which item, how many, what score).
#: Not "88" (拜拜) or "66" (六六): chat slang that happens to be digits (886 and 666 are three digits).
SMALL_NUMBER = re.compile(r"^\s*(?!88\b|66\b)[0-9]{1,2}\s*(?:个|件|分|星|双|条|号)?\s*[。.!！~～]*\s*$")


def unknown_words_only(words: List[str], vocabulary: Set[str]) -> bool:
    """True when the message has words and none of them occurs in the training data."""
    wordy = [w.lower() for w in words if has_words(w)]
    return bool(wordy) and bool(vocabulary) and not any(w in vocabulary for w in wordy)


def classify_nonverbal(text: Optional[str]) -> Optional[str]:
    """The intent of a message without words (or of a bare identifier), or None when it has words to classify."""
    text = (text or "").strip()
    if is_identifier_answer(text) or SMALL_NUMBER.match(text):
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
    from rasa.nlu.constants import TOKENS_NAMES
    from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.nlu.stored import read_json, write_json
except ImportError:  # pragma: no cover
    pass
else:

    @DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
    class NonVerbalClassifier(GraphComponent, IntentClassifier):
        """Overrides the predicted intent of messages without words or without a known word (module docstring)."""

        VOCABULARY_FILE = "vocabulary.json"

        def __init__(self, model_storage: ModelStorage, resource: Resource, vocabulary: Optional[Set[str]] = None):
            self._model_storage = model_storage
            self._resource = resource
            self.vocabulary = vocabulary or set()

        @classmethod
        def create(
            cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
        ) -> "NonVerbalClassifier":
            return cls(model_storage, resource)

        def train(self, training_data: TrainingData) -> Resource:
            """Remember every word (jieba token) of the training examples."""
            self.vocabulary = {
                token.text.lower()
                for example in training_data.intent_examples
                for token in example.get(TOKENS_NAMES[TEXT]) or []
            }
            write_json(self._model_storage, self._resource, self.VOCABULARY_FILE, sorted(self.vocabulary))
            return self._resource

        @classmethod
        def load(
            cls,
            config: Dict[Text, Any],
            model_storage: ModelStorage,
            resource: Resource,
            execution_context: ExecutionContext,
            **kwargs: Any,
        ) -> "NonVerbalClassifier":
            return cls(model_storage, resource, set(read_json(model_storage, resource, cls.VOCABULARY_FILE, [])))

        def intent_of(self, message: Message) -> Optional[str]:
            intent = classify_nonverbal(message.get(TEXT))
            if intent is not None or message.get(ENTITIES):
                return intent
            words = [token.text for token in message.get(TOKENS_NAMES[TEXT]) or []]
            return "nlu_fallback" if unknown_words_only(words, self.vocabulary) else None

        def process(self, messages: List[Message]) -> List[Message]:
            for message in messages:
                intent = self.intent_of(message)
                if intent is not None:
                    set_rule_intent(message, intent)
            return messages

    def set_rule_intent(message: Message, intent: str) -> None:
        """Give ``message`` the intent a rule decided, at full confidence and first in the ranking."""
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
        message.set(INTENT, {"name": intent, "confidence": 1.0}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 1.0}, *ranking], add_to_output=True)
