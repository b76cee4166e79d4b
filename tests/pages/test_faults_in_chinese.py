"""What goes wrong while a formula runs, and a spreadsheet that cannot be read, are
said in the reader's language: a Chinese reader once got "division by zero", 'VALUE:
"abc" is not a number' and "this is an old Excel .xls file" in English inside Chinese
sentences. The English reader, and the API's clients, keep the English."""
from __future__ import annotations

import ast
import html
import io
import re
from pathlib import Path

from orderloom.dsl import errors
from orderloom.platform.problem_words import FAULT_WORDS
from orderloom.platform.refusals import refusal_text
from orderloom.runtime.spreadsheets.reading import MAX_COLUMNS, SpreadsheetError, read_table
from tests.designer.samples import retail
from tests.pages.test_no_english_left import ZH, _pieces, english_left
from tests.platform.test_api_tokens import bearer

DSL = Path(__file__).resolve().parents[2] / "orderloom" / "dsl"
EN = {"Accept-Language": "en"}
CLASS_NAMES = {"VALUE", "DIV0", "NUM", "NA"}


def _faults() -> list[tuple[str, ast.Call]]:
    found = []
    for path in sorted(DSL.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Fault":
                found.append((f"{path.name}:{node.lineno}", node))
    return found


def test_every_fault_a_formula_can_meet_has_chinese_words():
    """A new fault is worded by its kind, or at least by its class (Excel's error value):
    neither may be one the words do not know."""
    faults = _faults()
    assert len(faults) > 60  # the walk reached the functions, not an empty folder
    unknown = []
    for where, call in faults:
        keywords = {k.arg: k.value for k in call.keywords}
        code = keywords.get("code", call.args[2] if len(call.args) > 2 else None)
        if code is not None and not (isinstance(code, ast.Name) and code.id in CLASS_NAMES
                                     or isinstance(code, ast.Constant) and code.value is None):
            unknown.append((where, "code", ast.unparse(code)))
        kind = keywords.get("kind")
        if kind is not None:
            name = getattr(kind, "id", None) or getattr(kind, "attr", None)
            if getattr(errors, str(name), None) not in errors.KINDS:
                unknown.append((where, "kind", ast.unparse(kind)))
    assert not unknown, unknown
    unworded = (set(errors.KINDS) | set(errors.CLASSES.values())) - set(FAULT_WORDS)
    assert not unworded, f"fault kinds without words in problem_words.py: {unworded}"


def test_the_fault_words_are_chinese_with_their_placeholders(app):
    with app.test_request_context("/", headers=ZH):
        for key, words in FAULT_WORDS.items():
            english = words._args[0]
            chinese = str(words)
            assert re.search(r"[\u4e00-\u9fff]", chinese), (key, chinese)
            assert set(re.findall(r"%\(\w+\)s", chinese)) == \
                set(re.findall(r"%\(\w+\)s", english)), key


def _checked_coupon() -> dict:
    definition = retail()
    definition["form"]["fields"].append(
        {"key": "coupon", "type": "text", "label": {"en": "Coupon", "zh": "优惠码"},
         "validation": {"formula": "VALUE(coupon) > 0",
                        "message": {"en": "A coupon is a positive number"}}})
    definition["form"]["layout"][1]["fields"].append("coupon")
    return definition


def _order(coupon: str) -> dict:
    return {"order_type": "retail_order", "data": {
        "customer": {"code": "C1", "name": "Li Wei", "tier": "gold"},
        "ship_to": {"country": "China", "province": "Zhejiang", "city": "Hangzhou",
                    "line1": "1 West Lake Rd"},
        "coupon": coupon, "items": [{"sku": "TEA-01", "qty": 1, "price": "1.00"}]}}


def test_a_check_whose_formula_fails_on_save_is_said_in_chinese(client, actions, token_for):
    assert client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [_checked_coupon()]}).status_code == 201
    assert client.post("/api/v1/products", headers=bearer(token_for("admin")),
                       json={"sku": "TEA-01", "name": "Longjing tea"}).status_code == 201
    actions.login_as("staff")
    saving = {"X-CSRF-Token": actions.csrf("/orders")}
    refused = client.post("/api/v1/orders", headers={**ZH, **saving}, json=_order("abc"))
    assert refused.status_code == 422, refused.get_json()
    details = {e["pointer"]: e["detail"] for e in refused.get_json()["errors"]}
    assert details["/data/coupon"] == "校验公式运行出错：“abc”不是数字", details
    assert english_left(list(details.values()), set()) == []
    english = client.post("/api/v1/orders", headers={**EN, **saving}, json=_order("abc"))
    assert {e["pointer"]: e["detail"] for e in english.get_json()["errors"]}[
        "/data/coupon"] == 'the validation formula failed: VALUE: "abc" is not a number'


