"""HubSpot deals won become orders once, the customer keeps the CRM's id, and the
order's events reach the CRM as notes, against the local fake HubSpot of
tests/channels/fake_hubspot.py (which cites the documentation it follows)."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from orderloom.db import utcnow
from orderloom.platform.app import JOBS
from orderloom.runtime.channels.models import InboundOrder
from orderloom.runtime.customers.crm_links import CrmLink
from orderloom.runtime.jobs.models import DONE, PENDING, Job
from orderloom.runtime.orders.models import Order
from tests.channels.fake_hubspot import (
    CLIENT_SECRET,
    DEAL_ID,
    HUBSPOT_TOKEN,
    FakeHubSpot,
    deliver,
    stage_event,
)

# The merchant with the retail order type: tests/channels/conftest.py.
KEY = "hubspot"


@pytest.fixture
def crm():
    fake = FakeHubSpot()
    yield fake
    fake.close()


def connect(client, headers, url, **changes):
    response = client.post("/api/v1/crm-channels", headers=headers, json={
        "key": KEY, "name": "Sales CRM", "order_type": "retail_order", "api_url": url,
        "won_stages": ["closedwon"], "client_secret": CLIENT_SECRET,
        "access_token": HUBSPOT_TOKEN, **changes})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def counted(db, model):
    count = db.scalar(select(func.count()).select_from(model))
    db.rollback()
    return count


def test_a_won_deal_becomes_one_order_even_when_delivered_twice(client, db, retail, crm):
    connected = connect(client, retail, crm.url)
    assert connected["not_carried"] == [] and "closedwon" in connected["won_stages"]
    assert CLIENT_SECRET not in str(connected) and HUBSPOT_TOKEN not in str(connected)
    crm.won_deal()
    first = deliver(client, KEY, [stage_event()])
    assert first.status_code == 200, first.get_json()
    [deal] = first.get_json()["deals"]
    assert deal["status"] == "accepted" and deal["deal"] == DEAL_ID
    order = client.get(f"/api/v1/orders/{deal['order']}", headers=retail).get_json()
    assert [(line["sku"], line["qty"]) for line in order["data"]["items"]] == [
        ("MUG-350", 2), ("HOODIE-GRY-M", 1)]
    # Two mugs at 39 and a hoodie at 199 are 277; the deal's amount is 267.
    assert order["data"]["discount"] == "10.00" and order["total"] == "267.00"
    assert order["data"]["channel_order_no"] == "Blue Harbour spring order"
    assert order["data"]["ship_to"]["street"] == "88 Nanjing Road"
    # HubSpot retries the same webhook; then the deal leaves won and is won again.
    again = deliver(client, KEY, [stage_event()])
    assert again.get_json()["deals"][0]["status"] == "duplicate"
    assert again.get_json()["deals"][0]["order"] == deal["order"]
    deliver(client, KEY, [stage_event(stage="contractsent", event_id=2)])
    rewon = deliver(client, KEY, [stage_event(event_id=3)])
    assert rewon.get_json()["deals"][0]["order"] == deal["order"]
    assert counted(db, Order) == 1 and counted(db, InboundOrder) == 1
    # The deal was read from the CRM once: an order already here needs no reading.
    assert len(crm.made("GET", f"/crm/v3/objects/deals/{DEAL_ID}")) == 1


def test_a_deal_not_won_creates_nothing_and_reads_nothing(client, db, retail, crm):
    connect(client, retail, crm.url)
    crm.won_deal(stage="contractsent")
    answer = deliver(client, KEY, [stage_event(stage="contractsent")])
    assert answer.status_code == 200
    assert answer.get_json()["deals"][0]["status"] == "not_won"
    # An event naming won for a deal the CRM has moved on since: what the CRM holds counts.
    late = deliver(client, KEY, [stage_event(event_id=9)])
    assert late.get_json()["deals"][0]["status"] == "not_won"
    assert counted(db, Order) == 0 and counted(db, InboundOrder) == 0
    assert len(crm.made("GET", "/crm/v3/objects/deals/")) == 1


def test_the_won_stage_is_the_operators_not_a_name_in_code(client, db, retail, crm):
    connect(client, retail, crm.url, won_stages=["1043875"])  # a custom pipeline's stage
    crm.won_deal(stage="1043875")
    assert deliver(client, KEY, [stage_event(stage="closedwon")]).get_json()[
        "deals"][0]["status"] == "not_won"
    assert deliver(client, KEY, [stage_event(stage="1043875", event_id=5)]).get_json()[
        "deals"][0]["status"] == "accepted"


@pytest.mark.parametrize("how", ["forged", "stale", "unsigned"])
def test_a_forged_or_stale_webhook_is_refused_and_nothing_is_stored(client, db, retail, crm,
                                                                      how):
    connect(client, retail, crm.url)
    crm.won_deal()
    if how == "forged":
        response = deliver(client, KEY, [stage_event()], secret="not-the-client-secret")
    elif how == "stale":
        # Signed rightly, but six minutes ago: a captured request sent again.
        response = deliver(client, KEY, [stage_event()],
                           timestamp=str(int((time.time() - 360) * 1000)))
    else:
        response = deliver(client, KEY, [stage_event()], signature="")
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "nothing was stored" in response.get_json()["detail"]
    assert counted(db, Order) == 0 and counted(db, InboundOrder) == 0
    assert crm.requests == []


def test_a_rate_limited_crm_stores_nothing_and_asks_hubspot_to_retry(client, db, retail, crm):
    connect(client, retail, crm.url)
    crm.won_deal()
    crm.failures = [(429, {"Retry-After": "1"})]
    response = deliver(client, KEY, [stage_event()])
    assert response.status_code == 503 and "429" in response.get_json()["detail"]
    assert counted(db, Order) == 0 and counted(db, InboundOrder) == 0
    assert deliver(client, KEY, [stage_event()]).get_json()["deals"][0]["status"] == "accepted"


def test_the_customer_carries_the_crms_id_and_is_found_by_it_again(
        client, db, actions, retail, crm):
    connect(client, retail, crm.url)
    crm.won_deal()
    number = deliver(client, KEY, [stage_event()]).get_json()["deals"][0]["order"]
    customers = client.get("/api/v1/customers?q=li.na@example.cn", headers=retail).get_json()
    [customer] = customers["customers"]
    code = customer["code"]
    # The contact changes email and phone in the CRM; the next deal finds the customer
    # by the CRM's id all the same.
    crm.contacts["551"].update(email="na.li@bluehabour.cn", phone="+8613900000000")
    crm.deals["22222222222"] = {**crm.deals[DEAL_ID]}
    second = deliver(client, KEY, [stage_event(deal_id="22222222222", event_id=7)])
    assert second.status_code == 200, second.get_json()
    number2 = second.get_json()["deals"][0]["order"]
    assert number2 != number
    owners = set(db.scalars(select(Order.customer_id)))
    db.rollback()
    assert len(owners) == 1
    again = client.get(f"/api/v1/orders/{number2}", headers=retail).get_json()
    assert again["data"]["customer"]["code"] == code
    assert again["data"]["customer"]["email"] == "na.li@bluehabour.cn"
    actions.login_as("admin")
    page = client.get(f"/customers/{code}").get_data(as_text=True)
    assert 'id="crm-links"' in page and "hubspot contact 551" in page
    assert "hubspot company 9901" in page


def ship(client, headers, number, tracking):
    response = client.post(f"/api/v1/orders/{number}/shipments", headers=headers,
                           json={"carrier": "sf", "tracking_number": tracking})
    assert response.status_code == 201, response.get_json()


def test_a_shipment_reaches_the_deal_as_a_note_retried_after_a_429(
        app, client, db, actions, retail, crm):
    connect(client, retail, crm.url)
    crm.won_deal()
    number = deliver(client, KEY, [stage_event()]).get_json()["deals"][0]["order"]
    crm.failures = [(429, {"Retry-After": "60"})]
    started = utcnow()
    ship(client, retail, number, "SF1400000001")
    job = db.scalar(select(Job).where(Job.kind == "crm_update"))
    assert job.status == PENDING and job.run_after >= started + timedelta(seconds=60)
    job_id = job.id
    db.rollback()
    runner = app.extensions[JOBS].runner
    assert runner.run(job_id, now=utcnow() + timedelta(minutes=2)).status == DONE
    [note] = crm.notes
    assert "SF1400000001" in note["properties"]["hs_note_body"]
    assert number in note["properties"]["hs_note_body"]
    assert note["associations"] == [{"to": {"id": DEAL_ID}, "types": [
        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 214}]}]
    # Run again (a worker that died after the note was made): not written twice.
    db.execute(Job.__table__.update().where(Job.id == job_id).values(status=PENDING))
    db.commit()
    runner.run(job_id, now=utcnow() + timedelta(minutes=3))
    assert len(crm.notes) == 1
    log = client.get(f"/api/v1/crm-channels/{KEY}", headers=retail).get_json()["updates"]
    assert [u["outcome"] for u in reversed(log)] == ["will_retry", "written"]
    assert "429" in log[-1]["detail"] and log[0]["remote_id"] == note["id"]
    actions.login_as("admin")
    page = client.get(f"/admin/channels/{KEY}").get_data(as_text=True)
    assert f"/api/v1/crm-channels/{KEY}/deals" in page and "<code>closedwon</code>" in page
    assert page.count('data-outcome="written"') == 1 and note["id"] in page
    listed = client.get("/admin/channels").get_data(as_text=True)
    assert f"/api/v1/crm-channels/{KEY}/deals" in listed
    assert HUBSPOT_TOKEN not in page and CLIENT_SECRET not in page


def test_test_connection_says_whether_the_token_works(client, retail, crm):
    connect(client, retail, crm.url)
    crm.won_deal()
    answer = client.post(f"/api/v1/crm-channels/{KEY}/test", headers=retail)
    assert answer.status_code == 200 and answer.get_json()["ok"] is True
    client.patch(f"/api/v1/crm-channels/{KEY}", headers=retail,
                 json={"access_token": "pat-na1-wrong"})
    refused = client.post(f"/api/v1/crm-channels/{KEY}/test", headers=retail)
    assert refused.status_code == 502
    assert refused.get_json()["errors"][0]["pointer"] == "/credentials/access_token"
    assert "pat-na1-wrong" not in refused.get_data(as_text=True)


def test_a_bad_setting_is_refused_at_its_pointer(client, retail, crm):
    response = client.post("/api/v1/crm-channels", headers=retail, json={
        "key": KEY, "name": "CRM", "order_type": "retail_order", "api_url": crm.url,
        "won_stages": [], "client_secret": CLIENT_SECRET, "access_token": HUBSPOT_TOKEN})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/won_stages"
    response = client.post("/api/v1/crm-channels", headers=retail, json={
        "key": KEY, "name": "CRM", "order_type": "no_such_type", "api_url": crm.url,
        "won_stages": ["closedwon"], "client_secret": CLIENT_SECRET,
        "access_token": HUBSPOT_TOKEN})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/order_type"


def test_the_channels_page_offers_to_connect_hubspot(client, actions, retail):
    actions.login_as("admin")
    page = client.get("/admin/channels").get_data(as_text=True)
    assert 'id="crm-form"' in page and "/api/v1/crm-channels" in page


def test_the_plain_channel_form_cannot_make_a_crm_channel_without_its_settings(
        client, retail):
    response = client.post("/api/v1/channels", headers=retail, json={
        "key": "crm2", "name": "CRM", "kind": "crm_hubspot", "order_type": "retail_order",
        "mapping": {"external_id": "$.id"}})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/kind"


# --- a CRM that posts its own deals (kind crm) -------------------------------------------------

POSTED = {"deal": {"id": "006Kj000002abcXYZ", "stage": "Closed Won", "name": "Spring fair",
                   "amount": "277.00", "currency": "CNY"},
          "lines": [{"sku": "MUG-350", "name": "Mug", "quantity": 2, "price": "39.00"},
                    {"sku": "HOODIE-GRY-M", "quantity": 1, "price": "199.00"}],
          "contact": {"id": "003Kj00000Q1", "first_name": "Wei", "last_name": "Zhang",
                      "email": "zhang.wei@example.cn", "phone": "+8613700137000",
                      "address": "1 Binjiang Avenue", "city": "Hangzhou",
                      "state": "Zhejiang", "zip": "310051", "country": "CN"}}


def posted(client, key, payload, secret, *, timestamp=None, signature=None):
    """A CRM's workflow posting a deal as docs/erp-crm.md spells it out."""
    body = json.dumps(payload).encode()
    timestamp = timestamp or str(int(time.time()))
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body,
                      hashlib.sha256).hexdigest()
    return client.post(f"/api/v1/crm-channels/{key}/deals", data=body, headers={
        "Content-Type": "application/json", "X-Orderloom-Timestamp": timestamp,
        "X-Orderloom-Signature": signature if signature is not None else f"sha256={digest}"})


