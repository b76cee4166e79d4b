"""Compiled formulas: exact money, runtime faults as values, data safety, caching."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orderloom import dsl
from tests.dsl.support import DATA, FIELDS, run


def test_exact_decimals():
    assert dsl.evaluate("0.1 + 0.2 = 0.3", {}) is True
    assert dsl.evaluate("1 / 3 * 3", {}) == Decimal("0.9999999999999999999999999999999999")
    assert dsl.evaluate("x + 0.2", {"x": 0.1}) == Decimal("0.3")


def test_money_rounds_half_up_to_two_places():
    fields = {"price": "money"}
    assert dsl.evaluate("price * 0.5", {"price": "0.05"}, fields) == Decimal("0.03")
    assert dsl.evaluate("price * 0.5", {"price": "-0.05"}, fields) == Decimal("-0.03")
    assert dsl.evaluate("price / 3", {"price": 10}, fields) == Decimal("3.33")
    assert dsl.evaluate("price", {"price": 10}, fields) == Decimal("10.00")


def test_money_places_is_a_parameter():
    fields = {"price": "money"}
    assert dsl.evaluate("price * 1.5", {"price": 7}, fields, money_places=0) == Decimal("11")


def test_an_expected_money_field_rounds_a_number_result():
    assert dsl.evaluate("2 / 3", {}, expected="money") == Decimal("0.67")
    formula = dsl.compile("2 / 3", {}, "money")
    assert formula.result_type == dsl.MONEY


def test_runtime_fault_is_a_value_naming_formula_and_position():
    fault = run("IF(vip,\n  total / (qty - 3),\n  0)")
    assert isinstance(fault, dsl.FormulaFault)
    assert fault.message == "division by zero"
    assert (fault.line, fault.column) == (2, 9)
    assert fault.source == "IF(vip,\n  total / (qty - 3),\n  0)"
    assert fault.excerpt == "  total / (qty - 3),\n        ^"
    assert "failed at 2:9: division by zero" in str(fault)
    assert not fault
    with pytest.raises(dsl.FormulaError) as err:
        fault.raise_()
    assert err.value.errors[0].message == "division by zero"


def test_fault_inside_a_per_line_condition_points_into_the_condition():
    fields = {"items": [{"qty": "integer", "den": "integer"}]}
    data = {"items": [{"qty": 1, "den": 1}, {"qty": 1, "den": 0}]}
    fault = dsl.evaluate("COUNTIF(items, qty / den > 0)", data, fields)
    assert (fault.message, fault.line, fault.column) == ("division by zero", 1, 20)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"total": "lots"}, "total should be a number, got text"),
        ({"total": [1]}, "total should be a number, got list"),
        ({"customer": "bob"}, "customer should be a record, got text"),
        ({"ship_date": "someday"}, "ship_date should be a date, got text"),
        ({"vip": "maybe"}, "vip should be TRUE or FALSE, got text"),
        ({"qty": 1.5}, "qty should be a whole number, got number"),
        ({"items": {"a": 1}}, "items should be a list, got record"),
    ],
)
def test_data_of_the_wrong_shape_is_a_fault(data, message):
    source = {
        "total": "total > 1", "customer": "customer.tier = 'x'", "ship_date": "YEAR(ship_date)",
        "vip": "vip", "qty": "qty + 1", "items": "SUM(items.qty)",
    }[next(iter(data))]
    fault = dsl.evaluate(source, data, FIELDS)
    assert isinstance(fault, dsl.FormulaFault)
    assert fault.message == message


def test_data_is_converted_on_the_way_in():
    assert run("total + 0.1", data={"total": 0.2}) == Decimal("0.30")
    assert run("total > 1", data={"total": "12.50"}) is True
    assert run("YEAR(ship_date)", data={"ship_date": dt.datetime(2024, 1, 2, 3)}) == 2024
    assert run("created_at", data={"created_at": "2024-01-02T03:04:05+08:00"}) == dt.datetime(
        2024, 1, 1, 19, 4, 5, tzinfo=dt.UTC
    )
    assert run('note = "12"', data={"note": 12}) is True


def test_data_is_reached_only_through_declared_fields():
    class Sneaky:
        def __getattr__(self, name):
            raise AssertionError("the formula touched a Python object")

    assert dsl.check("total.__class__", {"total": "money"})[0].message == (
        "total is money, not a record"
    )
    assert dsl.check("__import__('os')", {})[0].message.startswith("unknown function __IMPORT__")
    fault = dsl.evaluate("x = 1", {"x": Sneaky()}, {"x": "integer"})
    assert isinstance(fault, dsl.FormulaFault)
    assert fault.message == "x should be a number, got Sneaky"
    with pytest.raises(dsl.FormulaError) as err:
        dsl.evaluate("ISBLANK(x)", {"x": Sneaky()})
    assert err.value.errors[0].message == "values of Python type Sneaky are not formula data"


def test_user_text_never_becomes_code():
    source = r""""'); import os; ('" & '__import__("os")' & "\\" & '#'"""
    assert dsl.evaluate(source, {}) == """'); import os; ('__import__("os")\\#"""


def test_compile_returns_a_callable_formula_and_caches_it():
    formula = dsl.compile("total * 2", {"total": "money"})
    assert formula({"total": 3}) == Decimal("6.00")
    assert formula.source == "total * 2"
    assert formula.result_type == dsl.MONEY
    assert dsl.compile("total * 2", {"total": "money"}) is formula
    assert dsl.compile("total * 2", {"total": "money"}, cache=False) is not formula
    assert dsl.compile("total * 2", {"total": "number"}) is not formula


def test_formula_takes_now():
    formula = dsl.compile("DAYS(TODAY(), ship_date)", FIELDS)
    assert formula(DATA, now=dt.datetime(2024, 5, 13, tzinfo=dt.UTC)) == 10
    assert formula(DATA, dt.date(2024, 5, 4)) == 1


def test_non_mapping_data_is_a_fault():
    formula = dsl.compile("1 + 1", {})
    fault = formula(["not", "a", "record"])
    assert isinstance(fault, dsl.FormulaFault)
    assert fault.message == "the data should be a record, got list"


def test_fields_none_takes_types_from_data():
    data = {"total": Decimal("10"), "tier": "gold", "lines": [{"q": 1}, {"q": None}]}
    assert dsl.evaluate('total > 5 AND tier = "GOLD"', data) is True
    assert dsl.evaluate("COUNTIF(lines, q > 0)", data) == 1
    with pytest.raises(dsl.FormulaError) as err:
        dsl.evaluate("totl", data)
    assert err.value.errors[0].message == "unknown field 'totl'; did you mean 'total'?"
