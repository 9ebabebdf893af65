"""The test stories keep to the rule that makes them machine-independent (issue 14).

Dialogue stories state intents and entities; buyer text appears in them only where an NLU rule
settles its reading (the same on every machine). Sentences read by the trained classifier live in
test_e2e_text.yml as single-turn stories, each checked for a wide margin by ``python -m bench.robust``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
import yaml

from bot.nlu.nonverbal import classify_nonverbal

ROOT = Path(__file__).resolve().parents[2]
STORIES = ROOT / "tests" / "stories"
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
MARKUP = re.compile(r"\[([^\]]+)\]\([^)]+\)")
DEFAULT_INTENTS = {"nlu_fallback", "restart", "session_start", "back", "out_of_scope"}


def stories(name: str) -> List[dict]:
    return yaml.safe_load((STORIES / name).read_text(encoding="utf-8"))["stories"]


def user_steps(name: str) -> Iterator[Tuple[str, dict]]:
    for story in stories(name):
        for step in story["steps"]:
            if "user" in step or "intent" in step:
                yield story["story"], step


def test_the_story_folder_holds_exactly_the_two_kinds() -> None:
    """Rasa tests only files named test_*: a story file under another name would be skipped without a word."""
    assert sorted(p.name for p in STORIES.glob("*.yml")) == ["test_dialogue.yml", "test_e2e_text.yml"]


def test_dialogue_stories_carry_text_only_where_a_rule_reads_it() -> None:
    read_by_the_model = [
        (story, step["user"].strip())
        for story, step in user_steps("test_dialogue.yml")
        if "user" in step and classify_nonverbal(MARKUP.sub(r"\1", step["user"]).strip()) is None
    ]
    assert not read_by_the_model, (
        "state the intent (and entities) instead of the text, or move a single-turn story to test_e2e_text.yml "
        f"after `python -m bench.robust` shows a wide margin: {read_by_the_model}"
    )


def test_e2e_text_stories_are_single_turn_and_keep_their_text() -> None:
    for story in stories("test_e2e_text.yml"):
        steps = [s for s in story["steps"] if "user" in s or "intent" in s]
        assert len(steps) == 1 and "user" in steps[0], story["story"]


@pytest.mark.parametrize("name", ["test_dialogue.yml", "test_e2e_text.yml"])
def test_stories_name_only_intents_actions_and_entities_of_the_domain(name: str) -> None:
    intents = set(DOMAIN["intents"]) | DEFAULT_INTENTS
    actions = set(DOMAIN.get("actions", [])) | set(DOMAIN["responses"]) | set(DOMAIN.get("forms", {}))
    actions |= {"action_listen", "action_restart", "action_deactivate_loop", "action_default_fallback", "action_back"}
    entities = set(DOMAIN.get("entities", []))
    for story in stories(name):
        for step in story["steps"]:
            if "intent" in step:
                assert step["intent"] in intents, (story["story"], step["intent"])
            if "action" in step:
                assert step["action"] in actions, (story["story"], step["action"])
            for entity in step.get("entities", []):
                assert set(entity) <= entities, (story["story"], entity)
            for found in re.findall(r"\]\(([a-z_]+)\)", step.get("user", "")):
                assert found in entities, (story["story"], found)
