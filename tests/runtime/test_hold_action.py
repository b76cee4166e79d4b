"""The ``hold`` action: the order stays where it is, its reason shown beside its state,
until a person moves it on."""
from __future__ import annotations

from orderloom.runtime.engine.timer_firing import fire_due_timers
from tests.designer.samples import retail
from tests.runtime.support import SAMPLE, create
from tests.runtime.test_approvals import people as people  # noqa: F401 - a fixture
from tests.runtime.test_approvals import publish, state
from tests.runtime.test_timers import later

HOLD = {"type": "hold", "reason": {"en": "Call the customer about the address",
                                   "zh": "请致电客户核实地址"}}
SILVER = {**SAMPLE, "customer": {"code": "C9", "name": "Sun Li", "tier": "silver"}}


def holding_gold_customers(definition):
    definition["rules"].append({"key": "check_gold", "when": 'customer.tier = "gold"',
                                "then": [HOLD]})
    definition["workflow"]["automatic"].append(
        {"key": "fast_track", "from": "draft", "to": "review", "when": "total > 0"})


def test_a_held_order_stays_and_shows_why_until_a_person_moves_it(
        client, token_for, people, actions):
    publish(client, token_for, holding_gold_customers)
    held = create(client, people["staff"], SAMPLE).get_json()["number"]
    free = create(client, people["staff"], SILVER).get_json()["number"]
    assert state(client, people["staff"], held) == "draft"
    assert state(client, people["staff"], free) != "draft"  # fast_track took it on
    actions.login_as("staff")
    page = client.get(f"/orders/{held}").get_data(as_text=True)
    assert "On hold: Call the customer about the address" in page
    assert "On hold" not in client.get(f"/orders/{free}").get_data(as_text=True)
    listing = client.get("/orders").get_data(as_text=True)
    assert listing.count("On hold: Call the customer about the address") == 1
    chinese = client.get(f"/orders/{held}", headers={"Accept-Language": "zh-CN"})
    assert "暂停：请致电客户核实地址" in chinese.get_data(as_text=True)
    response = client.post(f"/api/v1/orders/{held}/transitions/submit",
                           headers=people["staff"])
    assert response.status_code == 200, response.get_json()
    assert "On hold" not in client.get(f"/orders/{held}").get_data(as_text=True)


def test_a_timer_does_not_move_a_held_order(client, token_for, people, db):
    publish(client, token_for, holding_gold_customers)  # auto_cancel: draft, after 24 h
    held = create(client, people["staff"], SAMPLE).get_json()["number"]
    fire_due_timers(db, later(25))
    assert state(client, people["staff"], held) == "draft"


def test_a_hold_needs_its_reason():
    from orderloom.designer.validation import validate_order_type

    definition = retail()
    definition["rules"].append({"key": "check", "when": "total > 0",
                                "then": [{"type": "hold"}]})
    problems = validate_order_type(definition)
    assert [(p.pointer, p.message) for p in problems] == [
        (f"/rules/{len(definition['rules']) - 1}/then/0", "'reason' is required")]
