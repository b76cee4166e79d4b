"""Every HTTP request the docs show as a block (``POST /api/v1/channels`` and the JSON
it sends) is sent, in the order of its document, to an app holding the retail template
the examples are written against, by an administrator: its address and method exist,
and a complete body is taken as the docs say. A body with gaps (``{...}``) is checked
for its address only."""
from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from orderloom.platform import templates
from tests.doc_examples import ROOT, Block, api_address_problem, blocks, documents

REQUEST = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/api/v1/\S+)")
HEADER = re.compile(r"^[A-Za-z-]+: ")


def gaps() -> dict[str, str]:
    """What a request's gaps stand for: the mapping and the payload the integrators'
    guide shows in full."""
    shown = [block.text for block in blocks(ROOT / "docs" / "getting-started-integrators.md")
             if block.lang == "json"]
    mapping = next(text for text in shown if text.startswith('{"external_id": "$.id"'))
    payload = next(text for text in shown if '"line_items"' in text)
    return {'"mapping": {...}': f'"mapping": {mapping}',
            '"sample": {...the payload...}': f'"sample": {payload}'}


def requests_of(path: Path) -> list[tuple[Block, str, str, object | None]]:
    """(block, method, path, body or None when only the address can be checked)."""
    return [found for block in blocks(path) if (found := request_of(block))]


def request_of(block: Block) -> tuple[Block, str, str, object | None] | None:
    """The request a block shows, or None when it shows none. Its body is None when the
    block shows no body, a body with a gap (``...``) or one that is not JSON by its
    ``Content-Type``; any other body must be JSON, and one that is not fails, naming
    the block."""
    shown = REQUEST.match(block.text)
    if not shown:
        return None
    rest = block.text.split("\n", 1)[1] if "\n" in block.text else ""
    headers = dict(line.split(": ", 1) for line in rest.splitlines() if HEADER.match(line))
    text = "\n".join(line for line in rest.splitlines() if not HEADER.match(line)).strip()
    for gap, full in gaps().items():
        text = text.replace(gap, full)
    content_type = headers.get("Content-Type", "application/json").split(";", 1)[0].strip()
    # A gap is ``...`` outside a string: "shpat_..." is a value the reader replaces.
    gap = "..." in re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    if not text or gap or not re.fullmatch(r"application/([\w.-]+\+)?json",
                                                     content_type):
        return block, shown[1], shown[2], None
    try:
        return block, shown[1], shown[2], json.loads(text)
    except ValueError as broken:
        raise AssertionError(f"{block.place}: the body of {shown[1]} {shown[2]} is not "
                             f"JSON ({broken}), and shows no gap (...) nor another "
                             "Content-Type") from None


DOCUMENTS = [path for path in documents() if requests_of(path)]


@pytest.fixture
def database_url(sqlite_url) -> str:
    return sqlite_url


@pytest.fixture
def public_names(monkeypatch, outbound_to_loopback):
    """The shops and CRMs the examples name are on the internet, which tests never
    reach: here their names resolve to 127.0.0.1 (allowed, as an operator allows an
    internal system), where nothing answers, so a push a save starts fails locally."""
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        return real("127.0.0.1", port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def test_the_request_finder_reads_method_address_headers_and_body():
    found = requests_of(ROOT / "docs" / "channels.md")
    assert ("PATCH", "/api/v1/channels/own_shop") in [(m, p) for _b, m, p, _body in found]
    signed = next(body for _b, m, p, body in found if p == "/api/v1/channels/{key}/orders")
    assert signed is None  # headers only: checked for its address
    place = ROOT / "docs" / "example.md"
    gap = request_of(Block(place, 3, "", 'POST /api/v1/orders\n\n{"number": ...}'))
    assert gap[3] is None  # a gap: checked for its address
    shown = request_of(Block(place, 3, "", 'POST /api/v1/x\n\n{"token": "shpat_..."}'))
    assert shown[3] == {"token": "shpat_..."}  # in a string, no gap: sent as it is
    csv = request_of(Block(place, 3, "", "POST /api/v1/customers/import\n"
                                         "Content-Type: text/csv\n\ncode,name\nC1,Li"))
    assert csv[3] is None
    with pytest.raises(AssertionError, match=r"docs/example\.md:3: the body of POST "):
        request_of(Block(place, 3, "", 'POST /api/v1/orders\n\n{"number": "RT-1",}'))


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_request_block_is_answered_as_the_docs_say(app, client, db, token_for,
                                                         public_names, document):
    templates.import_template(db, "docs", "retail")
    db.commit()
    admin = {"Authorization": f"Bearer {token_for('admin')}"}
    adapter = app.url_map.bind("localhost")
    wrong: list[str] = []
    later: list[tuple[Block, str, str, str, object]] = []
    for block, method, address, body in requests_of(document):
        problem = api_address_problem(adapter, method, address)
        if problem:
            wrong.append(f"{block.place}: {problem}")
            continue
        path = re.sub(r"\[[^]]*\]", "", address)  # an optional part, shown in brackets
        if body is None:
            continue
        answer = client.open(path, method=method, json=body, headers=admin)
        if answer.status_code == 404:
            # A reference page may use a channel it creates further down: again at the end.
            later.append((block, method, address, path, body))
        elif answer.status_code >= 400:
            wrong.append(f"{block.place}: {method} {address} answered "
                         f"{answer.status_code}: {answer.get_data(as_text=True)}")
    for block, method, address, path, body in later:
        answer = client.open(path, method=method, json=body, headers=admin)
        if answer.status_code >= 400:
            wrong.append(f"{block.place}: {method} {address} answered "
                         f"{answer.status_code}: {answer.get_data(as_text=True)}")
    assert wrong == []
