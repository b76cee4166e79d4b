"""The browser's formula evaluator (static/formula.js) gives exactly the server's values.

Each formula is checked and turned into JSON by `to_ast_json` as the pages do, then
evaluated by the compiled Python function and by formula.js under node, on the same
JSON data; the results are compared value for value, kind for kind (an integer is not
a decimal, 2.10 is not 2.1) and fault for fault.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderloom import dsl
from orderloom.designer.blueprint import money_places, to_json
from orderloom.designer.dependencies import computed_order
from orderloom.designer.form import line_fields, order_fields
from orderloom.dsl.ast_json import to_ast_json
from orderloom.dsl.functions import SERVER_ONLY
from tests.conftest import service_unavailable
from tests.dsl.test_docs_examples import DATA, EXAMPLES, FIELDS, NOW
from tests.dsl.test_limits import backtracking_bombs

ROOT = Path(__file__).resolve().parents[2]
FORMULA_JS = ROOT / "orderloom" / "platform" / "static" / "formula.js"
TEMPLATES = sorted((ROOT / "builtin_templates").glob("*.json"))
NODE = shutil.which("node")



@pytest.fixture(autouse=True)
def _node() -> None:
    # The browser's formulas are run by Node.js here; in CI its absence is a failure.
    if NODE is None:
        service_unavailable("Node.js is not installed (apt-get install nodejs); the "
                            "browser formula parity tests need it")

RUNNER = r"""
const Formula = require(process.argv[1]);
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
function canon(v) {
  if (Formula.isFault(v)) return {fault: v.message, code: v.code};
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "bigint") return {int: v.toString()};
  if (Array.isArray(v)) return v.map(canon);
  const j = Formula.toJSON(v);
  if (v.constructor && v.constructor.name === "Dec") return {dec: j};
  if (v.constructor && v.constructor.name === "PDate") return {date: j};
  if (v.constructor && v.constructor.name === "PDateTime") return {datetime: j};
  const out = {};
  for (const k of Object.keys(v)) out[k] = canon(v[k]);
  return {record: out};
}
const out = cases.map(c => canon(Formula.evaluate(c.compiled, c.data,
                                                  {now: c.now, calendar: c.calendar})));
