"""The public tracking page over HTTP: opened by the shipment's unguessable token only,
throttled per client address against guessing, showing only masked personal data and
the normalised news of the carrier; and the shipments section of the staff order page."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from orderloom.platform.pages.masking import (
    mask_free_text,
    mask_name,
    mask_phone,
    masked_place,
)
from orderloom.platform.tracking_throttle import LIMITS, TrackingMiss
from tests.logistics.support import PHONE, SAMPLE, post_webhook, route

RECIPIENT = {"name": "Zhang Wei", "phone": PHONE, "address": SAMPLE["ship_to"]}
FIRST_LIMIT = LIMITS[0][1]


@pytest.mark.parametrize(("name", "masked"), [
    ("Zhang Wei", "Z*** W***"), ("张伟", "张*"), ("欧阳娜娜", "欧***"), ("Li", "L***"),
    ("", "")])
def test_names_are_masked_to_initials(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812345678", "138****5678"), ("+86 138-1234-5678", "861****5678"),
    ("5551234", "*****34"), ("", "")])
def test_phones_keep_only_their_ends(phone, masked):
    assert mask_phone(phone) == masked


def test_an_address_shows_province_and_city_only():
    assert masked_place({"province": "Zhejiang", "city": "Hangzhou", "street": "88 Road"}) \
        == "Zhejiang, Hangzhou"
    assert masked_place({"province": "Shanghai", "city": "Shanghai"}) == "Shanghai"
    assert masked_place({}) == ""


@pytest.mark.parametrize(("text", "masked"), [
    ("Hangzhou hub", "Hangzhou hub"),
    ("Left with ZHANG WEI at 88 Wensan Road, Room 1203", "Left with Z*** W*** at ***"),
    ("Call 138 1234 5678 or 0571-8765-4321", "Call *********78 or **********21"),
    ("Signed by Li Lei at the gate", "Signed by L*** L*** at the gate"),
    ("签收人：王小明 杭州", "签收人：王** 杭州"),
    ("mail wei.zhang@example.com", "mail w***@example.com"),
    ("Postcode 310000\x00\n next", "Postcode 310000 next"),
])
def test_free_text_is_masked_and_kept_to_one_short_line(text, masked):
    assert mask_free_text(text, RECIPIENT) == masked


def test_free_text_is_cut_to_a_short_line():
    assert len(mask_free_text("Hangzhou " * 100, RECIPIENT)) == 100


def _token(shipment: dict) -> str:
    return shipment["tracking_url"].rsplit("/", 1)[-1]


def test_the_public_page_opens_by_its_token_only(client, setup):
    number = setup.order(client)
    shipment = setup.ship(client, number)
    token = _token(shipment)
    assert len(token) >= 32
    page = client.get(f"/track/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert shipment["tracking_number"] in html and "Label created" in html
    assert "Zhang Wei" not in html and PHONE not in html and "Wensan" not in html
    assert page.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert page.headers["Cache-Control"] == "no-store"
    form = client.get(f"/track?code={token}")
    assert form.status_code == 302 and form.headers["Location"].endswith(f"/track/{token}")

    # An old link by the carrier's tracking number answers exactly like a code that
    # never existed: nothing tells whether such a parcel exists.
    by_number = client.get(f"/track/{shipment['tracking_number']}")
    made_up = client.get("/track/SF9999999999")
    assert by_number.status_code == made_up.status_code == 404
    assert by_number.get_data() == made_up.get_data()
    assert "We found no parcel for this code." in by_number.get_data(as_text=True)
    assert 'name="code"' in by_number.get_data(as_text=True)
    assert client.get("/track").status_code == 200
    chinese = client.get("/track/SF9999999999", headers={"Accept-Language": "zh-CN"})
    assert "找不到此查询码对应的包裹" in chinese.get_data(as_text=True)


def test_guessing_numbers_and_tokens_gets_404_then_429_with_retry_after(client, setup):
    number = setup.order(client)
    token = _token(setup.ship(client, number))
    guesser = {"REMOTE_ADDR": "203.0.113.9"}
    # Sequential tracking numbers, then tokens one character off the real one.
    guesses = [f"SF{1000000001 + n}" for n in range(FIRST_LIMIT // 2)]
    guesses += [token[:-1] + c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if token[:-1] + c != token]
    answers = [client.get(f"/track/{code}", environ_base=guesser) for code in guesses]
    codes = [a.status_code for a in answers]
    assert codes[:FIRST_LIMIT - 1] == [404] * (FIRST_LIMIT - 1)
    assert set(codes[FIRST_LIMIT - 1:]) == {429}
    refused = answers[-1]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "Try again in 1 minute." in refused.get_data(as_text=True)
    assert "请 1 分钟后再试" in client.get("/track/y", environ_base=guesser, headers={
        "Accept-Language": "zh"}).get_data(as_text=True)
    assert refused.headers["Cache-Control"] == "no-store"
    # While locked, even the real token is refused there, so guesses learn nothing.
    assert client.get(f"/track/{token}", environ_base=guesser).status_code == 429
    json_refusal = client.get("/track/x", environ_base=guesser,
                              headers={"Accept": "application/json"})
    assert json_refusal.status_code == 429
    assert json_refusal.headers["Content-Type"] == "application/problem+json"
    # Others, and the customer opening the link, are not held up.
    assert client.get(f"/track/{token}", environ_base={"REMOTE_ADDR": "198.51.100.7"}) \
        .status_code == 200


def _age(db, by: timedelta) -> None:
    for miss in db.scalars(select(TrackingMiss)):
        miss.at -= by
    db.commit()


def test_guesses_slow_down_as_they_add_up(client, db):
    guesser = {"REMOTE_ADDR": "203.0.113.10"}
    (minute, per_minute), (_hour, per_hour) = LIMITS[0], LIMITS[1]
    # Guess at the pace the minute's limit allows: each tenth miss locks the address
    # for a minute, and a minute later guessing goes on ...
    for sent in range(1, per_hour):
        answer = client.get(f"/track/guess{sent}", environ_base=guesser)
        if sent % per_minute:
            assert answer.status_code == 404
        else:
            assert answer.status_code == 429
            assert int(answer.headers["Retry-After"]) <= minute.total_seconds()
            _age(db, minute)
    # ... until the hour's limit locks it far longer than a minute.
    refused = client.get("/track/one-more", environ_base=guesser)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 50 * minute.total_seconds()
    assert "minutes" in refused.get_data(as_text=True)
    _age(db, minute)
    assert client.get("/track/and-more", environ_base=guesser).status_code == 429


def test_opening_a_real_parcel_again_and_again_never_locks(client, setup, db):
    token = _token(setup.ship(client, setup.order(client)))
    for _ in range(LIMITS[0][1] * 2):
        assert client.get(f"/track/{token}").status_code == 200
    assert db.scalar(select(TrackingMiss)) is None


def test_the_page_shows_the_normalised_news_and_masks_free_text(client, setup):
    number = setup.order(client)
    shipment = setup.ship(client, number)
    picked = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
    news = route("50", picked.isoformat(), "Hangzhou, ask Zhang Wei 13812345678",
                 "<b>Collected</b> from 88 Wensan Road, Room 1203 <script>x()</script>",
                 shipment["tracking_number"])
    assert post_webhook(client, "sf", setup.secret, news).status_code == 200
    html = client.get(f"/track/{_token(shipment)}").get_data(as_text=True)
    assert "Picked up" in html
    assert "Hangzhou, ask Z*** W*** 138****5678".replace("138****5678", "*********78") in html
    for private in ("Zhang Wei", PHONE, "Wensan", "Collected", "<script>x()"):
        assert private not in html
    # Staff still read the carrier's words, as plain text.
    staff = client.get(f"/api/v1/shipments/{shipment['id']}", headers=setup.staff).get_json()
    assert staff["events"][-1]["description"] == \
        "Collected from 88 Wensan Road, Room 1203"


def test_the_staff_page_links_the_token_not_the_number(client, setup, actions):
    number = setup.order(client)
    shipment = setup.ship(client, number)
    actions.login_as("staff")
    html = client.get(f"/orders/{number}").get_data(as_text=True)
    assert f'href="/track/{_token(shipment)}"' in html
    assert f'href="/track/{shipment["tracking_number"]}"' not in html


def test_staff_add_a_local_shipment_and_its_delivery_on_the_order_page(client, setup, actions):
    number = setup.order(client)
    client.post(f"/api/v1/orders/{number}/transitions/ship", headers=setup.staff)
    actions.login_as("staff")
    csrf = actions.csrf(f"/orders/{number}")
    added = client.post(f"/orders/{number}/shipments", data={
        "carrier": "local", "tracking_number": "", "csrf_token": csrf}, follow_redirects=True)
    html = added.get_data(as_text=True)
    assert "Shipment LC" in html and "created." in html
    shipments = client.get(f"/api/v1/orders/{number}/shipments",
                           headers=setup.staff).get_json()["shipments"]
    local = next(s for s in shipments if s["carrier"] == "local")
    recorded = client.post(f"/orders/{number}/shipments/{local['id']}/events", data={
        "status": "delivered", "location": "Front desk", "csrf_token": csrf},
        follow_redirects=True)
    html = recorded.get_data(as_text=True)
    assert f"Delivered recorded for {local['tracking_number']}. The order moved on: deliver." \
        in html
    assert 'data-state="delivered"' in html
    assert f"Parcel {local['tracking_number']}: Delivered in Front desk." in html


def test_a_viewer_sees_shipments_but_no_forms(client, setup, actions):
    number = setup.order(client)
    setup.ship(client, number)
    actions.login_as("viewer")
    html = client.get(f"/orders/{number}").get_data(as_text=True)
    assert 'id="shipments"' in html and "SF1000000001" in html
    assert "Add shipment" not in html
