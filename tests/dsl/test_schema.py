"""`dsl.schema(fields)`: a form's field types converted once and reused for
every check and compile against that form."""

from __future__ import annotations

import copy
import pickle

import pytest

from orderloom import dsl
from tests.dsl.support import DATA, FIELDS, NOW

FORMULAS = [
    'total > 1000 AND customer.tier = "gold" AND ship_to.country IN ["CN", "HK"]',
    "SUM(items.amount) - COALESCE(discount, 0)",
    'IF(vip, "rush", note)',
    "COUNTIF(items, items.qty > qty)",
    "ADDDAYS(ship_date, 3) > created_at",
    # with problems
    "totl * 2",
    "customer.teir",
    "note + total",
    "SUMM(items.qty)",
    "total >",
]


def test_schema_is_a_record_type():
    schema = dsl.schema(FIELDS)
    assert isinstance(schema, dsl.RecordType)
    assert schema.field("total") == dsl.MONEY
    assert dsl.schema(schema) is schema


@pytest.mark.parametrize("source", FORMULAS)
@pytest.mark.parametrize("expected", [None, "boolean", "money"])
def test_a_schema_gives_the_problems_the_fields_mapping_gives(source, expected):
    assert dsl.check(source, dsl.schema(FIELDS), expected) == dsl.check(source, FIELDS, expected)


@pytest.mark.parametrize("source", [s for s in FORMULAS if not dsl.check(s, FIELDS)])
def test_a_schema_compiles_and_evaluates_like_the_fields_mapping(source):
    schema = dsl.schema(FIELDS)
    from_schema = dsl.compile(source, schema, cache=False)
    from_mapping = dsl.compile(source, FIELDS, cache=False)
    assert from_schema.result_type == from_mapping.result_type
    assert from_schema(DATA, NOW) == from_mapping(DATA, NOW)
    assert dsl.evaluate(source, DATA, schema, now=NOW) == from_mapping(DATA, NOW)


def test_compile_with_a_schema_raises_the_problems_of_the_mapping():
    with pytest.raises(dsl.FormulaError) as from_schema:
        dsl.compile("totl * 2", dsl.schema(FIELDS))
    with pytest.raises(dsl.FormulaError) as from_mapping:
        dsl.compile("totl * 2", FIELDS)
    assert from_schema.value.errors == from_mapping.value.errors


def test_compiled_formulas_are_cached_by_schema():
    first = dsl.compile("total * 2", dsl.schema(FIELDS))
    # An equal schema built again is the same cache key.
    assert dsl.compile("total * 2", dsl.schema(FIELDS)) is first
    assert dsl.compile("total * 2", dsl.schema({**FIELDS, "total": "number"})) is not first


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"total": "monye"}, "fields.total: unknown type 'monye'"),
        ({"customer": {"tier": "txt"}}, "fields.customer.tier: unknown type 'txt'"),
        ({"items": [{"qty": "int", "sku": 5}]}, "fields.items[].sku"),
        ({"tags": ["text", "text"]}, "fields.tags"),
    ],
)
def test_a_bad_fields_mapping_raises_formula_error_naming_the_field(fields, named):
    with pytest.raises(dsl.FormulaError) as err:
        dsl.schema(fields)
    (problem,) = err.value.errors
    assert problem.message.startswith(named)


def test_a_schema_survives_pickling_and_copying():
    schema = dsl.schema(FIELDS)
    hash(schema)  # computes and keeps the hash
    for other in (pickle.loads(pickle.dumps(schema)), copy.deepcopy(schema), copy.copy(schema)):
        assert other == schema
        assert hash(other) == hash(schema)
        assert other.field("customer") == schema.field("customer")
        assert dsl.check("customer.tier = 'x'", other) == []


def test_types_compare_equal_after_pickling():
    for t in (dsl.MONEY, dsl.ListType("list", dsl.TEXT), dsl.schema({"a": ["money"]})):
        assert pickle.loads(pickle.dumps(t)) == t
        assert copy.deepcopy(t) == t
    assert dsl.Type("money") == dsl.MONEY
    assert dsl.Type("money") != dsl.NUMBER
