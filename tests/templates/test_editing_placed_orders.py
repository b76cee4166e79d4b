"""The built-in templates on the order desk: an edit of a placed order that takes the
total over the review limit goes back to that review, and its stock follows."""
from __future__ import annotations

from orderloom.platform import templates
from tests.platform.test_api_tokens import bearer
from tests.templates.samples import sample


def test_a_retail_order_raised_over_the_review_limit_goes_back_to_review(
        db, client, token_for, actions):
    templates.import_template(db, "test", "retail")
    db.commit()
    staff = bearer(token_for("staff"))
    example = sample("retail")
    order = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "retail_order", "data": example["data"]}).get_json()
    assert order["state"] == "ready"
    number = order["number"]
    routed = client.post(f"/api/v1/orders/{number}/transitions/route", headers=staff)
    assert routed.status_code == 200, routed.get_json()
    lines = [dict(line) for line in example["data"]["items"]]
    lines[1]["qty"] = 2  # one more mug, held beside the first
    edited = client.patch(f"/api/v1/orders/{number}", headers=staff,
                          json={"data": {"items": lines}})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["state"] == "picking"
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    assert [(m["sku"], m["change"]) for m in timeline[-1]["details"]["stock"]] == [
        ("MUG-350", 1)]

    # A discount agreed afterwards: the total follows, the stock stays.
    discounted = client.patch(f"/api/v1/orders/{number}", headers=staff,
                              json={"data": {"discount": "25.00"}})
    assert discounted.status_code == 200, discounted.get_json()
    entry = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()[-1]
    assert (entry["kind"], entry["details"]["total"], entry["details"]["stock"]) == (
        "edit_difference", ["241.00", "221.00"], [])
    actions.login_as("staff")
    page = client.get(f"/orders/{number}").get_data(as_text=True)
    assert "edit changed the total from 241.00 CNY to 221.00 CNY." in page
    chinese = client.get(f"/orders/{number}", headers={"Accept-Language": "zh"}
                         ).get_data(as_text=True)
    assert "的修改使合计由 241.00 CNY 变为 221.00 CNY。" in chinese

    lines[0]["price"] = "11000.00"  # 2 x 11000: over the risk review's 20000
    raised = client.patch(f"/api/v1/orders/{number}", headers=staff,
                          json={"data": {"items": lines}})
    assert raised.status_code == 200, raised.get_json()
    assert raised.get_json()["state"] == "review"
    edited_entry = next(e for e in reversed(client.get(
        f"/api/v1/orders/{number}/timeline", headers=staff).get_json())
        if e["kind"] == "edited")
    assert edited_entry["details"]["rules"] == [{"key": "over_review_limit"}]


def test_a_wholesale_order_raised_over_the_manager_limit_goes_back_to_the_manager(
        db, client, token_for):
    templates.import_template(db, "test", "wholesale")
    db.commit()
    staff = bearer(token_for("staff"))
    example = sample("wholesale")
    number = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "wholesale_order", "data": example["data"]}).get_json()["number"]
    submitted = client.post(f"/api/v1/orders/{number}/transitions/submit", headers=staff)
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["state"] == "confirmed"  # 12,475.20: no approval needed
    lines = [dict(line) for line in example["data"]["items"]]
    lines[1]["qty"] = 80  # 80 drills: over the manager's 50,000, within the credit limit
    raised = client.patch(f"/api/v1/orders/{number}", headers=staff,
                          json={"data": {"items": lines}})
    assert raised.status_code == 200, raised.get_json()
    assert raised.get_json()["state"] == "manager_approval"


def test_a_wholesale_order_with_a_back_ordered_line_can_lower_another_line(
        db, client, token_for):
    # Once the edit asked for every unit the lines want, so the back-ordered drills were
    # reserved afresh (refused at the drill line nobody touched) when the bolts went down.
    templates.import_template(db, "test", "wholesale")
    db.commit()
    admin, staff = bearer(token_for("admin")), bearer(token_for("staff"))
    definition = templates.load("wholesale")["order_types"][0]
    definition["key"] = "wholesale_held"
    submit = next(t for t in definition["workflow"]["transitions"] if t["key"] == "submit")
    submit["actions"] = [{"type": "reserve_stock"}]
    imported = client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, imported.get_json()
    for warehouse, units in (("DC-EAST", 147), ("DC-SOUTH", 120), ("DC-WEST", 60)):
        adjusted = client.post("/api/v1/stock/adjustments", headers=admin, json={
            "sku": "DRILL-18V", "warehouse": warehouse, "change": -units,
            "reference": "count"})
        assert adjusted.status_code == 201, adjusted.get_json()
    example = sample("wholesale")  # 100 boxes of bolts, 10 drills: 3 drills in stock
    number = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "wholesale_held", "data": example["data"]}).get_json()["number"]
    submitted = client.post(f"/api/v1/orders/{number}/transitions/submit", headers=staff)
    assert submitted.status_code == 200, submitted.get_json()

    def held():
        return {(row["sku"], row["warehouse"]): row["reserved"]
                for row in client.get("/api/v1/stock", headers=admin).get_json()
                if row["reserved"]}

    assert held() == {("BOLT-M8-100", "DC-SOUTH"): 100}  # the drills are back-ordered
    lines = [dict(line) for line in example["data"]["items"]]
    lines[0]["qty"] = 60
    edited = client.patch(f"/api/v1/orders/{number}", headers=staff,
                          json={"data": {"items": lines}})
    assert edited.status_code == 200, edited.get_json()
    assert held() == {("BOLT-M8-100", "DC-SOUTH"): 60}
    entry = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()[-1]
    assert entry["details"]["stock"] == [
        {"sku": "BOLT-M8-100", "warehouse": "DC-SOUTH", "change": -40}]
