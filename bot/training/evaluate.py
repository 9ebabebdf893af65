"""Evaluating a model on the held-out sets (tests/nlu/, never trained on): the figures promotion decides on.

Returns per-intent precision/recall/F1, macro-F1 and accuracy of the
classifier's top intent, the confusion matrix, and the worst confusions with
an example each; ``save_report`` writes them as JSON and the matrix as a PNG.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import yaml

from bot.settings import PROJECT_ROOT
from bot.training.importer import ENTITY_MARKUP
from bot.training.promotion import Metrics

HELDOUT = (PROJECT_ROOT / "tests" / "nlu" / "heldout.yml", PROJECT_ROOT / "tests" / "nlu" / "heldout_b.yml")


@dataclass
class Evaluation:
    macro_f1: float
    accuracy: float
    per_intent: Dict[str, Dict[str, float]]  # intent -> precision, recall, f1, support
    labels: List[str]
    confusion: List[List[int]]
    worst: List[Dict[str, object]] = field(default_factory=list)  # gold, predicted, count, example
    examples: int = 0

    def metrics(self) -> Metrics:
        return Metrics(self.macro_f1, self.accuracy, {k: v["f1"] for k, v in self.per_intent.items()})


def load_examples(paths: Sequence[Path] = HELDOUT) -> List[Tuple[str, str]]:
    pairs = []
    for path in paths:
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []) or []:
            for line in (block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    pairs.append((ENTITY_MARKUP.sub(r"\1", line.strip()[2:]).strip(), block["intent"]))
    return pairs


def quiet_rasa() -> None:
    """Rasa logs every parsed message at debug level; an evaluation of hundreds would bury the result."""
    import logging

    import structlog

    logging.getLogger("rasa").setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


async def parse_all(model: Path, texts: List[str]) -> List[Dict[str, Any]]:
    """Rasa's parse of each text by ``model``: the pipeline's intent (nlu_fallback included), ranking, entities."""
    from rasa.core.agent import Agent

    quiet_rasa()
    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def classifier_ranking(parsed: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The classifier's intents, best first, without the fallback (the threshold is not the classifier)."""
    return [r for r in parsed.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]


def classifier_top(parsed: Dict[str, Any]) -> str:
    ranking = classifier_ranking(parsed)
    return ranking[0]["name"] if ranking else parsed["intent"]["name"]


async def classify(model: Path, texts: List[str]) -> List[str]:
    """The classifier's top intent per text (nlu_fallback set aside: the threshold is not the classifier)."""
    return [classifier_top(parsed) for parsed in await parse_all(model, texts)]


def score(gold: List[str], predicted: List[str], texts: List[str]) -> Evaluation:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    labels = sorted(set(gold))
    precision, recall, f1, support = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    confusions = Counter((g, p) for g, p in zip(gold, predicted) if g != p)
    return Evaluation(
        macro_f1=round(float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)), 4),
        accuracy=round(float(accuracy_score(gold, predicted)), 4),
        per_intent={
            label: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4), "support": int(n)}
            for label, p, r, f, n in zip(labels, precision, recall, f1, support)
        },
        labels=labels,
        confusion=confusion_matrix(gold, predicted, labels=labels).tolist(),
        worst=[
            {"gold": g, "predicted": p, "count": n, "example": next(t for t, gg, pp in zip(texts, gold, predicted) if (gg, pp) == (g, p))}
            for (g, p), n in confusions.most_common(10)
        ],
        examples=len(gold),
    )


def evaluate(model: Path, paths: Sequence[Path] = HELDOUT) -> Evaluation:
    examples = load_examples(paths)
    texts = [t for t, _ in examples]
    predicted = asyncio.run(classify(model, texts))
    return score([i for _, i in examples], predicted, texts)


def save_report(evaluation: Evaluation, folder: Path) -> Tuple[Path, Path]:
    """report.json and confusion.png in ``folder``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    report = folder / "report.json"
    report.write_text(json.dumps(asdict(evaluation), ensure_ascii=False, indent=2), encoding="utf-8")
    picture = folder / "confusion.png"
    size = max(6, len(evaluation.labels) * 0.35)
    figure, axes = plt.subplots(figsize=(size, size))
    axes.imshow(evaluation.confusion, cmap="Oranges")
    axes.set_xticks(range(len(evaluation.labels)), evaluation.labels, rotation=90, fontsize=7)
    axes.set_yticks(range(len(evaluation.labels)), evaluation.labels, fontsize=7)
    axes.set_xlabel("predicted")
    axes.set_ylabel("gold")
    for row, values in enumerate(evaluation.confusion):
        for column, value in enumerate(values):
            if value:
                axes.text(column, row, str(value), ha="center", va="center", fontsize=6)
    axes.set_title(f"macro-F1 {evaluation.macro_f1:.3f}  accuracy {evaluation.accuracy:.3f}  ({evaluation.examples} held-out)")
    figure.tight_layout()
    figure.savefig(picture, dpi=110)
    plt.close(figure)
    return report, picture
