"""The pages outside the designer in Chinese for a browser that asks for it, with times
in the instance's time zone and numbers as the reader's locale writes them."""
from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from orderloom.platform.i18n import count, when
from tests.pages.conftest import BIG
from tests.platform.test_api_tokens import bearer

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def instance_time_zone():
    # Eight hours from UTC, so a time shown in UTC could not pass for Shanghai time.
    return "Asia/Shanghai"


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", page))


def _headings(page: str) -> list[str]:
    return [_text(re.sub(r"<[^>]+>", "", h)).strip()
            for h in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", page, re.S)]


def _nav(page: str) -> list[str]:
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", page, re.S).group(1)
    return [_text(a).strip() for a in re.findall(r"<a [^>]*>(.*?)</a>", nav)]


def test_the_order_page_speaks_chinese_from_the_top_bar_to_the_comment_box(console, actions):
    number = console.order()
    actions.login_as("staff")
    chinese = console.page(f"/orders/{number}", headers=ZH)
    assert '<html lang="zh-CN">' in chinese
    assert _nav(chinese)[:3] == ["首页", "订单", "审批"]
    assert "退出登录" in chinese
    headings = _headings(chinese)
    for heading in ("操作", "单据", "运单", "付款 未付款", "时间线"):
        assert heading in headings, headings
    text = _text(chinese)
    for label in ("<dt>订单类型", "<dt>渠道", "<dt>创建", "<dt>最后修改", "添加评论",
                  "还没有运单。", "添加运单", "比较各承运商的报价", "装箱单", "<dt>尚欠",
                  "记录付款", "尚未记录付款。"):
        assert label in text, label
    for english in ("Timeline", "Documents", "Shipments", "Actions", "Last change",
                    "Add a comment", "No shipments yet", "Log out", "Packing slip",
                    "Still owed", "Record payment", "Unpaid"):
        assert english not in text, english

    english = _text(console.page(f"/orders/{number}"))
    assert "<dt>Last change" in english and '<html lang="en">' in english


def test_the_order_page_shows_times_in_the_instance_zone_in_the_readers_format(console,
                                                                              actions):
    number = console.order()
    created = datetime.fromisoformat(console.read(number)["created_at"]).astimezone(SHANGHAI)
    actions.login_as("viewer")
    chinese = _text(console.page(f"/orders/{number}", headers=ZH))
    english = _text(console.page(f"/orders/{number}"))
    clock = created.strftime("%H:%M")
    assert f"{created:%Y-%m-%d} {clock}" in chinese
    assert f"{created.strftime('%b')} {created.day}, {created.year}, {clock}" in english
    assert "UTC" not in english.split("<h2", 1)[0]


def test_an_approver_decides_in_chinese(console, actions):
    number = console.submitted(BIG)  # over the limit: it waits for an approver
    actions.login_as("admin")
    text = _text(console.page(f"/orders/{number}", headers=ZH))
    assert "待您审批：" in text and "自 " in text and "起等待。" in text
    assert ">批准</button>" in text and ">驳回</button>" in text
    for english in ("Your approval", "Waiting since", ">Approve<", ">Reject<"):
        assert english not in text, english


def test_the_transition_message_names_the_states_in_chinese(console, actions):
    number = console.order()
    actions.login_as("staff")
    revision = console.read(number)["revision"]
    response = console.client.post(f"/orders/{number}/transitions/submit", data={
        "revision": revision,
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                console.page(f"/orders/{number}")).group(1)}, headers=ZH)
    assert response.status_code == 302
    page = _text(console.page(f"/orders/{number}", headers=ZH))
    assert f"：订单 {number} 现在为" in page
    assert "done: order" not in page


