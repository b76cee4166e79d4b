"""The action types are one catalogue: the served schema, the designer's list and the
checks of a definition all come from it, and the designer needs no runtime for them."""
from __future__ import annotations

import json
import subprocess
import sys

from orderloom.designer.actions import TYPES
from orderloom.designer.validation import validate_order_type
from tests.designer.samples import retail
from tests.pages.test_designer_pages import boot_of


def test_the_served_schema_knows_every_action_type_and_each_ones_members(client):
    schema = client.get("/api/v1/schemas/order-type").get_json()
    assert schema["$defs"]["action"]["properties"]["type"]["enum"] == list(TYPES)
    # Every type has its own branch: a member it does not have is refused, at its place.
    d = retail()
    d["rules"][0]["then"] = [{"type": name, "no_such_member": 1} for name in TYPES]
    found = {(p.pointer, p.message) for p in validate_order_type(d)}
    for index in range(len(TYPES)):
        assert (f"/rules/0/then/{index}", "unknown member ('no_such_member' was "
                                          "unexpected)") in found


def test_an_unknown_action_type_is_named_with_the_ones_there_are():
    d = retail()
    d["rules"][0]["then"] = [{"type": "hold_order"}]
    problems = validate_order_type(d)
    assert [p.pointer for p in problems] == ["/rules/0/then/0/type"]
    assert problems[0].message == "must be one of " + ", ".join(json.dumps(t) for t in TYPES)


def test_the_designer_offers_every_action_type_with_its_label(client, actions, published):
    actions.login_as("designer")
    boot = boot_of(client.get("/designer/retail_order").get_data(as_text=True))
    offered = {kind["type"]: kind for kind in boot["action_types"]}
    assert list(offered) == list(TYPES)
    assert offered["block"]["label"] == "Refuse the order"
    assert offered["block"]["starting"] == {"type": "block", "message": {"en": "", "zh": ""}}
    assert [m[0] for m in offered["refund"]["members"]] == ["amount", "reason"]


def test_the_designer_alone_checks_every_action_type():
    """Definitions are checked when saved, by `orderloom check` and in editors: the
    designer layer must do it without importing the runtime."""
    script = """
import sys
from orderloom.designer.validation import validate_order_type
from tests.designer.samples import retail
d = retail()
d["rules"][0]["then"] = [
    {"type": "set_field", "field": "notte", "value": "1"},
    {"type": "require_approval", "approval": "manager"},
    {"type": "refund", "amount": "totl"},
    {"type": "create_shipment", "carrier": "sf", "carrier_field": "total"},
    {"type": "notify", "to": {"roles": ["staf"]}, "template": "{{ order.number"},
]
for p in validate_order_type(d):
    print(p.pointer, p.message.split(";")[0])
print(sorted(m for m in sys.modules if m.startswith("orderloom.runtime")))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[-1] == "[]"
    assert "/rules/0/then/0/field there is no field 'notte'" in out
    assert "/rules/0/then/1/approval there is no approval 'manager'" in out
    assert "/rules/0/then/2/amount unknown field 'totl'" in out
    assert any(line.startswith("/rules/0/then/3/carrier_field 'total' is a computed field")
               for line in out)
    assert "/rules/0/then/4/to/roles/0 there is no role 'staf'" in out
    assert any(line.startswith("/rules/0/then/4/template template error") for line in out)
