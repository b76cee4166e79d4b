"""Faults the runtime keeps or meets on an order, said in the reader's language: a
computed field whose formula failed, an approval whose condition failed, a print
template or a notification that fails while it renders. A Chinese reader once got
"formula 'total / 0' failed at 1:7: division by zero" on the order page; the English
reader keeps the English."""
from __future__ import annotations

import html

from sqlalchemy import select, update

from orderloom.runtime.orders.models import Order
from tests.designer.samples import retail
from tests.pages.test_no_english_left import ZH
from tests.platform.test_api_tokens import bearer

EN = {"Accept-Language": "en"}
DATA = {"customer": {"code": "C1", "name": "Li Wei", "tier": "gold"},
        "ship_to": {"country": "China", "province": "Zhejiang", "city": "Hangzhou",
                    "line1": "1 West Lake Rd"},
        "items": [{"sku": "TEA-01", "qty": 1, "price": "3.00"}]}


def _shop(client, token_for, definition: dict) -> None:
    assert client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    assert client.post("/api/v1/products", headers=bearer(token_for("admin")),
                       json={"sku": "TEA-01", "name": "Longjing tea"}).status_code == 201


def _placed(client, token_for, definition: dict) -> str:
    """The shop with ``definition`` and one order placed in it: its number."""
    _shop(client, token_for, definition)
    made = client.post("/api/v1/orders", headers=bearer(token_for("admin")), json={
        "order_type": "retail_order", "data": DATA})
    assert made.status_code == 201, made.get_json()
    return made.get_json()["number"]


def _page(client, number: str, reader: dict) -> str:
    return html.unescape(client.get(f"/orders/{number}", headers=reader).get_data(as_text=True))


def test_a_computed_field_whose_formula_failed_is_said_in_the_readers_language(
        client, actions, token_for, db):
    definition = retail()
    definition["form"]["fields"].append(
        {"key": "per_unit", "type": "computed", "label": {"en": "Per unit", "zh": "单价"},
         "formula": "total / (total - total)", "result_type": "number"})
    definition["form"]["layout"][1]["fields"].append("per_unit")
    number = _placed(client, token_for, definition)
    actions.login_as("staff")
    chinese = _page(client, number, ZH)
    assert "公式 'total / (total - total)' 在第 1 行第 7 列运行出错：除数为零" in chinese
    assert "division by zero" not in chinese
    english = _page(client, number, EN)
    assert "formula 'total / (total - total)' failed at 1:7: division by zero" in english

    # A fault kept before its kind was is shown as it was kept, in either language.
    order = db.scalars(select(Order).where(Order.number == number)).one()
    old = {**order.data, "per_unit": {"error": "formula 'total / 0' failed at 1:7: "
                                               "division by zero"}}
    db.execute(update(Order).where(Order.number == number).values(data=old))
    db.commit()
    for reader in (ZH, EN):
        assert "formula 'total / 0' failed at 1:7: division by zero" in \
            _page(client, number, reader)


def test_an_approval_whose_condition_failed_says_why_in_the_readers_language(
        client, actions, token_for):
    definition = retail()
    definition["workflow"]["approvals"][0]["when"] = "total / (total - total) > 0"
    definition["workflow"]["automatic"].append(
        {"key": "to_review", "from": "draft", "to": "review", "when": "TRUE"})
    number = _placed(client, token_for, definition)
    actions.login_as("staff")
    chinese = _page(client, number, ZH)
    assert "其条件运行出错：公式 'total / (total - total) > 0' 在第 1 行第 7 列运行出错：" \
           "除数为零" in chinese
    assert "its condition failed" not in chinese and "division by zero" not in chinese
    english = _page(client, number, EN)
    assert "its condition failed: formula 'total / (total - total) > 0' failed at 1:7: " \
           "division by zero" in english


def test_an_approval_waived_by_its_condition_says_so_in_chinese(client, actions, token_for):
    definition = retail()
    definition["workflow"]["automatic"].append(
        {"key": "to_review", "from": "draft", "to": "review", "when": "TRUE"})
    number = _placed(client, token_for, definition)
    actions.login_as("staff")
    assert "其条件 'total > 5000' 不成立" in _page(client, number, ZH)
    assert "its condition 'total > 5000' is not TRUE" in _page(client, number, EN)


