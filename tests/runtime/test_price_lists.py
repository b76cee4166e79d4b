"""Price lists over the API: who may read and change them, what is refused and where,
and the audit trail of each change."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from orderloom.platform import accounts
from orderloom.runtime.audit import SYSTEM, AuditEvent
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE

URL = "/api/v1/price-lists"
WHOLESALE = {"code": "wholesale", "name": "Wholesale", "currency": "CNY",
             "customer_tier": "wholesale", "valid_from": "2026-01-01",
             "valid_to": "2026-12-31",
             "prices": [{"sku": "TEA-01", "price": "1100.00"},
                        {"sku": "TEA-01", "min_quantity": 10, "price": "990.00"},
                        {"sku": "CUP-02", "price": 15}]}


@pytest.fixture
def admin(client, token_for, published):
    admin = bearer(token_for("admin"))
    for sku, price in (("TEA-01", "1250.50"), ("CUP-02", "19.90"), ("MUG-350", None)):
        assert client.post("/api/v1/products", headers=admin, json={
            "sku": sku, "name": sku, "attributes": {"price": price} if price else {}
        }).status_code == 201
    assert client.post("/api/v1/customers", headers=admin, json={
        "code": "C-7", "name": "Zhou Li", "attributes": {"tier": "wholesale"}}).status_code == 201
    return admin


def test_an_admin_adds_a_list_and_reads_it_back(client, token_for, admin, db):
    created = client.post(URL, headers=admin, json=WHOLESALE)
    assert created.status_code == 201, created.get_json()
    read = client.get(f"{URL}/wholesale", headers=admin).get_json()
    assert read == {**WHOLESALE, "channel": None, "customer": None, "prices": [
        {"sku": "CUP-02", "min_quantity": 1, "price": "15.00"},
        {"sku": "TEA-01", "min_quantity": 1, "price": "1100.00"},
        {"sku": "TEA-01", "min_quantity": 10, "price": "990.00"}]}
    assert [p["code"] for p in client.get(URL, headers=admin).get_json()] == ["wholesale"]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "price_list.created")).one()
    assert event.subject_id == "wholesale" and event.details["prices"] == 3


def test_a_list_is_replaced_and_deleted_with_the_change_on_the_audit_trail(client, admin, db):
    assert client.post(URL, headers=admin, json=WHOLESALE).status_code == 201
    changed = client.put(f"{URL}/wholesale", headers=admin, json={
        **WHOLESALE, "valid_to": None, "prices": [{"sku": "TEA-01", "price": "1000"}]})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["prices"] == [{"sku": "TEA-01", "min_quantity": 1,
                                             "price": "1000.00"}]
    assert client.delete(f"{URL}/wholesale", headers=admin).status_code == 204
    assert client.get(f"{URL}/wholesale", headers=admin).status_code == 404
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "price_list.changed")).one()
    assert event.details["before"]["prices"] == 3 and event.details["after"]["prices"] == 1
    assert event.details["before"]["valid_to"] == "2026-12-31"
    assert event.details["after"]["valid_to"] is None
    assert db.scalars(select(AuditEvent.action).where(
        AuditEvent.action == "price_list.deleted")).all() == ["price_list.deleted"]


def test_only_a_price_manager_may_change_lists(client, token_for, admin):
    for role in ("staff", "designer", "viewer"):
        response = client.post(URL, headers=bearer(token_for(role)), json=WHOLESALE)
        assert response.status_code == 403, role
    assert client.get(URL).status_code == 401


def test_a_second_list_with_a_taken_code_is_a_conflict(client, admin):
    assert client.post(URL, headers=admin, json=WHOLESALE).status_code == 201
    again = client.post(URL, headers=admin, json=WHOLESALE)
    assert again.status_code == 409
    assert again.get_json()["errors"][0]["pointer"] == "/code"


@pytest.mark.parametrize(("change", "pointer", "words"), [
    ({"prices": [{"sku": "TEA-01", "price": "-1.00"}]}, "/prices/0/price", "negative"),
    ({"prices": [{"sku": "TEA-01", "price": "1.005"}]}, "/prices/0/price", "decimal places"),
    ({"prices": [{"sku": "TEA-01", "price": "1" * 20}]}, "/prices/0/price", "larger than"),
    ({"prices": [{"sku": "TEA-01", "price": "1e5"}]}, "/prices/0/price", "exponent"),
    ({"prices": [{"sku": "TEA-01", "price": "NaN"}]}, "/prices/0/price", "finite"),
    ({"prices": [{"sku": "TEA-01", "price": "1"}, {"sku": "CUP-02", "price": "1"},
                 {"sku": "TEA-01", "min_quantity": 1, "price": "2"}]},
     "/prices/2/min_quantity", "at /prices/0"),
    ({"prices": [{"sku": "TEA-01", "min_quantity": 0, "price": "1"}]},
     "/prices/0/min_quantity", "less than the minimum of 1"),
    ({"prices": [{"sku": "TEA-01", "min_quantity": 10**12, "price": "1"}]},
     "/prices/0/min_quantity", "greater than the maximum of 1000000000"),
    ({"prices": [{"sku": "CUP-02", "price": "1"}, {"sku": "NOPE-9", "price": "1"}]},
     "/prices/1/sku", "no product 'NOPE-9'"),
    ({"currency": "XYZ"}, "/currency", "not a currency"),
    ({"currency": "cny"}, "/currency", "not a currency"),
    ({"channel": "tmall"}, "/channel", "no channel 'tmall'"),
    ({"customer": "C-404"}, "/customer", "no customer 'C-404'"),
    ({"valid_from": "2026-02-30"}, "/valid_from", "not a date"),
    ({"valid_to": "2025-12-31"}, "/valid_to", "before valid_from"),
])
def test_a_bad_list_is_refused_at_its_pointer_and_nothing_is_stored(client, admin, change,
                                                                    pointer, words):
    response = client.post(URL, headers=admin, json={**WHOLESALE, **change})
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["errors"][0]
    assert error["pointer"] == pointer
    assert words in error["detail"]
    assert client.get(URL, headers=admin).get_json() == []


def test_a_bad_replacement_keeps_the_list_as_it_was(client, admin):
    assert client.post(URL, headers=admin, json=WHOLESALE).status_code == 201
    response = client.put(f"{URL}/wholesale", headers=admin, json={
        **WHOLESALE, "prices": [{"sku": "TEA-01", "price": "5"}, {"sku": "X", "price": "1"}]})
    assert response.status_code == 422
    assert len(client.get(f"{URL}/wholesale", headers=admin).get_json()["prices"]) == 3


def test_a_list_for_a_known_channel_and_customer_is_taken(client, admin):
    response = client.post(URL, headers=admin, json={
        "code": "zhou", "currency": "JPY", "channel": "manual", "customer": "C-7",
        "prices": [{"sku": "MUG-350", "price": "1200"}]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == "zhou"
    assert response.get_json()["prices"][0]["price"] == "1200"  # the yen has no places


def test_a_lists_prices_are_replaced_from_an_xlsx_file_and_a_bad_row_is_named(client, admin,
                                                                             db):
    from io import BytesIO

    from openpyxl import Workbook

    assert client.post(URL, headers=admin, json=WHOLESALE).status_code == 201

    def upload(rows):
        book = Workbook()
        for row in rows:
            book.active.append(row)
        content = BytesIO()
        book.save(content)
        return client.put(f"{URL}/wholesale/prices-file", headers=admin,
                          data={"file": (BytesIO(content.getvalue()), "prices.xlsx")},
                          content_type="multipart/form-data")

    replaced = upload([["SKU", "Min quantity", "Price"], ["TEA-01", 1, 1080.5],
                       ["TEA-01", 20, "950"], ["CUP-02", None, 14]])
    assert replaced.status_code == 200, replaced.get_json()
    assert replaced.get_json()["prices"] == [
        {"sku": "CUP-02", "min_quantity": 1, "price": "14.00"},
        {"sku": "TEA-01", "min_quantity": 1, "price": "1080.50"},
        {"sku": "TEA-01", "min_quantity": 20, "price": "950.00"}]
    assert replaced.get_json()["customer_tier"] == "wholesale"  # the terms stay
    bad = upload([["sku", "price"], ["TEA-01", 1], ["MUG-350", -2]])
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == [{"pointer": "/file",
                                         "detail": "row 3, price: must not be negative"}]
    no_price = upload([["sku", "cost"], ["TEA-01", 1]])
    assert no_price.status_code == 422
    assert "no price column" in no_price.get_json()["errors"][0]["detail"]
    assert len(client.get(f"{URL}/wholesale", headers=admin).get_json()["prices"]) == 3
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "price_list.changed")).one()
    assert event.details["file"] == "prices.xlsx" and event.details["prices_before"] == 3


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_requests_changing_one_list_at_once_take_turns(app, client, admin):
    # On PostgreSQL the second replacement of a list's breaks collided with the first
    # and failed; now each waits for the one before and works on what it stored.
    from tests.runtime.test_concurrency import run_together

    clients = [app.test_client() for _ in range(4)]
    prices = [f"{1000 + i}.00" for i in range(4)]

    def change(i):
        if i == 3:
            return clients[i].delete(f"{URL}/wholesale", headers=admin).status_code
        return clients[i].put(f"{URL}/wholesale", headers=admin, json={
            **WHOLESALE, "prices": [{"sku": "TEA-01", "price": prices[i]},
                                    {"sku": "CUP-02", "price": prices[i]}]}).status_code

    for _ in range(3):
        assert client.post(URL, headers=admin, json=WHOLESALE).status_code == 201
        statuses = run_together(4, change)
        assert set(statuses) <= {200, 204, 404}, statuses
        assert 204 in statuses
    # Two adding the same code at once: one is stored, the other told so.
    added = run_together(2, lambda i: clients[i].post(URL, headers=admin, json={
        **WHOLESALE, "code": "twin"}).status_code)
    assert sorted(added) == [201, 409]


def test_negotiated_prices_are_read_only_by_those_who_may_see_them(
        client, token_for, admin, make_user, db):
    # Anyone with orders.view once read every list, and any customer's price.
    assert client.post(URL, headers=admin, json=WHOLESALE).status_code == 201
    staff = bearer(token_for("staff"))
    assert client.get(URL, headers=staff).status_code == 403
    assert client.get(f"{URL}/wholesale", headers=staff).status_code == 403
    asked = "/api/v1/products/TEA-01/unit-price?currency=CNY&customer=C-7"
    assert client.get(asked, headers=staff).get_json()["price"] == "1100.00"
    # A seller of one channel, who may not look customers up.
    assert client.post("/api/v1/roles", headers=admin, json={
        "name": "north_sales", "permissions": ["orders.view"],
        "row_rule": "my_channels"}).status_code == 201
    seller = make_user("north_sales")
    assert client.patch(f"/api/v1/users/{seller.id}", headers=admin,
                        json={"channels": ["manual"]}).status_code == 200
    token = bearer(accounts.issue_token(db, SYSTEM, seller, "test")[1])
    db.commit()
    price = "/api/v1/products/TEA-01/unit-price?currency=CNY"
    assert client.get(price + "&channel=manual", headers=token).status_code == 200
    assert client.get(price + "&channel=tmall", headers=token).status_code == 403
    assert client.get(price + "&customer=C-7", headers=token).status_code == 403
    # Whoever may not see the lines' money of an order type is told no price at all.
    hidden = retail()
    hidden["key"] = "hidden_prices"
    items = next(f for f in hidden["form"]["fields"] if f["key"] == "items")
    next(c for c in items["fields"] if c["key"] == "price")["access"] = {
        "see": ["admin", "staff"]}
    assert client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [hidden]}).status_code == 201
    assert client.get(price, headers=bearer(token_for("viewer"))).status_code == 403
    assert client.get(price, headers=staff).status_code == 200


def test_a_code_no_address_can_reach_is_refused_at_its_pointer(client, admin):
    # "a/b" was stored, and /price-lists/a/b then found nothing to change or delete.
    for code in ("a/b", "a b", "?x", "-lead", "价格"):
        refused = client.post(URL, headers=admin, json={**WHOLESALE, "code": code})
        assert refused.status_code == 422, code
        assert [e["pointer"] for e in refused.get_json()["errors"]] == ["/code"]
    assert client.get(URL, headers=admin).get_json() == []


@pytest.fixture
def far_zone():
    """A time zone whose date is not UTC's right now (one of the two always differs)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from orderloom.runtime import business_calendar

    now = dt.datetime.now(dt.UTC)
    zone = next(name for name in ("Pacific/Kiritimati", "Pacific/Pago_Pago")
                if now.astimezone(ZoneInfo(name)).date() != now.date())
    business_calendar.use_time_zone(zone)
    yield now.astimezone(ZoneInfo(zone)).date()
    business_calendar.use_time_zone("UTC")  # the zone is the process's: leave it as found


def test_lists_are_valid_by_the_instances_date_not_utcs(client, token_for, admin, far_zone):
    # "Today" was the UTC date, a day off for an instance far from Greenwich.
    day = far_zone.isoformat()
    assert client.post(URL, headers=admin, json={
        "code": "today", "currency": "CNY", "valid_from": day, "valid_to": day,
        "prices": [{"sku": "TEA-01", "price": "999.00"}]}).status_code == 201
    asked = client.get("/api/v1/products/TEA-01/unit-price?currency=CNY",
                       headers=bearer(token_for("staff"))).get_json()
    assert (asked["price"], asked["price_list"]) == ("999.00", "today")
    order = client.post("/api/v1/orders", headers=bearer(token_for("staff")), json={
        "order_type": "retail_order", "data": {**SAMPLE, "items": [
            {"sku": "TEA-01", "qty": 1}]}})
    assert order.status_code == 201, order.get_json()
    assert order.get_json()["data"]["items"][0]["price"] == "999.00"