def connect_posting(client, headers):
    response = client.post("/api/v1/crm-channels", headers=headers, json={
        "key": "salesforce", "kind": "crm", "name": "Salesforce flows",
        "order_type": "retail_order", "won_stages": ["Closed Won"]})
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["secret"].startswith("olwh_") and answer["access_token"] is None
    again = client.get("/api/v1/crm-channels/salesforce", headers=headers).get_json()
    assert "secret" not in again and answer["secret"] not in json.dumps(again)
    return answer["secret"]


def test_a_posted_won_deal_becomes_one_order_and_links_its_contact(client, db, retail):
    secret = connect_posting(client, retail)
    first = posted(client, "salesforce", POSTED, secret)
    assert first.status_code == 200, first.get_json()
    [deal] = first.get_json()["deals"]
    assert deal["status"] == "accepted" and deal["deal"] == "006Kj000002abcXYZ"
    order = client.get(f"/api/v1/orders/{deal['order']}", headers=retail).get_json()
    assert [(line["sku"], line["qty"]) for line in order["data"]["items"]] == [
        ("MUG-350", 2), ("HOODIE-GRY-M", 1)]
    assert order["data"]["recipient"] == "Wei Zhang" and order["total"] == "277.00"
    # Sent again a second later (another signature over other bytes' timestamp).
    again = posted(client, "salesforce", {**POSTED, "sent": 2}, secret)
    assert again.get_json()["deals"][0]["status"] == "duplicate"
    assert counted(db, Order) == 1
    links = db.scalars(select(CrmLink)).all()
    assert [(link.system, link.record_kind, link.record_id) for link in links] == [
        ("salesforce", "contact", "003Kj00000Q1")]
    db.rollback()


