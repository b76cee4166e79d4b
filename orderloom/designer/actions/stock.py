"""Stock actions: choose a warehouse, route, reserve, release, deduct on shipment."""
from __future__ import annotations

from typing import Any

from orderloom.designer.actions import ActionType, Checker


class ChooseWarehouse(ActionType):
    name = "choose_warehouse"
    position = 60
    labels = ("Choose a warehouse", "指定仓库")
    members = {"warehouse": {"type": "string", "minLength": 1, "maxLength": 50}}
    required = ("warehouse",)
    starting = {"warehouse": ""}

    def check(self, checker: Checker, path: tuple, action: dict[str, Any]) -> None:
        checker.warehouse((*path, "warehouse"), action["warehouse"])


class ReserveStock(ActionType):
    name = "reserve_stock"
    position = 70
    labels = ("Reserve stock", "预留库存")


class ReleaseStock(ActionType):
    name = "release_stock"
    position = 80
    labels = ("Release stock", "释放库存")


class DeductStock(ActionType):
    name = "deduct_stock"
    position = 90
    labels = ("Deduct stock", "扣减库存")


class Route(ActionType):
    name = "route"
    position = 100
    labels = ("Route to warehouses", "分配仓库")
