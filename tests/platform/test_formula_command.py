"""`orderloom formula`: try a formula in a terminal."""

from __future__ import annotations

from click.testing import CliRunner

from orderloom.platform.commands.formula import formula_command


def invoke(*args: str):
    return CliRunner().invoke(formula_command, list(args))


def test_prints_the_result_exactly():
    result = invoke("0.1 + 0.2")
    assert result.exit_code == 0
    assert result.stdout == "0.3\n"


def test_uses_data_and_prints_booleans_as_the_language_writes_them():
    result = invoke('total > 1000 AND customer.tier = "gold"', "--data",
                    '{"total": 1500.50, "customer": {"tier": "Gold"}}')
    assert (result.exit_code, result.stdout) == (0, "TRUE\n")


def test_field_types_from_fields_option():
    result = invoke("total * 0.5", "--data", '{"total": 0.05}', "--fields", '{"total": "money"}')
    assert (result.exit_code, result.stdout) == (0, "0.03\n")


def test_text_lists_and_null():
    assert invoke('"订单" & "一"').stdout == '"订单一"\n'
    assert invoke("items.qty", "--data", '{"items": [{"qty": 1}, {"qty": 2}]}').stdout == (
        "[1, 2]\n"
    )
    assert invoke("x", "--data", '{"x": null}').stdout == "NULL\n"


def test_errors_go_to_stderr_with_position_and_caret():
    result = invoke("totl * 2", "--data", '{"total": 1}')
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "1:1: unknown field 'totl'; did you mean 'total'?\ntotl * 2\n^\n"


def test_runtime_fault_exits_1():
    result = invoke("total / 0", "--data", '{"total": 1}')
    assert result.exit_code == 1
    assert result.stderr == "1:7: division by zero\ntotal / 0\n      ^\n"


def test_malformed_data_prints_one_line_and_exits_2():
    result = invoke("1", "--data", "{total: 1}")
    assert result.exit_code == 2
    assert result.stderr == (
        "orderloom: error: --data is not valid JSON: Expecting property name enclosed in "
        "double quotes "
        "at line 1 column 2\n"
    )
    assert invoke("1", "--data", "[1]").exit_code == 2
    assert invoke("1", "--fields", "nope").exit_code == 2


def test_a_formula_that_starts_with_a_minus_sign_runs_as_the_docs_write_it():
    # `orderloom formula '-7 % 3'` (docs/formulas.md) was once taken for an option.
    assert (invoke("-7 % 3").exit_code, invoke("-7 % 3").stdout) == (0, "2\n")
    result = invoke("-total", "--data", '{"total": 5}')
    assert (result.exit_code, result.stdout) == (0, "-5\n")