def test_a_posted_deal_not_won_or_badly_signed_or_unreadable_stores_nothing(
        client, db, retail):
    secret = connect_posting(client, retail)
    open_deal = {**POSTED, "deal": {**POSTED["deal"], "stage": "Negotiation"}}
    assert posted(client, "salesforce", open_deal, secret).get_json()[
        "deals"][0]["status"] == "not_won"
    assert posted(client, "salesforce", POSTED, "olwh_wrong").status_code == 401
    stale = str(int(time.time()) - 600)
    assert posted(client, "salesforce", POSTED, secret, timestamp=stale).status_code == 401
    odd = {**POSTED, "lines": [{"sku": "MUG-350", "quantity": {"n": 2}}]}
    refused = posted(client, "salesforce", odd, secret)
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["pointer"] == "/lines/0/quantity"
    assert counted(db, Order) == 0 and counted(db, InboundOrder) == 0
    # Nothing to call: the CRM posts, Orderloom never asks it.
    test = client.post("/api/v1/crm-channels/salesforce/test", headers=retail)
    assert test.status_code == 409


def test_a_state_change_of_the_order_reaches_the_deal_and_other_orders_stay_quiet(
        client, db, retail, crm):
    connect(client, retail, crm.url)
    crm.won_deal()
    number = deliver(client, KEY, [stage_event()]).get_json()["deals"][0]["order"]
    moved = client.post(f"/api/v1/orders/{number}/transitions/route", headers=retail)
    assert moved.status_code == 200, moved.get_json()
    [note] = crm.notes
    assert note["properties"]["hs_note_body"] == (f"Order {number} is now picking "
                                                   "(was ready)")
    # An order from anywhere else tells the CRM nothing.
    made = client.post("/api/v1/orders", headers=retail, json={
        "order_type": "retail_order", "data": {
            "customer": {"name": "Walk-in", "phone": "+8613500135000"},
            "ship_to": {"country": "CN", "province": "Zhejiang", "city": "Hangzhou",
                        "street": "2 Wensan Road", "postcode": "310012"},
            "items": [{"sku": "MUG-350", "qty": 1, "price": "39.00"}]}})
    assert made.status_code == 201, made.get_json()
    other = made.get_json()["number"]
    assert client.post(f"/api/v1/orders/{other}/transitions/route",
                       headers=retail).status_code == 200
    assert len(crm.notes) == 1
    assert db.scalar(select(func.count()).select_from(Job)
                     .where(Job.kind == "crm_update")) == 1
    db.rollback()