process.stdout.write(JSON.stringify(out));
"""


def canon(value: Any) -> Any:
    if isinstance(value, dsl.FormulaFault):
        return {"fault": value.message, "code": value.code}
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return {"int": str(value)}
    if isinstance(value, Decimal):
        return {"dec": format(value, "f")}
    if isinstance(value, dt.datetime):
        return {"datetime": value.astimezone(dt.UTC).isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, list | tuple):
        return [canon(v) for v in value]
    return {"record": {k: canon(v) for k, v in value.items()}}


def run_js(cases: list[dict[str, Any]]) -> list[Any]:
    done = subprocess.run([NODE, "-e", RUNNER, str(FORMULA_JS)], input=json.dumps(cases),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def compare(cases: list[tuple[str, Any, dict[str, Any], Any, dict]]) -> None:
    """cases: (formula, fields, data as JSON, expected type, extra) -> same results."""
    payload, expected, names = [], [], []
    for source, fields, data, want, extra in cases:
        places = extra.get("money_places", 2)
        compiled = to_ast_json(source, fields, want, money_places=places)
        formula = dsl.compile(source, fields, want, money_places=places)
        now = extra.get("now", NOW)
        # The business calendar: as the server hands it, and as a page embeds it.
        calendar, calendar_json = extra.get("calendar", (None, None))
        expected.append(canon(formula(data, now, calendar)))
        payload.append({"compiled": json.loads(json.dumps(compiled)), "data": data,
                        "now": now.isoformat(), "calendar": calendar_json})
        names.append(source)
    got = run_js(payload)
    mismatches = [(name, e, g) for name, e, g in zip(names, expected, got, strict=True)
                  if e != g]
    assert mismatches == [], f"{len(mismatches)} of {len(names)} differ: {mismatches[:5]}"


def as_json(data: Any) -> Any:
    """The data as the pages send it: decimals as text, so nothing is lost on the way."""
    return json.loads(json.dumps(to_json(data)))


# The examples of the functions only the server works out (functions.py SERVER_ONLY).
BROWSER_EXAMPLES = [e for e in EXAMPLES
                    if not any(f"{name}(" in e[1] for name in SERVER_ONLY)]


def test_every_example_of_the_formula_guide_gives_the_same_value():
    data = as_json(DATA)
    compare([(formula, FIELDS, data, None, {}) for _line, formula, _result in BROWSER_EXAMPLES])


def test_the_examples_show_the_documented_text_in_the_browser_too():
    payload = [{"compiled": to_ast_json(formula, FIELDS), "data": as_json(DATA),
                "now": NOW.isoformat()} for _l, formula, _r in BROWSER_EXAMPLES]
    shown = run_js(payload)
    assert len(shown) == len(BROWSER_EXAMPLES) > 80
    assert not [s for s in shown if isinstance(s, dict) and "fault" in s]


def _sample_value(kind: str, index: int) -> Any:
    samples = {
        "money": ["1250.50", "0.10", "99.99", "3", None],
        "number": ["12.5", "0.333", "7", "-2.25", None],
        "integer": [3, 12, 0, 250, None],
        "text": ["Gold", "  rush  order ", "", "张三", None],
        "boolean": [True, False, None, True, False],
        "date": ["2024-05-03", "2024-02-29", "2023-12-31", "2024-05-01", None],
        "datetime": ["2024-04-28T09:15:00Z", "2024-05-01T00:00:00+08:00", None,
                     "2024-05-01T10:30:00Z", "2023-01-01T23:59:59Z"],
    }
    if isinstance(kind, list):
        element = kind[0]
        if isinstance(element, dict):
            return [{k: _sample_value(v, index + i) for k, v in element.items()}
                    for i in range(index % 4)]
        return [_sample_value(element, index + i) for i in range(3)]
    if isinstance(kind, dict):
        return {k: _sample_value(v, index) for k, v in kind.items()}
    return samples.get(kind, ["x", None])[index % len(samples.get(kind, ["x", None]))]


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.stem for p in TEMPLATES])
def test_every_formula_of_a_builtin_template_gives_the_same_value_on_sample_orders(path):
    template = json.loads(path.read_text("utf-8"))
    for definition in template["order_types"]:
        _compare_definition(definition)


def _compare_definition(definition: dict[str, Any]) -> None:
    fields = order_fields(definition)
    places = money_places(definition.get("currency"))
    formulas: list[tuple[str, Any, Any]] = []
    for f in definition["form"]["fields"]:
        if f["type"] == "computed":
            formulas.append((f["formula"], fields, f["result_type"]))
        for extra in ("visible_when",):
            if extra in f:
                formulas.append((f[extra], fields, "boolean"))
        if "validation" in f:
            formulas.append((f["validation"]["formula"], fields, "boolean"))
        if f["type"] == "line_items":
            scope = line_fields(definition, f)
            for sub in f["fields"]:
                if sub["type"] == "computed":
                    formulas.append((sub["formula"], scope, sub["result_type"]))
                if "validation" in sub:
                    formulas.append((sub["validation"]["formula"], scope, "boolean"))
    for rule in definition.get("rules", []):
        formulas.append((rule["when"], fields, "boolean"))
    for t in definition["workflow"]["transitions"]:
        if "condition" in t:
            formulas.append((t["condition"], fields, "boolean"))
    assert computed_order(definition) is not None
    assert len(formulas) >= 5
    cases = []
    for index in range(12):
        data = as_json({key: _sample_value(kind, index + n)
                        for n, (key, kind) in enumerate(fields.items())})
        for source, scope, want in formulas:
            cases.append((source, scope, data, want, {"money_places": places}))
    compare(cases)


# --- generated arithmetic ---------------------------------------------------------------

DECIMALS = st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=4,
                       allow_nan=False, allow_infinity=False)
NUMBERS = st.one_of(st.integers(-10**6, 10**6).map(str), DECIMALS.map(str),
                    st.sampled_from(["0", "0.0", "1.10", "100", "0.5", "3", "7", "-0.25"]))
OPERATORS = st.sampled_from(["+", "-", "*", "/", "%"])


@st.composite
def arithmetic(draw, depth: int = 0) -> str:
    if depth > 3 or draw(st.booleans()):
        return draw(st.one_of(NUMBERS, st.sampled_from(["a", "b", "m", "n"])))
    kind = draw(st.integers(0, 5))
    left, right = draw(arithmetic(depth + 1)), draw(arithmetic(depth + 1))
    if kind == 0:
        return f"ROUND({left}, {draw(st.integers(-3, 4))})"
    if kind == 1:
        return f"-({left})"
    if kind == 2:
        fn = draw(st.sampled_from(["SUM", "MIN", "MAX", "AVERAGE", "ABS", "MOD", "CEILING",
                                   "FLOOR", "ROUNDUP", "ROUNDDOWN"]))
        if fn == "ABS":
            return f"ABS({left})"
        if fn in ("ROUNDUP", "ROUNDDOWN"):
            return f"{fn}({left}, {draw(st.integers(-2, 3))})"
        return f"{fn}({left}, {right})"
    return f"({left} {draw(OPERATORS)} {right})"


ARITH_FIELDS = {"a": "integer", "b": "number", "m": "money", "n": "number"}
ARITH_DATA = {"a": 12, "b": "0.125", "m": "1250.50", "n": None}


@settings(max_examples=60, deadline=None)
@given(st.lists(arithmetic(), min_size=20, max_size=20),
       st.sampled_from([None, "money", "number"]))
def test_generated_arithmetic_gives_the_same_value_and_the_same_faults(formulas, want):
    cases = []
    for source in formulas:
        if dsl.check(source, ARITH_FIELDS, want):
            continue
        cases.append((source, ARITH_FIELDS, ARITH_DATA, want, {}))
    if cases:
        compare(cases)


# Powers, roots and logarithms are rounded to 34 digits from wide fixed point in the
# browser and by libmpdec on the server: generated arguments of every size agree, and so
# do whole powers whose exact value ends in a 5 just past the 34th digit.
MATH_NUMBERS = st.one_of(
    st.integers(-60, 60).map(str),
    st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=6,
                allow_nan=False, allow_infinity=False).map(str),
    st.integers(1, 30).map(lambda n: "1." + "0" * n + "7"),
    st.tuples(st.integers(1, 99), st.integers(-90, 90)).map(lambda p: f"{p[0]}E{p[1]:+d}"),
)
MATH_FORMULAS = ["SQRT(x)", "EXP(x)", "LN(x)", "LOG(x)", "LOG(x, y)", "POWER(x, y)",
                 "POWER(x, ROUND(y))", "INT(x)", "TRUNC(x)", "TRUNC(x, 2)", "SIGN(x)",
                 "PRODUCT(x, y, 3)", "MEDIAN(x, y, 1)", "MEDIAN(x, y)", "MODE(x, y, x)",
                 "IFNA(MODE(x, y), 0)"]


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(MATH_NUMBERS, MATH_NUMBERS), min_size=15, max_size=15))
def test_math_functions_give_the_same_digits_and_faults(pairs):
    fields = {"x": "number", "y": "number"}
    compare([(f, fields, {"x": x, "y": y}, None, {}) for x, y in pairs for f in MATH_FORMULAS])


def test_a_whole_power_ending_in_a_tie_rounds_alike():
    # 2.49374982415^3 is 15.508101943887436422477890276323375 exactly: 35 digits, the
    # last a 5, rounded half-even to ...2338; an approximation would round it down.
    fields = {"x": "number", "n": "integer"}
    compare([("POWER(x, n)", fields, {"x": "2.49374982415", "n": 3}, None, {}),
             ("POWER(x, n)", fields, {"x": "2.49374982415", "n": -3}, None, {}),
             ("POWER(x, n)", fields, {"x": "-1.5", "n": 200}, None, {}),
             ("POWER(x, n)", fields, {"x": "1.0000000001", "n": 10**12}, None, {}),
             ("POWER(x, n)", fields, {"x": "5.000000000000000000000000000000000", "n": 50},
              None, {})])


# Text functions count code points on both sides (JavaScript strings are UTF-16) and fold
# case one character at a time, so positions hold for 😀, ß and İ.
TEXT_ALPHABET = "aAbB?*~ ßẞİı中😀-'é,.5$%"


@settings(max_examples=10, deadline=None)
@given(st.lists(st.tuples(st.text(TEXT_ALPHABET, max_size=12), st.text(TEXT_ALPHABET, max_size=3),
                          st.integers(-1, 6)), min_size=20, max_size=20))
def test_text_functions_give_the_same_text_positions_and_faults(rows):
    fields = {"x": "text", "y": "text", "n": "integer"}
    formulas = ["SUBSTITUTE(x, y, 'Q')", "SUBSTITUTE(x, y, 'Q', n)", "REPLACE(x, n, 2, y)",
                "FIND(y, x)", "FIND(y, x, n)", "SEARCH(y, x)", "SEARCH(y, x, n)", "PROPER(x)",
                "REPT(y, n)", "TEXTJOIN(y, n > 2, x, y, NULL)", "VALUE(x)", "VALUE(y & x)"]
    compare([(f, fields, {"x": x, "y": y, "n": n}, None, {}) for x, y, n in rows
             for f in formulas])


TEXT_EDGES = [
    'SUBSTITUTE(s, "", "x")', 'SUBSTITUTE("aaaa", "aa", "b", 2)', 'SUBSTITUTE(s, "中", "zh", 1)',
    'SUBSTITUTE(REPT("a", 50000), "a", "bbb")', 'REPLACE("😀中文", 2, 1, "x")', 'FIND("", "")',
    'FIND("a", "😀a")', 'FIND("a", s, 2.5)', 'SEARCH("STRASSE", s)', 'SEARCH("ä?g*中", s)',
    'SEARCH("~x", "a~xb")', 'SEARCH(REPT("a", 256), s)',
    'TEXTJOIN(", ", TRUE, tags, b, "", i, m, d)',
    'TEXTJOIN(NULL, FALSE, lines.k, t)', 'TEXTJOIN(REPT("-", 60000), TRUE, "a", "b", "c")',
    'VALUE("1E+200")', 'VALUE("12345678901234567890123456789012345678")', 'VALUE("-0")',
    'VALUE("1_000")', 'VALUE("¥1,234.50")', 'REPT("", 1E+30)', 'REPT("a", 2.5)',
]


def test_text_edges_give_the_same_values_and_faults():
    compare([(source, EDGE_FIELDS, EDGE_DATA, None, {}) for source in TEXT_EDGES])


BLANK_RUNS = [" " * 50_000 + "x", "\t\r\n" * 20_000 + "5x", "- " + " " * 50_000 + "$",
              "5" + " " * 50_000 + "%%", " " * 50_000 + "12" + " " * 50_000]


def test_value_of_a_long_run_of_blanks_is_refused_at_once_in_both():
    # Runs of blanks that could trade with each other made VALUE cubic in a run's
    # length: 2,000 blanks took 46 seconds. Each text here would take days that way.
    start = time.perf_counter()
    compare([("VALUE(t)", {"t": "text"}, {"t": text}, None, {}) for text in BLANK_RUNS])
    assert time.perf_counter() - start < 20, "VALUE should be linear in its text"
    assert dsl.evaluate("VALUE(t)", {"t": BLANK_RUNS[-1]}, {"t": "text"}) == 12


# Months and weeks: every day of the calendar's range, the 29th of February, and a
# datetime whose UTC day is not its local one.
DATES = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)) | st.sampled_from(
    [dt.date(2024, 2, 29), dt.date(2000, 2, 29), dt.date(2023, 1, 31), dt.date(2024, 12, 31),
     dt.date(2021, 1, 3), dt.date(1, 1, 1), dt.date(9999, 12, 31)])


@settings(max_examples=10, deadline=None)
@given(st.lists(st.tuples(DATES, DATES, st.integers(-30, 30)), min_size=20, max_size=20))
def test_date_functions_give_the_same_days_weeks_and_faults(rows):
    fields = {"a": "date", "b": "date", "t": "datetime", "n": "integer"}
    formulas = ["EDATE(a, n)", "EOMONTH(a, n)", "EDATE(t, n * 100)", "DATEDIF(a, b, 'Y')",
                "DATEDIF(a, b, 'M')", "DATEDIF(a, b, 'D')", "DATEDIF(a, b, 'MD')",
                "DATEDIF(a, b, 'YM')", "DATEDIF(a, b, 'YD')", "DATEDIF(a, t, 'yd')",
                "WEEKNUM(a)", "WEEKNUM(b, 2)", "WEEKNUM(t, 11 + MOD(n, 7))", "WEEKNUM(a, 21)",
                "ISOWEEKNUM(a)", "ISOWEEKNUM(t)", "HOUR(t)", "MINUTE(t)"]
    cases = []
    for a, b, n in rows:
        first, last = sorted([a, b]) if n % 3 else (a, b)
        # The datetime is the end's day at 23:59:30 in UTC-5, so the next day in UTC
        # (read from the day before at the calendar's last day, which has no next).
        moment = min(last, dt.date(9999, 12, 30)).isoformat() + "T23:59:30-05:00"
        data = {"a": first.isoformat(), "b": last.isoformat(), "n": n, "t": moment}
        cases.extend((f, fields, data, None, {}) for f in formulas)
    compare(cases)


def test_the_browser_knows_every_function_of_the_server():
    done = subprocess.run([NODE, "-e", "process.stdout.write(JSON.stringify("
                           "require(process.argv[1]).FUNCTIONS))", str(FORMULA_JS)],
                          capture_output=True, text=True, timeout=60, check=True)
    assert sorted(dsl.FUNCTIONS) == json.loads(done.stdout)


def test_an_unknown_function_fails_visibly_instead_of_giving_a_value():
    compiled = to_ast_json("ROUND(1.5)", {})
    compiled["ast"]["name"] = "NOSUCH"
    (result,) = run_js([{"compiled": compiled, "data": {}, "now": NOW.isoformat()}])
    assert result == {"fault": "the function NOSUCH cannot be worked out in the browser; "
                               "the server will", "code": None}


def test_money_keeps_its_cents_and_a_division_by_zero_is_a_fault_in_both():
    fields = {"total": "money", "qty": "integer"}
    data = {"total": "10.10", "qty": 0}
    compare([("total * 3", fields, data, "money", {}),
             ("total + 1", fields, data, None, {}),
             ("total / qty", fields, data, None, {}),
             ("total * 0.005", fields, data, "money", {"money_places": 0})])


EDGE_FIELDS = {"d": "date", "t": "datetime", "s": "text", "m": "money", "n": "number",
               "i": "integer", "b": "boolean", "tags": ["text"],
               "lines": [{"q": "integer", "p": "money", "k": "text"}]}
EDGE_DATA = {"d": "2024-02-29", "t": "2024-03-10T23:30:15.250000+08:00",
             "s": "  Ärger  Straße 中文 ", "m": "-0.005", "n": "1E+3", "i": -7, "b": None,
             "tags": ["VIP", "b2b"],
             "lines": [{"q": 2, "p": "9.995", "k": "A-1", "k2": "1.5"},
                       {"q": None, "p": "0.10", "k": "b-2", "k2": None},
                       {"q": 5, "p": None, "k": None}]}
EDGES = [
    "-(0.00)", "0 * -1.50", "m * 1", "ROUND(m, 2)", "ROUND(-2.5)", "ROUND(1234.5678, -2)",
    "ROUNDUP(-2.121, 2)", "ROUNDDOWN(2.129, 1)", "CEILING(-2.5, -2)", "FLOOR(2.5, 0.3)",
    "CEILING(100, 0.5)", "MOD(-4.0, 2)", "MOD(7.5, -2)", "i % 3", "1 / 3", "2 / 3 * 3",
    "n / 7", "n * n * n * n", "10 / 4", "AVERAGE(1, 2, 2)", "SUM(lines.p)", "SUM(lines.q)",
    "MIN(lines.p)", "MAX(d, DATE(2024, 1, 1))", "COUNT(lines.k)", "ABS(m)", "-i",
    "LEN(s)", "TRIM(s)", "UPPER(s)", "LOWER(s)", "LEFT(s, 4)", "RIGHT(s, 3)", "MID(s, 3, 5)",
    "CONTAINS(s, 'STRASSE')", "s = '  ärger  straße 中文 '", "'apple' < 'Banana'",
    "STARTSWITH(s, '  ä')", "ENDSWITH(s, '文 ')", "REGEXMATCH(s, '[0-9]')",
    "REGEXMATCH('SO-2024-1', '^SO-\\d{4}-\\d+$')", "s & '/' & i & b & m", "CONCAT(s, m, b, d, t)",
    "TEXT(m, '0.00')", "TEXT(n, '#,##0.00')", "TEXT(0.125, '0.0%')", "TEXT(-1234567.5, '#,##0')",
    "TEXT(t, 'yyyy-mm-dd hh:mm:ss')", "TEXT(d, 'd/m/yy')", "TEXT(t)", "t", "d",
    "YEAR(t)", "MONTH(t)", "DAY(t)", "WEEKDAY(d)", "WEEKDAY(t, 2)", "WEEKDAY(d, 3)",
    "DAYS(d, t)", "ADDDAYS(d, 1)", "ADDDAYS(t, 1.5)", "ADDDAYS(t, -0.3)", "HOURS(t, d)",
    "DATE(2023, 14, 0)", "DATE(2024, -1, 31)", "DATETIME(2024, 2, 29, 25, 61, 61)",
    "TODAY()", "NOW()", "DAYS(TODAY(), d)", "d < t", "d = DATE(2024, 2, 29)",
    "i IN [1, -7]", "b IN [TRUE]", "'vip' IN tags", "'x' NOT IN tags", "NULL NOT IN tags",
    "SWITCH(i, 1, 'one', -7, 'minus seven', 'other')", "SWITCH(b, TRUE, 1, 2)",
    "IFS(i > 0, 'pos', i = 0, 'zero')", "COALESCE(b, i > 0)", "ISBLANK(b)", "ISBLANK('')",
    "AND(i < 0, NOT b)", "OR(b, FALSE)", "NOT (i > 0 AND b)",
    "SUMIF(lines, q > 1, p * q)", "COUNTIF(lines, ISBLANK(p))", "ANY(lines, k = 'B-2')",
    "ALL(lines, q > 0)", "SUMIF(lines, CONTAINS(k, 'a'), q)", "[1, 2.50, NULL]",
    "lines.k", "m / 0", "LEFT(s, -1)", "DATE(10000, 1, 1)", "MID(s, 0, 1)",
    "WEEKDAY(d, 4)", "TEXT(d, '0.00')", "ROUND(m, 31)", "1E+30 * 1E+30",
    "1234567890123456789012345678.901234 * 3.3", "1234567890123456789012345678.901234 + 0.0001",
]


# Error values: what is caught, what passes, and the code each fault carries.
ERROR_EDGES = [
    "IFERROR(m / 0, 1)", "IFERROR(i / 2, 0)", "IFERROR(b, TRUE)", "IFERROR(1 / 0, 2 / 0)",
    "IFERROR(LEFT(s, -1), 'x')", "IFNA(m / 0, 1)", "IFNA(i, 0)", "ISERROR(n / 0)",
    "ISERROR(s)", "ISERROR(b)", "ISNUMBER(m)", "ISNUMBER(i)", "ISNUMBER(s)", "ISNUMBER(b)",
    "ISNUMBER(n / 0)", "ISTEXT(s)", "ISTEXT(i)", "ISTEXT(b)", "ISDATE(d)", "ISDATE(t)",
    "ISDATE(s)", "ISDATE(DATE(10000, 1, 1))", "IF(ISERROR(i / 0), 'bad', 'good')",
    "SUMIF(lines, IFERROR(10 / q > 3, TRUE), q)", "COUNTIF(lines, ISERROR(10 / p))",
    "i / 0", "1E+100 * 1E+100 * 1E+100 * 1E+100 * 1E+100 * 1E+100 * 1E+100 * 1E+100 "
    "* 1E+100 * 1E+100 * 1E+100", "MID(s, 0, 1)", "IFERROR(1E+90 * 1E+90 * 1E+90 * 1E+90 "
    "* 1E+90 * 1E+90 * 1E+90 * 1E+90 * 1E+90 * 1E+90 * 1E+90 * 1E+90, 0)",
]


def test_error_values_are_caught_and_carry_the_same_codes_in_both():
    compare([(source, EDGE_FIELDS, EDGE_DATA, None, {}) for source in ERROR_EDGES])
    # Fields whose type is not known (null) are read as the data has them.
    untyped = {"v": "3", "w": 3, "x": "2024-05-03", "y": None}
    fields = dict.fromkeys(untyped, "null")
    compare([(f"{fn}({key})", fields, untyped, None, {}) for key in untyped
             for fn in ("ISNUMBER", "ISTEXT", "ISDATE", "ISERROR")])


def test_the_budget_of_work_is_not_caught_in_either():
    fields = {"lines": [{"q": "integer"}]}
    data = {"lines": [{"q": n} for n in range(2000)]}
    compare([("IFERROR(SUMIF(lines, COUNTIF(lines, q > 0) > 0, q), -1)", fields, data, None,
              {})])


def test_edge_cases_of_every_kind_give_the_same_values_and_faults():
    compare([(source, EDGE_FIELDS, EDGE_DATA, None, {}) for source in EDGES])


def test_a_formula_that_would_visit_too_many_lines_is_the_same_fault_in_both():
    fields = {"lines": [{"q": "integer"}]}
    data = {"lines": [{"q": n} for n in range(2000)]}
    compare([("SUMIF(lines, COUNTIF(lines, q > 0) > 0, q)", fields, data, None, {}),
             ("COUNTIF(lines, q > 1000)", fields, data, None, {})])


# REGEXMATCH runs RE2 on the server and re2js in the browser: the same patterns are
# accepted, the same are refused with the same words, and the same texts match.
REFUSED_PATTERNS = [
    "(a)\\1", "\\8", "\\k<n>", "(?P<n>a)(?P=n)", "(?=a)a", "(?!a)", "(?<=a)b", "x(?<!a)b",
    "(", "ab(cd", "(?P<n>", ")", "[a", "[^]", "a**", "a++", "a{2}{3}", "a{2}*", "*",
    "a{1001}", "a{2,1}", "(a{500}){500}", "\\", "[z-a]", "\\pX", "\\p{Foo}", "[[:foo:]]",
    "[a-\\d]", "(?#c)", "(?x) a", "(?'n'x)", "(?P<>a)", "(?P<n!>a)", "(?P>n)", "(?|a)",
    "\\e", "\\x", "\\R", "\\Z", "\\cA", "\\u00e9", "\\N{DIGIT ONE}", "\\C", "a\\\\\\C",
    "(?P<n>a)(?<n>b)", "a" * 201,
]
ACCEPTED_PATTERNS = [
    "^SO-\\d{4}-\\d+$", "(?i)vip", "\\bB2B\\b", "[[:alpha:]]+", "\\p{Han}+", "\\P{Han}",
    "\\pN", "(?s:.)", "(?<name>x)", "(?P<n>a)", "x{2,}?", "\\Q.(\\E", "\\x{4e01}", "\\z",
    "\\A", "()*", "^*", "[]a]", "[\\d-z]", "\\012", "\\v", "(?U)a*", "(?i)(?-i)a", "(?m)^a$",
    "a{,3}", "(a+)+$", "a*()a*()a*!", "丁*丁*丁*!", "(a|aa)*(a|aa)*c", "ß", "(?i)ß", ".",
    "^.$", "a\\\\C", "\\d", "\\w+@\\w+\\.\\w+", "a" * 200,
]
REGEX_TEXTS = ["SO-2024-1", "so-1234", "Vip b2b 中文", "丁丁丁", "٣", "😀", "a" * 60 + "!",
               "ẞ", "x.(y", "a{,3}", "", "line\nnext"]


def test_regexmatch_accepts_refuses_and_matches_alike_on_both_sides():
    fields = {"t": "text", "p": "text"}
    compare([("REGEXMATCH(t, p)", fields, {"t": text, "p": pattern}, None, {})
             for pattern in REFUSED_PATTERNS + ACCEPTED_PATTERNS for text in REGEX_TEXTS])


def test_the_patterns_refused_are_refused_with_reasons_on_both_sides():
    fields = {"t": "text", "p": "text"}
    payload = [{"compiled": to_ast_json("REGEXMATCH(t, p)", fields),
                "data": {"t": "x", "p": pattern}, "now": NOW.isoformat()}
               for pattern in REFUSED_PATTERNS + ACCEPTED_PATTERNS]
    got = run_js(payload)
    refused = [result["fault"] for result in got[:len(REFUSED_PATTERNS)]]
    assert all(message.startswith("REGEXMATCH: ") for message in refused), refused
    assert "REGEXMATCH: backreferences (\\1, (?P=name)) are not allowed" in refused
    assert "REGEXMATCH: lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not allowed" \
        in refused
    assert not any(isinstance(result, dict) for result in got[len(REFUSED_PATTERNS):])


def test_backtracking_bombs_cannot_freeze_the_browser():
    # The browser's own RegExp takes minutes on the first of these; re2js is linear.
    fields = {"t": "text", "p": "text"}
    bombs = backtracking_bombs()
    payload = [{"compiled": to_ast_json("REGEXMATCH(t, p)", fields),
                "data": {"t": char * 1999 + "\u3000", "p": pattern}, "now": NOW.isoformat()}
               for pattern, char in bombs]
    start = time.perf_counter()
    assert run_js(payload) == [False] * len(bombs)
    assert time.perf_counter() - start < 10, "re2js should take milliseconds per pattern"


# The functions of lists, text, dates and business days added together: every one, on
# the edge data, with its blanks, its error values and its Excel reference examples.
LIBRARY_EDGES = [
    "SUMIFS(lines, p * q, q > 1, k = 'A-1')", "SUMIFS(lines, q, ISBLANK(k))",
    "COUNTIFS(lines, q > 1, p > 1)", "COUNTIFS(lines, ISBLANK(q))",
    "AVERAGEIF(lines, p > 0, p)", "AVERAGEIF(lines, q > 100, q)", "AVERAGEIFS(lines, q, p < 1)",
    "AVERAGEIFS(lines, p, q > 0, CONTAINS(k, 'a'))", "MAXIFS(lines, p, q > 0)",
    "MAXIFS(lines, q, q > 99)", "MINIFS(lines, p, TRUE)", "MINIFS(lines, q * 1.5, q > 0)",
    "SUMPRODUCT(lines.q, lines.p)", "SUMPRODUCT([1, 2, 3], [4, 5, 6])",
    "SUMPRODUCT([1, 2], [1])", "SUMPRODUCT(lines.p)",
    "PERCENTILE([1, 3, 2, 4], 0.3)", "PERCENTILE(lines.p, 0.5)", "PERCENTILE([1], 1)",
    "PERCENTILE([1, 2], 1.5)", "PERCENTILE(lines.k2, 0.5)", "PERCENTILE([2, 2.0, 2.00], 0.25)",
    "LARGE([3, 5, 3, 5, 4], 3)", "LARGE(lines.p, 1)", "LARGE([1, 2], 3)", "LARGE([1, 2], 1.5)",
    "SMALL([3, 4, 5, 2, 3, 4, 6, 4, 7], 4)", "SMALL(lines.q, 0)", "SMALL([d, DATE(2020, 1, 1)], 2)",
    "COUNTA(lines.q, '', NULL, b)", "COUNTBLANK(lines.k, '', b, 0)",
    "QUOTIENT(5, 2)", "QUOTIENT(4.5, 3.1)", "QUOTIENT(-10, 3)", "QUOTIENT(1, 0)",
    "QUOTIENT(1E+40, 3)", "MROUND(10, 3)", "MROUND(-10, -3)", "MROUND(1.3, 0.2)", "MROUND(5, -2)",
    "MROUND(m, 0.01)", "MROUND(7, 0)", "MROUND(2.5, 1)", "ISEVEN(-1)", "ISEVEN(2.5)",
    "ISEVEN(5)", "ISODD(-1)", "ISODD(2.5)", "ISODD(n)",
    "EXACT('word', 'word')", "EXACT('Word', 'word')", "EXACT('w ord', 'word')", "EXACT(s, NULL)",
    "LENB('中文ab')", "LENB(s)", "LENB('😀ｶ가')", "LEFTB('中文ab', 3)", "LEFTB('中文ab', 4)",
    "LEFTB(s)", "LEFTB('abc', -1)", "LEFTB('中', 1)",
    "SPLIT('a,b;;c', ',;')", "SPLIT('a,b;;c', ',;', TRUE, FALSE)",
    "SPLIT('a--b----c', '--', FALSE)",
    "SPLIT('a--b----c', '--', FALSE, FALSE)", "SPLIT(s, ' ')", "SPLIT('x', '')",
    "SPLIT('😀a😀', '😀')", "COUNT(SPLIT('广东省 深圳市 南山区', ' '))",
    "UNICHAR(66)", "UNICHAR(32)", "UNICHAR(20013)", "UNICHAR(128512)", "UNICHAR(0)",
    "UNICHAR(55296)", "UNICODE('B')", "UNICODE('😀x')", "UNICODE('')",
    "REGEXEXTRACT('Order SO-2024-17 shipped', 'SO-(\\d+)-\\d+')",
    "REGEXEXTRACT('Order SO-2024-17 shipped', 'SO-\\d+')", "REGEXEXTRACT('abc', 'x')",
    "IFNA(REGEXEXTRACT('abc', 'x'), '-')", "REGEXEXTRACT('ab', 'a(x)?')",
    "REGEXEXTRACT('😀中文12', '\\d+')", "REGEXEXTRACT('a', s & '(')",
    "REGEXREPLACE('abc 123', '(\\d)', '<$1>')", "REGEXREPLACE('ab', 'x*', '-')",
    "REGEXREPLACE('😀😀', 'x*', '-')", "REGEXREPLACE('😀a', 'a', '$0$0')",
    "REGEXREPLACE('abc', 'b', '$2')", "REGEXREPLACE('abc', '^', '>')",
    "REGEXREPLACE('a.b.c', '\\.', '')", "REGEXREPLACE(REPT('a', 2000), 'a', REPT('b', 60))",
    "REGEXREPLACE('Tel 138-0013-8000', '(\\d{3})-(\\d{4})-(\\d{4})', '$1****$3')",
    "TIME(12, 0, 0)", "TIME(16, 48, 10)", "TIME(27, 0, 0)", "TIME(0, -1, 0)", "TIME(0, 0, 32768)",
    "TIME(0, 750, 0)", "TIME(1.5, 0, 0)", "ADDDAYS(t, TIME(2, 30, 0))",
    "DATEVALUE('2024-05-03')", "DATEVALUE(' 2024/5/3 ')", "DATEVALUE('2024年5月3日')",
    "DATEVALUE('2024.12.31')", "DATEVALUE('2024-02-30')", "DATEVALUE('2024-05/03')",
    "DATEVALUE('2024-05-03T10:00:00')", "DATEVALUE('0000-01-01')", "DATEVALUE('May 3')",
    "WORKDAY(DATE(2008, 10, 1), 151)",
    "WORKDAY(DATE(2008, 10, 1), 151, [DATE(2008, 11, 26), DATE(2008, 12, 4), DATE(2009, 1, 21)])",
    "WORKDAY(d, 0)", "WORKDAY(d, -10)", "WORKDAY(t, 1.9)", "WORKDAY(d, 1, d)",
    "WORKDAY(d, 1, NULL)",
    "WORKDAY(DATE(9999, 12, 30), 5)", "WORKDAY(DATE(1, 1, 3), -5)", "WORKDAY(d, 1E+30)",
    "WORKDAY(d, 2600000)", "WORKDAY(d, -2600000)",
    "NETWORKDAYS(DATE(2012, 10, 1), DATE(2013, 3, 1))",
    "NETWORKDAYS(DATE(2012, 10, 1), DATE(2013, 3, 1), DATE(2012, 11, 22))",
    "NETWORKDAYS(DATE(2012, 10, 1), DATE(2013, 3, 1), [DATE(2012, 11, 22), DATE(2012, 12, 4), "
    "DATE(2013, 1, 21)])", "NETWORKDAYS(t, d)", "NETWORKDAYS(d, d)", "NETWORKDAYS(NULL, d)",
    "NETWORKDAYS(DATE(1, 1, 1), DATE(9999, 12, 31))",
    "NETWORKDAYS.INTL(DATE(2006, 1, 1), DATE(2006, 1, 31))",
    "NETWORKDAYS.INTL(DATE(2006, 1, 1), DATE(2006, 2, 1), 7, [DATE(2006, 1, 2), "
    "DATE(2006, 1, 16)])",
    "NETWORKDAYS.INTL(DATE(2006, 1, 1), DATE(2006, 2, 1), '0010001', [DATE(2006, 1, 2), "
    "DATE(2006, 1, 16)])", "NETWORKDAYS.INTL(d, DATE(2023, 1, 1), 11)",
    "NETWORKDAYS.INTL(d, d, '1111111')", "NETWORKDAYS.INTL(d, d, '000001')",
    "NETWORKDAYS.INTL(d, d, 8)", "NETWORKDAYS.INTL(d, d, 11.5)",
    "WORKDAY.INTL(DATE(2012, 1, 1), 30, 0)", "WORKDAY.INTL(DATE(2012, 1, 1), 90, 11)",
    "WORKDAY.INTL(DATE(2012, 1, 1), 30, 17)", "WORKDAY.INTL(d, 10, '0000000')",
    "WORKDAY.INTL(d, -7, '1010100', [ADDDAYS(d, -1), ADDDAYS(d, -3)])",
    "WORKDAY.INTL(d, 3, NULL)", "workday.intl(d, 5, 7)",
]


def test_the_added_functions_give_the_same_values_and_faults():
    fields = {**EDGE_FIELDS, "lines": [{"q": "integer", "p": "money", "k": "text",
                                        "k2": "number"}]}
    compare([(source, fields, EDGE_DATA, None, {}) for source in LIBRARY_EDGES])


# Business days over generated spans, weekends and holidays: the week-skipping
# arithmetic gives what counting day by day gives, on both sides.
@settings(max_examples=10, deadline=None)
@given(st.lists(st.tuples(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 1, 1)),
                          st.integers(-400, 400), st.sampled_from([1, 2, 7, 11, 17, "0000011",
                                                                   "1000000", "0110110"]),
                          st.lists(st.integers(-30, 30), max_size=4)),
                min_size=10, max_size=10))
def test_business_days_agree_with_counting_day_by_day(rows):
    fields = {"a": "date", "n": "integer", "h": ["date"]}
    cases = []
    for start, n, weekend, offsets in rows:
        holidays = [(start + dt.timedelta(days=o)).isoformat() for o in offsets]
        data = {"a": start.isoformat(), "n": n, "h": holidays}
        week = f"'{weekend}'" if isinstance(weekend, str) else str(weekend)
        off = _days_off(weekend)
        rest = {dt.date.fromisoformat(h) for h in holidays}
        for formula, days_off in ((f"WORKDAY.INTL(a, n, {week}, h)", off),
                                  ("WORKDAY(a, n, h)", {5, 6}),
                                  (f"NETWORKDAYS.INTL(a, ADDDAYS(a, n), {week}, h)", off),
                                  ("NETWORKDAYS(ADDDAYS(a, n), a, h)", {5, 6})):
            cases.append((formula, fields, data, None, {}))
            end = start + dt.timedelta(days=n)
            if formula.startswith("WORKDAY"):
                want: Any = _workday_by_counting(start, n, days_off, rest)
            elif formula.startswith("NETWORKDAYS.INTL"):
                want = _networkdays_by_counting(start, end, days_off, rest)
            else:
                want = _networkdays_by_counting(end, start, days_off, rest)
            assert dsl.evaluate(formula, data, fields) == want, formula
    compare(cases)


def _days_off(weekend: Any) -> set[int]:
    """Excel's weekend codes, Monday 0."""
    if isinstance(weekend, str):
        return {i for i, ch in enumerate(weekend) if ch == "1"}
    if weekend <= 7:
        return {(weekend + 4) % 7, (weekend + 5) % 7}
    return {(weekend - 12) % 7}


