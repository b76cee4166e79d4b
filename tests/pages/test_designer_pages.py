"""The designer's pages through the test client: who may open them, the order type
list's create, duplicate and import, the editor's page holding the stored draft, and
the API calls the editor makes with the session cookie."""
from __future__ import annotations

import io
import json
import re

import pytest

from tests.designer.samples import retail
from tests.pages.conftest import errors, notices

BOOT = re.compile(r'<script type="application/json" id="designer-boot">(.*?)</script>', re.S)


def boot_of(page: str) -> dict:
    match = BOOT.search(page)
    assert match, "the editor page holds no draft"
    return json.loads(match.group(1))


def page_csrf(actions) -> str:
    return actions.csrf("/designer")


def create(client, actions, key: str = "wholesale_order", **names):
    return client.post("/designer/new", data={
        "csrf_token": page_csrf(actions), "key": key, "name_en": names.get("en", "Wholesale"),
        "name_zh": names.get("zh", "")})


@pytest.fixture
def designer(actions):
    return actions.login_as("designer")


def test_staff_may_read_the_list_but_not_open_or_change_designs(client, actions, published):
    actions.login_as("staff")
    listing = client.get("/designer")
    assert listing.status_code == 200
    text = listing.get_data(as_text=True)
    assert "retail_order" in text and 'id="create-order-type"' not in text
    assert 'id="import-package"' not in text
    token = actions.csrf("/designer")
    assert client.get("/designer/retail_order").status_code == 403
    for path, data in [("/designer/new", {"key": "x"}),
                       ("/designer/retail_order/duplicate", {"new_key": "copy"}),
                       ("/designer/import", {})]:
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    # The API the editor calls refuses the same person.
    response = client.put("/api/v1/order-types/retail_order/draft", json=retail(),
                          headers={"X-CSRF-Token": token})
    assert response.status_code == 403
    assert response.content_type == "application/problem+json"


def test_a_visitor_is_sent_to_log_in(client):
    response = client.get("/designer/retail_order")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_creating_an_order_type_opens_its_editor_with_a_publishable_start(
        client, actions, designer):
    response = create(client, actions, en="Wholesale order", zh="批发订单")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/designer/wholesale_order")
    page = client.get("/designer/wholesale_order").get_data(as_text=True)
    assert notices(page) == ["Order type “wholesale_order” created. Design its form, then "
                             "publish it."]
    boot = boot_of(page)
    assert boot["draft"]["name"] == {"en": "Wholesale order", "zh": "批发订单"}
    assert boot["problems"] == [] and boot["latest_version"] is None
    assert boot["urls"]["draft"] == "/api/v1/order-types/wholesale_order/draft"
    assert "designer" in boot["roles"]
    listing = client.get("/designer").get_data(as_text=True)
    assert "Unpublished changes" in listing and "Not published yet" in listing


@pytest.mark.parametrize("key, message", [
    ("Wholesale", "The key must be lower-case letters, digits and _, starting with a letter."),
    ("1st", "The key must be lower-case letters, digits and _, starting with a letter."),
    ("retail_order", "There is already an order type “retail_order”; choose another key."),
])
def test_a_bad_or_taken_key_is_refused_with_the_reason(client, actions, designer, published,
                                                       key, message):
    response = create(client, actions, key=key)
    assert response.status_code == 302
    assert errors(client.get("/designer").get_data(as_text=True)) == [message]
    assert client.get("/api/v1/order-types", headers=published).get_json()[0]["key"] == \
        "retail_order"
    assert len(client.get("/api/v1/order-types", headers=published).get_json()) == 1


def test_duplicating_copies_the_draft_under_the_new_key(client, actions, designer, published):
    response = client.post("/designer/retail_order/duplicate", data={
        "csrf_token": page_csrf(actions), "new_key": "retail_copy"})
    assert response.headers["Location"].endswith("/designer/retail_copy")
    copy = boot_of(client.get("/designer/retail_copy").get_data(as_text=True))["draft"]
    original = retail()
    assert copy["key"] == "retail_copy"
    assert copy["form"] == original["form"] and copy["workflow"] == original["workflow"]