def test_an_automatic_move_whose_formula_fails_is_said_in_chinese_on_the_timeline(
        client, actions, token_for):
    definition = retail()
    definition["workflow"]["automatic"].append(
        {"key": "to_review", "from": "draft", "to": "review", "when": "TRUE",
         "actions": [{"type": "set_field", "field": "note",
                      "value": 'TEXT(1 / (total - total), "0")'}]})
    assert client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    assert client.post("/api/v1/products", headers=bearer(token_for("admin")),
                       json={"sku": "TEA-01", "name": "Longjing tea"}).status_code == 201
    actions.login_as("staff")
    created = client.post("/api/v1/orders", headers={"X-CSRF-Token": actions.csrf("/orders")},
                          json={"order_type": "retail_order", "data": {
                              k: v for k, v in _order("1")["data"].items() if k != "coupon"}})
    assert created.status_code == 201, created.get_json()
    number = created.get_json()["number"]
    chinese = html.unescape(client.get(f"/orders/{number}", headers=ZH).get_data(as_text=True))
    assert "设置 'note' 的公式运行出错：除数为零" in chinese
    assert "division by zero" not in chinese
    english = html.unescape(client.get(f"/orders/{number}", headers=EN).get_data(as_text=True))
    assert "the formula that sets 'note' failed: division by zero" in english


def test_a_rule_that_fails_in_a_simulation_is_said_in_the_designers_language(
        client, actions):
    definition = retail()
    definition["rules"][0]["when"] = "1 / (total - total) > 0"
    actions.login_as("admin")
    headers = {"X-CSRF-Token": actions.csrf("/designer")}
    sample = {"items": [{"sku": "TEA-01", "qty": 1, "price": "3.00"}]}
    said = {}
    for language in ("zh", "en"):
        answer = client.post("/api/v1/definitions/simulate", headers=headers, json={
            "definition": definition, "data": sample, "language": language})
        assert answer.status_code == 200, answer.get_json()
        said[language] = answer.get_json()["rules"][0]["fault"]
    assert said["zh"] == "公式 '1 / (total - total) > 0' 在第 1 行第 3 列运行出错：除数为零"
    assert said["en"] == "formula '1 / (total - total) > 0' failed at 1:3: division by zero"


