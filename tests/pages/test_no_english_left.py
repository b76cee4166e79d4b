"""Every main page rendered in Chinese shows none of our own English: neither a text a
template writes without marking it for translation, nor a marked one left
untranslated. Names a designer or a person gave (states, fields, customers) are theirs
and are not looked at: only the words of our templates and our catalog are."""
from __future__ import annotations

import html
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


def _ours() -> set[str]:
    """Our English: each template's unmarked text, and each marked text of the
    catalog that reads differently in Chinese (so "CSV" or "PDF", the same in both,
    do not count)."""
    english = set()
    for template in TEMPLATES.rglob("*.html"):
        if "designer" in template.parts:
            continue  # the designer has its own words (pages/designer_text.py)
        source = JINJA.sub(lambda m: "\x00" if m.group(0).startswith("{{") else "",
                           template.read_text())
        english |= {p for p in _pieces(source) if "\x00" not in p and not CODE.match(p)}
    with CATALOG.open("rb") as po:
        for message in read_po(po):
            if isinstance(message.id, str) and message.id and "%(" not in message.id \
                    and message.string != message.id:
                english.add(_plain(message.id))
    # Not words of a sentence: codes and names that read the same in any language.
    return {e for e in english if WORDS.search(e)} - NAMES


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
    approver, its customer, figures on the dashboard, a statement mapping."""
    first = console.order()
    console.submitted(BIG)
    mapped = client.put("/api/v1/statement-mappings/alipay", headers=bearer(token_for("admin")),
                        json={"columns": {"amount": "Amount", "date": "Date"}})
    assert mapped.status_code in (200, 201), mapped.get_json()
    actions.login_as("admin")
    return [
        "/", "/orders", "/orders?state=draft&q=SO", f"/orders/{first}",
        "/approvals", "/customers", "/customers/C1", "/dashboards", "/finance/summary",
        "/finance/reconciliation", "/finance/reconciliation?resolved=1",
    ]


def test_no_page_shows_our_english_in_chinese(client, pages_in_chinese):
    # The sample order type's own labels are the designer's words, not ours, even where
    # they match ours ("Cancel", "Shipped").
    ours = _ours() - _labels(retail())
    left = {}
    for path in pages_in_chinese:
        response = client.get(path, headers=ZH)
        assert response.status_code == 200, path
        english = sorted({p for p in _pieces(response.get_data(as_text=True)) if p in ours})
        if english:
            left[path] = english
    assert left == {}


def test_the_pick_lists_page_in_chinese(client, console, actions):
    first = console.order()
    actions.login_as("staff")
    response = client.post("/orders/pick-lists", headers=ZH, data={
        "csrf_token": actions.csrf("/orders"), "numbers": [first, "SO-NOPE"]})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "未找到，已略过：SO-NOPE。" in page and "尚未分配仓库" in page
    assert [p for p in _pieces(page) if p in _ours()] == []


def test_the_login_page_in_chinese(client):
    page = client.get("/login", headers=ZH).get_data(as_text=True)
    assert "登录 Orderloom" in page
    assert not [p for p in _pieces(page) if p in _ours()]


def test_the_segments_are_described_as_the_runtime_defines_them(app):
    """The customer pages say each segment's meaning in the reader's language: the
    English of the page's words is the runtime's definition, word for word."""
    from orderloom.platform.pages.customers import SEGMENT_DESCRIPTIONS
    from orderloom.runtime.customers.records import SEGMENTS

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert {k: str(v) for k, v in SEGMENT_DESCRIPTIONS.items()} == SEGMENTS
