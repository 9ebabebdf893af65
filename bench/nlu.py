"""Intent accuracy and macro-F1 of the trained model on the held-out test set.

python -m bench.nlu [--model models/xiaoer.tar.gz] [--data tests/nlu/heldout.yml]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
from collections import Counter
from pathlib import Path
from typing import List, Tuple

import yaml

from bot.settings import PROJECT_ROOT

ENTITY_MARKUP = re.compile(r"\[([^\]]+)\]\([^)]+\)")
TARGET_MACRO_F1 = 0.92


def load_examples(path: Path) -> List[Tuple[str, str]]:
    """(text, intent) pairs from a Rasa NLU YAML file, entity markup removed."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs = []
    for block in data["nlu"]:
        for line in block["examples"].splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((ENTITY_MARKUP.sub(r"\1", line[2:]).strip(), block["intent"]))
    return pairs


def training_texts() -> set:
    texts = set()
    for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml"):
        texts.update(text for text, _ in load_examples(path))
    return texts


async def predict(model: Path, texts: List[str]) -> List[str]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    predictions = []
    for text in texts:
        parsed = await agent.parse_message(text)
        predictions.append(parsed["intent"]["name"])
    return predictions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "xiaoer.tar.gz")
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT / "tests" / "nlu" / "heldout.yml")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    examples = load_examples(args.data)
    leaked = [text for text, _ in examples if text in training_texts()]
    texts = [text for text, _ in examples]
    gold = [intent for _, intent in examples]
    predicted = asyncio.run(predict(args.model, texts))
    labels = sorted(set(gold))
    precision, recall, f1, support = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    print(
        f"held-out set: {args.data.relative_to(PROJECT_ROOT)} — {len(examples)} examples, {len(labels)} intents, "
        f"{len(leaked)} also in training data"
    )
    print(f"{'intent':26} {'P':>6} {'R':>6} {'F1':>6} {'n':>4}")
    for label, p, r, f, n in zip(labels, precision, recall, f1, support):
        print(f"{label:26} {p:6.3f} {r:6.3f} {f:6.3f} {n:4d}")
    macro = f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)
    print(f"\naccuracy {accuracy_score(gold, predicted):.3f}   macro-F1 {macro:.3f}   (target ≥ {TARGET_MACRO_F1})")
    confusions = Counter((g, p) for g, p in zip(gold, predicted) if g != p)
    print("\ntop confusions (gold -> predicted: count, example)")
    for (g, p), count in confusions.most_common(12):
        example = next(t for t, gg, pp in zip(texts, gold, predicted) if gg == g and pp == p)
        print(f"  {g} -> {p}: {count}   e.g. {example[:40]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
