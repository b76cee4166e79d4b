from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orderloom import dsl
from tests.dsl.support import run


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("42", 42),
        ("4.50", Decimal("4.50")),
        (".5", Decimal("0.5")),
        ("1e3", Decimal("1E+3")),
        ('"double"', "double"),
        ("'single'", "single"),
        ('"say ""hi"""', 'say "hi"'),
        ("'it''s'", "it's"),
        (r'"a\"b"', 'a"b'),
        (r'"line\nbreak"', "line\nbreak"),
        (r'"\d+"', r"\d+"),
        ("TRUE", True),
        ("false", False),
        ("Null", None),
        ("[1, 2, 3]", [1, 2, 3]),
        ("[]", []),
        ('"中文"', "中文"),
    ],
)
def test_literals(source, expected):
    assert dsl.evaluate(source, {}) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 2 - 3", 5),
        ("2 * 3 % 4", 2),
        ("-2 * 3", -6),
        ("- -2", 2),
        ("+2", 2),
        ("7 / 2", Decimal("3.5")),
        ("6 / 3", Decimal("2")),
        ("-7 % 3", 2),
        ("7 % -3", -2),
        ('"a" & 1 + 2', "a3"),
        ("1 + 1 = 2", True),
        ("NOT 1 = 2", True),
        ("NOT 1 = 1 OR TRUE", True),
        ("TRUE OR FALSE AND FALSE", True),
        ("(TRUE OR FALSE) AND FALSE", False),
        ("1 < 2 AND 2 < 3", True),
        ("1 = 1 == TRUE", None),
    ],
)
def test_operators_and_precedence(source, expected):
    if expected is None:
        with pytest.raises(dsl.FormulaError) as err:
            dsl.evaluate(source, {})
        assert "comparisons cannot be chained" in err.value.errors[0].message
    else:
        assert dsl.evaluate(source, {}) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("0.1 + 0.2 = 0.3", True),
        ("1 = 1.0", True),
        ("2 <> 3", True),
        ("2 != 2", False),
        ("3 >= 3", True),
        ("3 <= 2", False),
        ("3 > 2", True),
        ("2 < 3", True),
        ('"Gold" = "gold"', True),
        ('"Gold" == "GOLD"', True),
        ('"Gold" != "gold"', False),
        ('"Gold" <> "silver"', True),
        ('"apple" < "Banana"', True),
        ('"b" >= "B"', True),
        ('"straße" = "STRASSE"', True),
        ("TRUE = TRUE", True),
        ("2 IN [1, 2]", True),
        ("2 NOT IN [1, 2]", False),
        ('"cn" IN ["CN", "HK"]', True),
        ('"US" not in ["CN", "HK"]', True),
    ],
)
def test_comparisons(source, expected):
    assert dsl.evaluate(source, {}) is expected


def test_field_paths_and_line_paths():
    assert run("customer.tier") == "Gold"
    assert run("ship_to.province") == "Zhejiang"
    assert run("items.amount") == [Decimal("600.00"), Decimal("500.50")]
    assert run("items.sku") == ["A", "B"]


def test_chinese_field_names_and_text():
    fields = {"客户": {"等级": "text"}, "金额": "money"}
    data = {"客户": {"等级": "金牌"}, "金额": 12}
    assert dsl.evaluate('客户.等级 = "金牌" AND 金额 > 10', data, fields) is True
    assert dsl.evaluate('LEN(客户.等级 & "会员")', data, fields) == 4


def test_function_names_and_keywords_are_case_insensitive():
    assert run("sum(items.qty)") == 17
    assert run("Round(2.5)") == Decimal("3")
    assert run("and(TRUE, true) And not False") is True
    assert run("or(FALSE, vip)") is True


def test_keywords_end_at_a_word_boundary():
    fields = {"order_total": "integer", "Andover": "integer", "notes": "text", "inner": "integer"}
    data = {"order_total": 1, "Andover": 2, "notes": "x", "inner": 3}
    assert dsl.evaluate("order_total + Andover + inner", data, fields) == 6
    assert dsl.evaluate('notes = "X"', data, fields) is True


def test_whitespace_and_lines_are_free():
    assert dsl.evaluate("IF(\n  1 > 0,\n\t'yes',\n  'no'\n)", {}) == "yes"
    assert dsl.evaluate("1\u3000+\u30002", {}) == 3


def test_data_types_are_read_from_data_when_fields_is_none():
    data = {"price": 0.1, "when": dt.date(2024, 1, 2), "lines": [{"n": 1}, {"n": 2}]}
    assert dsl.evaluate("price + 0.2 = 0.3", data) is True
    assert dsl.evaluate("YEAR(when)", data) == 2024
    assert dsl.evaluate("SUM(lines.n)", data) == 3


def test_the_parser_is_built_once():
    from orderloom.dsl.parser import lalr_configuration

    assert lalr_configuration().parse_table is lalr_configuration().parse_table