def test_a_customer_already_here_is_found_by_email_and_linked(client, db, retail, crm):
    made = client.post("/api/v1/customers", headers=retail, json={
        "name": "Li Na", "code": "VIP-0007", "email": "li.na@example.cn"})
    assert made.status_code == 201, made.get_json()
    connect(client, retail, crm.url)
    crm.won_deal()
    number = deliver(client, KEY, [stage_event()]).get_json()["deals"][0]["order"]
    customer_id = db.scalar(select(Order.customer_id).where(Order.number == number))
    links = [(link.customer_id, link.record_kind, link.record_id)
             for link in db.scalars(select(CrmLink).order_by(CrmLink.id))]
    db.rollback()
    assert links == [(customer_id, "contact", "551"), (customer_id, "company", "9901")]
    listed = client.get("/api/v1/customers?q=li.na@example.cn", headers=retail).get_json()
    assert [c["code"] for c in listed["customers"]] == ["VIP-0007"]


def test_a_deal_kept_as_a_dead_letter_links_its_customer_once_retried(client, db, retail, crm):
    fitted = connect(client, retail, crm.url)["mapping"]
    # A mapping edited by hand that loses the lines: the deal cannot be an order.
    broken = {member: value for member, value in fitted.items() if member != "lines"}
    changed = client.patch(f"/api/v1/channels/{KEY}", headers=retail, json={"mapping": broken})
    assert changed.status_code == 200, changed.get_json()
    crm.won_deal()
    answer = deliver(client, KEY, [stage_event()]).get_json()["deals"][0]
    assert answer["status"] == "dead_letter"
    assert counted(db, Order) == 0 and counted(db, CrmLink) == 0
    client.patch(f"/api/v1/channels/{KEY}", headers=retail, json={"mapping": fitted})
    retried = client.post(f"/api/v1/inbound/{answer['inbound']}/retry", headers=retail)
    assert retried.status_code == 201, retried.get_json()
    links = [link.record_id for link in db.scalars(select(CrmLink).order_by(CrmLink.id))]
    db.rollback()
    assert links == ["551", "9901"]