def _workday_by_counting(start: dt.date, n: int, off: set[int], rest: set[dt.date]) -> dt.date:
    day, left, step = start, abs(n), 1 if n > 0 else -1
    while left:
        day += dt.timedelta(days=step)
        left -= day.weekday() not in off and day not in rest
    return day


def _networkdays_by_counting(a: dt.date, b: dt.date, off: set[int], rest: set[dt.date]) -> int:
    low, high = sorted((a, b))
    count = sum(1 for i in range((high - low).days + 1)
                if (day := low + dt.timedelta(days=i)).weekday() not in off and day not in rest)
    return count if a <= b else -count
def test_look_ups_give_the_same_values_and_faults():
    # The freight table of docs/formulas.md travels inside each formula's JSON.
    formulas = [
        'XLOOKUP("ZHEJIANG", freight.province, freight.rate)',
        'XLOOKUP("Tibet", freight.province, freight.rate)',
        'XLOOKUP(NULL, freight.province, freight.rate)',
        'XLOOKUP("Tibet", freight.province, freight.rate, NULL)',
        'IFNA(XLOOKUP("Tibet", freight.province, freight.days), -1)',
        'XLOOKUP("Zhejiang", freight.province, [1, 2])',
        "XLOOKUP(ship_date, [DATE(2024, 5, 3), DATE(2024, 5, 4)], [\"Fri\", \"Sat\"])",
        'XLOOKUP(12, items.qty, items.sku)',
        'XLOOKUP(discount, items.amount, items.sku, "none")',
    ]
    compare([(f, FIELDS, as_json(DATA), None, {}) for f in formulas])


