"""Choosing warehouses: rules, strategies, splits and back-orders."""
from __future__ import annotations

import pytest

from orderloom.designer.blueprint import published_blueprint
from orderloom.runtime.stock import keeping as stock_keeping
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.keeping import OutOfStock
from orderloom.runtime.stock.routing import allocate
from tests.designer.samples import retail
from tests.runtime.test_stock import sessions  # noqa: F401  (the fixture)


@pytest.fixture
def stocked(sessions):  # noqa: F811
    with sessions() as s:
        s.add_all([Warehouse(code="BJ", name="Beijing", regions=["Beijing"], priority=1),
                   Product(sku="POT-03", name="Teapot")])
        s.commit()
        for sku, code, qty in [("TEA-01", "HZ", 5), ("CUP-02", "HZ", 1), ("TEA-01", "SH", 2),
                               ("CUP-02", "SH", 10), ("TEA-01", "BJ", 50),
                               ("CUP-02", "BJ", 50)]:
            stock_keeping.receive(s, "li", sku, code, qty)
        s.commit()
    return sessions


def blueprint(**routing):
    definition = retail()
    definition["routing"].update(routing)
    return published_blueprint(definition)


def order(province="Zhejiang", priority="normal", **lines):
    return {"ship_to": {"country": "CN", "province": province}, "priority": priority,
            "items": [{"sku": sku.replace("_", "-"), "qty": qty} for sku, qty in lines.items()]}


def test_the_region_table_picks_the_first_warehouse_that_can_ship_everything(stocked):
    with stocked() as s:
        result = allocate(s, blueprint(), order(TEA_01=2, CUP_02=1))
        assert result.lines == [("CUP-02", "HZ", 1), ("TEA-01", "HZ", 2)]
        assert result.reason == "HZ can ship every line"
        # HZ has only one cup: the next in the region table, SH, lacks tea; BJ has both
        result = allocate(s, blueprint(), order(TEA_01=2, CUP_02=3))
        assert {code for _sku, code, _q in result.lines} == {"SH"}


def test_a_routing_rule_comes_before_the_strategy(stocked):
    with stocked() as s:
        result = allocate(s, blueprint(), order(priority="rush", TEA_01=1))
        assert result.lines == [("TEA-01", "SH", 1)]


def test_split_over_warehouses_when_allowed_and_none_can_ship_alone(stocked):
    with stocked() as s:
        result = allocate(s, blueprint(strategy="priority", backorder="split"),
                          order(TEA_01=60))
        assert result.lines == [("TEA-01", "BJ", 50), ("TEA-01", "HZ", 5), ("TEA-01", "SH", 2)]
        assert result.backordered == [("TEA-01", 3)]


def test_refuse_back_orders(stocked):
    with stocked() as s:
        with pytest.raises(OutOfStock):
            allocate(s, blueprint(allow_split=False, backorder="refuse"), order(TEA_01=100))


def test_allow_back_orders_reserves_only_complete_lines(stocked):
    with stocked() as s:
        result = allocate(s, blueprint(allow_split=True, backorder="allow", strategy="priority"),
                          order(TEA_01=100, CUP_02=2))
        assert result.lines == [("CUP-02", "BJ", 2)]
        assert result.backordered == [("TEA-01", 100)]


def test_most_stock_prefers_the_fullest_warehouse(stocked):
    with stocked() as s:
        result = allocate(s, blueprint(strategy="most_stock", rules=[]), order(CUP_02=1))
        assert result.lines == [("CUP-02", "BJ", 1)]
