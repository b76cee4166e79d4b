"""Every main page rendered in Chinese shows none of our own English: neither a text a
template writes without marking it for translation, nor a marked one left
untranslated. Names a designer or a person gave (states, fields, customers) are theirs
and are not looked at: only the words of our templates and our catalog are."""
from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.designer.samples import retail
from tests.pages.conftest import BIG
from tests.platform.test_api_tokens import bearer

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
PLATFORM = Path(__file__).resolve().parents[2] / "orderloom" / "platform"
TEMPLATES = PLATFORM / "templates"
CATALOG = PLATFORM / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
WORDS = re.compile(r"[A-Za-z]{2,}")
ATTRIBUTES = re.compile(r'\s(?:placeholder|title|aria-label)="([^"]*)"')
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
# An example of a code in a box ("alipay", "TEA-01"), not words to translate.
CODE = re.compile(r"^[a-z0-9_.-]+$|^[A-Z0-9]+-[0-9]+$")
# Names that read the same in Chinese.
NAMES = {"Orderloom", "English", "CSV", "Excel", "PDF", "SKU", "API", "OpenAPI"}
HIDDEN = re.compile(r"<script.*?</script>|<style.*?</style>|<code.*?</code>", re.S)


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def _pieces(page: str) -> list[str]:
    """What a reader sees of a page or a template: its text between tags and the
    words of its placeholders, titles and labels for screen readers."""
    page = HIDDEN.sub("", page)
    found = [_plain(t) for t in re.findall(r">([^<>]+)<", page)]
    found += [_plain(a) for a in ATTRIBUTES.findall(page)]
    return [p for p in found if WORDS.search(p)]


def _catalog() -> list[str]:
    """Each marked text of the catalog that reads differently in Chinese (so "CSV" or
    "PDF", the same in both, do not count)."""
    with CATALOG.open("rb") as po:
        return [_plain(m.id) for m in read_po(po)
                if isinstance(m.id, str) and m.id and m.string != m.id]


def _ours() -> set[str]:
    """Our English: each template's unmarked text, and each marked text of the
    catalog without placeholders."""
    english = set()
    for template in TEMPLATES.rglob("*.html"):
        if "designer" in template.parts:
            continue  # the designer has its own words (pages/designer_text.py)
        source = JINJA.sub(lambda m: "\x00" if m.group(0).startswith("{{") else "",
                           template.read_text())
        english |= {p for p in _pieces(source) if "\x00" not in p and not CODE.match(p)}
    english |= {m for m in _catalog() if "%(" not in m}
    # Not words of a sentence: codes and names that read the same in any language.
    return {e for e in english if WORDS.search(e)} - NAMES


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
# Three or more English words in a row: a piece of our sentence inside another.
RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]+){2,}")


def _sentences() -> list[re.Pattern[str]]:
    """Each catalog text with placeholders, as a pattern its English fills match
    ("Mismatch %(id)s resolved." matches "Mismatch 7 resolved."); texts that are
    mostly placeholders say too little to be told apart from a name, and are left out."""
    found = []
    for message in _catalog():
        if "%(" not in message:
            continue
        words = WORDS.findall(PLACEHOLDER.sub(" ", message))
        if len(words) < 2:
            continue
        found.append(re.compile(".+".join(re.escape(part)
                                          for part in PLACEHOLDER.split(message))))
    return found


def english_left(pieces: list[str], theirs: set[str]) -> list[str]:
    """What of ``pieces`` is our English: a whole text of ours, one of our sentences
    with its values filled in, or a run of three or more words of ours inside a piece
    (a sentence half translated). ``theirs``: the designer's labels, which are not."""
    ours, sentences = _ours() - theirs, _sentences()
    texts = [t for t in ours | set(_catalog()) if t not in theirs]
    left = []
    for piece in pieces:
        if piece in ours or any(p.fullmatch(piece) for p in sentences):
            left.append(piece)
            continue
        for run in RUN.findall(piece):
            if not any(run in label for label in theirs) and any(run in t for t in texts):
                left.append(piece)
                break
    return sorted(set(left))


