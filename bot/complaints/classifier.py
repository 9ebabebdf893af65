"""Category and severity of a complaint, learned from labelled examples plus explicit signals.

Why not a keyword list: "本来想给好评的" mentions a review without threatening
one, and "气得手都在抖！！！" threatens nothing yet is as urgent as "12315".
So each label is predicted by a small linear model over character n-grams
(robust to typos and to jieba's segmentation), and severity also sees a few
measured signals (threat and accusation words, safety words, exclamation
marks, how many complaints this buyer has made lately). The models are trained
from ``data/complaints/train.yml`` on first use, in well under a second and
deterministically; ``python -m bench.complaints`` reports their accuracy on a
separately written held-out set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import yaml
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.settings import PROJECT_ROOT

TRAINING_PATH = PROJECT_ROOT / "data" / "complaints" / "train.yml"
CATEGORIES = ("商品质量", "服务态度", "物流配送", "售后", "其他")
SEVERITIES = ("低", "中", "高")

THREATS = re.compile(r"差评|一星|1星|12315|工商|消协|消费者协会|投诉到?平台|平台投诉|曝光|律师|起诉|报警|媒体|举报")
ACCUSATIONS = re.compile(r"骗子|诈骗|骗钱|黑店|垃圾店|无良|坑人|坑爹|欺诈")
SAFETY = re.compile(r"烫伤|烧伤|触电|漏电|爆炸|起火|冒烟|过敏|医院|看医生|受伤|出血")
ANGER = re.compile(r"气死|气炸|火大|无语|恶心|太差|滚|妈的|tm|TM|什么玩意|忍无可忍|受够")
#: A grievance said in passing ("鼠标付款三天了还不发货？？", "快两天了还没到"): the wait itself is the problem.
GRIEVANCE = re.compile(r"还不发|还没发|还没到|还没收到|还不到|怎么回事|搞什么|什么破|破快递|太慢|慢死|等了.{0,4}(天|周)")
UPSET_SIGNS = re.compile(r"[!！]{2,}|[?？]{2,}|😤|😡|😠|🙄|💢")
REPEAT = re.compile(r"第[二三四五六七八九十2-9]次|又是|还是没|说了多少遍|几次了|多少次")


@dataclass(frozen=True)
class ComplaintLabel:
    category: str
    severity: str
    category_confidence: float
    severity_confidence: float
    signals: Tuple[str, ...]  # the explicit signals seen, for staff to read


def is_upset(text: str) -> bool:
    """True when the buyer is angry or fed up, whatever they ask: a good 客服 says sorry before the answer."""
    text = text or ""
    return bool(ANGER.search(text) or ACCUSATIONS.search(text) or THREATS.search(text)
                or (UPSET_SIGNS.search(text) and GRIEVANCE.search(text)) or len(GRIEVANCE.findall(text)) >= 2)


def signals_of(text: str, earlier_complaints: int = 0) -> Dict[str, float]:
    """Measured, explainable evidence of severity in a message."""
    return {
        "threat": float(bool(THREATS.search(text))),
        "accusation": float(bool(ACCUSATIONS.search(text))),
        "safety": float(bool(SAFETY.search(text))),
        "anger": float(bool(ANGER.search(text))),
        "repeat": float(bool(REPEAT.search(text)) or earlier_complaints >= 2),
        "exclaim": min(text.count("!") + text.count("！") + text.count("😡") + text.count("🤬"), 6) / 3.0,
        "question": min(text.count("?") + text.count("？"), 6) / 3.0,
    }


SIGNAL_NAMES = tuple(signals_of(""))


@dataclass(frozen=True)
class _Models:
    vectorizer: TfidfVectorizer
    category: LogisticRegression
    severity: LogisticRegression


def load_examples(path: Path = TRAINING_PATH) -> List[Dict[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = [row for row in data["complaints"] if row.get("text")]
    for row in rows:
        if row["category"] not in CATEGORIES or row["severity"] not in SEVERITIES:
            raise ValueError(f"{path}: 标签不对：{row}")
    return rows


def _signal_matrix(texts: Sequence[str], earlier: Sequence[int]) -> csr_matrix:
    rows = [[signals_of(t, e)[name] for name in SIGNAL_NAMES] for t, e in zip(texts, earlier)]
    return csr_matrix(np.array(rows, dtype=float) * 2.0)  # weighted to count against thousands of n-grams


@lru_cache(maxsize=4)
def _models(path: Path = TRAINING_PATH) -> _Models:
    rows = load_examples(path)
    texts = [r["text"] for r in rows]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=1, sublinear_tf=True)
    words = vectorizer.fit_transform(texts)
    category = LogisticRegression(C=8.0, max_iter=2000, class_weight="balanced")
    category.fit(words, [r["category"] for r in rows])
    severity = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
    severity.fit(hstack([words, _signal_matrix(texts, [0] * len(texts))]).tocsr(), [r["severity"] for r in rows])
    return _Models(vectorizer, category, severity)


def warm_up(path: Path = TRAINING_PATH) -> None:
    """Train now (under a second), so the first complaint after start is answered as fast as the rest."""
    _models(path)


def classify(text: str, earlier_complaints: int = 0, path: Path = TRAINING_PATH) -> ComplaintLabel:
    """Category and severity of one complaint; ``earlier_complaints`` in the last weeks raise severity."""
    models = _models(path)
    words = models.vectorizer.transform([text])
    category_probs = models.category.predict_proba(words)[0]
    features = hstack([words, _signal_matrix([text], [earlier_complaints])]).tocsr()
    severity_probs = models.severity.predict_proba(features)[0]
    category_index = int(np.argmax(category_probs))
    severity_index = int(np.argmax(severity_probs))
    seen = signals_of(text, earlier_complaints)
    return ComplaintLabel(
        category=str(models.category.classes_[category_index]),
        severity=str(models.severity.classes_[severity_index]),
        category_confidence=float(category_probs[category_index]),
        severity_confidence=float(severity_probs[severity_index]),
        signals=tuple(name for name in SIGNAL_NAMES if seen[name] >= 1.0),
    )
