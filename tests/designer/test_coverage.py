"""The simulation exercises the draft: each rule and approval gets a sample on which it
fires, and the designer is told which could not be made to fire and why."""
from __future__ import annotations

from decimal import Decimal

import pytest

from orderloom.designer.blueprint import compile_blueprint
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer

# What the designer's "Generate a sample" gives: a total of 2 x 150 + 3 x 250 = 1050,
# far below every threshold of the draft.
GENERATED = {"customer": {"code": "C1", "name": "Li Wei", "tier": "gold"},
             "ship_to": {"country": "CN", "province": "Zhejiang", "city": "Hangzhou",
                         "street": "1 West Lake Rd"},
             "priority": "normal",
             "items": [{"sku": "TEA-01", "qty": 2, "price": "150.00"},
                       {"sku": "CUP-02", "qty": 3, "price": "250.00"}]}
COVER = "/api/v1/definitions/simulate/cover"


@pytest.fixture
def designer(client, token_for):
    return bearer(token_for("designer"))


def by_target(result):
    return {f"{t['kind']}:{t['key']}": t for t in result["targets"]}


def total_of(definition, data):
    return Decimal(compile_blueprint(definition).compute(data)["total"])


def test_every_rule_and_approval_fires_on_a_sample_though_the_generated_one_fires_none(
        client, designer):
    definition = retail()
    definition["workflow"]["approvals"].append(
        {"key": "rush_review", "state": "review", "approvers": {"roles": ["admin"]},
         "mode": "any", "when": "priority = \"rush\" AND total >= 3000",
         "approved": "confirmed", "rejected": "cancelled"})
    response = client.post(COVER, headers=designer,
                           json={"definition": definition, "data": GENERATED})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    targets = by_target(result)
    assert set(targets) == {"rule:rush_tag", "rule:big_order", "approval:manager_review",
                            "approval:rush_review"}
    assert all(t["fired"] for t in targets.values()), targets
    samples = result["samples"]
    # The threshold of the approval is crossed by the sample it names ...
    manager = samples[targets["approval:manager_review"]["sample"]]
    assert total_of(definition, manager["data"]) > 5000
    assert "approval:manager_review" in manager["fires"]
    # ... and so is that of the rule, on its own sample, with a valid order.
    big = samples[targets["rule:big_order"]["sample"]]
    assert total_of(definition, big["data"]) > 20000 and big["problems"] == []
    rush = samples[targets["approval:rush_review"]["sample"]]["data"]
    assert rush["priority"] == "rush" and total_of(definition, rush) >= 3000
    # Simulating the named sample shows the rule matching, as the designer will see it.
    simulated = client.post("/api/v1/definitions/simulate", headers=designer,
                            json={"definition": definition, "data": big["data"]}).get_json()
    assert {r["key"]: r["matched"] for r in simulated["rules"]}["big_order"] is True


def test_a_rule_that_cannot_fire_is_named_with_the_reason(client, designer):
    definition = retail()
    definition["rules"] += [
        {"key": "impossible", "when": "total < 0 AND total > 10",
         "then": [{"type": "add_tag", "tag": "never"}]},
        {"key": "constant", "when": "1 > 2", "then": [{"type": "add_tag", "tag": "never"}]},
        {"key": "off", "when": "TRUE", "enabled": False,
         "then": [{"type": "add_tag", "tag": "off"}]},
    ]
    targets = by_target(client.post(COVER, headers=designer, json={
        "definition": definition, "data": GENERATED}).get_json())
    assert targets["rule:impossible"]["fired"] is False
    assert targets["rule:impossible"]["code"] == "never_true"
    assert targets["rule:impossible"]["varied"] == "items.price, items.qty"
    assert "items.qty" in targets["rule:impossible"]["why"]
    assert "made its condition TRUE" in targets["rule:impossible"]["why"]
    assert targets["rule:constant"] == {
        "kind": "rule", "key": "constant", "label": "constant", "condition": "1 > 2",
        "fired": False, "code": "reads_nothing",
        "why": "its condition reads no value a person enters, and it is not TRUE for the "
               "sample"}
    assert targets["rule:off"]["why"] == "it is switched off, so it never runs"
    assert targets["rule:big_order"]["fired"] is True


def test_a_rule_that_asks_for_an_approval_makes_it_fire(client, designer):
    definition = retail()
    approval = definition["workflow"]["approvals"][0]
    approval["when"] = "FALSE"
    targets = by_target(client.post(COVER, headers=designer, json={
        "definition": definition, "data": GENERATED}).get_json())
    assert targets["approval:manager_review"]["fired"] is True
    assert targets["approval:manager_review"]["sample"] == targets["rule:big_order"]["sample"]