def _labels(value) -> set[str]:
    if isinstance(value, dict):
        found = {value["en"]} if isinstance(value.get("en"), str) else set()
        return found.union(*(_labels(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_labels(v) for v in value))
    return set()


@pytest.fixture
def pages_in_chinese(console, actions, client, token_for):
    """The main pages, with something on each: orders in the list, one waiting for an
    approver, its customer, figures on the dashboard, a statement mapping, an imported
    statement with a line nothing matches. Each page is read after what it follows, if
    anything: a refused action's message shows on the page after it."""
    first = console.order()
    console.submitted(BIG)
    mapped = client.put("/api/v1/statement-mappings/alipay", headers=bearer(token_for("admin")),
                        json={"columns": {"amount": "Amount", "date": "Date",
                                          "reference": "Ref"}})
    assert mapped.status_code in (200, 201), mapped.get_json()
    warehouse = client.post("/api/v1/warehouses", headers=bearer(token_for("admin")),
                            json={"code": "HZ", "name": "Hangzhou", "zone_order": ["B", "A"]})
    assert warehouse.status_code == 201, warehouse.get_json()
    assert client.post("/api/v1/products", headers=bearer(token_for("admin")), json={
        "sku": "TEA-NEW", "name": "New season tea"}).status_code == 201
    actions.login_as("admin")
    task = re.search(r'action="/approvals/(\d+)/reject"', client.get("/approvals").get_data(
        as_text=True)).group(1)

    def post(path: str, **data):
        def act():
            response = client.post(path, headers=ZH, content_type="multipart/form-data", data={
                "csrf_token": actions.csrf("/finance/reconciliation"), **data})
            assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
        return act

    statement = b"Amount,Date,Ref\n77.70,2026-01-05,NOPE-1\n"
    return [
        ("/", None), ("/orders", None), ("/orders?state=draft&q=SO", None),
        (f"/orders/{first}", None), ("/approvals", None), ("/customers", None),
        ("/customers/C1", None), ("/dashboards", None), ("/finance/summary", None),
        ("/finance/reconciliation", post("/finance/statements", provider="alipay",
                                         file=(io.BytesIO(statement), "statement.csv"))),
        ("/finance/reconciliation?resolved=1", None),
        ("/approvals", post(f"/approvals/{task}/reject", comment=" ")),
        ("/finance/reconciliation", post("/finance/mismatches/999999/resolve", note="x")),
        ("/templates", None),
        ("/templates", post("/templates/retail/import", on_conflict="rename")),
        ("/floor", None),
        ("/floor/warehouses/HZ", post("/floor/warehouses/HZ/weighing", tolerance_grams="30",
                                      packaging_grams="100", weigh_every_parcel="1")),
        ("/floor/warehouses/HZ", post("/floor/warehouses/HZ/schedule",
                                      wave_times="09:00 15:00", cut_off="14:00")),
        ("/returns", None), ("/admin/returns", None),
        # promotions and pre-sale
        ("/admin/promotions", post("/admin/promotions", code="fan", discount_amount="5",
                                   gift_sku="TEA-NEW", min_amount="100", active="on")),
        ("/admin/promotions?code=fan", None),
        ("/stock/pre-sale", post("/stock/pre-sale/release-dates", sku="TEA-NEW",
                                 release_on="2027-01-01")),
        ("/admin/merge-split", None),
        (f"/orders/{first}", post(f"/orders/{first}/split", basis="stock")),
        # date filters, read as days of the instance's time zone, and ones a page cannot read
        ("/orders?created_from=2026-03-01&created_to=2026-03-01", None),
        ("/orders?created_from=03/01/2026", None),
        ("/dashboards?created_from=2026-03-01&created_to=2026-03-31&grain=week", None),
        ("/dashboards?created_from=nope", None),
        ("/finance/summary?from=2026-03-01&to=2026-03-02", None),
        ("/finance/summary?from=x", None),
    ]


def test_no_page_shows_our_english_in_chinese(client, pages_in_chinese):
    # The sample order type's own labels are the designer's words, not ours, even where
    # they match ours ("Cancel", "Shipped").
    theirs = _labels(retail())
    left = {}
    for path, before in pages_in_chinese:
        if before is not None:
            before()
        response = client.get(path, headers=ZH)
        assert response.status_code == 200, path
        english = english_left(_pieces(response.get_data(as_text=True)), theirs)
        if english:
            left[path] = english
    assert left == {}


def test_a_half_translated_sentence_is_caught():
    """The check itself: a sentence of ours with its values, and a run of our words
    inside a Chinese sentence, are both English left."""
    assert english_left(["Mismatch 7 resolved."], set()) == ["Mismatch 7 resolved."]
    assert english_left(["第 3 行：no payment or order matches it"], set()) == [
        "第 3 行：no payment or order matches it"]
    assert english_left(["已解决差异 7。", "Li Wei", "1 West Lake Rd"], set()) == []


def test_the_pick_lists_page_in_chinese(client, console, actions):
    first = console.order()
    actions.login_as("staff")
    response = client.post("/orders/pick-lists", headers=ZH, data={
        "csrf_token": actions.csrf("/orders"), "numbers": [first, "SO-NOPE"]})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "未找到，已略过：SO-NOPE。" in page and "尚未分配仓库" in page
    assert english_left(_pieces(page), set()) == []


def test_the_login_page_in_chinese(client):
    page = client.get("/login", headers=ZH).get_data(as_text=True)
    assert "登录 Orderloom" in page
    assert english_left(_pieces(page), set()) == []


def test_the_segments_are_described_as_the_runtime_defines_them(app):
    """The customer pages say each segment's meaning in the reader's language: the
    English of the page's words is the runtime's definition, word for word."""
    from orderloom.platform.pages.customers import SEGMENT_DESCRIPTIONS
    from orderloom.runtime.customers.records import SEGMENTS

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert {k: str(v) for k, v in SEGMENT_DESCRIPTIONS.items()} == SEGMENTS


def _problem_texts(answer) -> list[str]:
    """What the designer's and the order form's scripts show of a refused save: the
    detail of each error, beside its box."""
    body = answer.get_json()
    return [e["detail"] for e in body.get("errors", [])] or [body["detail"]]


def test_a_draft_with_a_bad_formula_is_refused_in_chinese(client, published, actions):
    """Publishing from the designer's page: each problem's detail is what the page shows
    beside the field, with its line and column; the API's clients keep the English."""
    actions.login_as("admin")
    definition = retail()
    discount = next(f for f in definition["form"]["fields"] if f["key"] == "discount")
    discount["formula"] = "IF(totl > 5000, 10"
    definition["rules"][0]["when"] = 'priorty = "rush"'
    headers = {**ZH, "X-CSRF-Token": actions.csrf("/designer")}
    saved = client.put("/api/v1/order-types/retail_order/draft", headers=headers,
                       json=definition)
    assert saved.status_code == 200, saved.get_json()
    refused = client.post("/api/v1/order-types/retail_order/publish", headers=headers)
    assert refused.status_code == 422
    errors = {e["pointer"]: e for e in refused.get_json()["errors"]}
    rule = errors["/rules/0/when"]
    assert rule["detail"] == "未知字段 'priorty'；您是不是要写 'priority'？"
    assert (rule["line"], rule["column"]) == (1, 1)
    assert any(e["detail"].startswith("公式提前结束") for e in errors.values()), errors
    assert english_left(_problem_texts(refused), set()) == []
    # The API's clients read the English, whatever their language.
    api = client.post("/api/v1/order-types/retail_order/publish",
                      headers={**ZH, **published})
    assert "unknown field 'priorty'; did you mean 'priority'?" in [
        e["detail"] for e in api.get_json()["errors"]]


def test_a_stock_adjustment_too_large_and_an_unknown_sku_are_refused_in_chinese(
        client, actions, token_for, published):
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/products", headers=admin,
                       json={"sku": "TEA-01", "name": "Longjing tea"}).status_code == 201
    assert client.post("/api/v1/warehouses", headers=admin, json={
        "code": "HZ", "name": "Hangzhou", "regions": ["Zhejiang"], "priority": 1}
    ).status_code == 201
    actions.login_as("admin")
    for data, beside in (({"sku": "TEA-01", "change": "-5"}, "调整不能减少更多"),
                         ({"sku": "TEA-99", "change": "3"}, "没有 SKU 为“TEA-99”的商品")):
        answer = client.post("/stock/adjustments", headers=ZH, data={
            "csrf_token": actions.csrf("/stock"), "warehouse": "HZ", "reference": "盘点",
            **data})
        assert answer.status_code in (409, 422)
        page = answer.get_data(as_text=True)
        assert beside in html.unescape(page)
        assert english_left(_pieces(page), set()) == []
    # A stock file's bad rows, each said in Chinese.
    refused = client.post("/stock/import", headers=ZH, content_type="multipart/form-data",
                          data={"csrf_token": actions.csrf("/stock"), "mode": "receive",
                                "file": (io.BytesIO(b"sku,warehouse,quantity\nTEA-01,HZ,two\n"
                                                    b"TEA-77,HZ,3\n,HZ,1\n"), "stock.csv")})
    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    for row in ("第 2 行：数量 'two' 不是整数", "没有 SKU 为“TEA-77”的商品", "SKU 为空"):
        assert row in page, row
    assert english_left(_pieces(page), set()) == []