def test_a_function_only_the_server_works_out_says_so_in_the_browser():
    compiled = to_ast_json('ADDRESSPART("广州市天河区华夏路10号", "city")', {})
    (result,) = run_js([{"compiled": compiled, "data": {}, "now": NOW.isoformat()}])
    assert result == {"fault": "ADDRESSPART is worked out by the server; its value shows once "
                               "the order is saved", "code": None}


NATIONAL_DAY_2024 = {
    "weekend": ["saturday", "sunday"],
    "holidays": [{"date": f"2024-10-0{d}", "name": "国庆节"} for d in range(1, 8)],
    "workdays": [{"date": "2024-09-29", "name": "国庆节调休"},
                 {"date": "2024-10-12", "name": "国庆节调休"}],
}
FRIDAY_SATURDAY = {"weekend": ["friday", "saturday"], "holidays": [], "workdays": []}


def _as_calendar(schedule: dict[str, Any]):
    from orderloom.dsl.workdays import Calendar
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return Calendar(tuple(d in schedule["weekend"] for d in days),
                    frozenset(dt.date.fromisoformat(h["date"]).toordinal()
                              for h in schedule["holidays"]),
                    frozenset(dt.date.fromisoformat(w["date"]).toordinal()
                              for w in schedule["workdays"]))