def test_an_old_excel_file_is_refused_in_chinese_on_the_stock_page(client, actions):
    actions.login_as("admin")
    upload = {"csrf_token": actions.csrf("/stock"), "mode": "receive",
              "file": (io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\0" * 60), "stock.xls")}
    refused = client.post("/stock/import", headers=ZH, content_type="multipart/form-data",
                          data=upload)
    assert refused.status_code in (415, 422)
    page = html.unescape(refused.get_data(as_text=True))
    assert "这是旧版 Excel .xls 文件，请另存为 .xlsx 或 CSV。" in page
    assert english_left(_pieces(page), set()) == []
    upload["file"] = (io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\0" * 60), "stock.xls")
    english = client.post("/stock/import", headers=EN, content_type="multipart/form-data",
                          data=upload)
    assert "stock.xls: this is an old Excel .xls file" in html.unescape(
        english.get_data(as_text=True))


def test_a_spreadsheet_over_its_limits_names_the_limit_in_chinese(app):
    wide = (",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n").encode()
    refusals = []
    for content in (wide, b"", b"sku,qty\n\xff\xfe\xff,1\n"):
        try:
            read_table(content, "orders.csv")
        except SpreadsheetError as refused:
            refusals.append(refused)
    assert [r.code for r in refusals] == [
        "spreadsheet.too_many_columns", "spreadsheet.empty", "spreadsheet.encoding"]
    with app.test_request_context("/", headers=ZH):
        said = [refusal_text(r) for r in refusals]
    assert said == [f"第一行超过 {MAX_COLUMNS} 列。", *said[1:]]
    assert english_left(said, set()) == [], said
    with app.test_request_context("/", headers=EN):
        assert [refusal_text(r) for r in refusals] == [r.message for r in refusals]
    assert refusals[0].message.startswith(f"orders.csv: the first row has more than "
                                          f"{MAX_COLUMNS} columns")



def test_a_body_that_breaks_its_schema_is_said_in_chinese_with_the_values_quoted(
        client, actions):
    """A page's request whose body broke the schema got jsonschema's English (or ours)
    inside a Chinese page; each kind of check is now worded from its validator."""
    actions.login_as("admin")
    headers = {"X-CSRF-Token": actions.csrf("/orders")}
    body = {"sku": 5, "bogus": 1}
    said = {}
    for language, reader in (("zh", ZH), ("en", EN)):
        answer = client.post("/api/v1/products", headers={**reader, **headers}, json=body)
        assert answer.status_code == 422, answer.get_json()
        said[language] = {e["pointer"]: e["detail"] for e in answer.get_json()["errors"]}
    assert said["en"] == {"/sku": "must be of type string", "/name": "is required",
                          "/bogus": "is not a known field here"}
    assert said["zh"]["/sku"] == "5 不是 string 类型", said["zh"]
    assert said["zh"]["/name"] == "为必填项"
    assert english_left(list(said["zh"].values()), set()) == [], said["zh"]


def test_the_public_tracking_page_shows_none_of_our_english_to_a_chinese_customer(
        console, client):
    number = console.order()
    shipped = client.post(f"/api/v1/orders/{number}/shipments", headers=console.staff,
                          json={"carrier": "local", "tracking_number": "LC-ZH-2"})
    assert shipped.status_code == 201, shipped.get_json()
    address = shipped.get_json()["tracking_url"].rsplit("/", 1)[-1]
    for page in (f"/track/{address}", "/track", "/track/NO-SUCH-CODE"):
        chinese = client.get(page, headers=ZH).get_data(as_text=True)
        assert english_left(_pieces(chinese), {"LC-ZH-2", number}) == [], page
    english = client.get(f"/track/{address}", headers=EN).get_data(as_text=True)
    assert "Parcel LC-ZH-2" in html.unescape(english)


def test_a_print_template_that_does_not_compile_is_said_in_chinese(app):
    """Jinja's own reason once sat in English inside the Chinese "模板第 1 行有错误"."""
    from orderloom.designer.validation import validate_order_type
    from orderloom.platform.problem_words import problem_text

    said = {}
    for template in ("{% for line in order.items %}", "{% frob %}", "{{ order.number "):
        definition = retail()
        definition["print_templates"][0]["template"] = template
        (problem,) = [p for p in validate_order_type(definition)
                      if p.pointer == "/print_templates/0/template"]
        with app.test_request_context("/", headers=ZH):
            chinese = problem_text(problem.code, problem.message, problem.values)
        with app.test_request_context("/", headers=EN):
            assert problem_text(problem.code, problem.message, problem.values) == \
                problem.message
        said[template] = chinese
    assert said == {
        "{% for line in order.items %}":
            "模板第 1 行有错误：模板在 'for' 块闭合之前就结束了；此处应为 'endfor', 'else'",
        "{% frob %}": "模板第 1 行有错误：未知标签 'frob'",
        "{{ order.number ": "模板第 1 行有错误：模板提前结束；此处应为 'end of print statement'",
    }