@pytest.mark.parametrize("password, said", [
    ("short", "长度至少为 10 个字符"),
    ("password1234", "太容易被猜到"),
    ("wang.fang-2026!", "不能包含用户名"),
])
def test_a_bad_password_is_refused_in_chinese(client, actions, password, said):
    actions.login_as("admin")
    answer = client.post("/admin/users", headers=ZH, data={
        "csrf_token": actions.csrf("/admin/users"), "username": "wang.fang",
        "password": password, "roles": ["staff"]})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert f"密码：{said}" in html.unescape(page)
    assert english_left(_pieces(page), set()) == []


def test_a_wrong_password_is_said_in_chinese(client, make_user):
    user = make_user("staff")
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login", headers=ZH).get_data(as_text=True)).group(1)
    wrong = client.post("/login", headers=ZH, data={"username": user.username,
                                                    "password": "not-the-password",
                                                    "csrf_token": token})
    assert wrong.status_code == 401
    assert "用户名或密码错误。" in wrong.get_data(as_text=True)
    assert english_left(_pieces(wrong.get_data(as_text=True)), set()) == []


def test_an_order_the_form_refuses_is_refused_in_chinese(client, published, actions,
                                                          token_for):
    """The order form's script shows each problem's detail beside its box, and its own
    words come from the page."""
    assert client.post("/api/v1/products", headers=bearer(token_for("admin")),
                       json={"sku": "CUP-02", "name": "Celadon cup"}).status_code == 201
    actions.login_as("staff")
    page = client.get("/orders/new/retail_order", headers=ZH).get_data(as_text=True)
    words = html.unescape(re.search(r'data-words="([^"]*)"', page).group(1))
    assert "请更正上面标出的字段。" in words and "正在保存……" in words
    answer = client.post("/api/v1/orders", headers={**ZH, "X-CSRF-Token": actions.csrf("/orders")},
                         json={"order_type": "retail_order", "data": {
                             "customer": {"code": "C1", "name": "Li Wei", "tier": "gold"},
                             "items": [{"sku": "TEA-01", "qty": 99, "price": "1.00"}]}})
    assert answer.status_code == 422
    texts = _problem_texts(answer)
    assert "为必填项" in texts, texts
    # A SKU the catalog lacks is said at its line, not later as a shortage.
    assert "没有商品 'TEA-01'" in texts, texts
    assert english_left(texts, set()) == []


