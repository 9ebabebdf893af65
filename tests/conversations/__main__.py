"""python -m tests.conversations [open|sealed|unseen|reserve|extra|fresh|later|next|all] [--show failures|all] [--only ID…] [--trace]

Starts a bot on a freshly seeded shop (the newest model in MODELS_DIR, default
models/), plays the chosen set and prints the pass rate, the wrong-order count and
per-turn latency; ``--show`` prints transcripts. Results also go to
var/results/conversations-<set>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from bot.channels.standin import PlatformStandIn
from bot.runtime.launch import TEST_WEBHOOK_SECRET, launched_bot
from bot.settings import PROJECT_ROOT
from tests.conversations.runner import run_suite
from tests.conversations.scenarios import SETS, UNREAD, load


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.conversations")
    parser.add_argument("set", nargs="?", default="open", choices=[*SETS, *UNREAD, "all"])
    parser.add_argument("--show", choices=["none", "failures", "all"], default="none")
    parser.add_argument("--only", nargs="*", default=[], help="conversation ids (prefixes)")
    parser.add_argument("--trace", action="store_true", help="with --show: the intents and actions of each turn")
    args = parser.parse_args(argv)
    scenarios = [s for s in load(args.set) if not args.only or any(s.id.startswith(p) for p in args.only)]
    standin = PlatformStandIn(secret=TEST_WEBHOOK_SECRET).start()
    try:
        with tempfile.TemporaryDirectory() as workdir, launched_bot(Path(workdir), platform_send_url=standin.url) as bot:
            suite = run_suite(bot, scenarios, trace=args.trace)
    finally:
        standin.stop()
    for result in suite.results:
        if args.show == "all" or (args.show == "failures" and not result.passed):
            print(result.report(), end="\n\n")
    print(suite.summary(args.set))
    out = PROJECT_ROOT / "var" / "results" / f"conversations-{args.set}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "passed": suite.passed, "total": len(suite.results), "p50": suite.percentile(0.5),
        "p95": suite.percentile(0.95), "wrong_order": suite.wrong_order,
        "failed": [r.scenario.id for r in suite.results if not r.passed],
    }, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
