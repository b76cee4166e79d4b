"""PRODUCTINFO and CUSTOMERINFO: checked when saved (the attribute named in quotes, and
known), typed by the attribute, #N/A for what is not there, and a stored value that
does not fit its type a fault rather than a wrong number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orderloom import dsl
from orderloom.dsl.workdays import Calendar
from tests.dsl.support import problems, run


class Shelf:
    """A catalogue as the runtime's answers: attributes by SKU or code, None if absent."""

    def __init__(self, products: dict, customers: dict) -> None:
        self.products, self.customers = products, customers

    def product(self, sku: str):
        return self.products.get(sku)

    def customer(self, code: str):
        return self.customers.get(code)

    def list_price(self, sku: str, quantity):
        return None  # not bound to an order


SHELF = Shelf({"A": {"weight_grams": 120, "price": "50.00", "name": "Tea"},
               "B": {"weight_grams": None, "price": "oops"}},
              {"C1": {"credit_limit": "5000.00", "tier": "Gold", "tags": ["vip"]}})
CALENDAR = Calendar(catalogue=SHELF)


@pytest.mark.parametrize(("source", "expected"), [
    ('PRODUCTINFO("A", "weight_grams") * 3', 360),
    ('PRODUCTINFO(" A ", "price")', Decimal("50.00")),
    ('PRODUCTINFO("B", "weight_grams")', None),
    ('CUSTOMERINFO("C1", "credit_limit") - total', Decimal("3500.00")),
    ('CUSTOMERINFO("C1", "tier") = customer.tier', True),
    ('"VIP" IN CUSTOMERINFO("C1", "tags")', True),
    ('IFNA(CUSTOMERINFO("C2", "tier"), "new")', "new"),
    ('ISERROR(PRODUCTINFO(NULL, "name"))', True),
])
def test_attributes_are_read_with_their_types(source, expected):
    result = run(source, calendar=CALENDAR)
    assert result == expected
    assert type(result) is type(expected)


def test_not_found_is_na_naming_what_was_looked_for():
    fault = run('PRODUCTINFO("Z-9", "name")', calendar=CALENDAR)
    assert isinstance(fault, dsl.FormulaFault)
    assert (fault.code, fault.message) == ("#N/A", 'PRODUCTINFO: there is no product "Z-9"')


def test_a_stored_value_that_does_not_fit_its_type_is_a_fault_not_a_number():
    fault = run('PRODUCTINFO("B", "price")', calendar=CALENDAR)
    assert isinstance(fault, dsl.FormulaFault)
    assert "PRODUCTINFO: the product's price" in fault.message


def test_the_result_has_the_attributes_type_when_saved():
    assert problems('PRODUCTINFO(items.sku, "name")') == [
        "1:13: PRODUCTINFO expects text as argument 1, got list of text"]
    assert problems('PRODUCTINFO("A", "name") * 2') == [
        "1:26: cannot multiply text and integer"]
    assert problems('CUSTOMERINFO("C1", "credit_limit")', expected="money") == []
    assert problems('CUSTOMERINFO("C1", "tags")', expected="money") == [
        "1:1: the formula gives list of text but the field needs money"]


def test_an_unknown_or_unwritten_attribute_is_a_problem_at_it():
    assert problems('PRODUCTINFO("A", "weigth_grams")') == [
        "1:18: PRODUCTINFO: a product has no attribute 'weigth_grams'; use one of name, "
        "barcode, weight_grams, price, low_stock_threshold; did you mean 'weight_grams'?"]
    assert problems('CUSTOMERINFO("C1", note)') == [
        '1:20: CUSTOMERINFO: write the attribute as text in quotes, such as "name"']

