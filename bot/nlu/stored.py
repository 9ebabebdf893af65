"""What a custom NLU component keeps in the trained model: one JSON file in its model-storage resource."""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


def write_json(model_storage: ModelStorage, resource: Resource, name: str, value: Any) -> None:
    with model_storage.write_to(resource) as directory:
        (directory / name).write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")


def read_json(model_storage: ModelStorage, resource: Resource, name: str, default: Any) -> Any:
    """The stored value, or ``default`` for a model trained before the component kept it."""
    try:
        with model_storage.read_from(resource) as directory:
            return json.loads((directory / name).read_text(encoding="utf-8"))
    except (ValueError, FileNotFoundError):
        return default
