"""Accuracy of the complaint classifier (category and severity) on the held-out set.

    python -m bench.complaints [--heldout tests/complaints/heldout.yml]

The held-out complaints were written separately from data/complaints/train.yml
and are never trained on (tests/unit/test_complaint_classifier.py checks that).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score

from bot.complaints.classifier import CATEGORIES, SEVERITIES, classify, load_examples
from bot.settings import PROJECT_ROOT

HELDOUT = PROJECT_ROOT / "tests" / "complaints" / "heldout.yml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heldout", type=Path, default=HELDOUT)
    args = parser.parse_args()
    rows = load_examples(args.heldout)
    predicted = [classify(r["text"]) for r in rows]
    for label, names in (("category", CATEGORIES), ("severity", SEVERITIES)):
        gold = [r[label] for r in rows]
        guess = [getattr(p, label) for p in predicted]
        accuracy = accuracy_score(gold, guess)
        macro = f1_score(gold, guess, labels=list(names), average="macro", zero_division=0)
        print(f"{label}: {len(rows)} held-out complaints, accuracy {accuracy:.3f}, macro-F1 {macro:.3f}")
        confusions = Counter((g, p) for g, p in zip(gold, guess) if g != p)
        for (g, p), count in confusions.most_common(5):
            print(f"    {g} -> {p}: {count}")
    high_gold = [r["severity"] == "高" for r in rows]
    high_guess = [p.severity == "高" for p in predicted]
    caught = sum(g and h for g, h in zip(high_gold, high_guess))
    print(
        f"high severity (goes to a human at once): recall {caught / max(sum(high_gold), 1):.3f}, "
        f"precision {caught / max(sum(high_guess), 1):.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
