"""NLU quality, guarded statistically: the model trained in this run scores above training.yml's floors on the
held-out sets (hundreds of sentences), instead of single test sentences whose reading drifts between machines."""

from __future__ import annotations

from bot.settings import get_settings
from bot.training.promotion import Metrics, below_floor, load_floor, load_rule
from bot.training.registry import ModelRegistry


def test_the_model_trained_in_this_run_is_above_the_quality_floor() -> None:
    entries = ModelRegistry(get_settings().models_dir).entries()
    assert entries, "no model in the registry: run `python -m bot train` (make test does) first"
    newest = entries[-1]  # whether promoted or not: what this run's data and code produce
    metrics = Metrics(float(newest.metrics["macro_f1"]), float(newest.metrics["accuracy"]), dict(newest.metrics["f1"]))
    reasons = below_floor(metrics, load_floor(), load_rule().core_intents)
    assert not reasons, f"model {newest.id} is below the floor: " + "; ".join(reasons)


def test_the_served_model_reads_the_blind_set_above_its_floor() -> None:
    """Issue 17: text nobody tuned the data to (tests/nlu/blind/), scored as bench.nlu scores it."""
    import yaml

    from bench.nlu import measure
    from bot.settings import PROJECT_ROOT

    floors = yaml.safe_load((PROJECT_ROOT / "training.yml").read_text(encoding="utf-8"))["blind_floors"]
    model = get_settings().models_dir / "xiaoer.tar.gz"
    assert model.exists(), f"no served model at {model}: run `python -m bot train` (make test does) first"
    found = measure(model, PROJECT_ROOT / "tests" / "nlu" / "blind")
    assert found["accuracy"] >= floors["accuracy"], found
    assert found["macro_f1"] >= floors["macro_f1"], found
    assert found["confident_errors"] <= floors["confident_errors_max"], found
