"""The NULL rules of docs/formulas.md, one test each."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.dsl.support import run


@pytest.mark.parametrize("source", ["discount + 1", "1 - discount", "discount * 2", "discount / 2",
                                    "discount % 2", "-discount", "ROUND(discount, 2)",
                                    "ABS(discount)", "LEN(customer.missing_text)"])
def test_arithmetic_and_functions_with_null_give_null(source):
    fields = {"discount": "money", "customer": {"missing_text": "text"}}
    assert run(source, {"discount": None, "customer": {}}, fields) is None


@pytest.mark.parametrize("op", ["=", "==", "!=", "<>", "<", "<=", ">", ">="])
def test_every_comparison_with_null_is_false(op):
    assert run(f"discount {op} 5") is False
    assert run(f"5 {op} discount") is False
    assert run(f"customer.nickname {op} 'x'", fields={"customer": {"nickname": "text"}},
               data={"customer": {}}) is False


def test_in_and_not_in_with_null_are_false():
    assert run("discount IN [1, 2]") is False
    assert run("discount NOT IN [1, 2]") is False


def test_isblank_tests_null_and_empty_text():
    assert run("ISBLANK(discount)") is True
    assert run("ISBLANK(note)") is False
    assert run("ISBLANK(note)", data={"note": ""}, fields={"note": "text"}) is True
    assert run("ISBLANK(items)", data={"items": []}, fields={"items": [{"a": "text"}]}) is True


def test_and_or_not_and_if_treat_null_as_false():
    fields = {"flag": "boolean"}
    data = {"flag": None}
    assert run("flag AND TRUE", data, fields) is False
    assert run("flag OR FALSE", data, fields) is False
    assert run("flag OR TRUE", data, fields) is True
    assert run("NOT flag", data, fields) is True
    assert run("IF(flag, 1, 2)", data, fields) == 2
    assert run("flag", data, fields) is None


def test_concatenation_treats_null_as_empty_text():
    assert run('"[" & discount & "]"') == "[]"
    assert run('CONCAT("a", discount, "b")') == "ab"


def test_aggregates_skip_null():
    assert run("SUM([1, NULL, 2])") == 3
    assert run("COUNT([1, NULL, 2])") == 2
    assert run("AVERAGE([1, NULL, 2])") == Decimal("1.5")
    assert run("MIN([NULL, 3, 2])") == 2
    assert run("MAX([NULL])") is None


def test_coalesce_gives_the_first_value_that_is_not_null():
    assert run("COALESCE(discount, NULL, 7)") == Decimal("7.00")
    assert run("COALESCE(NULL, NULL)") is None


def test_missing_fields_and_records_read_as_null():
    assert run("customer.tier", data={}) is None
    assert run("ISBLANK(customer.tier)", data={"customer": None}) is True
    assert run("SUM(items.amount)", data={"items": None}) == 0
