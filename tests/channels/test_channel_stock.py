"""Stock per channel: the warehouses feeding a channel, its share and safety stock,
and the figure set through Shopify's and WooCommerce's own inventory APIs, against
the local fake stores of tests/channels/fake_stores.py."""
from __future__ import annotations

import random
from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.platform.app import JOBS
from orderloom.runtime.channels import stock_sync
from orderloom.runtime.channels.channel_stock import FIXED, PERCENT, Share, figure
from orderloom.runtime.channels.stock_sync import JOB_KIND
from orderloom.runtime.jobs.models import DONE, PENDING, Job
from tests.channels.fake_stores import SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET, FakeStore
from tests.channels.store_payloads import SHOPIFY_SECRET, WOOCOMMERCE_SECRET
from tests.channels.test_stock_sync import ShopServer
from tests.platform.test_api_tokens import assert_problem, bearer

# --- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(25))
def test_the_figure_is_the_share_less_safety_stock_rounded_down_never_below_zero(seed):
    rng = random.Random(seed)
    for _ in range(400):
        available = rng.choice([0, 1, 2, 7, rng.randrange(0, 10**6)])
        safety = rng.choice([0, 1, rng.randrange(0, 50), rng.randrange(0, 10**6)])
        share = (Share(PERCENT, rng.randrange(0, 101)) if rng.random() < 0.5
                 else Share(FIXED, rng.randrange(0, 10**6)))
        offered = (Fraction(available * share.value, 100) if share.kind == PERCENT
                   else Fraction(min(available, share.value)))
        told = figure(available, safety, share)
        assert told == max(int(offered) - safety, 0)  # int() of a Fraction >= 0 floors
        assert 0 <= told <= available
        assert told <= (share.value if share.kind == FIXED else available)
        # More stock never tells a channel less.
        assert figure(available + 1, safety, share) >= told
    assert figure(9, 0) == 9  # no settings: all of it


# --- the set-up ---------------------------------------------------------------------------------

@pytest.fixture
def merchant(client, token_for):
    """The retail template (with products and warehouses of its own), two more products
    and two more warehouses."""
    headers = bearer(token_for("admin"))
    response = client.post("/api/v1/templates/retail/import", headers=headers)
    assert response.status_code == 201, response.get_json()
    for sku in ("TEA-01", "CUP-02"):
        assert client.post("/api/v1/products", headers=headers,
                           json={"sku": sku, "name": sku}).status_code == 201
    for code, regions in (("EAST", ["Zhejiang"]), ("WEST", ["Shanghai"])):
        assert client.post("/api/v1/warehouses", headers=headers, json={
            "code": code, "name": code, "regions": regions}).status_code == 201
    return headers