def test_business_days_count_the_instance_calendar_alike_on_both_sides():
    fields = {"a": "date", "b": "date"}
    formulas = ["WORKDAY(a, 1)", "WORKDAY(a, -3)", "WORKDAY(a, 10)", "WORKDAY(a, 1, [])",
                "WORKDAY(a, 1, b)", "NETWORKDAYS(a, b)", "NETWORKDAYS(b, a)",
                "NETWORKDAYS(a, b, [])", "WORKDAY.INTL(a, 2, 11)", "WORKDAY.INTL(a, 2)",
                "NETWORKDAYS.INTL(a, b, \"0000001\")", "NETWORKDAYS.INTL(a, b, 1, [b])"]
    cases = []
    for schedule in (NATIONAL_DAY_2024, FRIDAY_SATURDAY, None):
        extra = {"calendar": (_as_calendar(schedule), schedule)} if schedule else {}
        for a, b in (("2024-09-27", "2024-10-13"), ("2024-09-30", "2024-10-08"),
                     ("2024-10-03", "2024-10-12")):
            cases += [(f, fields, {"a": a, "b": b}, None, extra) for f in formulas]
    compare(cases)


def test_products_and_customers_are_looked_up_by_the_server_only():
    for name in ("PRODUCTINFO", "CUSTOMERINFO"):
        compiled = to_ast_json(f'{name}("A-100", "name")', {})
        (result,) = run_js([{"compiled": compiled, "data": {}, "now": NOW.isoformat()}])
        assert result == {"fault": f"{name} is worked out by the server; its value shows "
                                   "once the order is saved", "code": None}


