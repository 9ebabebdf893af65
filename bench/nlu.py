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


async def predict(model: Path, texts: List[str]) -> Tuple[List[str], List[str]]:
    """(the classifier's top intent, what the pipeline returns incl. nlu_fallback) per text."""
    from bot.training.evaluate import classifier_top, parse_all

    parsed = await parse_all(model, texts)
    return [classifier_top(p) for p in parsed], [p["intent"]["name"] for p in parsed]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "xiaoer.tar.gz")
    parser.add_argument(
        "--data",
        type=Path,
        nargs="+",
        default=[PROJECT_ROOT / "tests" / "nlu" / "heldout.yml", PROJECT_ROOT / "tests" / "nlu" / "heldout_b.yml"],
        help="held-out sets; set b was written after the model was first tuned and is the unbiased figure",
    )
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import structlog
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    examples = [(text, intent, path.name) for path in args.data for text, intent in load_examples(path)]
    known = training_texts()
    leaked = [text for text, _, _ in examples if text in known]
    texts = [text for text, _, _ in examples]
    gold = [intent for _, intent, _ in examples]
    predicted, pipeline = asyncio.run(predict(args.model, texts))
    labels = sorted(set(gold))
    for path in args.data:
        rows = [i for i, (_, _, name) in enumerate(examples) if name == path.name]
        g, p = [gold[i] for i in rows], [predicted[i] for i in rows]
        macro_set = f1_score(g, p, labels=labels, average="macro", zero_division=0)
        print(f"{path.name}: {len(rows)} examples, accuracy {accuracy_score(g, p):.3f}, macro-F1 {macro_set:.3f}")
    precision, recall, f1, support = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    print(f"\nall held-out sets together: {len(examples)} examples, {len(labels)} intents, {len(leaked)} also in training data")
    print(f"{'intent':26} {'P':>6} {'R':>6} {'F1':>6} {'n':>4}")
    for label, p, r, f, n in zip(labels, precision, recall, f1, support):
        print(f"{label:26} {p:6.3f} {r:6.3f} {f:6.3f} {n:4d}")
    macro = f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)
    print(f"\nclassifier: accuracy {accuracy_score(gold, predicted):.3f}   macro-F1 {macro:.3f}   (target ≥ {TARGET_MACRO_F1})")
    fallbacks = sum(1 for p in pipeline if p == "nlu_fallback")
    answered = [(g, p) for g, p in zip(gold, pipeline) if p != "nlu_fallback"]
    right = sum(1 for g, p in answered if g == p)
    print(
        f"with the fallback threshold: {fallbacks} of {len(gold)} ({fallbacks / len(gold):.1%}) asked to rephrase; "
        f"accuracy on the rest {right / max(1, len(answered)):.3f}"
    )
    confusions = Counter((g, p) for g, p in zip(gold, predicted) if g != p)
    print("\ntop confusions (gold -> predicted: count, example)")
    for (g, p), count in confusions.most_common(12):
        example = next(t for t, gg, pp in zip(texts, gold, predicted) if gg == g and pp == p)
        print(f"  {g} -> {p}: {count}   e.g. {example[:40]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
