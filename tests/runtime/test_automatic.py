"""Automatic `when` transitions: the order moves by itself, in a bounded chain."""
from __future__ import annotations

from tests.runtime.support import SAMPLE, create
from tests.runtime.test_approvals import people as people  # noqa: F401 - a fixture
from tests.runtime.test_approvals import publish, timeline


def test_a_when_move_and_an_automatic_approval_chain_on_creation(client, token_for, people):
    def change(definition):
        definition["workflow"]["automatic"].append(
            {"key": "fast_track", "from": "draft", "to": "review",
             "when": 'customer.tier = "gold"'})
    publish(client, token_for, change)
    order = create(client, people["staff"], SAMPLE).get_json()
    assert order["state"] == "confirmed"  # draft -> review (gold) -> confirmed (<= 5000)
    moves = [(e["kind"], e["actor"], e["from_state"], e["to_state"])
             for e in timeline(client, people["staff"], order["number"]) if e["to_state"]]
    assert moves == [("created", "zhao.lei", None, "draft"),
                     ("automatic", "system", "draft", "review"),
                     ("approval", "system", "review", "confirmed")]
    silver = create(client, people["staff"], {**SAMPLE, "customer": {
        "code": "C9", "name": "Sun Li", "tier": "silver"}}).get_json()
    assert silver["state"] == "draft"


def test_moves_that_go_round_in_circles_stop_after_twenty(client, token_for, people):
    def change(definition):
        workflow = definition["workflow"]
        workflow["approvals"][0]["when"] = "total > 0"  # needs people: never waved through
        workflow["automatic"] += [
            {"key": "there", "from": "draft", "to": "review", "when": "total > 0"},
            {"key": "back", "from": "review", "to": "draft", "when": "total > 0"}]
    publish(client, token_for, change)
    order = create(client, people["staff"], SAMPLE).get_json()
    entries = timeline(client, people["staff"], order["number"])
    assert [e["kind"] for e in entries].count("automatic") == 20
    assert entries[-1]["kind"] == "automatic_stopped"
    assert order["state"] == "draft"  # an even number of moves
