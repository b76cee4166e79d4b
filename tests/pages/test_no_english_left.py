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
