"""A spaCy-based entity extractor for the shop: products, order numbers, phones, quantities, RMA numbers.

Why a rule component and not DIET entities: the catalogue is known exactly and
order numbers / phones have fixed shapes, so matching them is more reliable
than learning them, and a new product is recognised as soon as the lexicon is
re-exported, without relabelling data. spaCy's Chinese pipeline with the
character segmenter gives robust phrase matching whatever jieba's segmentation
of the surrounding words, and ``filter_spans`` settles overlaps (the longest
match wins, so 短款羽绒服 beats 羽绒服).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

import spacy
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from bot.crm.formats import ORDER_NO_PATTERN, PHONE_PATTERN, RMA_PATTERN
from bot.nlu.lexicon import read_lexicon
from bot.nlu.numbers import chinese_number
from bot.nlu.simplified import to_simplified
from bot.settings import PROJECT_ROOT

MEASURE_WORDS = "件个双瓶盒条套台支包袋只片份副顶罐箱本把张"
#: "一个星期", "两个月", "三个小时" count time, not goods.
TIME_AFTER_MEASURE = "星期|礼拜|月|小时|钟头|工作日|多月|半月"
QUANTITY = re.compile(
    rf"(?<![第\d一二两三四五六七八九十])(\d{{1,3}}|[一二两三四五六七八九十]{{1,3}})(?=\s*[{MEASURE_WORDS}])(?!\s*个\s*(?:{TIME_AFTER_MEASURE}))"
)


class CatalogMatcher:
    """Pure spaCy matching, usable without Rasa (tests, the console, the trainer)."""

    def __init__(self, lexicon: Dict[str, str]):
        self.lexicon = lexicon
        self.nlp = spacy.blank("zh")  # character segmentation: offline and robust for matching
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        patterns = [self.nlp.make_doc(term) for term in sorted(lexicon)]
        if patterns:
            self.matcher.add("product", patterns)

    def extract(self, text: str) -> List[Dict[str, Any]]:
        """Entities in Rasa's format, in order of appearance."""
        if not text or not text.strip():
            return []
        # traditional characters read as simplified ("口紅" is 口红); one character for one, so offsets hold
        doc = self.nlp.make_doc(to_simplified(text[:2000]))
        spans: List[Span] = [Span(doc, start, end, label="product") for _, start, end in self.matcher(doc)]
        for label, pattern in (("order_id", ORDER_NO_PATTERN), ("phone", PHONE_PATTERN), ("rma_no", RMA_PATTERN)):
            spans.extend(self._regex_spans(doc, pattern, label))
        spans.extend(self._regex_spans(doc, QUANTITY, "quantity", group=1))
        return [self._to_entity(span) for span in sorted(filter_spans(spans), key=lambda s: s.start_char)]

    @staticmethod
    def _regex_spans(doc: Doc, pattern: re.Pattern, label: str, group: int = 0) -> List[Span]:
        spans = []
        for match in pattern.finditer(doc.text):
            span = doc.char_span(match.start(group), match.end(group), label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        return spans

    def _to_entity(self, span: Span) -> Dict[str, Any]:
        value: Any = span.text
        if span.label_ == "quantity":
            value = str(chinese_number(span.text) or span.text)
        elif span.label_ == "rma_no":
            value = span.text.upper()
        return {
            "entity": span.label_,
            "start": span.start_char,
            "end": span.end_char,
            "value": value,
            "confidence_entity": 1.0,
        }


try:  # the Rasa component is only defined where Rasa is installed (not needed by pure tests)
    from rasa.engine.graph import ExecutionContext, GraphComponent
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.storage.resource import Resource
    from rasa.engine.storage.storage import ModelStorage
    from rasa.nlu.extractors.extractor import EntityExtractorMixin
    from rasa.shared.nlu.constants import ENTITIES, TEXT
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.nlu.stored import read_json, write_json
except ImportError:  # pragma: no cover
    pass
else:

    @DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
    class CatalogEntityExtractor(GraphComponent, EntityExtractorMixin):
        """Rasa wrapper: reads the lexicon at training time and stores it in the model."""

        LEXICON_FILE = "lexicon.json"

        @staticmethod
        def get_default_config() -> Dict[Text, Any]:
            return {"lexicon_path": "data/lexicon/products.txt"}

        @classmethod
        def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
            """The lexicon's content: a changed catalogue ("白T" added) retrains this component, not Rasa's cached one."""
            import hashlib

            path = PROJECT_ROOT / config.get("lexicon_path", cls.get_default_config()["lexicon_path"])
            return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None

        def __init__(
            self,
            config: Dict[Text, Any],
            model_storage: ModelStorage,
            resource: Resource,
            lexicon: Optional[Dict[str, str]] = None,
        ):
            self.config = config
            self._model_storage = model_storage
            self._resource = resource
            self.lexicon = lexicon or {}
            self.matcher = CatalogMatcher(self.lexicon)

        @classmethod
        def create(
            cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
        ) -> "CatalogEntityExtractor":
            return cls(config, model_storage, resource)

        def train(self, training_data: TrainingData) -> Resource:
            path = PROJECT_ROOT / self.config["lexicon_path"]
            self.lexicon = read_lexicon(path)
            write_json(self._model_storage, self._resource, self.LEXICON_FILE, self.lexicon)
            return self._resource

        @classmethod
        def load(
            cls,
            config: Dict[Text, Any],
            model_storage: ModelStorage,
            resource: Resource,
            execution_context: ExecutionContext,
            **kwargs: Any,
        ) -> "CatalogEntityExtractor":
            return cls(config, model_storage, resource, read_json(model_storage, resource, cls.LEXICON_FILE, {}))

        def process(self, messages: List[Message]) -> List[Message]:
            for message in messages:
                found = self.matcher.extract(message.get(TEXT) or "")
                if found:
                    entities = message.get(ENTITIES, []) + self.add_extractor_name(found)
                    message.set(ENTITIES, entities, add_to_output=True)
            return messages

        def process_training_data(self, training_data: TrainingData) -> TrainingData:
            return training_data
