"""A query parameter, an upload option or a header the API cannot use is a 422 that
names it, like every other bad input (no bare 400 saying nothing of where)."""
from __future__ import annotations

import io

import pytest

from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import create


def _named(response, name: str) -> str:
    body = assert_problem(response, 422)
    assert [(e["parameter"], e["pointer"]) for e in body["errors"]] == [(name, f"/{name}")]
    return body["errors"][0]["detail"]


@pytest.mark.parametrize("value", ["abc", "0", "-1", "99999999999999999999", "²", "1.5"])
def test_the_diff_names_the_version_it_cannot_read(client, published, value):
    for name in ("from", "to"):
        response = client.get("/api/v1/order-types/retail_order/diff",
                              query_string={name: value}, headers=published)
        assert _named(response, name) == "give a version number (1, 2, ...) or draft"


def test_the_diff_still_reads_numbers_and_draft(client, published):
    same = client.get("/api/v1/order-types/retail_order/diff?from=1&to=DRAFT",
                      headers=published)
    assert same.status_code == 200 and same.get_json() == {"changes": []}
    assert_problem(client.get("/api/v1/order-types/retail_order/diff?from=2",
                              headers=published), 404)


def test_upload_options_name_themselves(client, token_for):
    admin = bearer(token_for("admin"))
    stock = client.post("/api/v1/stock/import?mode=add", headers=admin, data={
        "file": (io.BytesIO(b"sku,warehouse,quantity\n"), "stock.csv")})
    assert _named(stock, "mode") == "must be receive or set"
    customers = client.post("/api/v1/customers/import", headers=admin, data={
        "skip_bad_rows": "maybe", "file": (io.BytesIO(b"code,name\nC1,Li\n"), "c.csv")})
    assert _named(customers, "skip_bad_rows") == "must be true or false"
    assert client.get("/api/v1/customers", headers=admin).get_json()["customers"] == []


def test_headers_the_api_cannot_use_are_named(client, token_for, published):
    staff = bearer(token_for("staff"))
    long_key = client.post("/api/v1/orders", headers={**staff, "Idempotency-Key": "k" * 256},
                           json={"order_type": "retail_order", "data": {}})
    assert _named(long_key, "Idempotency-Key") == "must be 1 to 255 characters"
    number = create(client, staff).get_json()["number"]
    bad_etag = client.patch(f"/api/v1/orders/{number}", headers={**staff, "If-Match": "x"},
                            json={"data": {"note": "n"}})
    assert _named(bad_etag, "If-Match") == "must be the order's ETag, e.g. \"3\""
    assert "note" not in client.get(f"/api/v1/orders/{number}", headers=staff).get_json()[
        "data"]


def test_a_body_that_is_not_json_says_where_it_stops_being_json(client, token_for):
    staff = bearer(token_for("staff"))
    response = client.post("/api/v1/orders", headers=staff, content_type="application/json",
                           data='{"order_type": "retail_order",\n "data": {"note": x}}')
    body = assert_problem(response, 400)
    assert body["detail"] == "the request body is not valid JSON"
    assert body["errors"] == [{"pointer": "", "detail": "Expecting value at line 2, "
                                                        "column 19"}]
