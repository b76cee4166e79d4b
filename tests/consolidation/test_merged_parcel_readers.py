"""A merge's one parcel is booked under its first order, and every order of the merge
shows it as its own: the API, the order page's shipments box (which says which other
orders share it, of those the reader may see), and the customer's tracking page."""
from __future__ import annotations

from sqlalchemy import update

from orderloom.runtime.orders.models import Order
from tests.conftest import csrf_from
from tests.consolidation.conftest import shop_clerk
from tests.consolidation.test_desk_pages import page, said
from tests.consolidation.test_merged_parcel_news import merged_parcel, news


def parcels(client, headers, number):
    found = client.get(f"/api/v1/orders/{number}/shipments", headers=headers)
    assert found.status_code == 200, found.get_json()
    return found.get_json()["shipments"]


def test_every_order_of_a_merge_lists_the_shared_parcel_with_its_news(client, staff):
    # Only the first order listed the parcel; the others had no shipment at all.
    orders, shipment = merged_parcel(client, staff, "SF500600700")
    assert news(client, staff, shipment, "in_transit",
                "2026-01-05T09:00:00+08:00").status_code == 201
    for number in orders:
        [parcel] = parcels(client, staff, number)
        assert (parcel["id"], parcel["carrier"], parcel["tracking_number"],
                parcel["status"], parcel["order"]) == (
            shipment, "sf", "SF500600700", "in_transit", number)
        assert sorted(e["status"] for e in parcel["events"]) == ["in_transit", "label_created"]
        assert parcel["shared_with"] == [n for n in orders if n != number]
        assert parcel["tracking_url"] == parcels(client, staff, orders[0])[0]["tracking_url"]


def test_an_order_shipped_on_its_own_shares_its_parcel_with_no_one(client, staff):
    from tests.consolidation.conftest import buyer, item, place_for

    number = place_for(client, staff, buyer(code="C9"), [item("CUP-02", 1)])
    booked = client.post(f"/api/v1/orders/{number}/shipments", headers=staff,
                         json={"carrier": "sf", "tracking_number": "SF500600709"})
    assert booked.status_code == 201, booked.get_json()
    [parcel] = parcels(client, staff, number)
    assert (parcel["tracking_number"], parcel["shared_with"]) == ("SF500600709", [])


def test_a_clerk_sees_the_shared_parcel_named_with_only_the_orders_they_may_see(
        client, staff, admin, db, make_user):
    orders, _shipment = merged_parcel(client, staff, "SF500600701")
    first, second, third = orders
    db.execute(update(Order).where(Order.number.in_([first, third])).values(channel="pos"))
    db.execute(update(Order).where(Order.number == second).values(channel="shop"))
    db.commit()
    headers = shop_clerk(client, admin, db, make_user)
    [parcel] = parcels(client, headers, second)
    assert (parcel["tracking_number"], parcel["shared_with"]) == ("SF500600701", [])
    assert client.get(f"/api/v1/orders/{first}/shipments", headers=headers).status_code == 404


def test_the_order_page_of_every_merged_order_shows_the_parcel_and_takes_its_news(
        client, staff, actions):
    orders, shipment = merged_parcel(client, staff, "SF500600702")
    first, second, third = orders
    actions.login_as("staff")
    shown = page(client, f"/orders/{second}")
    box = shown[shown.index('id="shipments"'):]
    assert f'data-shipment="{shipment}"' in box and "SF500600702" in box
    assert f"One parcel shared with {first}, {third}" in box
    # Staff on the second order's page record the courier's news of the shared parcel.
    token = csrf_from(shown)
    recorded = client.post(f"/orders/{second}/shipments/{shipment}/events", data={
        "csrf_token": token, "status": "out_for_delivery", "location": "Hangzhou"},
        follow_redirects=True)
    assert "Out for delivery recorded for SF500600702." in said(
        recorded.get_data(as_text=True))
    for number in orders:
        assert parcels(client, staff, number)[0]["status"] == "out_for_delivery"