def test_a_local_shipment_reads_in_chinese_on_the_order_and_the_public_page(console, actions,
                                                                          client):
    number = console.order()
    shipped = client.post(f"/api/v1/orders/{number}/shipments", headers=console.staff,
                          json={"carrier": "local", "tracking_number": "LC-ZH-1"})
    assert shipped.status_code == 201, shipped.get_json()
    token = shipped.get_json()["tracking_url"].rsplit("/", 1)[-1]
    actions.login_as("staff")
    order_page = _text(console.page(f"/orders/{number}", headers=ZH))
    for words in ("<td>本地配送</td>", "已制单", "记录 LC-ZH-1 的情况", "<th>运单号</th>",
                  "发生了什么"):
        assert words in order_page, words
    # What the booking wrote as the parcel's latest news stays as written; the page's
    # own words are Chinese.
    for english in (">Local courier<", "Label created", "Record what happened",
                    "<th>Tracking number"):
        assert english not in order_page, english

    public = _text(client.get(f"/track/{token}", headers=ZH).get_data(as_text=True))
    for words in ("包裹 LC-ZH-1", "<dt>订单", "物流轨迹", "已制单", "查询其他包裹"):
        assert words in public, words
    for english in ("Journey", "Label created", "Track another parcel", "Parcel LC-ZH-1"):
        assert english not in public, english
    lookup = _text(client.get("/track", headers=ZH).get_data(as_text=True))
    assert "查询包裹" in _headings(lookup) and "Track a parcel" not in lookup


def test_the_carriers_and_sf_express_pages_speak_chinese(client, token_for, actions):
    admin = bearer(token_for("admin"))
    made = client.post("/api/v1/carriers", headers=admin, json={
        "code": "k100", "name": "快递100 account", "kind": "kuaidi100",
        "config": {"customer": "C1", "key": "K1", "companies": [
            {"carrier": "sf", "name": "顺丰速运", "company": "shunfeng"}]}})
    assert made.status_code == 201, made.get_json()
    actions.login_as("admin")
    carriers = _text(client.get("/admin/carriers", headers=ZH).get_data(as_text=True))
    assert "承运商" in _headings(carriers) and "设置轨迹服务" in _headings(carriers)
    for words in ("<th>代码", "<th>推送地址", "测试连接", "跟踪的承运商", "推送轨迹"):
        assert words in carriers, words
    for english in ("Push address", "Test connection", "Set up a tracking service",
                    "Carriers it follows", "subscribe</span>"):
        assert english not in carriers, english

    sf = _text(client.get("/admin/carriers/sf-express", headers=ZH).get_data(as_text=True))
    assert "设置或修改顺丰承运商" in _headings(sf) and "沙箱" in sf
    for english in ("Set up or change", "No SF Express carrier", "Environment", "Save<"):
        assert english not in sf, english
    refused = client.post("/admin/carriers/sf-express", headers=ZH, data={
        "csrf_token": actions.csrf("/admin/carriers/sf-express"), "code": "sf",
        "partner_id": "", "monthly_account": "12", "environment": "sandbox"})
    assert refused.status_code == 422
    assert "月结卡号在此无效。" in _text(refused.get_data(as_text=True))


def test_counts_and_times_follow_the_readers_locale(app):
    moment = datetime(2026, 12, 6, 18, 5, tzinfo=ZoneInfo("UTC"))
    with app.test_request_context("/", headers=ZH):
        assert count(1234567) == "1,234,567"
        assert when(moment) == "2026-12-07 02:05"  # Shanghai is eight hours ahead
        assert when(None) == ""
    with app.test_request_context("/"):
        assert count(12345) == "12,345"
        assert when(moment) == "Dec 7, 2026, 02:05"
        # SQLite hands times back without a zone: they were stored as UTC.
        assert when(moment.replace(tzinfo=None)) == "Dec 7, 2026, 02:05"


