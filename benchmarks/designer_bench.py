"""How long validating a large order type definition takes.

Builds a definition with 300 fields, 40 states and 200 rules (every rule and
many fields carrying formulas), then times, best of several runs:
  - the baseline: the structure pass alone with the pure-Python jsonschema
    validator (what checking the structure costs without our fast path),
  - the whole validation (structure through jsonschema-rs, every formula
    type-checked, references, workflow graph).
Prints both and their ratio; the target is a whole validation under 300 ms.

    python benchmarks/designer_bench.py
"""
from __future__ import annotations

import time

from orderloom.designer import schemas
from orderloom.designer.validation import Context, validate_order_type

TARGET_MS = 300.0


def large_definition(fields: int = 300, states: int = 40, rules: int = 200) -> dict:
    form = []
    for i in range(fields):
        kind = ("money", "integer", "text", "boolean", "date")[i % 5]
        field = {"key": f"f{i}", "type": kind, "label": {"en": f"Field {i}", "zh": f"字段{i}"}}
        if kind == "money":
            field["validation"] = {"formula": f"f{i} >= 0 AND f{i} < 1000000",
                                   "message": {"en": "out of range"}}
        if kind == "text":
            field["visible_when"] = f"f{i - 1} > 10"
        form.append(field)
    form.append({"key": "items", "type": "line_items", "label": {"en": "Items"}, "fields": [
        {"key": "sku", "type": "product", "label": {"en": "SKU"}},
        {"key": "qty", "type": "integer", "label": {"en": "Qty"}},
        {"key": "price", "type": "money", "label": {"en": "Price"}},
        {"key": "amount", "type": "computed", "label": {"en": "Amount"},
         "formula": "qty * price", "result_type": "money"}]})
    form.append({"key": "total", "type": "computed", "label": {"en": "Total"},
                 "formula": "SUM(items.amount) + f0 + f5", "result_type": "money"})
    state_list = [{"key": "s0", "label": {"en": "Start"}, "kind": "start"}]
    state_list += [{"key": f"s{i}", "label": {"en": f"Step {i}"}, "kind": "normal",
                    "sla_hours": 4} for i in range(1, states - 1)]
    state_list.append({"key": f"s{states - 1}", "label": {"en": "Done"}, "kind": "terminal"})
    transitions = [{"key": f"t{i}", "from": [f"s{i}"], "to": f"s{i + 1}",
                    "label": {"en": f"Go {i}"}, "roles": ["staff"],
                    "condition": f"total > {i} AND f{(i * 5) % fields} >= 0"}
                   for i in range(states - 1)]
    rule_list = [{"key": f"r{i}",
                  "when": f'total > {i * 100} AND f{(i * 5 + 2) % fields} = "x{i}" '
                          f'AND COUNTIF(items, qty > {i}) > 0',
                  "then": [{"type": "add_tag", "tag": f"tag{i}"}]}
                 for i in range(rules)]
    return {"key": "large", "name": {"en": "Large"}, "form": {"fields": form},
            "workflow": {"states": state_list, "transitions": transitions},
            "rules": rule_list}


def best_ms(run, repeat: int = 7) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        timings.append((time.perf_counter() - start) * 1000)
    return min(timings)


def main() -> int:
    definition = large_definition()
    context = Context()
    problems = validate_order_type(definition, context)
    assert problems == [], problems[:3]
    validator = schemas.validator("order-type")
    schema_ms = best_ms(lambda: list(validator.iter_errors(definition)))
    whole_ms = best_ms(lambda: validate_order_type(definition, context))
    print("Validating an order type with 300 fields, 40 states, 200 rules")
    print(f"  baseline: jsonschema structure pass only {schema_ms:8.1f} ms")
    print(f"  whole validation                         {whole_ms:8.1f} ms   "
          f"({whole_ms / schema_ms:.2f}x the baseline)")
    verdict = "PASS" if whole_ms < TARGET_MS else "FAIL"
    print(f"  target: under {TARGET_MS:.0f} ms -> {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
