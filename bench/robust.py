"""Is the test suite green whatever machine trained the model? Several models, every suite against each.

A model trained from the same data and seed is not bit-identical on another CPU (floating-point
differences), so a test that hinges on one borderline reading passes here and fails there. This
command trains the project's model as other machines might have: several DIET seeds, TensorFlow
and OpenMP on 1 and on 2 threads, each variant through the project's own pipeline as ``make test`` trains (``python -m bot train
--no-merge``: the repository's data, the held-out evaluation, a registry) into ``var/robust/<variant>/``.
Then, against every variant, it checks the quality floor and runs the story suite and the
integration + browser tests, and reads every test sentence with every variant (the stories', every
buyer message the integration run had the bot read, those written literally in the tests, and the
import fixtures' lines the model pre-labels):

- **near the fallback**: on some variant, the classifier's top confidence is within 0.1 of the
  fallback threshold, or its lead over the second intent within 0.1 of the ambiguity threshold;
- **read differently**: not every variant gives the sentence the same intent (or the story's).

Sentences an NLU rule settles (``bot.nlu.nonverbal``: an order number with a few framing words,
emoji, a bare small number) read the same everywhere and are counted apart.

    python -m bench.robust                          train 3 seeds × 1 and 2 threads, run the suites, report
    python -m bench.robust --reuse                  keep variants already trained on the same inputs
    python -m bench.robust --suites stories         only the story suite (also: integration, none)
    python -m bench.robust --stories old.yml        the margins of another story file (e.g. from git)

``make test-robust`` runs the first form. The exit status is 0 only when every suite passed
against every variant.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

import yaml

from bot.settings import PROJECT_ROOT, VAR_DIR
from bot.training.importer import ENTITY_MARKUP

ROBUST_DIR = VAR_DIR / "robust"
STORIES = PROJECT_ROOT / "tests" / "stories"
MARGIN = 0.1
THREAD_VARIABLES = (
    "TF_INTRA_OP_PARALLELISM_THREADS",  # read by Rasa
    "TF_INTER_OP_PARALLELISM_THREADS",
    "TF_NUM_INTRAOP_THREADS",  # read by TensorFlow itself
    "TF_NUM_INTEROP_THREADS",
    "OMP_NUM_THREADS",
)


@dataclass(frozen=True)
class Variant:
    """One way another machine might have trained the model."""

    seed: int
    threads: int

    @property
    def name(self) -> str:
        return f"seed{self.seed}-threads{self.threads}"

    @property
    def folder(self) -> Path:
        return ROBUST_DIR / self.name

    @property
    def model(self) -> Path:
        from bot.training.registry import SERVED_NAME

        return self.folder / SERVED_NAME

    def environment(self) -> Dict[str, str]:
        return {name: str(self.threads) for name in THREAD_VARIABLES}


@dataclass(frozen=True)
class Thresholds:
    fallback: float
    ambiguity: float


@dataclass
class Reading:
    intent: str  # what the pipeline answers (nlu_fallback included)
    top: str  # the classifier's top intent
    confidence: float  # the classifier's
    lead: float  # its top confidence minus the second's
    final: float = 0.0  # the pipeline's confidence in ``intent``: 1.0 when an NLU rule decided

    def near_fallback(self, limits: "Thresholds") -> bool:
        if self.final >= 1.0:  # a rule (bot.nlu.nonverbal) decided, or the classifier is certain
            return False
        return self.confidence < limits.fallback + MARGIN or self.lead < limits.ambiguity + MARGIN


@dataclass
class Sentence:
    text: str
    expected: Optional[str]  # the story's intent; None for a message of the integration run
    source: str
    readings: Dict[str, Reading] = field(default_factory=dict)

    @property
    def by_rule(self) -> bool:
        from bot.nlu.nonverbal import classify_nonverbal

        return classify_nonverbal(self.text) is not None

    def near_fallback(self, limits: Thresholds) -> bool:
        return not self.by_rule and any(r.near_fallback(limits) for r in self.readings.values())

    def read_differently(self) -> bool:
        intents = {r.intent for r in self.readings.values()}
        return len(intents) > 1 or (self.expected is not None and intents != {self.expected})


@dataclass
class SuiteResult:
    variant: str
    suite: str
    passed: bool
    seconds: float
    detail: str = ""


# ---- training -------------------------------------------------------------------------------------


def fallback_thresholds(config: Path = PROJECT_ROOT / "config.yml") -> Thresholds:
    pipeline = yaml.safe_load(config.read_text(encoding="utf-8"))["pipeline"]
    fallback = next(c for c in pipeline if c["name"] == "FallbackClassifier")
    return Thresholds(float(fallback.get("threshold", 0.3)), float(fallback.get("ambiguity_threshold", 0.1)))


def seeded_config(seed: int, folder: Path) -> Path:
    """The project's config.yml with another classifier seed, and nothing else changed."""
    text = (PROJECT_ROOT / "config.yml").read_text(encoding="utf-8")
    changed, count = re.subn(r"(?m)^(\s*random_seed:\s*)\d+", rf"\g<1>{seed}", text)
    if count != 1:
        raise SystemExit("config.yml 里应当恰好有一个 random_seed（意图分类器的）")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.yml"
    path.write_text(changed, encoding="utf-8")
    return path


