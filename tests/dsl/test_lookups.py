"""XLOOKUP over look-up tables, with the examples of Excel's XLOOKUP reference."""
from __future__ import annotations

from decimal import Decimal

from orderloom import dsl
from orderloom.dsl.errors import NA, VALUE

# Excel's first XLOOKUP example: a country's dialling code from a list of countries.
COUNTRIES = dsl.lookup_table({"country": "text", "abbr": "text", "code": "integer"}, [
    {"country": "China", "abbr": "CN", "code": 86},
    {"country": "India", "abbr": "IN", "code": 91},
    {"country": "United States", "abbr": "US", "code": 1},
    {"country": "Brazil", "abbr": "BR", "code": 55},
])
FIELDS = {"country": "text", "countries": COUNTRIES}


def run(source: str, country: str | None = "Brazil"):
    return dsl.evaluate(source, {"country": country}, FIELDS)


def test_excel_reference_example_finds_the_code_of_a_country():
    assert run("XLOOKUP(country, countries.country, countries.code)") == 55
    assert run("XLOOKUP(country, countries.country, countries.abbr)") == "BR"


def test_text_is_matched_ignoring_case_as_equals_does():
    assert run("XLOOKUP(country, countries.country, countries.code)", "bRAZIL") == 55


def test_a_missing_value_is_n_a_which_ifna_catches():
    fault = run("XLOOKUP(country, countries.country, countries.code)", "Peru")
    assert isinstance(fault, dsl.FormulaFault)
    assert fault.code == NA
    assert fault.message == 'XLOOKUP: "Peru" is not in the look-up list'
    assert run("IFNA(XLOOKUP(country, countries.country, countries.code), 0)", "Peru") == 0
    assert run('XLOOKUP(country, countries.country, countries.abbr, "?")', "Peru") == "?"


def test_lists_of_different_lengths_are_a_value_error():
    fault = run("XLOOKUP(country, countries.country, [1, 2])")
    assert fault.code == VALUE
    assert "the look-up list has 4 entries and the result list 2" in fault.message


def test_two_tables_under_one_key_are_never_mixed_up_by_the_compile_cache():
    # A new version of a definition changes a rate: the formula compiled against the
    # old rows must not answer for the new ones.
    source = "XLOOKUP(zone, rates.zone, rates.rate)"
    old = dsl.lookup_table({"zone": "text", "rate": "money"}, [{"zone": "A", "rate": "1.00"}])
    new = dsl.lookup_table({"zone": "text", "rate": "money"}, [{"zone": "A", "rate": "2.00"}])
    assert dsl.evaluate(source, {"zone": "A"}, {"zone": "text", "rates": old}) == Decimal("1.00")
    assert dsl.evaluate(source, {"zone": "A"}, {"zone": "text", "rates": new}) == Decimal("2.00")


def test_order_data_cannot_stand_in_for_a_table():
    # The rows are the definition's: a value sent under the table's key is not read.
    data = {"country": "Brazil", "countries": [{"country": "Brazil", "code": 7}]}
    assert dsl.evaluate("XLOOKUP(country, countries.country, countries.code)", data,
                        FIELDS) == 55


def test_the_checker_knows_the_result_type_from_the_column():
    assert dsl.check("XLOOKUP(country, countries.country, countries.code) + 1", FIELDS) == []
    [problem] = dsl.check('XLOOKUP(country, countries.country, countries.code) & "" > 1',
                          FIELDS)
    assert problem.message == "cannot compare text and integer"
    [problem] = dsl.check("XLOOKUP(country, countries.country, countries.code, \"none\")",
                          FIELDS)
    assert problem.message == ("XLOOKUP gives integer in one case and text in another; all "
                               "results must have the same type")
