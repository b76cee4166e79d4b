"""What a browser is told about each page: the security headers on every answer, and
JSON embedded in a page that no stored text can break out of."""
from __future__ import annotations

import json
import re

import pytest

from orderloom.platform.security_headers import HEADERS
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE, create
from tests.security.test_query_parameters import listings

# Text that ends a script element, or opens a comment that makes the parser run past
# the real end of one ("script data double escaped"), in any letter case.
HOSTILE = "</script><!--<script>alert(1)</SCRIPT><!-- --!>&'\"\u2028"
DATA_BLOCK = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)


@pytest.fixture
def hostile(client, token_for, actions):
    """An order type whose note's help text and first state's name, and an order whose
    note, are the hostile text; an admin signed in."""
    definition = retail()
    note = next(f for f in definition["form"]["fields"] if f["key"] == "note")
    note["help"] = {"en": HOSTILE}
    definition["workflow"]["states"][0]["label"] = {"en": HOSTILE}
    designer = bearer(token_for("designer"))
    imported = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, imported.get_json()
    admin = bearer(token_for("admin"))
    created = create(client, admin, {**SAMPLE, "priority": "rush", "note": HOSTILE})
    assert created.status_code == 201, created.get_json()
    actions.login_as("admin")
    return created.get_json()["number"]


def _blocks(page: str) -> dict[str, object]:
    found = {}
    for attributes, text in DATA_BLOCK.findall(page):
        if 'type="application/json"' not in attributes:
            continue
        name = re.search(r'id="([^"]+)"', attributes)[1]
        # No "<" at all: nothing inside can end the element or open a comment, however
        # a parser reads script data.
        assert "<" not in text, (name, text[:200])
        found[name] = json.loads(text)
    return found


def _holds(value: object, wanted: str) -> bool:
    if isinstance(value, str):
        return value == wanted
    if isinstance(value, dict):
        return any(_holds(v, wanted) for v in value.values())
    if isinstance(value, list):
        return any(_holds(v, wanted) for v in value)
    return False


@pytest.mark.parametrize(("page", "block", "wanted"), [
    ("/orders/{number}/edit", "order-form-spec", HOSTILE),       # the order's note
    ("/orders/new/retail_order", "order-form-spec", HOSTILE),    # the note's help text
    ("/designer/retail_order", "designer-boot", HOSTILE),        # help text in the draft
    ("/dashboards", "dashboard-data", HOSTILE),                  # a state's name
])
def test_stored_text_comes_back_whole_from_a_pages_embedded_json(client, hostile, page,
                                                                 block, wanted):
    response = client.get(page.format(number=hostile))
    assert response.status_code == 200
    blocks = _blocks(response.get_data(as_text=True))
    assert _holds(blocks[block], wanted), f"{block} does not hold the text as it was stored"


def test_the_order_form_gets_the_note_back_exactly(client, hostile):
    page = client.get(f"/orders/{hostile}/edit").get_data(as_text=True)
    assert _blocks(page)["order-form-spec"]["data"]["note"] == HOSTILE


def _secured(response) -> list[str]:
    """The security headers the answer lacks. A page may be stricter than the default:
    the public tracking page sends no referrer at all, a printed document allows less."""
    lacking = [name for name in ("X-Frame-Options", "X-Content-Type-Options")
               if response.headers.get(name) != HEADERS[name]]
    if response.headers.get("Referrer-Policy") not in ("same-origin", "no-referrer"):
        lacking.append("Referrer-Policy")
    policy = response.headers.get("Content-Security-Policy", "")
    if policy != HEADERS["Content-Security-Policy"] and not policy.startswith(
            "default-src 'none'"):
        lacking.append("Content-Security-Policy")
    return lacking


def test_every_answer_carries_the_security_headers(app, client, token_for, published,
                                                    actions):
    anonymous = ["/login", "/track", "/track/no-such-code", "/healthz", "/api/openapi.json",
                 "/static/app.css", "/api/v1/orders", "/no-such-page"]
    for path in anonymous:
        assert _secured(client.get(path)) == [], path
    actions.login_as("admin")
    admin = bearer(token_for("admin"))
    for path in sorted({path for path, _name in listings(app)}):
        response = client.get(path, headers=admin if path.startswith("/api/") else None)
        assert _secured(response) == [], (path, response.status_code)


def test_the_policy_lets_no_script_run_but_the_apps_own(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'none'"


def test_no_page_template_has_an_inline_script_or_handler():
    """The policy forbids inline scripts; a template that had one would stop working."""
    from importlib import resources

    templates = resources.files("orderloom.platform") / "templates"
    pending = [templates]
    while pending:
        for item in pending.pop().iterdir():
            if item.is_dir():
                pending.append(item)
                continue
            text = item.read_text(encoding="utf-8")
            for tag in re.findall(r"<script\b[^>]*>", text):
                assert "src=" in tag or 'type="application/json"' in tag, (item.name, tag)
            assert not re.search(r"\son[a-z]+\s*=", text), item.name
            assert "javascript:" not in text, item.name


def test_a_printed_document_keeps_its_own_stricter_policy(client, hostile):
    response = client.get(f"/api/v1/orders/{hostile}/documents/order")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
