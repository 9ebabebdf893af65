"""jieba tokenisation without whitespace tokens.

Rasa's JiebaTokenizer keeps the spaces jieba returns as tokens of their own
(" ", or "  " between words), which adds noise features and can shift entity
boundaries (DESIGN: jieba alignment). This subclass drops blank tokens and strips
the rest, keeping each token's offset pointing at its first character.

Buyers who type traditional characters ("我想退個貨", "保固多久") are read as if they had
typed simplified ones: jieba's dictionary, the shop's user dictionary and the training data are
all simplified, so the text is segmented and featurised in simplified form. The mapping keeps
every character's position, so the tokens' offsets still point into what the buyer typed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.simplified import to_simplified


def strip_tokens(tokens: List[Token]) -> List[Token]:
    """Tokens without blanks; surrounding spaces removed and offsets moved accordingly."""
    cleaned: List[Token] = []
    for token in tokens:
        text = token.text.strip()
        if not text:
            continue
        start = token.start + token.text.index(text)
        cleaned.append(Token(text, start, lemma=text))
    return cleaned


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class ShopJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer (with the shop's user dictionary) that never emits whitespace tokens."""

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The user dictionary's content: new product words retrain the pipeline instead of reusing Rasa's cache."""
        import hashlib

        folder = config.get("dictionary_path")
        if not folder or not Path(folder).is_dir():
            return None
        digest = hashlib.sha256()
        for path in sorted(Path(folder).glob("*")):
            digest.update(path.name.encode() + path.read_bytes())
        return digest.hexdigest()

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        import jieba

        text = message.get(attribute)
        if not isinstance(text, str):
            return strip_tokens(super().tokenize(message, attribute))
        tokens = [Token(word, start) for (word, start, _end) in jieba.tokenize(to_simplified(text))]
        return strip_tokens(self._apply_token_pattern(tokens))
