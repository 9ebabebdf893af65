"""Importing chat logs as candidate NLU examples: checked, de-duplicated, labelled or pre-labelled, kept with provenance.

``python -m bot import-dialogues FILE`` runs :func:`import_dialogues`. Rows with
an intent label keep it; the others are labelled by the model in service with
its confidence, so the review starts with the least certain.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Protocol, Set, Tuple

import yaml
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.crm.db import UsesCrm
from bot.crm.models import NluCandidate
from bot.settings import PROJECT_ROOT
from bot.training.importer import ENTITY_MARKUP, RowProblem, normalise, read_dialogues, tidy

PENDING = "待审核"
ACCEPTED = "已采纳"
CORRECTED = "已修改"
REJECTED = "已拒绝"


class ReviewError(ValueError):
    """A review that cannot be done (unknown candidate, unknown intent, reviewed already)."""


class Labeller(Protocol):
    def __call__(self, text: str) -> Tuple[str, float]: ...


@dataclass
class ImportReport:
    rows: int = 0
    buyer_messages: int = 0
    imported_labelled: int = 0
    imported_prelabelled: int = 0
    duplicates: int = 0
    problems: List[RowProblem] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.imported_labelled + self.imported_prelabelled


def domain_intents(domain_file: Path = PROJECT_ROOT / "domain.yml") -> Set[str]:
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8"))
    return {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"] if not str(i).startswith("EXTERNAL_")}


def training_texts(nlu_dir: Path = PROJECT_ROOT / "data" / "nlu") -> Set[str]:
    """Every example already trained on, normalised, so an import never re-adds one."""
    texts: Set[str] = set()
    for path in nlu_dir.glob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []) or []:
            for line in (block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.add(normalise(ENTITY_MARKUP.sub(r"\1", line[2:])))
    return texts


class CandidateStore(UsesCrm):
    def __init__(self, sessions: Optional[sessionmaker] = None):
        super().__init__(sessions)

    def known_texts(self) -> Set[str]:
        with self.sessions() as session:
            return {normalise(text) for text in session.execute(select(NluCandidate.text)).scalars()}

    def add(self, candidates: Iterable[NluCandidate]) -> None:
        with self.sessions.begin() as session:
            session.add_all(list(candidates))

    def review(self, candidate_id: int, intent: Optional[str], accept: bool, staff: str, now: datetime, intents: Set[str]) -> str:
        """Accept (as proposed, or corrected to ``intent``) or reject a waiting candidate; returns its new status."""
        with self.sessions.begin() as session:
            candidate = session.get(NluCandidate, candidate_id)
            if candidate is None:
                raise ReviewError(f"没有编号为 {candidate_id} 的候选")
            if candidate.status != PENDING:
                raise ReviewError(f"这条候选已{candidate.status}")
            if accept:
                if not intent or intent not in intents:
                    raise ReviewError(f"未知的意图 {intent}")
                candidate.status = ACCEPTED if intent == candidate.intent else CORRECTED
                candidate.intent = intent
            else:
                candidate.status = REJECTED
            candidate.reviewed_by, candidate.reviewed_at = staff, now
            return candidate.status

    def add_reviewed(self, text: str, intent: str, provenance: dict, staff: str, now: datetime, intents: Set[str]) -> bool:
        """A buyer message from a reviewed conversation, labelled by staff; False when the text is known already."""
        if intent not in intents:
            raise ReviewError(f"未知的意图 {intent}")
        text = tidy(text)
        if not text or normalise(text) in self.known_texts() | training_texts():
            return False
        with self.sessions.begin() as session:
            session.add(
                NluCandidate(
                    text=text, intent=intent, label_source="staff", status=ACCEPTED, provenance=provenance,
                    imported_at=now, reviewed_by=staff, reviewed_at=now,
                )
            )
        return True

    def for_review(self, limit: int = 100) -> List[NluCandidate]:
        """Waiting candidates, least certain first (a label from the file counts as certain)."""
        with self.sessions() as session:
            rows = list(session.execute(select(NluCandidate).where(NluCandidate.status == PENDING)).scalars())
        rows.sort(key=lambda c: (c.label_source != "model", float(c.confidence) if c.confidence is not None else 1.0, c.id))
        return rows[:limit]


def import_dialogues(
    path: Path,
    labeller: Optional[Labeller],
    now: datetime,
    store: Optional[CandidateStore] = None,
    progress: Callable[[Iterable], Iterable] = lambda rows: rows,
    intents: Optional[Set[str]] = None,
) -> ImportReport:
    """Read ``path``, keep new buyer messages as candidates; returns what happened, row problems included."""
    store = store or CandidateStore()
    read = read_dialogues(path, intents if intents is not None else domain_intents())
    report = ImportReport(rows=len(read.rows) + len(read.problems), problems=read.problems)
    seen = store.known_texts() | training_texts()
    fresh: List[NluCandidate] = []
    for row in progress([r for r in read.rows if r.role == "buyer"]):
        report.buyer_messages += 1
        key = normalise(row.text)
        if key in seen:
            report.duplicates += 1
            continue
        seen.add(key)
        intent, confidence, source = row.intent, None, "file"
        if intent is None:
            if labeller is None:
                intent, source = None, "none"
            else:
                intent, confidence = labeller(row.text)
                source = "model"
        if source == "file":
            report.imported_labelled += 1
        else:
            report.imported_prelabelled += 1
        fresh.append(
            NluCandidate(
                text=row.text,
                intent=intent,
                confidence=round(confidence, 4) if confidence is not None else None,
                label_source=source,
                status=PENDING,
                provenance={"file": path.name, "line": row.line, "conversation_id": row.conversation_id},
                imported_at=now,
            )
        )
    store.add(fresh)
    return report


class ModelLabeller:
    """The model in service reads each unlabelled message: (intent, confidence)."""

    def __init__(self, model_path: Path):
        from rasa.core.agent import Agent

        self.agent = Agent.load(str(model_path))
        self.loop = asyncio.new_event_loop()

    def __call__(self, text: str) -> Tuple[str, float]:
        parsed = self.loop.run_until_complete(self.agent.parse_message(text))
        intent = parsed.get("intent") or {}
        return str(intent.get("name") or "nlu_fallback"), float(intent.get("confidence") or 0.0)
