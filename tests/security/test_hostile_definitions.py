"""Generated definitions and formulas: whatever a designer (or an attacker with a
designer's token) sends, validation answers with problems, never an exception.

Definitions are the sample retail order type with random parts replaced, removed
or duplicated, so most of them get past the JSON Schema and reach the deeper
checks (formulas, workflow references, layout); a definition without problems must
also compile into a blueprint. Formulas are built from the grammar's own pieces,
including reaches for Python internals, so parser, checker and compiler all see
them.
"""
from __future__ import annotations

import copy
import os
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderloom import dsl
from orderloom.designer.blueprint import compile_blueprint
from orderloom.designer.problems import DefinitionProblem
from orderloom.designer.validation import validate_order_type
from tests.designer.samples import retail

# Derandomized, so a run is repeatable; ORDERLOOM_PROPERTY_EXAMPLES=5000 for a long hunt.
EXAMPLES = int(os.environ.get("ORDERLOOM_PROPERTY_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

# --- definitions ------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20)
    | st.decimals(allow_nan=False, allow_infinity=False, places=3).map(float)
    | st.text(max_size=20)
    | st.sampled_from(["", "draft", "review", "qty * price", "SUM(items.amount)", "items",
                       "customer", "money", "computed", "start", "terminal", "x" * 300,
                       "__class__", "../../etc/passwd", "{{ 7*7 }}", "=1+1"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["key", "type", "label", "formula", "fields", "from",
                                       "to", "when", "then", "en", "state", "x"]),
                      children, max_size=3),
    max_leaves=8,
)


def _places(value: Any, path: tuple = ()) -> list[tuple]:
    """Every path inside a JSON value, the value itself included."""
    found = [path]
    if isinstance(value, dict):
        for key, member in value.items():
            found += _places(member, path + (key,))
    elif isinstance(value, list):
        for index, member in enumerate(value):
            found += _places(member, path + (index,))
    return found


PLACES = _places(retail())[1:]


KNOWN_WORDS = sorted({str(v) for p in _places(retail())[1:] for v in p if isinstance(v, str)}
                     | {"draft", "review", "confirmed", "shipped", "cancelled", "customer",
                        "items", "total", "qty", "price", "priority", "staff", "admin"})
FORMULA_BITS = ["qty * price", "SUM(items.amount)", "total > 5000", "IF(", "nope = 1",
                'priority = "rush"', "total / 0", "customer.tier", "items.qty > 1",
                "LEN(note) > 3", "TODAY()", "1 +", ")", "__class__", "total IN [1, 2]"]


def _alike(value: Any) -> st.SearchStrategy:
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(-5, 10**6)
    if isinstance(value, str):
        return st.one_of(st.sampled_from(KNOWN_WORDS), st.sampled_from(FORMULA_BITS),
                         st.lists(st.sampled_from(FORMULA_BITS + KNOWN_WORDS), min_size=1,
                                  max_size=3).map(" ".join))
    if isinstance(value, list):
        return st.lists(st.sampled_from(KNOWN_WORDS), max_size=3) if all(
            isinstance(v, str) for v in value) else st.just(value[:1])
    return st.just({})


def _slot(definition: Any, path: tuple) -> tuple[dict | list, Any] | None:
    """The container holding the place at `path` and the place's key in it, or None
    when earlier changes took the place away. A step into text is a dead end too:
    text can be indexed like a list but not assigned to."""
    parent = definition
    for step in path[:-1]:
        if not _holds(parent, step):
            return None
        parent = parent[step]
    return (parent, path[-1]) if _holds(parent, path[-1]) else None


def _holds(container: Any, key: Any) -> bool:
    if isinstance(container, dict):
        return key in container
    if isinstance(container, list):
        return isinstance(key, int) and 0 <= key < len(container)
    return False


def _mutate(definition: dict[str, Any], path: tuple, change: str,
            draw: Callable[[st.SearchStrategy], Any]) -> None:
    slot = _slot(definition, path)
    if slot is None:
        return
    parent, last = slot
    if change == "alike":
        parent[last] = draw(_alike(parent[last]))
    elif change == "replace":
        parent[last] = draw(JSON_VALUES)
    elif change == "remove":
        del parent[last]
    elif isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    else:
        parent[last] = [parent[last], copy.deepcopy(parent[last])]


@st.composite
def mutated_definitions(draw) -> dict[str, Any]:
    definition = copy.deepcopy(retail())
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PLACES))
        # Mostly a value of the same kind, which keeps the definition past the JSON
        # Schema and into the deeper checks (formulas, references, workflow).
        change = draw(st.sampled_from(["alike", "alike", "alike", "replace", "remove",
                                       "duplicate"]))
        _mutate(definition, path, change, draw)
    return definition