def test_the_clock_is_read_in_the_instances_time_zone_alike_on_both_sides():
    from zoneinfo import ZoneInfo

    from orderloom.dsl.workdays import Calendar
    fields = {"t": "datetime", "d": "date"}
    formulas = ["HOUR(t)", "MINUTE(t)", "HOUR(d)", "TODAY()", "DAYS(TODAY(), d)",
                "IF(HOUR(t) < 12, \"morning\", \"afternoon\")"]
    times = ["2024-05-03T01:30:00Z", "2024-05-03T16:05:00Z", "2024-05-03T23:59:59Z",
             "1900-01-01T00:00:00Z", "2024-12-31T15:59:00Z"]
    nows = [dt.datetime(2024, 5, 2, 16, 0, tzinfo=dt.UTC),
            dt.datetime(2024, 5, 2, 15, 59, tzinfo=dt.UTC)]
    cases = []
    for zone in ("Asia/Shanghai", "Asia/Kolkata", "America/New_York", "UTC"):
        schedule = {"weekend": ["saturday", "sunday"], "holidays": [], "workdays": [],
                    "time_zone": zone}
        calendar = Calendar(zone=ZoneInfo(zone))
        for t in times:
            for now in nows:
                cases += [(f, fields, {"t": t, "d": "2024-05-03"}, None,
                           {"calendar": (calendar, schedule), "now": now}) for f in formulas]
    compare(cases)


