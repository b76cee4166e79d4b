"""Packing slips, labels and pick lists over the API, as HTML and as PDF."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader

from tests.documents.conftest import place
from tests.platform.test_api_tokens import assert_problem


def pdf_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(response.get_data()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_packing_slip_html_has_code128_and_qr_svg(client, staff):
    number = place(client, staff)
    response = client.get(f"/api/v1/orders/{number}/documents/packing_slip", headers=staff)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert re.search(r'<span class="barcode code128" data-text="' + number + r'"><svg', html)
    assert re.search(r'<span class="barcode qr" data-text="' + number + r'"><svg', html)
    assert "TEA-01" in html and "Longjing tea" in html


def test_packing_slip_and_label_as_pdf_show_order_number_and_sku(client, staff):
    number = place(client, staff)
    slip = pdf_text(client.get(f"/api/v1/orders/{number}/documents/packing_slip?format=pdf",
                               headers=staff))
    assert number in slip and "TEA-01" in slip and "CUP-02" in slip
    label = pdf_text(client.get(
        f"/api/v1/orders/{number}/documents/shipping_label?format=pdf", headers=staff))
    assert number in label and "Hangzhou" in label


def test_unknown_order_and_unknown_document_are_404(client, staff):
    number = place(client, staff, submit=False)
    assert_problem(client.get("/api/v1/orders/SO-999999/documents/packing_slip",
                              headers=staff), 404)
    body = assert_problem(client.get(f"/api/v1/orders/{number}/documents/receipt",
                                     headers=staff), 404)
    for kind in ("packing_slip", "shipping_label", "invoice", "order"):
        assert kind in body["detail"]


def test_a_template_reaching_for_internals_is_422_not_500(client, staff):
    number = place(client, staff, submit=False)
    body = assert_problem(client.get(
        f"/api/v1/orders/{number}/documents/invoice?template=broken_invoice", headers=staff), 422)
    assert "tried to reach Python internals" in body["detail"]
    assert "'broken_invoice', line 2" in body["detail"]


def test_documents_need_orders_view(client, token_for, staff):
    number = place(client, staff, submit=False)
    assert client.get(f"/api/v1/orders/{number}/documents/order").status_code == 401


def test_create_document_action_puts_the_link_on_the_timeline(client, staff):
    number = place(client, staff)
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    entry = next(e for e in timeline if e["kind"] == "document")
    assert entry["details"]["document"] == "packing_slip"
    assert entry["details"]["ready"] is True
    link = entry["details"]["link"]
    assert link == f"/api/v1/orders/{number}/documents/packing_slip"
    assert client.get(link, headers=staff).status_code == 200
    submit = next(e for e in timeline if e["transition"] == "submit")
    assert "not_carried_out" not in submit["details"]


def test_pick_list_batches_two_orders_sorted_by_bin(client, staff):
    first = place(client, staff)  # 2 x TEA-01 (bin B-10), 3 x CUP-02 (bin A-2)
    second = place(client, staff, items=[{"sku": "POT-03", "qty": 1, "price": "80"},
                                         {"sku": "TEA-01", "qty": 4, "price": "10"}])
    response = client.post("/api/v1/pick-lists", headers=staff,
                           json={"warehouse": "HZ", "orders": [first, second]})
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    rows = re.findall(r"<tr><td><b>([^<]*)</b></td><td>([^<]*)</td>\s*<td>[^<]*</td>"
                      r"<td class=\"qty\">(\d+)</td><td>([^<]*)</td>", html)
    assert rows == [("A-2", "CUP-02", "3", first), ("A-10", "POT-03", "1", second),
                    ("B-10", "TEA-01", "2", first), ("B-10", "TEA-01", "4", second)]
    assert "10 units" in html


def test_pick_list_without_orders_takes_every_order_holding_stock(client, staff):
    first = place(client, staff)
    place(client, staff, submit=False)  # a draft holds nothing
    response = client.post("/api/v1/pick-lists?format=pdf", headers=staff,
                           json={"warehouse": "HZ"})
    text = pdf_text(response)
    assert first in text and "CUP-02" in text


def test_pick_list_refusals(client, staff):
    number = place(client, staff)
    body = assert_problem(client.post("/api/v1/pick-lists", headers=staff,
                                      json={"warehouse": "HZ", "orders": ["SO-999999"]}), 422)
    assert body["errors"][0]["pointer"] == "/orders/0"
    body = assert_problem(client.post("/api/v1/pick-lists", headers=staff,
                                      json={"warehouse": "SH", "orders": [number]}), 422)
    assert "holds no stock in SH" in body["detail"]
    assert_problem(client.post("/api/v1/pick-lists", headers=staff,
                               json={"warehouse": "XX"}), 422)
