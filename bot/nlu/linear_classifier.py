"""Intent classification by a linear model over character n-grams and jieba words.

Why not only DIET: on messages written by people who never saw our training data (the blind set
of issue 17), a regularised logistic regression over TF-IDF character 1–4-grams and jieba words
read buyers better than DIET did on the same data, is calibrated enough for the fallback threshold,
and trains in seconds instead of minutes on two cores. Character n-grams carry typos, slang and
half-words ("退或", "发或") that a word vocabulary misses; words carry the shop's terms ("运费险").

Text is read in simplified characters (``bot.nlu.simplified``) and lower case, so "退貨" and
"3Q" are the same features as "退货" and "3q". When another intent classifier ran before this one
(DIET, if the pipeline keeps it), ``blend`` mixes its ranking in: the two rankings are averaged with
that weight for the earlier one (0 = this model alone).
"""

from __future__ import annotations

import pickle
from typing import Any, Dict, List, Optional, Sequence, Text

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.nlu.simplified import to_simplified


def normalised_text(text: str) -> str:
    return to_simplified(text or "").lower()


def given_words(words: List[str]) -> List[str]:
    """The tokenizer's words as they are (a named function, so the fitted model pickles)."""
    return [word.lower() for word in words]


class LinearIntentModel:
    """The pure model: fit on (text, words, intent), predict a ranking of (intent, probability)."""

    def __init__(self, c: float = 10.0, char_ngrams: Sequence[int] = (1, 4), max_iter: int = 300, seed: int = 42):
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(char_ngrams), sublinear_tf=True)  # type: ignore[arg-type]
        self.words = TfidfVectorizer(analyzer=given_words, sublinear_tf=True)
        self.classifier = LogisticRegression(C=c, solver="saga", max_iter=max_iter, random_state=seed)

    def _features(self, texts: Sequence[str], words: Sequence[List[str]], fit: bool = False) -> Any:
        normal = [normalised_text(t) for t in texts]
        if fit:
            return hstack([self.chars.fit_transform(normal), self.words.fit_transform(words)]).tocsr()
        return hstack([self.chars.transform(normal), self.words.transform(words)]).tocsr()

    def fit(self, texts: Sequence[str], words: Sequence[List[str]], intents: Sequence[str]) -> "LinearIntentModel":
        import warnings

        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # saga stops at max_iter; more buys nothing measurable
            self.classifier.fit(self._features(texts, words, fit=True), list(intents))
        return self

    def rank(self, texts: Sequence[str], words: Sequence[List[str]]) -> List[List[tuple]]:
        probabilities = self.classifier.predict_proba(self._features(texts, words))
        labels = list(self.classifier.classes_)
        return [sorted(zip(labels, row.tolist()), key=lambda pair: -pair[1]) for row in np.asarray(probabilities)]


def blended(own: List[tuple], earlier: List[Dict[str, Any]], weight: float) -> List[tuple]:
    """Both rankings averaged, ``weight`` for the earlier classifier's (an intent it did not rank counts 0)."""
    if weight <= 0 or not earlier:
        return own
    theirs = {r["name"]: float(r.get("confidence") or 0.0) for r in earlier}
    mine = dict(own)
    names = set(mine) | set(theirs)
    mixed = {n: (1 - weight) * mine.get(n, 0.0) + weight * theirs.get(n, 0.0) for n in names}
    return sorted(mixed.items(), key=lambda pair: -pair[1])


try:
    from rasa.engine.graph import ExecutionContext, GraphComponent
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.storage.resource import Resource
    from rasa.engine.storage.storage import ModelStorage
    from rasa.nlu.classifiers.classifier import IntentClassifier
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
except ImportError:  # pragma: no cover
    pass
else:
    TOKENS = "text_tokens"
    MODEL_FILE = "linear_intent_model.pkl"

    def words_of(message: Message) -> List[str]:
        return [token.text for token in message.get(TOKENS) or []]

    @DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
    class LinearIntentClassifier(GraphComponent, IntentClassifier):
        """Rasa wrapper around ``LinearIntentModel`` (module docstring)."""

        @staticmethod
        def get_default_config() -> Dict[Text, Any]:
            return {"C": 10.0, "char_ngrams": [1, 4], "max_iter": 300, "random_seed": 42, "blend": 0.0, "ranking_length": 10}

        def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                     model: Optional[LinearIntentModel] = None) -> None:
            self.config = {**self.get_default_config(), **config}
            self._model_storage = model_storage
            self._resource = resource
            self.model = model

        @classmethod
        def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                   execution_context: ExecutionContext) -> "LinearIntentClassifier":
            return cls(config, model_storage, resource)

        def train(self, training_data: TrainingData) -> Resource:
            examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
            self.model = LinearIntentModel(
                c=float(self.config["C"]), char_ngrams=self.config["char_ngrams"],
                max_iter=int(self.config["max_iter"]), seed=int(self.config["random_seed"]),
            ).fit([m.get(TEXT) for m in examples], [words_of(m) for m in examples], [m.get(INTENT) for m in examples])
            with self._model_storage.write_to(self._resource) as directory:
                (directory / MODEL_FILE).write_bytes(pickle.dumps(self.model))
            return self._resource

        @classmethod
        def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 execution_context: ExecutionContext, **kwargs: Any) -> "LinearIntentClassifier":
            try:
                with model_storage.read_from(resource) as directory:
                    model = pickle.loads((directory / MODEL_FILE).read_bytes())  # written by train() above
            except (ValueError, FileNotFoundError):
                model = None
            return cls(config, model_storage, resource, model)

        def process(self, messages: List[Message]) -> List[Message]:
            if self.model is None or not messages:
                return messages
            rankings = self.model.rank([m.get(TEXT) or "" for m in messages], [words_of(m) for m in messages])
            for message, ranking in zip(messages, rankings):
                ranking = blended(ranking, message.get(INTENT_RANKING_KEY) or [], float(self.config["blend"]))
                top = ranking[: int(self.config["ranking_length"])]
                message.set(INTENT, {"name": top[0][0], "confidence": float(top[0][1])}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [{"name": n, "confidence": float(c)} for n, c in top], add_to_output=True)
            return messages
