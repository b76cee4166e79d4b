"""Error values: a fault passes through a formula until IFERROR, IFNA or an IS function
catches it, and carries Excel's code so IFNA can tell #N/A from the rest."""

from __future__ import annotations

from orderloom import dsl
from tests.dsl.support import run

FIELDS = {"a": "integer", "b": "integer", "lines": [{"q": "integer"}]}


def test_iferror_gives_the_value_when_it_is_not_an_error_as_excels_reference_shows():
    # Excel's IFERROR page: 210/35 is 6, 55/0 is "Error in calculation".
    data = {"a": 210, "b": 35}
    assert dsl.evaluate('IFERROR(TEXT(a / b), "Error in calculation")', data, FIELDS) == "6"
    data = {"a": 55, "b": 0}
    assert dsl.evaluate('IFERROR(TEXT(a / b), "Error in calculation")', data, FIELDS) \
        == "Error in calculation"


def test_an_error_value_passes_through_operators_and_functions_to_the_result():
    fault = dsl.evaluate("ROUND(a / b * 2, 1) + 1", {"a": 1, "b": 0}, FIELDS)
    assert isinstance(fault, dsl.FormulaFault)
    assert (fault.message, fault.code, fault.column) == ("division by zero", "#DIV/0!", 9)


def test_each_fault_carries_the_code_of_its_kind():
    assert run("1 / 0").code == "#DIV/0!"
    assert run("1E+100 * 1E+100 * 1E+100 * 1E+100 * 1E+100 * 1E+100 * 1E+100 * 1E+100 "
               "* 1E+100 * 1E+100 * 1E+100").code == "#NUM!"
    assert run('MID("abc", 0, 1)').code == "#VALUE!"


def test_ifna_lets_every_error_value_but_na_pass():
    fault = run("IFNA(1 / 0, 0)")
    assert isinstance(fault, dsl.FormulaFault)
    assert fault.code == "#DIV/0!"
    assert run("IFNA(7, 0)") == 7


def test_iferror_catches_an_error_value_inside_a_condition_on_each_line():
    data = {"a": 0, "b": 0, "lines": [{"q": 2}, {"q": 0}, {"q": 5}]}
    assert dsl.evaluate("SUMIF(lines, IFERROR(10 / q > 3, TRUE), q)", data, FIELDS) == 2
    assert dsl.evaluate("COUNTIF(lines, ISERROR(10 / q))", data, FIELDS) == 1


def test_the_alternative_is_worked_out_only_when_needed():
    # The fallback's own error would show if it were evaluated.
    assert run("IFERROR(1, 1 / 0)") == 1
    fault = run("IFERROR(1 / 0, 2 / 0)")
    assert isinstance(fault, dsl.FormulaFault) and fault.column == 18


def test_is_functions_are_false_for_an_error_value_and_for_null():
    assert run("ISNUMBER(1 / 0)") is False
    assert run("ISTEXT(MID(\"abc\", 0, 1))") is False
    assert run("ISDATE(DATE(10000, 1, 1))") is False
    assert run("ISNUMBER(discount)") is False
    assert run("ISTEXT(discount)") is False


def test_is_functions_see_the_value_of_data_whose_type_is_not_declared():
    # Without field types the sample data decides, as on an imported order.
    for value, expected in ((3, (True, False, False)), ("3", (False, True, False)),
                            ("x", (False, True, False))):
        got = tuple(dsl.evaluate(f"{fn}(v)", {"v": value})
                    for fn in ("ISNUMBER", "ISTEXT", "ISDATE"))
        assert got == expected, value


def test_the_budget_of_work_is_not_an_error_value_and_nothing_catches_it():
    fields = {"lines": [{"q": "integer"}]}
    data = {"lines": [{"q": n} for n in range(2000)]}
    fault = dsl.evaluate("IFERROR(SUMIF(lines, COUNTIF(lines, q > 0) > 0, q), -1)", data, fields)
    assert isinstance(fault, dsl.FormulaFault)
    assert fault.code is None and "steps" in fault.message
    fault = dsl.evaluate("ISERROR(COUNTIF(lines, COUNTIF(lines, q > 0) > 0))", data, fields)
    assert isinstance(fault, dsl.FormulaFault) and fault.code is None


def test_iferror_results_must_share_a_type_when_saved():
    problems = dsl.check('IFERROR(total / 2, "none")', {"total": "money"})
    assert [p.message for p in problems] == [
        "IFERROR gives money in one case and text in another; all results must have the "
        "same type"]
    assert dsl.check("ISERROR(total)", {"total": "money"}, "boolean") == []


def test_math_functions_give_excels_error_values():
    assert run("SQRT(-16)").code == "#NUM!"
    assert run("POWER(0, 0)").code == "#NUM!"
    assert run("POWER(0, -1)").code == "#DIV/0!"
    assert run("LOG(8, 1)").code == "#DIV/0!"
    assert run("EXP(3000)").code == "#NUM!"
    assert run("MEDIAN(discount)").code == "#NUM!"
    assert run("MODE(1, 2, 3)").code == "#N/A"


def test_ifna_catches_mode_without_a_repeat_but_not_a_square_root_of_a_negative():
    assert run("IFNA(MODE(items.qty), 0)") == 0
    assert run("IFNA(SQRT(-1), 0)").code == "#NUM!"
    assert run("IFERROR(SQRT(-1), 0)") == 0