def test_choices_dates_and_booleans_are_solved_too(client, designer):
    definition = retail()
    definition["form"]["fields"] += [
        {"key": "gift", "type": "boolean", "label": {"en": "Gift"}},
        {"key": "due", "type": "date", "label": {"en": "Due"}},
    ]
    definition["form"]["layout"][1]["fields"] += ["gift", "due"]
    definition["rules"] = [
        {"key": "gift_late", "name": {"en": "Late gifts", "zh": "晚到的礼品"},
         "when": "gift AND due > DATE(2030, 1, 1) AND ship_to.province = \"Jiangsu\"",
         "then": [{"type": "add_tag", "tag": "late_gift"}]}]
    result = client.post(COVER, headers=designer, json={
        "definition": definition, "data": GENERATED, "language": "zh"}).get_json()
    target = by_target(result)["rule:gift_late"]
    assert target["fired"] is True and target["label"] == "晚到的礼品"
    data = result["samples"][target["sample"]]["data"]
    assert data["gift"] is True and data["due"] > "2030-01-01"
    assert data["ship_to"]["province"] == "Jiangsu"


def test_a_draft_with_problems_is_refused_with_pointers(client, designer, token_for):
    definition = retail()
    definition["rules"][0]["when"] = "priorty = \"rush\""
    problem = assert_problem(client.post(COVER, headers=designer, json={
        "definition": definition, "data": GENERATED}), 422)
    assert any(e["pointer"] == "/definition/rules/0/when" for e in problem["errors"])
    assert_problem(client.post(COVER, headers=bearer(token_for("staff")), json={
        "definition": retail(), "data": GENERATED}), 403)


def test_regression_a_range_no_step_falls_in_was_a_500(client, designer):
    """Once, a number field whose min and max left out every value the simulation tries
    gave it an empty list to pick from, and the request failed with a 500."""
    definition = retail()
    definition["form"]["fields"].append(
        {"key": "weight", "type": "number", "label": {"en": "Weight"}, "min": 2.5, "max": 2.9})
    definition["form"]["layout"][1]["fields"].append("weight")
    definition["rules"].append({"key": "heavy_rush", "then": [{"type": "add_tag", "tag": "h"}],
                                "when": "weight > 100 AND total > 0 AND priority = \"rush\""})
    response = client.post(COVER, headers=designer,
                           json={"definition": definition, "data": GENERATED})
    assert response.status_code == 200, response.get_json()
    heavy = by_target(response.get_json())["rule:heavy_rush"]
    assert heavy["fired"] is False
    assert "weight" in heavy["why"]


def review_approval(when):
    return {"key": "extra_review", "state": "review", "approvers": {"roles": ["admin"]},
            "mode": "any", "when": when, "approved": "confirmed", "rejected": "cancelled"}


def test_regression_an_approval_that_reads_a_rule_s_tag_was_said_never_to_fire(
        client, designer):
    """Once, the simulation judged an approval on the values before the rules' actions,
    so one that waits for a tag a rule adds (as entering the state sees it) never fired."""
    definition = retail()
    definition["rules"].append({"key": "vip", "when": "total > 2000",
                                "then": [{"type": "add_tag", "tag": "vip"}]})
    definition["workflow"]["approvals"].append(review_approval('"vip" IN tags'))
    response = client.post(COVER, headers=designer,
                           json={"definition": definition, "data": GENERATED})
    assert response.status_code == 200, response.get_json()
    extra = by_target(response.get_json())["approval:extra_review"]
    assert extra["fired"] is True, extra
    sample = response.get_json()["samples"][extra["sample"]]
    assert total_of(definition, sample["data"]) > 2000


def test_regression_an_approval_whose_condition_fails_was_said_never_to_fire(
        client, designer):
    """Once, a condition that fails (a division by zero) counted as not firing, while the
    engine makes such an approval required: a broken condition waves nothing through."""
    definition = retail()
    definition["workflow"]["approvals"].append(review_approval("total / (total - total) > 1"))
    response = client.post(COVER, headers=designer,
                           json={"definition": definition, "data": GENERATED})
    assert response.status_code == 200, response.get_json()
    assert by_target(response.get_json())["approval:extra_review"]["fired"] is True


def test_an_approval_on_the_channel_fires_for_orders_of_that_channel(client, designer):
    """Once, every sample was an order entered by hand, so an approval for orders from
    a file import was said never to fire."""
    definition = retail()
    definition["workflow"]["approvals"].append(review_approval('channel = "import"'))
    response = client.post(COVER, headers=designer,
                           json={"definition": definition, "data": GENERATED})
    assert response.status_code == 200, response.get_json()
    extra = by_target(response.get_json())["approval:extra_review"]
    assert extra["fired"] is True and extra["channel"] == "import", extra
    assert "channel" not in by_target(response.get_json())["approval:manager_review"]
