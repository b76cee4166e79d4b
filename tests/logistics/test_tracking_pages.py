"""The public tracking page over HTTP, the masking it relies on, and the shipments
section of the staff order page."""
from __future__ import annotations

import pytest

from orderloom.platform.pages.tracking import mask_name, mask_phone, masked_place


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


def test_the_public_page_opens_by_token_or_number_without_login(client, setup):
    number = setup.order(client)
    shipment = setup.ship(client, number)
    token = shipment["tracking_url"].rsplit("/", 1)[-1]
    assert len(token) >= 32
    for code in (token, shipment["tracking_number"]):
        page = client.get(f"/track/{code}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert shipment["tracking_number"] in html and "Label created" in html
        assert "Zhang Wei" not in html
        assert page.headers["X-Robots-Tag"] == "noindex, nofollow"
    form = client.get(f"/track?code={shipment['tracking_number']}")
    assert form.status_code == 302
    assert form.headers["Location"].endswith(f"/track/{shipment['tracking_number']}")


def test_an_unknown_number_says_so_with_the_form_again(client):
    page = client.get("/track/SF000")
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert "We found no parcel with the number “SF000”" in html
    assert 'name="code"' in html
    assert client.get("/track").status_code == 200


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
