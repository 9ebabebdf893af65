"""How well the served model reads buyers: each test set scored on its own.

python -m bench.nlu [--model models/xiaoer.tar.gz] [--data PATH ...] [--per-intent]

A set is a Rasa NLU YAML file (``.yml`` or ``.yml.gz``) or a directory of them. The default sets
are the held-out files written with the training data (``tests/nlu/heldout*.yml``) and the blind
set written by people who never saw ``data/`` (``tests/nlu/blind/``). The sealed blind set
(``tests/nlu/blind_sealed/``) is scored only when named, at the end of issue 17.

For each set: the served reading (the whole pipeline, rules and fallback included; a fallback is a
miss) as accuracy and macro-F1, the classifier's own accuracy, how many were asked to rephrase,
**confident errors** (wrong with confidence ≥ 0.8: no fallback catches them) as a share of all
messages, and the commonest confusions. A label the model does not have yet (a finer pre-sale
intent of ``../shared/intents.md``) is scored as the core intent it refines.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Set, Tuple

import yaml

from bot.settings import PROJECT_ROOT

ENTITY_MARKUP = re.compile(r"\[([^\]]+)\]\([^)]+\)")
TARGET_MACRO_F1 = 0.92
CONFIDENT = 0.8
#: Finer intents (``../shared/intents.md``) and the core intent each refines.
REFINES = {
    "ask_recommendation": "ask_product",
    "ask_size_advice": "ask_product",
    "ask_authenticity": "ask_product",
    "subscribe_restock": "ask_product",
    "ask_shipping_info": "ask_policy",
    "request_invoice": "ask_payment",
}
DEFAULT_SETS = ("tests/nlu/heldout.yml", "tests/nlu/heldout_b.yml", "tests/nlu/blind")


def read_yaml(path: Path) -> dict:
    raw = gzip.decompress(path.read_bytes()).decode("utf-8") if path.suffix == ".gz" else path.read_text(encoding="utf-8")
    return yaml.safe_load(raw)


def load_examples(path: Path) -> List[Tuple[str, str]]:
    """(text, intent) pairs from a Rasa NLU YAML file (or a directory of them), entity markup removed."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.name.endswith((".yml", ".yml.gz")))
        return [pair for file in files for pair in load_examples(file)]
    pairs = []
    for block in read_yaml(path).get("nlu") or []:
        for line in (block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((ENTITY_MARKUP.sub(r"\1", line[2:]).strip(), block["intent"]))
    return pairs


def training_examples() -> List[Tuple[str, str]]:
    return [pair for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")) for pair in load_examples(path)]


def normalised(text: str) -> str:
    """What makes two messages the same one: simplified characters, no spaces, punctuation or case."""
    from bot.nlu.simplified import to_simplified

    return re.sub(r"[\s，,。.！!？?~～、…]+", "", to_simplified(text)).lower()


@dataclass(frozen=True)
class Reading:
    served: str  # what the pipeline returns, nlu_fallback and the shop's rules included
    classifier: str  # the classifier's own top intent
    confidence: float


async def read_all(model: Path, texts: List[str]) -> List[Reading]:
    from bot.training.evaluate import classifier_top, parse_all

    parsed = await parse_all(model, texts)
    return [Reading(p["intent"]["name"], classifier_top(p), float(p["intent"].get("confidence") or 0.0)) for p in parsed]


def expected(gold: str, known: Set[str]) -> str:
    return gold if gold in known or gold not in REFINES else REFINES[gold]


def figures(gold: Sequence[str], readings: Sequence[Reading]) -> Dict[str, float]:
    """Served accuracy and macro-F1, the classifier's accuracy, and the shares asked to rephrase and confidently wrong."""
    from sklearn.metrics import accuracy_score, f1_score

    served = [r.served for r in readings]
    n = max(1, len(gold))
    return {
        "accuracy": accuracy_score(gold, served),
        "macro_f1": f1_score(gold, served, labels=sorted(set(gold)), average="macro", zero_division=0),
        "classifier_accuracy": accuracy_score(gold, [r.classifier for r in readings]),
        "fallback": sum(1 for s in served if s == "nlu_fallback") / n,
        "confident_errors": sum(1 for g, r in zip(gold, readings)
                                if r.served not in (g, "nlu_fallback") and r.confidence >= CONFIDENT) / n,
    }


def measure(model: Path, data: Path) -> Dict[str, float]:
    """The figures of one set read by ``model`` (make test's blind floor)."""
    examples = load_examples(data)
    known = {intent for _, intent in training_examples()}
    readings = asyncio.run(read_all(model, [text for text, _ in examples]))
    return figures([expected(g, known) for _, g in examples], readings)


def report(name: str, texts: Sequence[str], gold: Sequence[str], readings: Sequence[Reading], per_intent: bool) -> Dict[str, float]:
    from sklearn.metrics import precision_recall_fscore_support

    served = [r.served for r in readings]
    labels = sorted(set(gold))
    found = figures(gold, readings)
    n = len(gold)
    print(f"\n== {name}: {n} messages, {len(labels)} intents")
    print(f"served: accuracy {found['accuracy']:.3f}   macro-F1 {found['macro_f1']:.3f}   "
          f"classifier alone: accuracy {found['classifier_accuracy']:.3f}")
    print(f"asked to rephrase {found['fallback']:.1%};  confident errors (≥ {CONFIDENT}) {found['confident_errors']:.1%}")
    if per_intent:
        precision, recall, f1, support = precision_recall_fscore_support(gold, served, labels=labels, zero_division=0)
        print(f"{'intent':26} {'P':>6} {'R':>6} {'F1':>6} {'n':>4}")
        for label, p, r, f, s in zip(labels, precision, recall, f1, support):
            print(f"{label:26} {p:6.3f} {r:6.3f} {f:6.3f} {s:4d}")
    confusions = Counter((g, s) for g, s in zip(gold, served) if g != s)
    print("top confusions (gold -> served: count, e.g.)")
    for (g, s), count in confusions.most_common(10):
        example = next(t for t, gg, ss in zip(texts, gold, served) if gg == g and ss == s)
        print(f"  {g} -> {s}: {count}   e.g. {example[:40]}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "xiaoer.tar.gz")
    parser.add_argument("--data", type=Path, nargs="+", default=[PROJECT_ROOT / s for s in DEFAULT_SETS])
    parser.add_argument("--per-intent", action="store_true", help="precision, recall and F1 per intent for each set")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    training = training_examples()
    known = {intent for _, intent in training}
    seen = {normalised(text) for text, _ in training}
    sets = [(path, load_examples(path)) for path in args.data]
    texts = [text for _, examples in sets for text, _ in examples]
    readings = asyncio.run(read_all(args.model, texts))
    offset = 0
    for path, examples in sets:
        rows = readings[offset: offset + len(examples)]
        offset += len(examples)
        leaked = sum(1 for text, _ in examples if normalised(text) in seen)
        name = f"{path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path}" + (
            f" ({leaked} also in training data)" if leaked else "")
        report(name, [t for t, _ in examples], [expected(g, known) for _, g in examples], rows, args.per_intent)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