def test_the_tracking_page_of_a_merged_parcel_names_each_order_it_carries(client, staff):
    # The page named the first order only, though the link went to every customer.
    orders, _shipment = merged_parcel(client, staff, "SF500600703")
    link = parcels(client, staff, orders[1])[0]["tracking_url"]
    shown = client.get(link.split("localhost", 1)[-1])
    assert shown.status_code == 200
    body = shown.get_data(as_text=True)
    assert "Orders in this parcel" in body
    assert all(f"{number} · " in body for number in orders)



def parcel_booked_by_ship(client, staff, admin):
    """Three orders merged, whose first order's Ship move books the parcel (the local
    courier) and takes only its own units off the shelf; staff record the payments.
    The parcel is then under way. Answers the orders and the parcel's id."""
    from tests.consolidation.conftest import buyer, item, place_for
    from tests.floor.conftest import floor_definition
    from tests.payments.conftest import staff_handle_money

    definition = staff_handle_money(floor_definition())
    ship = next(t for t in definition["workflow"]["transitions"] if t["key"] == "ship")
    ship["actions"] = [{"type": "deduct_stock"},
                       {"type": "create_shipment", "carrier": "local"}]
    imported = client.post("/api/v1/import?on_conflict=replace", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code in (200, 201), imported.get_json()
    orders = [place_for(client, staff, buyer(), [item(sku, 1)])
              for sku in ("CUP-02", "TEA-01", "POT-03")]
    merged = client.post("/api/v1/merges", headers=staff, json={"orders": orders})
    assert merged.status_code == 201, merged.get_json()
    moved = client.post(f"/api/v1/orders/{orders[0]}/transitions/ship", headers=staff)
    assert moved.status_code == 200, moved.get_json()
    [parcel] = parcels(client, staff, orders[1])
    assert news(client, staff, parcel["id"], "in_transit",
                "2026-01-05T09:00:00+08:00").status_code == 201
    return orders, parcel["id"]


def test_reconciliation_counts_every_order_of_a_shipped_merged_parcel_as_shipped(
        client, staff, admin):
    # Only the first order of the merge counted as shipped: the others, paid ten days
    # ago, were reported "paid, not shipped" although their parcel was under way.
    import io
    from datetime import timedelta

    from orderloom.db import utcnow
    from tests.consolidation.conftest import buyer, item, place_for
    from tests.payments.conftest import pay

    orders, _shipment = parcel_booked_by_ship(client, staff, admin)
    alone = place_for(client, staff, buyer(code="C7"), [item("MAT-04", 1)])
    paid_at = (utcnow() - timedelta(days=10)).isoformat()
    for number in [*orders, alone]:
        total = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["total"]
        paid = pay(client, staff, number, total, received_at=paid_at)
        assert paid.status_code == 201, paid.get_json()
    assert client.put("/api/v1/statement-mappings/alipay", headers=admin, json={
        "columns": {"reference": "Transaction ID", "amount": "Amount", "date": "Date"},
        "date_format": "%d/%m/%Y"}).status_code == 200
    statement = "Transaction ID,Amount,Date\nNOPE-1,1.00,01/01/2026\n"
    uploaded = client.post("/api/v1/statements?provider=alipay", headers=admin,
                           data={"file": (io.BytesIO(statement.encode()), "s.csv")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    found = client.get("/api/v1/mismatches?kind=paid_not_shipped", headers=admin)
    assert found.status_code == 200, found.get_json()
    assert [m["order"] for m in found.get_json()] == [alone]


def pick_all(client, headers, wave):
    """Walk the wave's pick list: each stop's bin, then each unit."""
    while True:
        shown = client.get(f"/api/v1/waves/{wave}", headers=headers).get_json()
        stop = shown["next_stop"]
        if stop is None:
            return
        if stop["bin"]:
            scanned = client.post(f"/api/v1/waves/{wave}/pick-scans", headers=headers,
                                  json={"code": stop["bin"]})
            assert scanned.get_json()["accepted"], scanned.get_json()
        for _unit in range(stop["quantity"] - stop["picked"]):
            scanned = client.post(f"/api/v1/waves/{wave}/pick-scans", headers=headers,
                                  json={"code": stop["barcode"] or stop["sku"]})
            assert scanned.get_json()["accepted"], scanned.get_json()


def test_the_waybill_of_a_merged_parcel_brings_each_of_its_orders_to_the_packing_bench(
        client, staff, admin):
    # Only the first order answered to the parcel's waybill: once it was packed, the
    # packer scanning the label for the others heard "scan an order first".
    from tests.consolidation.conftest import buyer, item, place_for
    from tests.consolidation.test_merging import shipping_books_a_parcel

    shipping_books_a_parcel(client, admin)
    orders = [place_for(client, staff, buyer(), [item(sku, 1)])
              for sku in ("CUP-02", "TEA-01", "POT-03")]
    assert client.post("/api/v1/merges", headers=staff,
                       json={"orders": orders}).status_code == 201
    planned = client.post("/api/v1/waves", headers=staff,
                          json={"warehouse": "HZ", "orders": orders})
    assert planned.status_code == 201, planned.get_json()
    wave = planned.get_json()["number"]
    pick_all(client, staff, wave)

    def pack(code, on_bench=None):
        answer = client.post(f"/api/v1/waves/{wave}/pack-scans", headers=staff,
                             json={"code": code, "order": on_bench})
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    barcodes = {"CUP-02": "6901002", "TEA-01": "6901001", "POT-03": "6901003"}
    assert pack(orders[0])["done"] == "order_on_bench"
    assert pack(barcodes["CUP-02"], orders[0])["done"] == "shipped"
    [parcel] = parcels(client, staff, orders[0])
    waybill = parcel["tracking_number"]
    for number, sku in zip(orders[1:], ("TEA-01", "POT-03"), strict=True):
        on_bench = pack(waybill)
        assert (on_bench["done"], on_bench["order"]) == ("order_on_bench", number)
        assert on_bench["values"]["parcel_orders"] == orders
        assert pack(barcodes[sku], number)["done"] == "shipped"
    # Every order of the wave is packed: the waybill has no order left to bring.
    assert pack(waybill)["refusal"] == "order_packed"
    assert [p["id"] for n in orders for p in parcels(client, staff, n)] == [parcel["id"]] * 3


def test_the_dashboards_count_every_order_of_a_merged_parcel_as_shipped_and_delivered(
        client, staff, db):
    # Only the first order of the merge had a shipment to measure: the fulfilment
    # figures and the share shipped within the SLA counted one order of three.
    from orderloom.db import utcnow
    from orderloom.runtime.reports import dashboards
    from orderloom.runtime.reports.dashboards import DashboardFilter
    from tests.consolidation.conftest import buyer, item, place_for

    orders, shipment = merged_parcel(client, staff, "SF500600705")
    alone = place_for(client, staff, buyer(code="C8"), [item("MAT-04", 1)])
    booked = client.post(f"/api/v1/orders/{alone}/shipments", headers=staff,
                         json={"carrier": "sf", "tracking_number": "SF500600706"})
    assert booked.status_code == 201, booked.get_json()
    for parcel in (shipment, booked.get_json()["id"]):
        assert news(client, staff, parcel, "in_transit",
                    utcnow().isoformat()).status_code == 201
    assert news(client, staff, shipment, "delivered", utcnow().isoformat()).status_code == 201
    stages = {row["stage"]: row["orders"]
              for row in dashboards.fulfilment_time(db, DashboardFilter())}
    assert stages == {"ordered_to_shipped": 4, "shipped_to_delivered": 3,
                      "ordered_to_delivered": 3}
    sla = dashboards.shipped_within_sla(db, DashboardFilter(sla_hours=1))
    assert (sla["shipped"], sla["within_sla"], sla["late"]) == (4, 4, 0)
    db.rollback()