def test_the_editor_shows_the_saved_draft_with_its_problems_after_a_reload(
        client, actions, designer, published):
    token = actions.csrf("/designer")
    draft = retail()
    draft["form"]["fields"][4]["formula"] = "SUM(itms.amount)"
    draft["name"]["en"] = "Retail order (new form)"
    saved = client.put("/api/v1/order-types/retail_order/draft", json=draft,
                       headers={"X-CSRF-Token": token})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["errors"] == [{
        "pointer": "/form/fields/4/formula", "line": 1, "column": 5,
        "detail": "unknown field 'itms'; did you mean 'items'?"}]

    boot = boot_of(client.get("/designer/retail_order").get_data(as_text=True))
    assert boot["draft"]["form"]["fields"][4]["formula"] == "SUM(itms.amount)"
    assert boot["draft"]["name"]["en"] == "Retail order (new form)"
    assert boot["problems"] == saved.get_json()["errors"]
    assert boot["latest_version"] == 1
    # The published version is untouched until the draft is published.
    version = client.get("/api/v1/order-types/retail_order/versions/1", headers=published)
    assert version.get_json()["definition"]["form"]["fields"][4]["formula"] == \
        "SUM(items.amount)"


def test_bad_json_or_a_missing_csrf_token_from_the_page_gets_problem_json(
        client, actions, designer, published):
    token = actions.csrf("/designer")
    response = client.put("/api/v1/order-types/retail_order/draft", data="{\"key\": ",
                          content_type="application/json", headers={"X-CSRF-Token": token})
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert response.get_json()["detail"] == "the request body is not valid JSON"

    response = client.put("/api/v1/order-types/retail_order/draft", json=retail())
    assert response.status_code == 403
    assert response.get_json()["detail"] == \
        "missing or wrong CSRF token: send the X-CSRF-Token header"

    broken = retail()
    broken["key"] = "other_key"
    response = client.put("/api/v1/order-types/retail_order/draft", json=broken,
                          headers={"X-CSRF-Token": token})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/key"
    # Nothing of the refused saves was kept.
    draft = client.get("/api/v1/order-types/retail_order", headers=published).get_json()["draft"]
    assert draft == retail()


