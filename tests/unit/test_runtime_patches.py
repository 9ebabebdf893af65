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
