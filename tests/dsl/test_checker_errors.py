"""What `check` reports: every problem at once, each with line, column and a caret."""

from __future__ import annotations

import pytest

from orderloom import dsl
from tests.dsl.support import FIELDS, problems


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("totl * 2", "1:1: unknown field 'totl'; did you mean 'total'?"),
        ("Total * 2", "1:1: unknown field 'Total'; did you mean 'total'?"),
        ("customer.teir", "1:10: customer has no field 'teir'; did you mean 'tier'?"),
        ("qty.x", "1:5: qty is integer, not a record"),
        ("today > ship_date", "1:1: unknown field 'today'; did you mean TODAY()?"),
        ("SUMM(items.qty)", "1:1: unknown function SUMM; did you mean SUM?"),
        ("FROB(1)", "1:1: unknown function FROB"),
        ('note + total', "1:6: cannot add text and money; join text with &"),
        ("ship_date + 1", "1:11: cannot add date and integer; use ADDDAYS(date, days)"),
        ("total * total", "1:7: cannot multiply money and money"),
        ('total - "a"', "1:7: cannot subtract text from money"),
        ('-note', "1:1: cannot negate text"),
        ('note > 5', "1:6: cannot compare text and integer"),
        ('vip < TRUE', "1:5: cannot order boolean and boolean with <"),
        ("items = 1", "1:7: cannot compare list of record and integer"),
        ('qty IN ["a"]', "1:5: cannot compare integer and text"),
        ("qty IN 5", "1:5: IN needs a list on the right, got integer"),
        ("[1, 'a']", "1:5: a list cannot mix integer and text"),
        ("IF(1, 2, 3, 4)", "1:1: IF expects 2 or 3 arguments, got 4"),
        ("LEN()", "1:1: LEN expects 1 argument, got 0"),
        ("SUM()", "1:1: SUM expects at least 1 argument, got 0"),
        ("DATETIME(1, 2)", "1:1: DATETIME expects 3 to 6 arguments, got 2"),
        ("IF(qty, 1, 2)", "1:4: ROUND"),
        ("ROUND(note)", "1:7: ROUND expects a number as argument 1, got text"),
        ("LEN(qty)", "1:5: LEN expects text as argument 1, got integer"),
        ("YEAR(note)", "1:6: YEAR expects a date as argument 1, got text"),
        ('IF(vip, 1, "a")', "1:12: IF gives integer in one case and text in another; "
                            "all results must have the same type"),
        ("IFS(vip, 1, qty)", "1:1: IFS expects pairs of condition and value"),
        ("COUNTIF(items, qty)", "1:16: the condition must be boolean, got integer"),
        ("COUNTIF(qty, TRUE)", "1:9: COUNTIF expects line items (a list) as argument 1, "
                               "got integer"),
        ("qty AND vip", "1:1: the condition must be boolean, got integer"),
        ("NOT qty", "1:5: the condition must be boolean, got integer"),
        ("discount = NULL", "1:12: comparing with NULL is always FALSE; use ISBLANK(discount) "
                            "instead"),
        ('"a" & items', "1:5: cannot join text and list of record with &"),
        ('REGEXMATCH(note, "a(?=b)")', "1:18: REGEXMATCH: lookahead and lookbehind ((?=, (?!, "
                                       "(?<=, (?<!) are not allowed"),
        ('REGEXMATCH(note, "(a)\\1")', "1:18: REGEXMATCH: backreferences (\\1, (?P=name)) "
                                      "are not allowed"),
        ('note & REGEXMATCH(note, "[a")', "1:25: REGEXMATCH: the pattern is not valid: a [ is "
                                          "not closed"),
        ('REGEXEXTRACT(note, "(a")', "1:20: REGEXEXTRACT: the pattern is not valid: a ( is "
                                     "not closed"),
        ('REGEXREPLACE(note, "a(?!b)", "")', "1:20: REGEXREPLACE: lookahead and lookbehind "
                                             "((?=, (?!, (?<=, (?<!) are not allowed"),
        ("WORKDAY.INTL(ship_date, 1, vip)", '1:28: WORKDAY.INTL expects a weekend number or a '
                                            'text such as "0000011" as argument 3, got boolean'),
        ("NETWORKDAYS(ship_date, ship_date, [1])", "1:35: NETWORKDAYS expects a date (or a list "
                                                   "of them) as argument 3, got list of integer"),
        ("WORKDAY.INTL.X(ship_date, 1)", "1:1: unknown function WORKDAY.INTL.X; did you mean "
                                         "WORKDAY.INTL?"),
        ('ADDRESSPART(note, "town")', "1:19: ADDRESSPART: the part must be one of province, "
                                      "city, district, street, postcode, not 'town'"),
        ('XLOOKUP(qty, items.sku, items.qty)', "1:9: XLOOKUP cannot look for integer in a list "
                                               "of text"),
    ],
)
def test_message(source, message):
    if message == "1:4: ROUND":  # IF's condition must be boolean
        message = "1:4: IF expects TRUE or FALSE as argument 1, got integer"
    assert problems(source) == [message]