def test_importing_a_package_file_publishes_it_and_a_bad_file_imports_nothing(
        client, actions, designer, published):
    package = {"format": "orderloom-package/1", "order_types": [retail()]}
    response = client.post("/designer/import", data={
        "csrf_token": page_csrf(actions),
        "package": (io.BytesIO(json.dumps(package).encode()), "retail.orderloom.json")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert notices(client.get("/designer").get_data(as_text=True)) == [
        "Imported and published: retail_order → retail_order_2."]

    broken = retail()
    broken["rules"][0]["when"] = "priorty = \"rush\""
    for upload, message in [
        (b"not json", "That file is not a package: it must be a JSON file exported from "
                      "Orderloom."),
        (json.dumps({"format": "orderloom-package/1", "order_types": [broken]}).encode(),
         "Nothing was imported: /order_types/0/rules/0/when 1:1: unknown field 'priorty'; "
         "did you mean 'priority'?"),
    ]:
        client.post("/designer/import", data={
            "csrf_token": page_csrf(actions), "package": (io.BytesIO(upload), "x.json")},
            content_type="multipart/form-data")
        assert errors(client.get("/designer").get_data(as_text=True)) == [message]
    keys = [t["key"] for t in client.get("/api/v1/order-types", headers=published).get_json()]
    assert keys == ["retail_order", "retail_order_2"]


def test_the_designer_speaks_chinese_when_asked(client, actions, designer, published):
    page = client.get("/designer/retail_order?lang=zh").get_data(as_text=True)
    assert "保存草稿" in page and boot_of(page)["language"] == "zh"
    assert boot_of(page)["text"]["tab_workflow"] == "流程"
    # ...and remembers it on the next page.
    assert "新建订单类型" in client.get("/designer").get_data(as_text=True)
    assert "Order types" in client.get("/designer?lang=en").get_data(as_text=True)


def test_an_unsaved_definition_runs_on_a_sample_without_being_stored(
        client, actions, designer, published):
    token = actions.csrf("/designer")
    definition = retail()
    definition["form"]["fields"][4]["formula"] = "SUM(items.amount) + 10"
    sample = {"customer": {"code": "C1", "name": "Li Wei", "tier": "gold"},
              "ship_to": {"country": "CN", "province": "Zhejiang", "city": "Hangzhou"},
              "items": [{"sku": "TEA-01", "qty": 2, "price": "100.00"}]}
    response = client.post("/api/v1/definitions/simulate", headers={"X-CSRF-Token": token},
                           json={"definition": definition, "data": sample})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["computed"]["total"] == "210.00"
    assert result["lines"]["items"][0]["amount"] == "200.00"
    assert result["visible"] == {"note": False}  # the note shows for rush orders only
    assert client.get("/api/v1/order-types/retail_order", headers=published).get_json()[
        "draft"]["form"]["fields"][4]["formula"] == "SUM(items.amount)"

    definition["form"]["fields"][4]["formula"] = "SUM(itms.amount)"
    response = client.post("/api/v1/definitions/simulate", headers={"X-CSRF-Token": token},
                           json={"definition": definition, "data": sample})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{
        "pointer": "/definition/form/fields/4/formula", "line": 1, "column": 5,
        "detail": "unknown field 'itms'; did you mean 'items'?"}]
    response = client.post("/api/v1/definitions/simulate", headers={"X-CSRF-Token": token},
                           json={"definition": retail(), "data": sample, "state": "nowhere"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/state"


def test_a_print_template_is_previewed_on_a_sample_order(client, actions, designer):
    token = actions.csrf("/designer")
    sample = {"customer": {"code": "C1", "name": "Li Wei"},
              "ship_to": {"country": "CN", "province": "Zhejiang", "city": "Hangzhou"},
              "items": [{"sku": "TEA-01", "qty": 3, "price": "10.00"}]}
    response = client.post("/api/v1/definitions/print-preview", headers={"X-CSRF-Token": token},
                           json={"definition": retail(), "document": "packing_slip", "data": sample,
                                 "template": "<h1>{{ order.number }}</h1>{% for line in "
                                             "order.lines %}<p>{{ line.sku }} x {{ line.quantity }}"
                                             " = {{ line.amount }}</p>{% endfor %}"
                                             "<p>{{ order.data.total }}</p>"})
    assert response.status_code == 200, response.get_json()
    html = response.get_json()["html"]
    assert "<h1>SO-000001</h1>" in html and "<p>TEA-01 x 3 = 30.00</p>" in html
    assert "<p>30.00</p>" in html

    response = client.post("/api/v1/definitions/print-preview", headers={"X-CSRF-Token": token},
                           json={"definition": retail(), "data": sample,
                                 "template": "{% for line in order.lines %}"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/template"
    assert "not valid Jinja2" in response.get_json()["errors"][0]["detail"]


def test_formula_mistakes_show_while_the_structure_is_broken_elsewhere(
        client, actions, designer):
    token = actions.csrf("/designer")
    draft = retail()
    draft["workflow"]["states"][1]["key"] = ""           # being typed
    draft["rules"][0]["when"] = "priorty = \"rush\""
    draft["form"]["fields"][4]["formula"] = "SUM(itms.amount)"
    response = client.post("/api/v1/definitions/check-draft", json=draft,
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 200
    found = {(e["pointer"], e.get("column")): e["detail"] for e in response.get_json()["errors"]}
    assert ("/workflow/states/1/key", None) in found
    assert found[("/form/fields/4/formula", 5)] == "unknown field 'itms'; did you mean 'items'?"
    assert found[("/rules/0/when", 1)] == "unknown field 'priorty'; did you mean 'priority'?"
    # The plain check names only the structure problem.
    plain = client.post("/api/v1/definitions/check", json=draft,
                        headers={"X-CSRF-Token": token}).get_json()["errors"]
    assert [e["pointer"] for e in plain] == ["/workflow/states/1/key"]


def test_every_word_the_designer_shows_exists_in_english_and_chinese():
    from pathlib import Path

    from orderloom.platform.pages.designer_text import TEXT

    root = Path(__file__).resolve().parents[2] / "orderloom" / "platform"
    sources = [*(root / "static" / "designer").glob("*.js"),
               *(root / "templates" / "designer").glob("*.html"),
               root / "pages" / "designer.py"]
    used = set()
    for source in sources:
        text = source.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\.([a-z_0-9]+)", text))
        used |= set(re.findall(r'\bt\["([a-z_0-9]+)"\]', text))
    assert len(used) > 150
    assert used - set(TEXT["en"]) == set()
    assert set(TEXT["en"]) == set(TEXT["zh"])
    assert all(TEXT["zh"][k] for k in TEXT["zh"])
