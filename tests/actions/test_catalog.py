"""Product facts for pre-sale questions, from the real catalogue."""

from bot.catalog.service import find_product


def test_alias_finds_the_product_with_stock_and_return_rule(seeded_db_url: str) -> None:
    facts = find_product("羽绒服", seeded_db_url)
    assert facts is not None and facts.name in ("加厚白鸭绒羽绒服", "轻薄短款羽绒服")
    assert facts.in_stock or facts.sold_out
    assert "7天无理由" in facts.return_note()


def test_longest_alias_wins_and_exclusions_are_stated(seeded_db_url: str) -> None:
    assert find_product("短款羽绒服", seeded_db_url).name == "轻薄短款羽绒服"
    mask = find_product("面膜", seeded_db_url)
    assert not mask.no_reason_return and "不支持" in mask.return_note()


def test_unknown_product(seeded_db_url: str) -> None:
    assert find_product("宇宙飞船", seeded_db_url) is None
    assert find_product("  ", seeded_db_url) is None
