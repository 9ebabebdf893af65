"""The life of a return request: which stage may follow which, for each kind of case.

Pure data plus two functions, so the staff command, the buyer's "撤销" and the
console all obey one table and a test can walk every path without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Dict, FrozenSet, Optional, Tuple

from bot.crm.models import ReturnKind, ReturnStatus

K = ReturnKind
S = ReturnStatus


class StaffAction(str, Enum):
    """What staff do to a request (the `python -m bot returns …` verbs)."""

    APPROVE = "approve"
    RECEIVED = "received"
    REFUNDED = "refunded"
    COMPLETED = "completed"
    REJECT = "reject"


#: The normal path of each kind, first stage to last.
PATHS: Dict[ReturnKind, Tuple[ReturnStatus, ...]] = {
    K.RETURN_REFUND: (S.PENDING, S.APPROVED, S.RECEIVED, S.REFUNDED),
    K.EXCHANGE: (S.PENDING, S.APPROVED, S.RECEIVED, S.COMPLETED),
    K.REPAIR: (S.PENDING, S.APPROVED, S.RECEIVED, S.COMPLETED),
    K.REFUND_ONLY: (S.PENDING, S.APPROVED, S.REFUNDED),
    K.RESHIP: (S.PENDING, S.APPROVED, S.COMPLETED),
}
ACTION_TARGET = {
    StaffAction.APPROVE: S.APPROVED,
    StaffAction.RECEIVED: S.RECEIVED,
    StaffAction.REFUNDED: S.REFUNDED,
    StaffAction.COMPLETED: S.COMPLETED,
    StaffAction.REJECT: S.REJECTED,
}
#: Kinds where goods travel back to the warehouse, so someone pays the postage.
SHIPS_BACK: FrozenSet[ReturnKind] = frozenset({K.RETURN_REFUND, K.EXCHANGE, K.REPAIR})
#: Stages after which nothing more happens.
FINAL: FrozenSet[ReturnStatus] = frozenset({S.REFUNDED, S.COMPLETED, S.REJECTED, S.CANCELLED})
#: A buyer may withdraw until the goods are back in the warehouse.
BUYER_CANCELLABLE: FrozenSet[ReturnStatus] = frozenset({S.PENDING, S.APPROVED})
#: Requests in these stages still hold their item: a second request for it points here.
OPEN: FrozenSet[ReturnStatus] = frozenset(set(S) - FINAL)
#: Requests that count against the quantity still returnable (everything not withdrawn or refused).
CLAIMED: FrozenSet[ReturnStatus] = frozenset(set(S) - {S.REJECTED, S.CANCELLED})


@dataclass(frozen=True)
class Move:
    allowed: bool
    target: Optional[ReturnStatus]
    reason: str = ""  # why not, in Chinese, for staff or the buyer


def staff_move(kind: ReturnKind, current: ReturnStatus, action: StaffAction, note: Optional[str] = None) -> Move:
    """May staff apply ``action`` to a request of ``kind`` that is at ``current``?"""
    target = ACTION_TARGET[action]
    if current in FINAL:
        return Move(False, None, f"申请已是“{current.value}”，不能再变更")
    if action == StaffAction.REJECT:
        if not (note or "").strip():
            return Move(False, None, "拒绝申请必须填写原因")
        return Move(True, target)
    path = PATHS[kind]
    if current not in path:
        return Move(False, None, f"{kind.value}申请不应处于“{current.value}”，请人工核实")
    if target not in path:
        return Move(False, None, f"{kind.value}申请没有“{target.value}”这一步")
    if path.index(target) != path.index(current) + 1:
        expected = path[path.index(current) + 1]
        return Move(False, None, f"申请当前是“{current.value}”，下一步应是“{expected.value}”")
    return Move(True, target)


def buyer_cancel(current: ReturnStatus) -> Move:
    """May the buyer withdraw a request at ``current``?"""
    if current == S.CANCELLED:
        return Move(False, None, "这个申请已经撤销过了")
    if current in BUYER_CANCELLABLE:
        return Move(True, S.CANCELLED)
    if current == S.RECEIVED:
        return Move(False, None, "仓库已经收到退回的商品，申请不能撤销了，如需处理请联系人工客服")
    return Move(False, None, f"申请已经是“{current.value}”，不能撤销了")


def next_stages(kind: ReturnKind, current: ReturnStatus) -> Tuple[ReturnStatus, ...]:
    """The stages still ahead on the normal path (for "what happens next")."""
    path = PATHS[kind]
    if current not in path:
        return ()
    return path[path.index(current) + 1 :]
