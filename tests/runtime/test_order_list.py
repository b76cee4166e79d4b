"""Finding orders, and acting on many at once."""
from __future__ import annotations

from tests.channels.support import create_channel
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE, create

# Over the 5000 of manager_review's `when`: submitted, it waits in review for approval.
BIG = {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 5, "price": "1250.50"}]}


def numbers(client, headers, query=""):
    response = client.get(f"/api/v1/orders{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [o["number"] for o in response.get_json()["orders"]]


def test_filters_by_state_channel_customer_tag_field_and_text(client, staff, token_for):
    # Orders entered by hand carry a channel of the manual kind, such as phone orders.
    create_channel(client, bearer(token_for("admin")), key="phone", kind="manual")
    a = create(client, staff, BIG).get_json()["number"]
    b = create(client, staff, {**SAMPLE, "priority": "rush",
                               "customer": {"code": "C2", "name": "Zhang San"}},
               channel="phone").get_json()["number"]
    c = create(client, staff, {**SAMPLE, "note": "请在周末送达"}).get_json()["number"]
    client.post(f"/api/v1/orders/{a}/transitions/submit", headers=staff)
    assert numbers(client, staff, "?state=review") == [a]
    assert numbers(client, staff, "?state=review,draft") == [c, b, a]
    assert numbers(client, staff, "?channel=phone") == [b]
    assert numbers(client, staff, "?customer=C2") == [b]
    assert numbers(client, staff, "?customer=zhang") == [b]
    assert numbers(client, staff, "?tag=rush") == [b]
    assert numbers(client, staff, "?field.priority=rush") == [b]
    assert numbers(client, staff, "?q=周末") == [c]
    assert numbers(client, staff, f"?q={a.lower()}") == [a]
    assert numbers(client, staff, "?q=100%25") == []  # a literal %, not a wildcard


def test_date_filters_take_whole_days(client, staff):
    number = create(client, staff).get_json()["number"]
    today = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["created_at"][:10]
    assert numbers(client, staff, f"?created_from={today}&created_to={today}") == [number]
    assert numbers(client, staff, "?created_to=2020-01-01") == []


def test_bad_filter_values_are_422_naming_the_parameter(client, staff):
    body = assert_problem(client.get("/api/v1/orders?created_from=yesterday", headers=staff),
                          422)
    assert body["errors"][0]["parameter"] == "created_from"
    body = assert_problem(client.get("/api/v1/orders?limit=0", headers=staff), 422)
    assert body["errors"][0]["parameter"] == "limit"
    assert_problem(client.get("/api/v1/orders?limit=ten", headers=staff), 422)
    assert_problem(client.get("/api/v1/orders?order_type=nope", headers=staff), 404)


def test_bulk_transition_reports_each_order(client, staff):
    first = create(client, staff, BIG).get_json()["number"]
    second = create(client, staff, BIG).get_json()["number"]
    client.post(f"/api/v1/orders/{second}/transitions/submit", headers=staff)
    response = client.post("/api/v1/orders/bulk/transitions/submit", headers=staff,
                           json={"numbers": [first, second, "SO-999999"]})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert results[0] == {"number": first, "status": 200, "state": "review"}
    assert results[1]["status"] == 409
    assert "cannot be taken from state 'review'" in results[1]["detail"]
    assert results[2] == {"number": "SO-999999", "status": 404,
                          "detail": "there is no order SO-999999"}
    assert numbers(client, staff, "?state=review") == [second, first]