def inputs_hash(config: Path) -> str:
    from bot.training.registry import data_hash

    return data_hash(inputs=[PROJECT_ROOT / "data", PROJECT_ROOT / "domain.yml", config])


def floor_verdict(variant: Variant) -> SuiteResult:
    """The variant's held-out figures against training.yml's quality floor (make test's nlu-floor stage)."""
    from bot.training.promotion import Metrics, below_floor, load_floor, load_rule
    from bot.training.registry import ModelRegistry

    entry = ModelRegistry(variant.folder).entries()[-1]
    figures = entry.metrics
    reasons = below_floor(Metrics(float(figures["macro_f1"]), float(figures["accuracy"]), dict(figures["f1"])),
                          load_floor(), load_rule().core_intents)
    detail = "; ".join(reasons) or f"macro-F1 {float(figures['macro_f1']):.3f}, accuracy {float(figures['accuracy']):.3f}"
    return SuiteResult(variant.name, "nlu-floor", not reasons, 0.0, detail)


@contextmanager
def threads(count: int) -> Iterator[None]:
    """TensorFlow and OpenMP on ``count`` threads for the `rasa train` subprocesses started meanwhile."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update({name: str(count) for name in THREAD_VARIABLES})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def output_to(log: Path) -> Iterator[None]:
    """Send this process's and its children's stdout and stderr to ``log`` (Rasa's training chatter)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log.open("ab") as target:
        os.dup2(target.fileno(), 1)
        os.dup2(target.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def train_variant(variant: Variant, reuse: bool) -> str:
    """Train ``variant`` through the project's pipeline into its folder; returns a line for the report."""
    from bot.training.pipeline import train_and_promote
    from bot.training.registry import ModelRegistry

    config = seeded_config(variant.seed, variant.folder)
    stamp = variant.folder / "inputs.sha256"
    wanted = inputs_hash(config)
    if reuse and variant.model.exists() and stamp.exists() and stamp.read_text() == wanted:
        return f"{variant.name}: reused (same data, domain and config)"
    for stale in (variant.model, stamp):
        stale.unlink(missing_ok=True)
    started = time.monotonic()
    with threads(variant.threads), output_to(variant.folder / "train.log"):
        outcome = train_and_promote(
            datetime.now(), lambda line: None, force=True, config=config,
            registry=ModelRegistry(variant.folder), reload=False, merge=False,  # as make test trains
        )
    if not outcome.promoted:  # the registry already had a better model of this variant: serve the new one anyway
        ModelRegistry(variant.folder).serve(outcome.entry_id, ["bench.robust: the variant as trained now"])
    stamp.write_text(wanted)
    minutes = (time.monotonic() - started) / 60
    return (
        f"{variant.name}: trained in {minutes:.1f} min, held-out macro-F1 {outcome.evaluation.macro_f1:.3f}, "
        f"accuracy {outcome.evaluation.accuracy:.3f}"
    )


def nlu_digest(model: Path) -> str:
    """SHA-256 of the model's NLU components: equal digests read every sentence the same way.

    The dialogue policies are left out: their rule tables are the same rules in another order
    from one process to the next (Python's hash seed), which changes bytes, not predictions.
    """
    import hashlib
    import tarfile

    digest = hashlib.sha256()
    with tarfile.open(model) as archive:
        members = sorted((m for m in archive.getmembers() if m.isfile() and "/components/" in f"/{m.name.lstrip('/')}"
                          and "Policy" not in m.name), key=lambda m: m.name)
        for member in members:
            digest.update(member.name.encode("utf-8"))
            digest.update(archive.extractfile(member).read())  # type: ignore[union-attr]
    return digest.hexdigest()


def identical_models(variants: Sequence[Variant]) -> List[str]:
    """Lines naming the variants whose NLU came out bit-identical (e.g. the same seed on 1 and 2 threads)."""
    groups: Dict[str, List[str]] = {}
    for variant in variants:
        groups.setdefault(nlu_digest(variant.model), []).append(variant.name)
    return [f"bit-identical NLU: {' = '.join(names)}" for names in groups.values() if len(names) > 1]


# ---- suites ---------------------------------------------------------------------------------------


def run(command: List[str], env: Dict[str, str], log: Path) -> Tuple[bool, float]:
    started = time.monotonic()
    with log.open("wb") as out:
        completed = subprocess.run(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return completed.returncode == 0, time.monotonic() - started


def last_line(log: Path, pattern: str = r"(passed|failed|error)") -> str:
    lines = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if re.search(pattern, line)]
    return lines[-1].strip("= ") if lines else ""


def run_suites(variant: Variant, suites: Sequence[str]) -> List[SuiteResult]:
    """The story suite and the integration + browser tests with ``variant``'s model in service."""
    env = dict(os.environ, MODELS_DIR=str(variant.folder), **variant.environment())
    results = []
    if "stories" in suites:
        log = variant.folder / "stories.log"
        command = [sys.executable, "-m", "rasa", "test", "core", "--model", str(variant.model), "--stories",
                   str(STORIES), "--e2e", "--fail-on-prediction-errors", "--out", str(variant.folder / "core")]
        passed, seconds = run(command, env, log)
        failure = last_line(log, r"WrongPredictionException|predicted|Failed") if not passed else ""
        results.append(SuiteResult(variant.name, "stories", passed, seconds, failure))
    if "integration" in suites:
        log = variant.folder / "integration.log"
        basetemp = variant.folder / "pytest"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--basetemp={basetemp}",
                   "-n", "2", "--dist", "loadfile", "tests/integration", "tests/security", "tests/browser"]  # as make test
        passed, seconds = run(command, env, log)
        results.append(SuiteResult(variant.name, "integration", passed, seconds, last_line(log)))
    return results


# ---- margins --------------------------------------------------------------------------------------


def story_sentences(paths: Iterable[Path]) -> List[Sentence]:
    """Every ``user:`` step of the story files, with the intent the story expects."""
    found: Dict[Tuple[str, str], Sentence] = {}
    for path in paths:
        files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
        for file in files:
            for story in (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("stories", []):
                for step in story.get("steps", []):
                    if "user" in step:
                        text = ENTITY_MARKUP.sub(r"\1", step["user"]).strip()
                        found.setdefault((text, step.get("intent")), Sentence(text, step.get("intent"), file.name))
    return list(found.values())


def conversation_sentences(folders: Iterable[Path], known: Iterable[str]) -> Tuple[List[Sentence], Set[str]]:
    """Every buyer message the integration runs had the bot read, from their SQLite tracker stores; and
    every text the stores hold, read or not.

    Not read: external events (``EXTERNAL: …``, raised by our own processes, not typed) and messages
    sent while the bot was paused for staff, which the bot stores without acting on their intent.
    """
    seen = set(known)
    stored: Set[str] = set()
    found: List[Sentence] = []
    for folder in folders:
        for database in sorted(folder.rglob("tracker.db")):
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
                try:
                    rows = connection.execute(
                        "SELECT sender_id, type_name, data FROM events WHERE type_name IN ('user', 'pause', 'resume') "
                        "ORDER BY id"
                    ).fetchall()
                except sqlite3.OperationalError:
                    continue
            paused: Dict[str, bool] = {}
            for sender, kind, data in rows:
                if kind != "user":
                    paused[sender] = kind == "pause"
                    continue
                text = (json.loads(data).get("text") or "").strip()
                stored.add(text)
                if text and not paused.get(sender) and not text.startswith(("/", "EXTERNAL: ")) and text not in seen:
                    seen.add(text)
                    found.append(Sentence(text, None, "integration"))
    return found, stored


#: How the integration tests make a buyer speak: the call's name and where the text is among its arguments.
SENDING_CALLS = {"texts": 1, "send": 1, "message": 1, "say": 2}  # bot.texts(sender, text), say(bot, sender, text)


def literal_messages(folders: Iterable[Path], known: Iterable[str]) -> List[Sentence]:
    """Buyer messages written literally in the tests' calls (``bot.texts(sender, "…")``): those sent to
    bots on PostgreSQL, whose tracker stores are dropped after the run, are found here."""
    import ast

    seen = set(known)
    found: List[Sentence] = []
    for folder in folders:
        for source in sorted(folder.glob("test_*.py")):
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                where = SENDING_CALLS.get(name)
                if where is None or len(node.args) <= where:
                    continue
                text = node.args[where]
                if isinstance(text, ast.Constant) and isinstance(text.value, str) and text.value.strip():
                    if text.value not in seen:
                        seen.add(text.value)
                        found.append(Sentence(text.value, None, source.name))
    return found


def prelabelled_messages(fixtures: Path, known: Iterable[str]) -> List[Sentence]:
    """The unlabelled buyer lines of the import-dialogues fixtures: the model in service pre-labels them."""
    seen = set(known)
    found: List[Sentence] = []
    for path in sorted(fixtures.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            text = (row.get("text") or "").strip()
            if row.get("role") in ("buyer", "买家") and not row.get("intent") and text and text not in seen:
                seen.add(text)
                found.append(Sentence(text, None, path.name))
    return found


async def read_all(model: Path, texts: List[str]) -> List[Reading]:
    from bot.training.evaluate import classifier_ranking, parse_all

    readings = []
    for parsed in await parse_all(model, texts):
        ranking = classifier_ranking(parsed)
        first = ranking[0] if ranking else {"name": parsed["intent"]["name"], "confidence": parsed["intent"]["confidence"]}
        second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
        readings.append(Reading(parsed["intent"]["name"], first["name"], float(first["confidence"]),
                                float(first["confidence"]) - float(second), float(parsed["intent"]["confidence"])))
    return readings


def read_with_every_variant(sentences: List[Sentence], variants: Sequence[Variant]) -> None:
    texts = [s.text for s in sentences]
    for variant in variants:
        for sentence, reading in zip(sentences, asyncio.run(read_all(variant.model, texts))):
            sentence.readings[variant.name] = reading


def margin_report(title: str, sentences: List[Sentence], limits: Thresholds) -> List[str]:
    ruled = [s for s in sentences if s.by_rule]
    near = [s for s in sentences if s.near_fallback(limits)]
    differ = [s for s in sentences if s.read_differently()]
    lines = [
        f"{title}: {len(sentences)} sentences, {len(ruled)} settled by an NLU rule; "
        f"{len(near)} near the fallback on some variant (confidence < {limits.fallback + MARGIN:.2f} or lead < "
        f"{limits.ambiguity + MARGIN:.2f}); {len(differ)} read differently by the variants"
        + (" or not as the story says" if any(s.expected for s in sentences) else ""),
    ]
    flagged = [s for s in sentences if any(s is f for f in near + differ)]
    for sentence in sorted(flagged, key=lambda s: min(r.confidence for r in s.readings.values())):
        readings = ", ".join(f"{r.intent} {r.confidence:.2f}/{r.lead:.2f}" for r in sentence.readings.values())
        expected = f" (story: {sentence.expected})" if sentence.expected else ""
        lines.append(f"  {sentence.text[:40]}{expected}: {readings}")
    return lines


# ---- the command ----------------------------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 7, 2027])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--reuse", action="store_true", help="keep a variant trained on the same inputs")
    parser.add_argument("--suites", nargs="+", default=["stories", "integration"],
                        choices=["stories", "integration", "none"])
    parser.add_argument("--stories", type=Path, nargs="+", default=[STORIES], help="story files for the margins")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    variants = [Variant(seed, threads) for seed in args.seeds for threads in args.threads]
    report: List[str] = []
    for variant in variants:
        line = train_variant(variant, args.reuse)
        print(line, flush=True)
        report.append(line)
    results: List[SuiteResult] = []
    for variant in variants:
        for result in [floor_verdict(variant)] + run_suites(variant, [s for s in args.suites if s != "none"]):
            print(f"{result.variant} {result.suite}: {'green' if result.passed else 'RED'} "
                  f"({result.seconds / 60:.1f} min) {result.detail}", flush=True)
            results.append(result)
    limits = fallback_thresholds()
    stories = story_sentences(args.stories)
    conversations, stored = conversation_sentences([v.folder / "pytest" for v in variants], [s.text for s in stories])
    conversations += literal_messages([PROJECT_ROOT / "tests" / "integration", PROJECT_ROOT / "tests" / "browser"],
                                      stored | {s.text for s in stories})
    conversations += prelabelled_messages(PROJECT_ROOT / "tests" / "fixtures", {s.text for s in stories + conversations})
    with output_to(ROBUST_DIR / "margins.log"):  # TensorFlow's and Rasa's loading chatter
        read_with_every_variant(stories + conversations, variants)
    report += identical_models(variants)
    report += margin_report("story sentences", stories, limits)
    if conversations:
        report += margin_report("buyer messages of the integration and browser tests (and import fixtures)",
                                conversations, limits)
    report += [f"{r.variant} {r.suite}: {'green' if r.passed else 'RED'} ({r.seconds / 60:.1f} min) {r.detail}"
               for r in results]
    print("\n" + "\n".join(report))
    (ROBUST_DIR / "report.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
