"""The model registry under models/registry/: every trained model with its data hash, date, metrics and
whether it was promoted; the one in service is the copy at models/xiaoer.tar.gz.

``index.json`` lists the entries in training order. Promoting or rolling back
copies an entry's file over the served model (atomically, via a temporary
file and a rename) and records it, so ``python -m bot models`` always says
which model buyers are talking to.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Optional

from bot.settings import PROJECT_ROOT

SERVED_NAME = "xiaoer.tar.gz"
DATA_INPUTS = ("data", "domain.yml", "config.yml")


@dataclass
class ModelEntry:
    id: str  # e.g. 20261125-201500
    file: str  # relative to the registry folder
    data_hash: str
    trained_at: str
    metrics: Dict[str, object] = field(default_factory=dict)
    promoted: bool = False
    in_service: bool = False
    reasons: List[str] = field(default_factory=list)


def data_hash(root: Path = PROJECT_ROOT, inputs: Optional[List[Path]] = None) -> str:
    """SHA-256 over the training inputs (every file under data/, the domain, the pipeline), in a stable order."""
    digest = hashlib.sha256()
    for path in inputs or [root / name for name in DATA_INPUTS]:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(file.name.encode("utf-8"))
            digest.update(file.read_bytes())
    return digest.hexdigest()


class ModelRegistry:
    def __init__(self, models_dir: Path):
        self.models_dir = models_dir
        self.folder = models_dir / "registry"
        self.index = self.folder / "index.json"

    def entries(self) -> List[ModelEntry]:
        if not self.index.exists():
            return []
        return [ModelEntry(**item) for item in json.loads(self.index.read_text(encoding="utf-8"))]

    def _save(self, entries: List[ModelEntry]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.index.with_suffix(".tmp")
        temporary.write_text(json.dumps([asdict(e) for e in entries], ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(temporary, self.index)

    def add(self, model_file: Path, digest: str, metrics: Dict[str, object], now: datetime) -> ModelEntry:
        """Keep a trained model in the registry (not yet in service)."""
        entry_id = f"{now:%Y%m%d-%H%M%S}"
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{entry_id}.tar.gz"
        shutil.copy2(model_file, target)
        entry = ModelEntry(id=entry_id, file=target.name, data_hash=digest, trained_at=now.isoformat(timespec="seconds"),
                           metrics=metrics)
        self._save([*self.entries(), entry])
        return entry

    def find(self, entry_id: str) -> Optional[ModelEntry]:
        return next((e for e in self.entries() if e.id == entry_id), None)

    def in_service(self) -> Optional[ModelEntry]:
        return next((e for e in self.entries() if e.in_service), None)

    def serve(self, entry_id: str, reasons: List[str]) -> Path:
        """Put ``entry_id`` in service (promotion or rollback); returns the served model's path."""
        entries = self.entries()
        chosen = next((e for e in entries if e.id == entry_id), None)
        if chosen is None:
            raise KeyError(f"没有编号为 {entry_id} 的模型")
        served = self.models_dir / SERVED_NAME
        temporary = self.models_dir / f".{SERVED_NAME}.tmp"
        shutil.copyfile(self.folder / chosen.file, temporary)  # a fresh mtime: the newest model is the one served
        os.replace(temporary, served)
        for entry in entries:
            entry.in_service = entry.id == entry_id
        chosen.promoted, chosen.reasons = True, reasons
        self._save(entries)
        return served

    def refuse(self, entry_id: str, reasons: List[str]) -> None:
        entries = self.entries()
        for entry in entries:
            if entry.id == entry_id:
                entry.reasons = reasons
        self._save(entries)