def connect(client, headers, kind, url, **stock):
    key = f"{kind}_cn"
    credentials = ({"access_token": SHOPIFY_TOKEN} if kind == "shopify" else
                   {"consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET})
    response = client.post("/api/v1/channels", headers=headers, json={
        "key": key, "name": f"Our {kind} store", "kind": kind, "order_type": "retail_order",
        "webhook_secret": SHOPIFY_SECRET if kind == "shopify" else WOOCOMMERCE_SECRET,
        "store_url": url, "credentials": credentials, "push_interval_seconds": 0,
        "skus": ["TEA-01", "CUP-02"]})  # not the template's other products
    assert response.status_code == 201, response.get_json()
    assert settle(client, headers, key, store_push=True, **stock)["pushing"] == 2
    return key


def settle(client, headers, key, **stock):
    response = client.patch(f"/api/v1/channels/{key}/stock", headers=headers, json=stock)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def receive(client, headers, sku, warehouse, quantity):
    response = client.post("/api/v1/stock/receipts", headers=headers, json={
        "sku": sku, "warehouse": warehouse, "quantity": quantity})
    assert response.status_code == 201, response.get_json()


def pushes_of(client, headers, key):
    response = client.get(f"/api/v1/channels/{key}/stock", headers=headers)
    assert response.status_code == 200, response.get_json()
    return {s["sku"]: s for s in response.get_json()["skus"]}


def stock_jobs(db):
    found = [(j.payload["sku"], j.status, j.attempts) for j in
             db.scalars(select(Job).where(Job.kind == JOB_KIND).order_by(Job.id))]
    db.rollback()
    return found


# --- Shopify ------------------------------------------------------------------------------------

def test_a_stock_change_sets_shopifys_level_at_the_chosen_location(client, merchant, shopify):
    shopify.locations.append({"id": 905684977, "name": "Shanghai", "active": True})
    shopify.shopify_product(632910392, (808950810, "TEA-01", 39072856),
                            (808950811, "TEA-02", 39072857))
    shopify.shopify_product(632910393, (808950812, "CUP-02", 39072858))
    key = connect(client, merchant, "shopify", shopify.url, warehouses=["EAST"],
                  share={"kind": "percent", "value": 50}, safety_stock=1,
                  location_id="905684977")
    # Saving the settings pushed every SKU the channel sells: nothing is in stock yet.
    assert shopify.inventory_levels == {(39072856, 905684977): 0, (39072858, 905684977): 0}
    receive(client, merchant, "TEA-01", "EAST", 11)
    # Half of 11 is 5.5, rounded down, less the one unit held back.
    assert shopify.inventory_levels[(39072856, 905684977)] == 4
    assert shopify.made("POST", "inventory_levels/set.json")[-1]["body"] == {
        "location_id": 905684977, "inventory_item_id": 39072856, "available": 4}
    receive(client, merchant, "TEA-01", "WEST", 50)  # WEST does not feed the channel
    receive(client, merchant, "CUP-02", "EAST", 6)
    receive(client, merchant, "TEA-01", "EAST", 4)
    assert shopify.inventory_levels == {(39072856, 905684977): 6, (39072858, 905684977): 2}
    assert len(shopify.made("POST", "inventory_levels/set.json")) == 5
    # Both SKUs were found in one read of the catalogue, which is not read again.
    assert len(shopify.made("GET", "products.json")) == 1
    pushed = pushes_of(client, merchant, key)
    assert (pushed["TEA-01"]["outcome"], pushed["TEA-01"]["figure"],
            pushed["TEA-01"]["location"]) == ("pushed", 6, "905684977")


def test_the_only_location_is_used_and_several_need_a_choice(client, merchant, shopify):
    shopify.shopify_product(632910392, (808950810, "TEA-01", 39072856))
    key = connect(client, merchant, "shopify", shopify.url)
    receive(client, merchant, "TEA-01", "EAST", 3)
    receive(client, merchant, "TEA-01", "WEST", 2)
    assert shopify.inventory_levels == {(39072856, 655441491): 5}  # every warehouse
    shopify.locations.append({"id": 905684977, "name": "Shanghai", "active": True})
    receive(client, merchant, "TEA-01", "WEST", 1)
    pushed = pushes_of(client, merchant, key)["TEA-01"]
    assert pushed["outcome"] == "refused"
    assert "2 active locations" in pushed["detail"]
    listed = client.get(f"/api/v1/channels/{key}/stock/locations", headers=merchant)
    assert listed.get_json()["locations"] == [
        {"id": "655441491", "name": "Hangzhou", "active": True},
        {"id": "905684977", "name": "Shanghai", "active": True}]


def test_a_sku_the_store_does_not_sell_is_recorded_and_not_retried(client, merchant, db,
                                                                   shopify):
    shopify.shopify_product(632910392, (808950810, "TEA-01", 39072856))
    key = connect(client, merchant, "shopify", shopify.url)
    missing = pushes_of(client, merchant, key)["CUP-02"]
    assert missing["outcome"] == "missing"
    assert "no product or variant with SKU CUP-02" in missing["detail"]
    looked_up = len(shopify.made("GET", "products.json"))
    receive(client, merchant, "CUP-02", "EAST", 3)
    receive(client, merchant, "CUP-02", "EAST", 1)
    assert [job for job in stock_jobs(db) if job[0] == "CUP-02"] == [("CUP-02", DONE, 1)] * 3
    # Not looked for again at once, and nothing set.
    assert len(shopify.made("GET", "products.json")) == looked_up
    assert [r["body"]["inventory_item_id"] for r in
            shopify.made("POST", "inventory_levels/set.json")] == [39072856]
    # The merchant adds it to the store and saves the settings: it is looked for again.
    shopify.shopify_product(632910393, (808950812, "CUP-02", 39072858))
    settle(client, merchant, key, safety_stock=0)
    assert shopify.inventory_levels[(39072858, 655441491)] == 4
    receive(client, merchant, "CUP-02", "EAST", 1)
    assert shopify.inventory_levels[(39072858, 655441491)] == 5


def test_a_rate_limited_push_is_retried_with_the_figure_of_that_moment(app, client, merchant,
                                                                      db, shopify):
    shopify.shopify_product(632910392, (808950810, "TEA-01", 39072856))
    key = connect(client, merchant, "shopify", shopify.url)
    shopify.failures = [(429, {"Retry-After": "2.0"})]
    receive(client, merchant, "TEA-01", "EAST", 3)
    assert stock_jobs(db)[-1] == ("TEA-01", PENDING, 1)
    assert pushes_of(client, merchant, key)["TEA-01"]["outcome"] == "will_retry"
    receive(client, merchant, "TEA-01", "EAST", 2)  # coalesced into the waiting retry
    job_id = db.scalar(select(Job.id).where(Job.kind == JOB_KIND, Job.status == PENDING))
    db.rollback()
    app.extensions[JOBS].runner.run(job_id, now=utcnow() + timedelta(minutes=5))
    assert stock_jobs(db)[-1] == ("TEA-01", DONE, 2)
    assert shopify.inventory_levels == {(39072856, 655441491): 5}
    assert pushes_of(client, merchant, key)["TEA-01"]["outcome"] == "pushed"


def test_a_token_without_the_inventory_scopes_is_told_which_to_give(client, merchant, db,
                                                                    shopify):
    shopify.shopify_product(632910392, (808950810, "TEA-01", 39072856))
    shopify.failures = [(403, {})] * 4
    key = connect(client, merchant, "shopify", shopify.url)
    refused = pushes_of(client, merchant, key)
    assert {refused[sku]["outcome"] for sku in ("CUP-02", "TEA-01")} == {"refused"}
    assert "read_products, read_locations and write_inventory" in refused["TEA-01"]["detail"]
    assert {status for _, status, _ in stock_jobs(db)} == {DONE}  # not retried


# --- WooCommerce --------------------------------------------------------------------------------

def test_woocommerce_products_and_variations_get_their_stock_quantity(client, merchant, woo):
    woo.woo_product(794, "TEA-01")
    woo.woo_product(799, "MUG", variations=[(801, "CUP-01"), (802, "CUP-02")])
    key = connect(client, merchant, "woocommerce", woo.url,
                  share={"kind": "fixed", "value": 8})
    receive(client, merchant, "TEA-01", "EAST", 5)
    receive(client, merchant, "CUP-02", "WEST", 20)
    assert woo.woo_stock("TEA-01") == (True, 5)
    assert woo.woo_stock("CUP-02") == (True, 8)  # at most the fixed 8
    assert woo.woo_stock("CUP-01") == (False, None)
    assert {r["path"] for r in woo.made("PUT", "/products/")} == {
        "/wp-json/wc/v3/products/794", "/wp-json/wc/v3/products/799/variations/802"}
    receive(client, merchant, "CUP-02", "WEST", 1)
    assert len(woo.made("GET", "/variations")) == 1  # the lookup is kept
    assert pushes_of(client, merchant, key)["CUP-02"]["store_item"] == "799/variations/802"


def test_regression_a_store_moved_to_another_host_got_stock_on_the_old_stores_ids(
        client, merchant, woo, shopify):
    """The channel kept the old store's product ids and location after its address
    moved: the next push PUT products/<old id> on the new store, another product."""
    woo.woo_product(794, "TEA-01")
    key = connect(client, merchant, "woocommerce", woo.url)
    receive(client, merchant, "TEA-01", "EAST", 5)
    assert woo.woo_stock("TEA-01") == (True, 5)
    moved = FakeStore("woocommerce")
    try:
        moved.woo_product(794, "OTHER-9")  # the old id is another product there
        moved.woo_product(900, "TEA-01")
        response = client.patch(f"/api/v1/channels/{key}", headers=merchant, json={
            "store_url": moved.url,
            "credentials": {"consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET}})
        assert response.status_code == 200, response.get_json()
        assert pushes_of(client, merchant, key) == {}  # the old store's lookups are gone
        receive(client, merchant, "TEA-01", "EAST", 1)
        assert moved.woo_stock("TEA-01") == (True, 6)
        assert moved.woo_stock("OTHER-9") == (False, None)
        assert {r["path"] for r in moved.made("PUT", "/products/")} == {
            "/wp-json/wc/v3/products/900"}
    finally:
        moved.close()


def test_a_shopify_store_moved_to_another_host_forgets_its_location(
        client, merchant, shopify):
    shopify.locations.append({"id": 905684977, "name": "Shanghai", "active": True})
    shopify.shopify_product(632910392, (808950810, "TEA-01", 39072856))
    key = connect(client, merchant, "shopify", shopify.url, location_id="905684977")
    moved = FakeStore("shopify")
    try:
        moved.shopify_product(700, (701, "TEA-01", 702))
        response = client.patch(f"/api/v1/channels/{key}", headers=merchant, json={
            "store_url": moved.url, "credentials": {"access_token": SHOPIFY_TOKEN}})
        assert response.status_code == 200, response.get_json()
        assert client.get(f"/api/v1/channels/{key}/stock",
                          headers=merchant).get_json()["location_id"] is None
        receive(client, merchant, "TEA-01", "EAST", 2)
        assert moved.inventory_levels == {(702, 655441491): 2}  # its only location
    finally:
        moved.close()


def test_regression_each_sku_the_store_lacks_repeated_the_whole_lookup(
        client, merchant, woo):
    """A lookup asked for every unknown SKU but recorded only the pushed one as
    missing: each other SKU's push scanned every variable product again."""
    assert client.post("/api/v1/products", headers=merchant,
                       json={"sku": "SPOON-03", "name": "Spoon"}).status_code == 201
    woo.woo_product(794, "TEA-01")
    woo.woo_product(799, "MUG", variations=[(801, "CUP-01")])
    key = "woocommerce_cn"
    response = client.post("/api/v1/channels", headers=merchant, json={
        "key": key, "name": "Our store", "kind": "woocommerce", "order_type": "retail_order",
        "webhook_secret": WOOCOMMERCE_SECRET, "store_url": woo.url,
        "credentials": {"consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET},
        "push_interval_seconds": 0, "skus": ["TEA-01", "CUP-02", "SPOON-03"]})
    assert response.status_code == 201, response.get_json()
    assert settle(client, merchant, key, store_push=True)["pushing"] == 3
    pushed = pushes_of(client, merchant, key)
    assert {sku: p["outcome"] for sku, p in pushed.items()} == {
        "CUP-02": "missing", "SPOON-03": "missing", "TEA-01": "pushed"}
    assert "no product or variant with SKU SPOON-03" in pushed["SPOON-03"]["detail"]
    # One pass over the store's variable products found neither, and none followed.
    assert len(woo.made("GET", "type=variable")) == 1
    receive(client, merchant, "SPOON-03", "EAST", 2)
    assert len(woo.made("GET", "type=variable")) == 1


def test_new_settings_push_every_sku_from_one_job_a_batch_at_a_time(
        client, merchant, db, woo, monkeypatch):
    monkeypatch.setattr(stock_sync, "EVERY_SKU_BATCH", 1)
    woo.woo_product(794, "TEA-01")
    woo.woo_product(795, "CUP-02")
    key = connect(client, merchant, "woocommerce", woo.url)
    assert woo.woo_stock("TEA-01") == (True, 0) and woo.woo_stock("CUP-02") == (True, 0)
    batches = [j.payload for j in db.scalars(select(Job).where(
        Job.kind == stock_sync.EVERY_SKU_KIND).order_by(Job.id))]
    db.rollback()
    # The request enqueued one job; each job took one SKU and left the rest to the next.
    assert batches == [{"channel": key, "after": None}, {"channel": key, "after": "CUP-02"},
                       {"channel": key, "after": "TEA-01"}]
    assert sorted(sku for sku, _, _ in stock_jobs(db)) == ["CUP-02", "TEA-01"]


def test_a_store_channel_without_store_push_is_told_nothing(client, merchant, woo):
    woo.woo_product(794, "TEA-01")
    key = connect(client, merchant, "woocommerce", woo.url)
    settle(client, merchant, key, store_push=False)
    asked = len(woo.requests)
    receive(client, merchant, "TEA-01", "EAST", 5)
    assert len(woo.requests) == asked


# --- the webhook push -----------------------------------------------------------------------------

def test_a_webhook_channel_counts_only_its_warehouses_and_its_share(client, merchant):
    shop = ShopServer()
    try:
        response = client.post("/api/v1/channels", headers=merchant, json={
            "key": "shop", "name": "Shop", "kind": "manual", "order_type": "retail_order",
            "stock_push_url": shop.url, "push_interval_seconds": 0,
            "skus": ["TEA-01", "CUP-02"]})
        assert response.status_code == 201, response.get_json()
        settle(client, merchant, "shop", warehouses=["WEST"],
               share={"kind": "percent", "value": 30})
        assert shop.figures() == [("CUP-02", 0), ("TEA-01", 0)]  # pushed once saved
        receive(client, merchant, "TEA-01", "EAST", 10)
        assert len(shop.requests) == 2  # EAST does not feed it: nothing to tell
        receive(client, merchant, "TEA-01", "WEST", 10)
        assert shop.figures()[2:] == [("TEA-01", 3)]
    finally:
        shop.stop()


# --- the settings ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "pointer"), [
    ({"warehouses": ["EAST", "XX"]}, "/warehouses/1"),
    ({"share": {"kind": "percent", "value": 101}}, "/share/value"),
    ({"share": {"kind": "fixed", "value": -1}}, "/share/value"),
    ({"share": {"kind": "half", "value": 1}}, "/share/kind"),
    ({"safety_stock": -2}, "/safety_stock"),
    ({"location_id": "655441491"}, "/location_id"),
    ({"store_push": True, "colour": "red"}, "/colour"),
])
def test_bad_settings_are_refused_at_their_member_and_nothing_changes(client, merchant, woo,
                                                                      change, pointer):
    key = connect(client, merchant, "woocommerce", woo.url, warehouses=["WEST"])
    before = pushes_of(client, merchant, key)
    body = assert_problem(client.patch(f"/api/v1/channels/{key}/stock", headers=merchant,
                                       json={"safety_stock": 4, **change}), 422)
    assert body["errors"][0]["pointer"] == pointer
    after = client.get(f"/api/v1/channels/{key}/stock", headers=merchant).get_json()
    assert (after["warehouses"], after["safety_stock"]) == (["WEST"], 0)
    assert before == pushes_of(client, merchant, key)


def test_only_store_channels_push_through_a_store(client, merchant):
    response = client.post("/api/v1/channels", headers=merchant, json={
        "key": "desk", "name": "Desk", "kind": "manual", "order_type": "retail_order"})
    assert response.status_code == 201, response.get_json()
    body = assert_problem(client.patch("/api/v1/channels/desk/stock", headers=merchant,
                                       json={"store_push": True}), 422)
    assert body["errors"][0]["pointer"] == "/store_push"
    assert_problem(client.get("/api/v1/channels/desk/stock/locations", headers=merchant), 409)
    assert_problem(client.get("/api/v1/channels/nope/stock", headers=merchant), 404)


# --- the page ---------------------------------------------------------------------------------

def test_the_channel_page_has_the_stock_settings_and_the_pushes(client, actions, merchant,
                                                               shopify):
    shopify.shopify_product(632910392, (808950810, "TEA-01", 39072856))
    key = connect(client, merchant, "shopify", shopify.url)
    actions.login_as("admin")
    page = client.get(f"/admin/channels/{key}").get_data(as_text=True)
    stock = page.split('id="stock"')[1].split("</section>")[0]
    assert f'data-api="/api/v1/channels/{key}/stock"' in stock
    assert f'data-locations="/api/v1/channels/{key}/stock/locations"' in stock
    # Every member the API may refuse has an input to show the refusal beside.
    for pointer in ("/warehouses", "/safety_stock", "/share/kind", "/share/value",
                    "/store_push", "/location_id"):
        assert f'data-pointer="{pointer}"' in stock
    assert 'id="stock-pushes"' in stock and "channel_stock.js" in page
    chinese = client.get(f"/admin/channels/{key}",
                         headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "保存库存设置" in chinese and "各 SKU 最近一次推送" in chinese


def test_a_channel_that_is_not_a_store_has_no_store_parts_on_its_page(client, actions,
                                                                     merchant):
    assert client.post("/api/v1/channels", headers=merchant, json={
        "key": "desk", "name": "Desk", "kind": "manual", "order_type": "retail_order"}
    ).status_code == 201
    actions.login_as("admin")
    stock = client.get("/admin/channels/desk").get_data(as_text=True).split(
        'id="stock"')[1].split("</section>")[0]
    assert 'data-pointer="/share/value"' in stock
    assert "/store_push" not in stock and "stock-pushes" not in stock