PREVIEWS = {
    "{% set zero = 0 %}{{ 1 / zero }}": (
        "打印模板 'preview' 第 1 行：除数为零",
        "print template 'preview', line 1: ZeroDivisionError: division by zero"),
    "<p>{{ nothing + 1 }}</p>": (
        "打印模板 'preview' 第 1 行：'nothing' 未定义",
        "print template 'preview', line 1: UndefinedError: 'nothing' is undefined"),
    "{{ order.number + 1 }}": (
        "打印模板 'preview' 第 1 行：无法把 str 与 int 合在一起",
        'print template \'preview\', line 1: TypeError: can only concatenate str (not "int") '
        "to str"),
    "{{ order.number|round }}": (
        "打印模板 'preview' 第 1 行：某个值的类型不适合模板对它所做的处理（过滤器或运算符）",
        "print template 'preview', line 1: TypeError: "),
}


def test_a_print_preview_that_fails_while_it_renders_is_said_in_the_readers_language(
        client, actions):
    actions.login_as("admin")
    headers = {"X-CSRF-Token": actions.csrf("/designer")}
    for template, (chinese, english) in PREVIEWS.items():
        said = {}
        for language, reader in (("zh", ZH), ("en", EN)):
            answer = client.post("/api/v1/definitions/print-preview",
                                 headers={**reader, **headers},
                                 json={"definition": retail(), "data": DATA,
                                       "template": template})
            assert answer.status_code == 422, (template, answer.get_json())
            (error,) = answer.get_json()["errors"]
            assert error["pointer"] == "/template"
            said[language] = error["detail"]
        assert said["zh"] == chinese, template
        assert said["en"].startswith(english), template


def test_a_notify_template_that_fails_while_it_renders_is_said_in_chinese_on_the_timeline(
        app, client, actions, token_for, db):
    from orderloom.runtime.jobs.models import Job
    from orderloom.runtime.jobs.runner import JobRunner

    definition = retail()
    definition["rules"].append({"key": "tell_staff", "when": "total > 0", "then": [
        {"type": "notify", "to": {"roles": ["staff"]},
         "template": "{% set zero = 0 %}Total {{ 1 / zero }}"}]})
    number = _placed(client, token_for, definition)
    job = db.scalars(select(Job).where(Job.kind == "notify")).one()
    job_id, again = job.id, job.run_after
    db.execute(update(Job).where(Job.id == job_id).values(max_attempts=job.attempts + 1))
    db.commit()
    # Its last attempt: the failure goes on the order's timeline.
    outcome = JobRunner(app.extensions["orderloom.db"].sessions).run(job_id, now=again)
    assert outcome.status == "failed", outcome
    actions.login_as("staff")
    chinese = _page(client, number, ZH)
    assert "notify 动作的正文第 1 行：除数为零" in chinese
    assert "division by zero" not in chinese
    assert "the notify action's template, line 1: ZeroDivisionError: division by zero" in \
        _page(client, number, EN)


def test_a_document_whose_template_fails_is_said_in_chinese_on_the_timeline(
        client, actions, token_for):
    definition = retail()
    definition["print_templates"].append(
        {"key": "slip", "document": "packing_slip",
         "template": "<p>{% set zero = 0 %}{{ 1 / zero }}</p>"})
    definition["workflow"]["automatic"].append(
        {"key": "to_review", "from": "draft", "to": "review", "when": "TRUE",
         "actions": [{"type": "create_document", "document": "packing_slip"}]})
    number = _placed(client, token_for, definition)
    actions.login_as("staff")
    chinese = _page(client, number, ZH)
    assert "打印模板 'slip' 第 1 行：除数为零" in chinese
    assert "division by zero" not in chinese
    assert "print template 'slip', line 1: ZeroDivisionError: division by zero" in \
        _page(client, number, EN)
