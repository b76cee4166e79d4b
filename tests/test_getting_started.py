"""The getting-started guides stay true: their links lead somewhere, the API paths
they name exist, and the channel example in the integrators' guide works on the
retail template it is written against."""
from __future__ import annotations

import io
import re

import pytest

from orderloom.platform import templates
from tests.doc_examples import ROOT, api_address_problem

DOCS = ROOT / "docs"
GUIDES = sorted(DOCS.glob("getting-started-*.md"))
AUDIENCES = ("business", "staff", "integrators", "operators")

LINK = re.compile(r"\]\(([^)\s]+)")
# `$OL` is the guides' shell variable for the API's base address.
API_PATH = re.compile(r"(?:\b(GET|POST|PUT|PATCH|DELETE)\s+)?(?:/api/v1|\$OL)"
                      r"(/[A-Za-z0-9_\-./{}]*)")


@pytest.fixture
def database_url(sqlite_url) -> str:
    """The routes and the mapping do not depend on the database: SQLite is enough."""
    return sqlite_url


def test_there_is_a_guide_for_each_audience_and_the_readme_lists_them():
    assert [g.name for g in GUIDES] == sorted(f"getting-started-{a}.md" for a in AUDIENCES)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documentation = readme.split("## Documentation", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"\]\((docs/getting-started-[a-z]+\.md)\)", documentation)
    assert sorted(listed) == sorted(f"docs/{g.name}" for g in GUIDES)


@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: g.stem)
def test_every_relative_link_points_at_a_file(guide):
    targets = [t for t in LINK.findall(guide.read_text(encoding="utf-8"))
               if not re.match(r"[a-z]+:", t)]
    assert targets, f"{guide.name} links to nothing"
    missing = [t for t in targets if not (guide.parent / t.split("#", 1)[0]).is_file()]
    assert missing == [], f"{guide.name} links to files that do not exist: {missing}"


def api_addresses(text: str) -> list[tuple[str | None, str]]:
    """The API addresses a guide names in its prose and blocks, with the method shown."""
    return [(method or None, "/api/v1" + path.rstrip("."))
            for method, path in API_PATH.findall(text)]


def test_the_path_finder_sees_placeholders_methods_and_the_shell_variable(app):
    text = "POST $OL/inbound/{id}/retry then `GET /api/v1/orders/RT-1?x=1`."
    assert api_addresses(text) == [("POST", "/api/v1/inbound/{id}/retry"),
                                   ("GET", "/api/v1/orders/RT-1")]
    adapter = app.url_map.bind("localhost")
    assert [api_address_problem(adapter, m, p) for m, p in api_addresses(text)] == [None, None]
    assert api_address_problem(adapter, "PUT", "/api/v1/orders/{number}") == \
        "PUT /api/v1/orders/{number} is no address of the API"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: g.stem)
def test_every_api_path_a_guide_names_exists(app, guide):
    adapter = app.url_map.bind("localhost")
    wrong = [problem for method, address in api_addresses(guide.read_text(encoding="utf-8"))
             if (problem := api_address_problem(adapter, method, address))]
    assert wrong == [], f"{guide.name} names API addresses the app does not have: {wrong}"


def test_the_integrators_channel_mapping_works_on_the_retail_template(client, db, token_for):
    """The mapping of the integrators' guide, tried on the retail template, which names
    roles of its own (warehouse, customer_service): the mapped order is whole."""
    templates.import_template(db, "test", "retail")
    db.commit()
    guide = (DOCS / "getting-started-integrators.md").read_text(encoding="utf-8")
    assert '"ship_to.country": {"formula": "\\"CN\\""}' in guide
    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    mapping = {
        "external_id": "$.id",
        "fields": {"customer.code": "$.customer.id", "customer.name": "$.customer.name",
                   "ship_to.province": "$.shipping_address.province",
                   "ship_to.city": "$.shipping_address.city",
                   "ship_to.street": "$.shipping_address.address1",
                   "ship_to.country": {"formula": '"CN"'}},
        "lines": {"items": {"from": "$.line_items[*]",
                            "fields": {"sku": "$.sku", "qty": "$.quantity", "price": "$.price"}}},
    }
    sample = {"id": "1001", "customer": {"id": "C-1001", "name": "Zhang Wei"},
              "shipping_address": {"province": "Zhejiang", "city": "Hangzhou",
                                   "address1": "1 West Lake Road"},
              "line_items": [{"sku": "TSHIRT-WHT-M", "quantity": 2, "price": "99.00"}]}
    answer = client.post("/api/v1/channel-mappings/test", headers=headers,
                         json={"order_type": "retail_order", "mapping": mapping,
                               "sample": sample})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["problems"] == []
    assert body["external_id"] == "1001"
    assert body["data"]["total"] == "198.00"
    assert body["data"]["items"][0]["amount"] == "198.00"

    # The same template, previewing an order file: one order from two rows.
    rows = ("order_id,customer,province,city,street,sku,qty,price\n"
            "W-1,Zhang Wei,Zhejiang,Hangzhou,1 West Lake Road,TSHIRT-WHT-M,2,99.00\n"
            "W-1,Zhang Wei,Zhejiang,Hangzhou,1 West Lake Road,TSHIRT-BLK-L,1,109.00\n")
    file_mapping = ('{"external_id": "$.order_id", "fields": {"customer.name": "$.customer", '
                    '"ship_to.province": "$.province", "ship_to.city": "$.city", '
                    '"ship_to.street": "$.street"}, "lines": {"items": {"from": "$.rows[*]", '
                    '"fields": {"sku": "$.sku", "qty": "$.qty", "price": "$.price"}}}}')
    preview = client.post("/api/v1/order-imports?order_type=retail_order&preview=1",
                          headers=headers, content_type="multipart/form-data",
                          data={"file": (io.BytesIO(rows.encode()), "orders.csv"),
                                "mapping": file_mapping})
    assert preview.status_code == 200, preview.get_data(as_text=True)
    report = preview.get_json()
    assert report["failed"] == []
    assert [o["rows"] for o in report["orders"]] == [[2, 3]]
    assert report["orders"][0]["data"]["total"] == "307.00"