def test_a_posting_crms_secret_rotates_and_hubspots_is_changed_where_hubspot_keeps_it(
        client, db, retail, crm):
    old = connect_posting(client, retail)
    rotated = client.post("/api/v1/channels/salesforce/secret", headers=retail)
    assert rotated.status_code == 200, rotated.get_json()
    new = rotated.get_json()["secret"]
    assert new != old
    assert posted(client, "salesforce", POSTED, old).status_code == 401
    assert posted(client, "salesforce", POSTED, new).get_json()["deals"][0][
        "status"] == "accepted"
    connect(client, retail, crm.url)
    refused = client.post(f"/api/v1/channels/{KEY}/secret", headers=retail)
    assert refused.status_code == 409 and "client_secret" in refused.get_json()["detail"]


def test_a_deal_of_more_lines_than_one_batch_read_takes_keeps_them_all_in_order(
        client, retail, crm):
    connect(client, retail, crm.url)
    crm.won_deal()
    ids = [str(7000000000 + n) for n in range(101)]
    for n, line_id in enumerate(ids):
        crm.line_items[line_id] = {"name": "Mug", "hs_sku": "MUG-350", "quantity": str(n + 1),
                                   "price": "39.00"}
    crm.deals[DEAL_ID]["associations"]["line_items"] = {
        "results": [{"id": i, "type": "deal_to_line_item"} for i in ids]}
    crm.deals[DEAL_ID]["properties"]["amount"] = ""
    answer = deliver(client, KEY, [stage_event()]).get_json()["deals"][0]
    assert answer["status"] == "accepted", answer
    order = client.get(f"/api/v1/orders/{answer['order']}", headers=retail).get_json()
    assert [line["qty"] for line in order["data"]["items"]] == list(range(1, 102))
    batches = crm.made("POST", "/crm/v3/objects/line_items/batch/read")
    assert [len(b["body"]["inputs"]) for b in batches] == [100, 1]
