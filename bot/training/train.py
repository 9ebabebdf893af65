"""Training the Rasa model (NLU + dialogue) from data/, domain.yml and config.yml.

Rasa fingerprints its inputs and reuses unchanged parts, so running this when
nothing changed is quick. ``python -m bot train`` goes through
``bot.training.pipeline`` (merge reviewed examples, evaluate, promote only when
not worse); ``train_model`` trains straight into models/ for tools that need
just a model.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Optional

from bot.settings import PROJECT_ROOT, get_settings

MODEL_NAME = "xiaoer"


def latest_model(models_dir: Optional[Path] = None) -> Optional[Path]:
    models_dir = models_dir or get_settings().models_dir
    found = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def train_model(force: bool = False, if_missing: bool = False) -> Path:
    """Train into models/ and return the model file; ``if_missing`` keeps an existing model."""
    models_dir = get_settings().models_dir
    existing = latest_model(models_dir)
    if if_missing and existing is not None:
        return existing
    command = [
        sys.executable,
        "-m",
        "rasa",
        "train",
        "--config",
        "config.yml",
        "--domain",
        "domain.yml",
        "--data",
        "data",
        "--out",
        str(models_dir),
        "--fixed-model-name",
        MODEL_NAME,
    ]
    if force:
        command.append("--force")
    completed = subprocess.run(command, cwd=PROJECT_ROOT)
    if completed.returncode != 0:
        raise RuntimeError(f"rasa train 失败（退出码 {completed.returncode}）")
    model = latest_model(models_dir)
    if model is None:
        raise RuntimeError("训练结束了，但 models/ 里没有模型文件")
    return model