def test_a_full_width_quantity_is_refused_in_chinese(client, published, actions):
    """A quantity typed with a Chinese keyboard's full-width digits ("１２") once came
    back in English ("'１２' must be written with the digits 0-9") to a Chinese reader,
    and so did a price with more places than the currency has and a half quantity."""
    actions.login_as("staff")
    answer = client.post("/api/v1/orders", headers={**ZH, "X-CSRF-Token": actions.csrf("/orders")},
                         json={"order_type": "retail_order", "data": {
                             "customer": {"code": "C1", "name": "Li Wei", "tier": "gold"},
                             "items": [{"sku": "TEA-01", "qty": "１２", "price": "1.00"},
                                       {"sku": "TEA-01", "qty": 1, "price": "12.345"},
                                       {"sku": "TEA-01", "qty": "1.5", "price": "1.00"}]}})
    assert answer.status_code == 422
    details = {e["pointer"]: e["detail"] for e in answer.get_json()["errors"]}
    assert details["/data/items/0/qty"] == "'１２' 必须用数字 0-9 书写", details
    assert details["/data/items/1/price"] == "CNY 有 2 位小数；12.345 的小数位数更多", details
    assert details["/data/items/2/qty"] == "必须是整数", details
    assert english_left(list(details.values()), set()) == []


