"""The after-sales stage table: which staff action may follow which, what a buyer may withdraw, what comes next.

The staff command, the buyer's "撤销" and the console all obey this one table,
so a hole here means money refunded twice, goods "received" that were never
sent back, or a case withdrawn after the warehouse already has the parcel.
Each path is walked step by step and every other move is tried against it.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import pytest

from bot.aftersales.stages import (
    ACTION_TARGET,
    BUYER_CANCELLABLE,
    CLAIMED,
    FINAL,
    OPEN,
    PATHS,
    SHIPS_BACK,
    StaffAction,
    buyer_cancel,
    next_stages,
    staff_move,
)
from bot.crm.models import ReturnKind, ReturnStatus

K = ReturnKind
S = ReturnStatus
A = StaffAction
NOTE = "照片显示商品完好，不属于质量问题"

# --- the table itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, path",
    [
        (K.RETURN_REFUND, (S.PENDING, S.APPROVED, S.RECEIVED, S.REFUNDED)),
        (K.EXCHANGE, (S.PENDING, S.APPROVED, S.RECEIVED, S.COMPLETED)),
        (K.REPAIR, (S.PENDING, S.APPROVED, S.RECEIVED, S.COMPLETED)),
        (K.REFUND_ONLY, (S.PENDING, S.APPROVED, S.REFUNDED)),
        (K.RESHIP, (S.PENDING, S.APPROVED, S.COMPLETED)),
    ],
    ids=lambda v: v.value if isinstance(v, K) else None,
)
def test_paths(kind: ReturnKind, path: Tuple[ReturnStatus, ...]) -> None:
    assert PATHS[kind] == path


def test_every_kind_has_a_path_ending_in_a_final_stage() -> None:
    assert set(PATHS) == set(K)
    for path in PATHS.values():
        assert path[0] == S.PENDING and path[-1] in FINAL
        assert not FINAL & set(path[:-1])


def test_stage_sets() -> None:
    assert FINAL == {S.REFUNDED, S.COMPLETED, S.REJECTED, S.CANCELLED}
    assert OPEN == {S.PENDING, S.APPROVED, S.RECEIVED}
    assert CLAIMED == {S.PENDING, S.APPROVED, S.RECEIVED, S.REFUNDED, S.COMPLETED}
    assert BUYER_CANCELLABLE == {S.PENDING, S.APPROVED}
    assert SHIPS_BACK == {K.RETURN_REFUND, K.EXCHANGE, K.REPAIR}
    # goods travel back exactly for the kinds whose path has a "received" stage
    assert SHIPS_BACK == {kind for kind, path in PATHS.items() if S.RECEIVED in path}


# --- staff moves ----------------------------------------------------------------------------------

ACTION_FOR = {target: action for action, target in ACTION_TARGET.items()}


def _steps() -> List[Tuple[ReturnKind, ReturnStatus, ReturnStatus]]:
    return [(kind, path[i], path[i + 1]) for kind, path in PATHS.items() for i in range(len(path) - 1)]


@pytest.mark.parametrize("kind, current, target", _steps(), ids=[f"{k.value}:{c.value}->{t.value}" for k, c, t in _steps()])
def test_each_next_step_is_allowed(kind: ReturnKind, current: ReturnStatus, target: ReturnStatus) -> None:
    move = staff_move(kind, current, ACTION_FOR[target])
    assert move.allowed and move.target == target and move.reason == ""


@pytest.mark.parametrize("kind", list(K), ids=lambda k: k.value)
def test_walk_the_whole_path(kind: ReturnKind) -> None:
    status = S.PENDING
    visited = [status]
    while status not in FINAL:
        (target,) = next_stages(kind, status)[:1]
        move = staff_move(kind, status, ACTION_FOR[target])
        assert move.allowed, move.reason
        assert move.target is not None
        status = move.target
        visited.append(status)
    assert tuple(visited) == PATHS[kind]


def _all_non_reject_moves() -> List[Tuple[ReturnKind, ReturnStatus, StaffAction]]:
    return [
        (kind, current, action)
        for kind, path in PATHS.items()
        for current in path
        if current not in FINAL
        for action in StaffAction
        if action != A.REJECT
    ]


@pytest.mark.parametrize(
    "kind, current, action",
    _all_non_reject_moves(),
    ids=[f"{k.value}:{c.value}:{a.value}" for k, c, a in _all_non_reject_moves()],
)
def test_only_the_next_step_is_allowed(kind: ReturnKind, current: ReturnStatus, action: StaffAction) -> None:
    path = PATHS[kind]
    expected_next = path[path.index(current) + 1]
    move = staff_move(kind, current, action)
    assert move.allowed is (ACTION_TARGET[action] == expected_next)
    if not move.allowed:
        assert move.target is None and move.reason


@pytest.mark.parametrize(
    "kind, current, action, reason",
    [
        (K.RETURN_REFUND, S.PENDING, A.RECEIVED, "申请当前是“待审核”，下一步应是“已同意”"),
        (K.RETURN_REFUND, S.APPROVED, A.REFUNDED, "申请当前是“已同意”，下一步应是“已收到退货”"),
        (K.RETURN_REFUND, S.APPROVED, A.APPROVE, "申请当前是“已同意”，下一步应是“已收到退货”"),  # twice
        (K.RETURN_REFUND, S.RECEIVED, A.APPROVE, "申请当前是“已收到退货”，下一步应是“已退款”"),  # backwards
        (K.EXCHANGE, S.PENDING, A.COMPLETED, "申请当前是“待审核”，下一步应是“已同意”"),
        (K.REFUND_ONLY, S.PENDING, A.REFUNDED, "申请当前是“待审核”，下一步应是“已同意”"),
        (K.RESHIP, S.PENDING, A.COMPLETED, "申请当前是“待审核”，下一步应是“已同意”"),
    ],
    ids=[
        "receive-before-approve",
        "refund-before-receive",
        "approve-twice",
        "backwards",
        "exchange-skip",
        "refund-only-skip",
        "reship-skip",
    ],
)
def test_skipping_a_step_is_refused_with_the_expected_step(
    kind: ReturnKind, current: ReturnStatus, action: StaffAction, reason: str
) -> None:
    assert staff_move(kind, current, action).reason == reason


@pytest.mark.parametrize(
    "kind, current, action",
    [
        (K.EXCHANGE, S.RECEIVED, A.REFUNDED),
        (K.REPAIR, S.RECEIVED, A.REFUNDED),
        (K.RETURN_REFUND, S.RECEIVED, A.COMPLETED),
        (K.REFUND_ONLY, S.APPROVED, A.RECEIVED),
        (K.REFUND_ONLY, S.APPROVED, A.COMPLETED),
        (K.RESHIP, S.APPROVED, A.RECEIVED),
        (K.RESHIP, S.APPROVED, A.REFUNDED),
    ],
    ids=lambda v: v.value,
)
def test_action_not_on_the_kinds_path(kind: ReturnKind, current: ReturnStatus, action: StaffAction) -> None:
    move = staff_move(kind, current, action)
    assert not move.allowed and move.target is None
    assert move.reason == f"{kind.value}申请没有“{ACTION_TARGET[action].value}”这一步"


def test_refunded_on_exchange_reason_reads_naturally() -> None:
    assert staff_move(K.EXCHANGE, S.RECEIVED, A.REFUNDED).reason == "换货申请没有“已退款”这一步"


@pytest.mark.parametrize("kind", list(K), ids=lambda k: k.value)
@pytest.mark.parametrize("current", [S.PENDING, S.APPROVED], ids=lambda s: s.value)
def test_reject_with_a_note_from_any_open_stage(kind: ReturnKind, current: ReturnStatus) -> None:
    move = staff_move(kind, current, A.REJECT, NOTE)
    assert move.allowed and move.target == S.REJECTED


@pytest.mark.parametrize("kind", sorted(SHIPS_BACK), ids=lambda k: k.value)
def test_reject_after_the_goods_came_back(kind: ReturnKind) -> None:
    assert staff_move(kind, S.RECEIVED, A.REJECT, NOTE).target == S.REJECTED


@pytest.mark.parametrize("note", [None, "", "   ", "\n\t"], ids=["none", "empty", "spaces", "whitespace"])
def test_reject_requires_a_note(note: Optional[str]) -> None:
    move = staff_move(K.RETURN_REFUND, S.PENDING, A.REJECT, note)
    assert not move.allowed and move.target is None
    assert move.reason == "拒绝申请必须填写原因"


@pytest.mark.parametrize("current", sorted(FINAL), ids=lambda s: s.value)
@pytest.mark.parametrize("action", list(StaffAction), ids=lambda a: a.value)
def test_nothing_moves_from_a_final_stage(current: ReturnStatus, action: StaffAction) -> None:
    for kind in K:
        move = staff_move(kind, current, action, NOTE)
        assert not move.allowed and move.target is None
        assert move.reason == f"申请已是“{current.value}”，不能再变更"


# --- buyer withdraws ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, allowed, reason",
    [
        (S.PENDING, True, ""),
        (S.APPROVED, True, ""),
        (S.RECEIVED, False, "仓库已经收到退回的商品，申请不能撤销了，如需处理请联系人工客服"),
        (S.REFUNDED, False, "申请已经是“已退款”，不能撤销了"),
        (S.COMPLETED, False, "申请已经是“已完成”，不能撤销了"),
        (S.REJECTED, False, "申请已经是“已拒绝”，不能撤销了"),
        (S.CANCELLED, False, "这个申请已经撤销过了"),
    ],
    ids=lambda v: v.value if isinstance(v, S) else None,
)
def test_buyer_cancel(current: ReturnStatus, allowed: bool, reason: str) -> None:
    move = buyer_cancel(current)
    assert move.allowed is allowed
    assert move.target == (S.CANCELLED if allowed else None)
    assert move.reason == reason


def test_every_status_is_covered_by_buyer_cancel() -> None:
    allowed = {status for status in S if buyer_cancel(status).allowed}
    assert allowed == BUYER_CANCELLABLE
    assert all(buyer_cancel(status).reason for status in set(S) - allowed)


# --- what comes next -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, current, ahead",
    [
        (K.RETURN_REFUND, S.PENDING, (S.APPROVED, S.RECEIVED, S.REFUNDED)),
        (K.RETURN_REFUND, S.APPROVED, (S.RECEIVED, S.REFUNDED)),
        (K.RETURN_REFUND, S.RECEIVED, (S.REFUNDED,)),
        (K.RETURN_REFUND, S.REFUNDED, ()),
        (K.EXCHANGE, S.APPROVED, (S.RECEIVED, S.COMPLETED)),
        (K.REPAIR, S.RECEIVED, (S.COMPLETED,)),
        (K.REFUND_ONLY, S.PENDING, (S.APPROVED, S.REFUNDED)),
        (K.RESHIP, S.APPROVED, (S.COMPLETED,)),
        (K.RESHIP, S.COMPLETED, ()),
        (K.RETURN_REFUND, S.REJECTED, ()),  # off the path
        (K.EXCHANGE, S.CANCELLED, ()),
        (K.REFUND_ONLY, S.RECEIVED, ()),  # not a stage of this kind
    ],
    ids=lambda v: v.value if isinstance(v, (K, S)) else None,
)
def test_next_stages(kind: ReturnKind, current: ReturnStatus, ahead: Tuple[ReturnStatus, ...]) -> None:
    assert next_stages(kind, current) == ahead