def test_in_shanghai_a_morning_order_is_in_the_morning_and_today_starts_at_16_utc():
    from zoneinfo import ZoneInfo

    from orderloom.dsl.workdays import Calendar
    shanghai = {"weekend": ["saturday", "sunday"], "holidays": [], "workdays": [],
                "time_zone": "Asia/Shanghai"}
    calendar = Calendar(zone=ZoneInfo("Asia/Shanghai"))
    fields = {"t": "datetime"}
    late = dt.datetime(2024, 5, 2, 16, 0, tzinfo=dt.UTC)
    for source, want in (("HOUR(t)", 9), ("MINUTE(t)", 30),
                         ("TODAY()", dt.date(2024, 5, 3))):
        formula = dsl.compile(source, fields)
        assert formula({"t": "2024-05-03T01:30:00Z"}, late, calendar) == want
    shown = run_js([{"compiled": to_ast_json(f, fields), "data": {"t": "2024-05-03T01:30:00Z"},
                     "now": late.isoformat(), "calendar": shanghai}
                    for f in ("HOUR(t)", "MINUTE(t)", "TODAY()")])
    assert shown == [canon(9), canon(30), canon(dt.date(2024, 5, 3))]


def test_a_datetimes_date_is_the_instances_day_alike_on_both_sides():
    # 01:00 on May 3rd in Shanghai is 17:00 UTC on May 2nd: its day is the 3rd, a Friday.
    from zoneinfo import ZoneInfo

    from orderloom.dsl.workdays import Calendar
    shanghai = {"weekend": ["saturday", "sunday"], "holidays": [], "workdays": [],
                "time_zone": "Asia/Shanghai"}
    calendar = Calendar(zone=ZoneInfo("Asia/Shanghai"))
    fields = {"t": "datetime", "d": "date"}
    data = {"t": "2024-05-02T17:00:00Z", "d": "2024-05-03"}
    expected = {"DAY(t)": 3, "WEEKDAY(t)": 6, "EDATE(t, 1)": dt.date(2024, 6, 3),
                "EOMONTH(t, -1)": dt.date(2024, 4, 30), "WORKDAY(t, 1)": dt.date(2024, 5, 6),
                "t >= d": True, "t < d": False, "DAYS(d, t)": 0,
                "NETWORKDAYS(t, d)": 1}
    for source, want in expected.items():
        formula = dsl.compile(source, fields)
        assert formula(data, None, calendar) == want, source
    cases = [(source, fields, data, None, {"calendar": (calendar, shanghai)})
             for source in expected]
    cases += [(source, fields, data, None, {"calendar": (Calendar(), {
        **shanghai, "time_zone": "UTC"})}) for source in expected]
    compare(cases)
