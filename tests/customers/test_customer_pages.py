"""The customer pages through the test client: list, profile, edit and merge forms."""
from __future__ import annotations

from tests.customers.conftest import order_for, plant


def test_the_list_filters_by_segment_and_search(client, staff, actions):
    order_for(client, staff, {"code": "C1", "name": "Li Wei"})
    client.post("/api/v1/customers", headers=staff, json={"code": "P1", "name": "Prospect Co"})
    actions.login_as("viewer")
    html = client.get("/customers").get_data(as_text=True)
    assert "Li Wei" in html and "Prospect Co" in html
    assert ">Customers</a>" in html  # in the navigation
    only_new = client.get("/customers?segment=new").get_data(as_text=True)
    assert "Li Wei" in only_new and "Prospect Co" not in only_new
    found = client.get("/customers?q=prosp").get_data(as_text=True)
    assert "Prospect Co" in found and "Li Wei" not in found
    wrong = client.get("/customers?segment=vip").get_data(as_text=True)
    assert "there is no segment “vip”" in wrong
    # Viewers read; the edit and merge forms are for those who may change customers.
    profile = client.get("/customers/C1").get_data(as_text=True)
    assert "2,560.70 CNY" in profile and "Merge a duplicate" not in profile


def test_edit_and_merge_from_the_profile(client, staff, actions):
    first = order_for(client, staff, {"code": "A", "name": "Li Wei"})
    second = order_for(client, staff, {"code": "B", "name": "LI WEI", "tags": ["vip"]})
    actions.login_as("staff")
    token = actions.csrf("/customers/A")
    bad = client.post("/customers/A/edit", data={
        "csrf_token": token, "revision": "1", "name": "Li Wei", "email": "nope", "phone": "",
        "tags": ""}, follow_redirects=True).get_data(as_text=True)
    assert "Not saved. Email: &#39;nope&#39; is not an email address." in bad
    saved = client.post("/customers/A/edit", data={
        "csrf_token": token, "revision": "1", "name": "Li Wei", "email": "lw@example.com",
        "phone": "", "tags": "wholesale, gold"}, follow_redirects=True).get_data(as_text=True)
    assert "Saved: email, tags." in saved
    stale = client.post("/customers/A/edit", data={
        "csrf_token": token, "revision": "1", "name": "Other", "email": "", "phone": "",
        "tags": ""}, follow_redirects=True).get_data(as_text=True)
    assert "Someone changed this customer while you had it open" in stale
    merged = client.post("/customers/A/merge", data={"csrf_token": token, "duplicates": "B"},
                         follow_redirects=True).get_data(as_text=True)
    assert "Merged B into A: 1 order(s) moved." in merged
    assert first["number"] in merged and second["number"] in merged
    assert '<span class="tag">vip</span>' in merged
    old = client.get("/customers/B").get_data(as_text=True)
    assert "This customer was merged into" in old and 'href="/customers/A"' in old
    assert client.get("/customers/NOPE").status_code == 404


def test_the_order_page_links_to_its_customer(client, staff, actions):
    order = order_for(client, staff, {"code": "C7", "name": "Wang Fang"})
    actions.login_as("viewer")
    page = client.get(f"/orders/{order['number']}").get_data(as_text=True)
    customer = page.split('id="order-customer">', 1)[1].split("</dd>", 1)[0]
    assert '<a href="/customers/C7">Wang Fang</a>' in customer



def test_the_profile_greys_the_orders_its_value_leaves_out(client, staff, actions, db):
    kept = order_for(client, staff, {"code": "C1", "name": "Li Wei"})["number"]
    cancelled = order_for(client, staff, {"code": "C1", "name": "Li Wei"})["number"]
    plant(db, cancelled, state="cancelled")
    actions.login_as("viewer")
    profile = client.get("/customers/C1").get_data(as_text=True)
    assert "1 counted of 2" in profile and "2,560.70 CNY" in profile
    history = profile.split('id="order-history"')[1].split("</table>")[0]
    rows = history.split("<tr")[2:]  # after the header's row
    greyed = [row for row in rows if 'class="muted"' in row]
    assert len(greyed) == 1
    assert 'title="Not counted in value: Cancelled"' in greyed[0] and cancelled in greyed[0]
    assert any(kept in row for row in rows if row not in greyed)
