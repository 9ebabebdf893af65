"""``python -m bot train``: merge what staff accepted, train, evaluate on the held-out sets, and promote only
when the new model is not worse than the one in service.

1. Accepted and corrected candidates (import-dialogues, the console) are written to
   ``data/nlu/reviewed.yml``, leaving out anything in the held-out sets.
2. Rasa trains into a temporary folder (its own progress output shows).
3. The new model is evaluated on tests/nlu/ and kept in the registry with its
   data hash, metrics and report (JSON + confusion-matrix picture).
4. The decision (``bot/training/promotion.py``, ``training.yml``) against the model
   in service; promoted, it replaces models/xiaoer.tar.gz and a running Rasa
   server loads it in place; refused, the reasons are printed and recorded.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Dict, List, Optional

import yaml

from bot.crm.models import NluCandidate
from bot.settings import PROJECT_ROOT, get_settings
from bot.training.candidates import ACCEPTED, CORRECTED, CandidateStore
from bot.training.evaluate import HELDOUT, Evaluation, evaluate, load_examples, save_report
from bot.training.importer import normalise
from bot.training.promotion import Metrics, decide, load_rule
from bot.training.registry import SERVED_NAME, ModelRegistry, data_hash

REVIEWED_FILE = PROJECT_ROOT / "data" / "nlu" / "reviewed.yml"


@dataclass
class TrainingOutcome:
    entry_id: str
    evaluation: Evaluation
    promoted: bool
    reasons: List[str]
    merged: int


def merge_reviewed(store: CandidateStore, path: Path = REVIEWED_FILE) -> int:
    """Write every accepted example (never a held-out one) to ``path``; returns how many."""
    heldout = {normalise(text) for text, _ in load_examples(HELDOUT)}
    with store.sessions() as session:
        rows = session.query(NluCandidate).filter(NluCandidate.status.in_([ACCEPTED, CORRECTED])).all()
    by_intent: Dict[str, List[str]] = {}
    for row in sorted(rows, key=lambda r: r.id):
        if row.intent and normalise(row.text) not in heldout:
            by_intent.setdefault(row.intent, []).append(row.text)
    if not by_intent:
        if path.exists():
            path.unlink()
        return 0
    lines = [
        "# Written by `python -m bot train` from the examples staff accepted; review them in the console, not here.",
        'version: "3.1"',
        "nlu:",
    ]
    for intent, texts in sorted(by_intent.items()):
        lines += [f"- intent: {intent}", "  examples: |"] + [f"    - {text}" for text in texts]
    # written beside and renamed: a test or `rasa data validate` reading data/ meanwhile (make test runs them
    # beside training) sees the old file or the new one, never half of it; a text that breaks YAML fails here
    draft = path.with_name(f".{path.name}.tmp")
    draft.write_text("\n".join(lines) + "\n", encoding="utf-8")
    yaml.safe_load(draft.read_text(encoding="utf-8"))
    draft.replace(path)
    return sum(len(v) for v in by_intent.values())


def _rasa_train(out: Path, force: bool = False, config: Path = PROJECT_ROOT / "config.yml",
                data: Path = PROJECT_ROOT / "data") -> Path:
    command = [sys.executable, "-m", "rasa", "train", "--config", str(config), "--domain", "domain.yml",
               "--data", str(data), "--out", str(out), "--fixed-model-name", "candidate"] + (["--force"] if force else [])
    if subprocess.run(command, cwd=PROJECT_ROOT).returncode != 0:
        raise RuntimeError("rasa train 失败")
    return out / "candidate.tar.gz"


def _current_metrics(registry: ModelRegistry, say: Callable[[str], None]) -> Optional[Metrics]:
    entry = registry.in_service()
    if entry is not None and entry.metrics.get("macro_f1") is not None:
        return Metrics(entry.metrics["macro_f1"], entry.metrics["accuracy"], dict(entry.metrics["f1"]))
    served = registry.models_dir / SERVED_NAME
    if served.exists():  # a model from before the registry: measure it the same way
        say("在用的模型还没有评估过，先评估它…")
        return evaluate(served).metrics()
    return None


def train_and_promote(
    now: datetime,
    say: Callable[[str], None] = print,
    store: Optional[CandidateStore] = None,
    force: bool = False,
    config: Path = PROJECT_ROOT / "config.yml",
    data: Path = PROJECT_ROOT / "data",
    registry: Optional[ModelRegistry] = None,
    reload: bool = True,
    merge: bool = True,
) -> TrainingOutcome:
    """The whole run; ``config``, ``data`` and ``registry`` are the project's unless a test gives its own.

    ``reload``: ask a running Rasa server to load a promoted model (off for runs that are not the shop's).
    ``merge``: first write the examples staff accepted in the CRM into data/ (off: train on data/ as it is,
    so that what ``make test`` measures depends on the repository alone).
    """
    registry = registry or ModelRegistry(get_settings().models_dir)
    merged = 0
    if merge:
        reviewed = data / "nlu" / REVIEWED_FILE.name
        merged = merge_reviewed(store or CandidateStore(), reviewed)
        say(f"合并了 {merged} 条审核通过的样本到 {reviewed}")
    with tempfile.TemporaryDirectory() as folder:
        model = _rasa_train(Path(folder), force, config, data)
        say("在保留测试集上评估新模型…")
        evaluation = evaluate(model)
        metrics = {"macro_f1": evaluation.macro_f1, "accuracy": evaluation.accuracy, "f1": evaluation.metrics().f1}
        entry = registry.add(model, data_hash(inputs=[data, PROJECT_ROOT / "domain.yml", config]), metrics, now)
    save_report(evaluation, registry.folder / entry.id)
    current = _current_metrics(registry, say)
    verdict = decide(evaluation.metrics(), current, load_rule(), load_rule().core_intents)
    if verdict.promote:
        served = registry.serve(entry.id, verdict.reasons)
        if reload:
            from bot.training.models_cli import reload_running_server

            say(reload_running_server(served))
    else:
        registry.refuse(entry.id, verdict.reasons)
    return TrainingOutcome(entry.id, evaluation, verdict.promote, verdict.reasons, merged)