def test_the_switch_chooses_chinese_for_the_rest_of_the_visit(client):
    english = client.get("/track", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert 'href="/track?lang=zh"' in english and "Track a parcel" in english
    chosen = client.get("/track?lang=zh", headers={"Accept-Language": "en-US"})
    assert "查询包裹" in chosen.get_data(as_text=True)
    # Remembered: the next page speaks Chinese to a browser that prefers English.
    later = client.get("/track", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "查询包裹" in later and 'href="/track?lang=en"' in later
    back = client.get("/track?lang=en", headers=ZH).get_data(as_text=True)
    assert "Track a parcel" in back and "查询包裹" not in back
    # An unknown choice changes nothing; the rest of the address is kept in the links.
    kept = client.get("/track?lang=fr&code=", headers=ZH).get_data(as_text=True)
    assert "Track a parcel" in kept
    login = client.get("/login?next=/orders").get_data(as_text=True)
    assert 'href="/login?next=%2Forders&amp;lang=zh"' in login
    # A code that opens nothing switches on the lookup form: the page does not echo it.
    missing = client.get("/track/NO-SUCH-CODE").get_data(as_text=True)
    assert 'href="/track?lang=zh"' in missing and "NO-SUCH-CODE" not in missing


def test_the_users_and_api_tokens_pages_speak_chinese(client, actions):
    actions.login_as("admin")
    users = client.get("/admin/users", headers=ZH).get_data(as_text=True)
    assert _headings(users) == ["用户", "谁能看到哪些订单", "添加用户"]
    text = _text(users)
    for label in ("<th>用户名</th>", "<th>最近登录</th>", "全名", "添加用户</button>"):
        assert label in text, label
    assert '见 <a href="/admin/roles">角色</a> 页面' in users  # a link, not its text
    refused = client.post("/admin/users", headers=ZH, data={
        "csrf_token": actions.csrf("/admin/users"), "username": "x", "password": "p"})
    assert refused.status_code == 422
    assert "用户名：请使用 2 到 150 个字母、数字或 . _ @ -。" in _text(
        refused.get_data(as_text=True))

    tokens = client.get("/account/tokens", headers=ZH).get_data(as_text=True)
    assert _headings(tokens) == ["API 令牌"]
    text = _text(tokens)
    for label in ("新令牌名称", "创建令牌</button>", "您还没有 API 令牌。", "<th>最近使用</th>"):
        assert label in text, label
    made = client.post("/account/tokens", headers=ZH, follow_redirects=True, data={
        "csrf_token": actions.csrf("/account/tokens"), "name": "网店同步"})
    text = _text(made.get_data(as_text=True))
    assert "请立即复制此令牌。" in text and "吊销</button>" in text
    for english in ("Copy this token now", "Revoke", "Last used", "never"):
        assert english not in text, english


def test_the_webhooks_page_speaks_chinese(client, actions):
    actions.login_as("admin")
    page = client.get("/admin/webhooks", headers=ZH).get_data(as_text=True)
    assert _headings(page) == ["Webhooks", "订阅", "订阅一个系统", "投递"]
    text = _text(page)
    for label in ("还没有系统订阅。", "所有事件", "订阅</button>", "筛选</button>", "没有投递。"):
        assert label in text, label
    refused = client.post("/admin/webhooks", headers=ZH, data={
        "csrf_token": actions.csrf("/admin/webhooks"), "name": "", "url": "https://erp.example",
        "events": ["order.created"]})
    assert refused.status_code == 422
    assert "名称：请为接收系统起一个名称。" in _text(refused.get_data(as_text=True))


def test_the_imports_page_speaks_chinese(client, actions):
    actions.login_as("staff")
    page = client.get("/imports", headers=ZH).get_data(as_text=True)
    assert _headings(page) == ["导入订单", "上传电子表格", "最近的导入"]
    text = _text(page)
    assert "还没有启用的文件渠道。" in text and "还没有在后台导入过文件。" in text
    for english in ("Import orders", "Recent imports", "There is no active file channel"):
        assert english not in text, english


def test_the_finance_summary_speaks_chinese(client, actions):
    actions.login_as("staff")
    page = client.get("/finance/summary?from=2026-12-01&to=2026-12-02", headers=ZH)
    assert page.status_code == 200
    text = _text(page.get_data(as_text=True))
    assert "<h1>财务汇总</h1>" in text and ">对账</a>" in text and "显示</button>" in text
    assert "这些天没有订单、收款或退款。" in text
    # Days are the instance's: midnight to midnight in Shanghai, said so in Chinese.
    assert "日期按 Asia/Shanghai 时间从零点到零点计" in text
    for english in ("Finance summary", "Reconciliation", "Days run from midnight"):
        assert english not in text, english