def test_a_rule_that_blocks_speaks_the_language_chosen_with_the_switch(
        client, actions, token_for):
    """A rule's block message once came back in English to a person who chose 中文 with
    the top bar's switch (creating ignored the reader's language altogether), and a
    full-width quantity beside it was English too."""
    definition = retail()
    definition["rules"].append({"key": "no_mars", "when": 'ship_to.country = "MARS"',
                                "then": [{"type": "block", "message": {
                                    "en": "We do not ship to Mars", "zh": "不送往火星"}}]})
    assert client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    actions.login_as("staff")
    client.get("/?lang=zh")  # the switch; the browser itself asks for English
    csrf = {"X-CSRF-Token": actions.csrf("/orders"), "Accept-Language": "en"}
    customer = {"code": "C1", "name": "Li Wei", "tier": "gold"}
    blocked = client.post("/api/v1/orders", headers=csrf, json={
        "order_type": "retail_order", "data": {
            "customer": customer, "ship_to": {"country": "Mars"},
            "items": [{"sku": "TEA-01", "qty": 1, "price": "1.00"}]}})
    assert blocked.status_code == 422, blocked.get_json()
    assert _problem_texts(blocked) == ["不送往火星"]
    wide = client.post("/api/v1/orders", headers=csrf, json={
        "order_type": "retail_order", "data": {
            "customer": customer, "items": [{"sku": "TEA-01", "qty": "１２", "price": "1.00"}]}})
    assert english_left(_problem_texts(wide), set()) == []


def test_the_designers_rarer_problems_are_refused_in_chinese(client, published, actions):
    """Problems less often met than a mistyped field (two start states, an automatic
    move with both a condition and a timer, a timer of years, a look-up table named
    like a field, a role that may change a field it cannot see) once reached a Chinese
    designer in English."""
    actions.login_as("admin")
    definition = retail()
    states = definition["workflow"]["states"]
    states[1]["kind"] = "start"
    definition["workflow"].setdefault("automatic", []).append(
        {"key": "both", "from": states[0]["key"], "to": states[2]["key"], "when": "TRUE",
         "after_hours": 900000})
    definition["lookup_tables"] = [{"key": "priority", "label": {"en": "Priority"},
                                    "columns": [{"key": "rate", "type": "number",
                                                 "label": {"en": "Rate"}}],
                                    "rows": [{"rate": "lots"}]}]
    definition["form"]["fields"][0]["access"] = {"see": ["admin"], "edit": ["staff"]}
    headers = {**ZH, "X-CSRF-Token": actions.csrf("/designer")}
    saved = client.put("/api/v1/order-types/retail_order/draft", headers=headers,
                       json=definition)
    assert saved.status_code == 200, saved.get_json()
    refused = client.post("/api/v1/order-types/retail_order/publish", headers=headers)
    assert refused.status_code == 422
    texts = _problem_texts(refused)
    assert len(texts) >= 6, texts
    assert "自动流转需要条件和定时器二者之一，且只能有一个" in texts, texts
    assert any(t.startswith("必须正好有一个开始状态") for t in texts), texts
    assert english_left(texts, set()) == []
    assert all(re.search(r"[\u4e00-\u9fff]", t) for t in texts), texts