def test_every_problem_is_reported_at_once():
    source = 'totl + 1 > 2 AND summ(qty) AND LEN(qty) = 1 AND IF(vip, 1, 2, 3)'
    assert problems(source) == [
        "1:1: unknown field 'totl'; did you mean 'total'?",
        "1:18: unknown function SUMM; did you mean SUM?",
        "1:36: LEN expects text as argument 1, got integer",
        "1:49: IF expects 2 or 3 arguments, got 4",
    ]


def test_one_mistake_is_reported_once_not_by_every_operator_above_it():
    assert problems("(totl + 1) * 2 > 3") == ["1:2: unknown field 'totl'; did you mean 'total'?"]


def test_positions_count_lines_and_columns_from_one():
    [problem] = dsl.check('IF(vip,\n   totl,\n   0)', FIELDS)
    assert (problem.line, problem.column) == (2, 4)
    assert problem.excerpt == "   totl,\n   ^"


def test_excerpt_is_the_line_with_a_caret_under_the_column():
    [problem] = dsl.check("total > 1 AND customer.teir = 'x'", FIELDS)
    assert problem.excerpt == "total > 1 AND customer.teir = 'x'\n                       ^"
    assert problem.message == "customer has no field 'teir'; did you mean 'tier'?"


@pytest.mark.parametrize(
    ("source", "expected", "message"),
    [
        ("note", "money", "1:1: the formula gives text but the field needs money"),
        ("  total * 2", "boolean", "1:3: the condition must be boolean, got money"),
        ("qty", "date", "1:1: the formula gives integer but the field needs date"),
    ],
)
def test_a_formula_must_fit_its_field(source, expected, message):
    assert problems(source, expected=expected) == [message]


@pytest.mark.parametrize(
    ("source", "expected"),
    [("qty", "number"), ("qty", "money"), ("rate", "money"), ("ship_date", "datetime"),
     ("NULL", "text"), ("total > 1", "boolean"), ("items.qty", ["integer"])],
)
def test_widening_that_fits(source, expected):
    assert problems(source, expected=expected) == []


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("IF(vip, 1", "1:10: the formula ends too early; expected ')' or ','"),
        ("1 +", "1:4: the formula ends too early; expected a value (a number, text in quotes, "
                "a field or a function)"),
        (")", "1:1: unexpected ')'; expected a value (a number, text in quotes, a field or "
              "a function)"),
        ("qty 2", "1:5: unexpected '2'; expected an operator (+, =, AND ...) "
                  "or the end of the formula"),
        ("LEN(note note)", "1:10: unexpected 'note'; expected an operator (+, =, AND ...), "
                           "')' or ','"),
        ("a < b < c", "1:7: unexpected '<'; comparisons cannot be chained, join them with AND"),
        ("qty，2", "1:4: unexpected character '，' (a full-width symbol; type it with the "
                  "keyboard in English mode)"),
        ("qty $ 2", "1:5: unexpected character '$'"),
        ("customer.", "1:10: the formula ends too early; expected a field name"),
        ("'open", "1:1: unexpected character \"'\""),
        ("", "1:1: the formula is empty"),
    ],
)
def test_syntax_errors_are_formula_errors_in_plain_words(source, message):
    assert problems(source) == [message]
    with pytest.raises(dsl.FormulaError) as err:
        dsl.compile(source, FIELDS)
    assert [str(e) for e in err.value.errors] == [message]


def test_compile_raises_formula_error_carrying_every_problem():
    with pytest.raises(dsl.FormulaError) as err:
        dsl.compile("totl + LEN(qty)", FIELDS)
    assert [(e.line, e.column) for e in err.value.errors] == [(1, 1), (1, 12)]
    assert err.value.report() == (
        "1:1: unknown field 'totl'; did you mean 'total'?\n"
        "totl + LEN(qty)\n"
        "^\n"
        "1:12: LEN expects text as argument 1, got integer\n"
        "totl + LEN(qty)\n"
        "           ^"
    )


def test_unknown_type_names_in_fields_are_reported():
    [problem] = dsl.check("x", {"x": "monee"})
    assert problem.message.startswith("fields.x: unknown type 'monee'; use one of ")


@pytest.mark.parametrize(
    "spelling",
    ["number", "decimal", "integer", "int", "money", "currency", "text", "string", "boolean",
     "bool", "date", "datetime", "Money", "list[text]", "list of integer"],
)
def test_accepted_type_names(spelling):
    assert dsl.check("ISBLANK(x)", {"x": spelling}) == []