def test_a_place_inside_a_list_that_became_text_is_left_alone():
    # Once the strategy walked into the text that had replaced a list, then assigned to
    # one of its characters: "TypeError: 'str' object does not support item assignment".
    definition = copy.deepcopy(retail())
    listed = next(path for path in PLACES if path + (1,) in PLACES
                  and isinstance(_slot(definition, path + (1,))[0], list))
    _mutate(definition, listed, "replace", lambda _: "some text")
    _mutate(definition, listed + (1,), "alike", lambda _: "x")
    _mutate(definition, listed + (1,), "remove", lambda _: None)
    parent, last = _slot(definition, listed)
    assert parent[last] == "some text"


@SETTINGS
@given(mutated_definitions())
def test_a_mutated_definition_gives_problems_never_an_exception(definition):
    problems = validate_order_type(definition)
    assert all(isinstance(p, DefinitionProblem) for p in problems)
    assert all(p.pointer == "" or p.pointer.startswith("/") for p in problems)
    assert all(p.message for p in problems)
    if not problems:
        compile_blueprint(definition)  # what validates, publishes


@SETTINGS
@given(JSON_VALUES)
def test_any_json_at_all_gives_problems_never_an_exception(value):
    problems = validate_order_type(value)
    assert problems and all(isinstance(p, DefinitionProblem) for p in problems)


# --- formulas -----------------------------------------------------------------------------

FIELDS = {"qty": "integer", "price": "money", "name": "text", "rush": "boolean",
          "items": [{"sku": "text", "qty": "integer"}]}
DATA = {"qty": 3, "price": Decimal("9.90"), "name": "Li", "rush": True,
        "items": [{"sku": "A", "qty": 2}]}

ATOMS = st.sampled_from([
    "qty", "price", "name", "rush", "items", "items.qty", "items.sku", "nope", "1", "0",
    "2.5", "-1", "1e308", "99999999999999999999", '"text"', '""', "TRUE", "NULL",
    "[1, 2]", "[]", "name.__class__", "__import__", "items.__len__", "qty.real",
    "TODAY()", "NOW()",
])
FUNCTIONS = ["IF", "SUM", "ROUND", "LEN", "UPPER", "CONCAT", "COUNTIF", "MAX", "MIN", "ABS",
             "AND", "OR", "NOT", "TEXT", "REGEX", "MATCHES", "EVAL", "exec", "getattr"]
OPERATORS = ["+", "-", "*", "/", "%", "&", "=", "<>", "<", ">=", "AND", "OR", "IN", "^"]

def _calls(call: tuple) -> str:
    return f"{call[0]}({', '.join(call[1])})"


def _bigger(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(OPERATORS), inner).map(" ".join),
        st.tuples(st.sampled_from(["NOT ", "-", ""]), inner).map("".join),
        inner.map("({})".format),
        st.tuples(st.sampled_from(FUNCTIONS), st.lists(inner, max_size=3)).map(_calls),
    )


FORMULAS = st.recursive(ATOMS, _bigger, max_leaves=12)


@SETTINGS
@given(FORMULAS, st.sampled_from([None, "boolean", "money", "text", "integer"]))
def test_a_generated_formula_is_checked_compiled_and_run_without_escaping(source, expected):
    problems = dsl.check(source, FIELDS, expected)
    assert all(isinstance(p, dsl.FormulaProblem) for p in problems)
    try:
        formula = dsl.compile(source, FIELDS, expected, cache=False)
    except dsl.FormulaError as error:
        assert error.errors
        return
    assert problems == []
    try:
        formula(DATA)
    except dsl.FormulaError:
        pass  # a runtime limit (steps, sizes) is a FormulaError too


@pytest.mark.parametrize("source", [
    "name.__class__", "__import__(\"os\")", "name.__class__.__mro__", "getattr(name, \"x\")",
    "items.__len__", "EVAL(\"1\")", "exec(\"1\")", "qty.real", "name.upper",
])
def test_reaching_for_python_internals_is_a_formula_problem(source):
    problems = dsl.check(source, FIELDS)
    assert problems, f"{source!r} was accepted"
    with pytest.raises(dsl.FormulaError):
        dsl.compile(source, FIELDS, cache=False)
