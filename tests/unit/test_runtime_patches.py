"""The jsonschema fix keeps jsonschema's behaviour: valid passes, invalid raises, bad schemas raise."""

import jsonschema
import pytest

from bot.runtime.patches import validate_with_checked_schema

SCHEMA = {"type": "object", "properties": {"events": {"type": "array"}}, "required": ["events"]}


def test_valid_instance_passes_twice() -> None:
    validate_with_checked_schema({"events": []}, SCHEMA)
    validate_with_checked_schema({"events": [1]}, dict(SCHEMA))


def test_invalid_instance_raises_the_same_error_as_jsonschema() -> None:
    with pytest.raises(jsonschema.ValidationError) as ours:
        validate_with_checked_schema({"events": "x"}, SCHEMA)
    with pytest.raises(jsonschema.ValidationError) as theirs:
        jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate({"events": "x"})
    assert ours.value.message == theirs.value.message


def test_invalid_schema_still_raises() -> None:
    with pytest.raises(jsonschema.SchemaError):
        validate_with_checked_schema({}, {"type": 12})


def test_rasa_action_response_schema_is_accepted() -> None:
    from rasa.core.actions.action import RemoteAction

    spec = RemoteAction.action_response_format_spec()
    validate_with_checked_schema({"events": [{"event": "slot", "name": "a", "value": 1}], "responses": []}, spec)
    with pytest.raises(jsonschema.ValidationError):
        validate_with_checked_schema({"events": "nope"}, spec)


async def test_a_tracker_store_error_fails_the_turn_instead_of_starting_over_in_memory() -> None:
    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.runtime.patches import TrackerStoreUnavailable, apply

    apply()

    class Broken(InMemoryTrackerStore):
        async def retrieve(self, sender_id):  # type: ignore[no-untyped-def]
            raise ConnectionError("database is down")

        async def save(self, tracker):  # type: ignore[no-untyped-def]
            raise ConnectionError("database is down")

    store = FailSafeTrackerStore(Broken(None))  # type: ignore[arg-type]
    with pytest.raises(TrackerStoreUnavailable):
        await store.retrieve("tb_xiaoyu")
    with pytest.raises(TrackerStoreUnavailable):
        await store.save(DialogueStateTracker("tb_xiaoyu", []))
    assert store._fallback_tracker_store is None  # nothing went to memory
