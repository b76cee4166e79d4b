"""The built-in templates bring the promotions their businesses run: retail gives its
VIP buyers a tote with orders from 300; wholesale keeps a case discount as a draft to
backtest first."""
from __future__ import annotations

from orderloom.platform import templates
from tests.platform.test_api_tokens import bearer
from tests.templates.samples import sample


def test_a_retail_vip_order_from_300_gets_the_tote(db, client, token_for):
    templates.import_template(db, "test", "retail")
    db.commit()
    staff = bearer(token_for("staff"))
    example = sample("retail")["data"]
    vip = {**example, "customer": {"code": "C-1001", "name": "王芳 Wang Fang", "tier": "vip",
                                   "email": "wang.fang@example.com", "phone": "13800138001"},
           "items": [{"sku": "SNEAKER-42", "qty": 1, "price": "399.00"}]}
    response = client.post("/api/v1/orders", headers=staff,
                           json={"order_type": "retail_order", "data": vip})
    assert response.status_code == 201, response.get_json()
    timeline = client.get(f"/api/v1/orders/{response.get_json()['number']}/timeline",
                          headers=staff).get_json()
    gifts = [e["details"] for e in timeline if e["kind"] == "promotion"]
    assert [(g["step"], g["sku"], g["quantity"]) for g in gifts] == [
        ("gift", "TOTE-CANVAS", 1)]
    # The regular buyer of the sample order gets nothing.
    regular = client.post("/api/v1/orders", headers=staff,
                          json={"order_type": "retail_order", "data": example})
    timeline = client.get(f"/api/v1/orders/{regular.get_json()['number']}/timeline",
                          headers=staff).get_json()
    assert [e for e in timeline if e["kind"] == "promotion"] == []


def test_the_wholesale_case_discount_comes_as_a_draft(db, client, token_for):
    templates.import_template(db, "test", "wholesale")
    db.commit()
    rules = client.get("/api/v1/promotions", headers=bearer(token_for("admin"))).get_json()
    assert [(r["code"], r["active"]) for r in rules] == [("bolts-by-the-case", False)]
