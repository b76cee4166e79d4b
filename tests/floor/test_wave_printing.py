"""A wave's slips and labels as one PDF, read back page by page: what each page says,
its size, and that the pages follow the wave's order, for the built-in documents
(drawn straight as PDF) and for a designer's own templates (laid out from HTML)."""
from __future__ import annotations

import io

from pypdf import PdfReader

from tests.floor.conftest import floor_definition, item, place

A4_HEIGHT = 842
LABEL_HEIGHT = 425  # 150 mm


def pages_of(response) -> list[tuple[int, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.content_type == "application/pdf"
    return [(round(float(page.mediabox.height)), page.extract_text())
            for page in PdfReader(io.BytesIO(response.data)).pages]


def test_the_built_in_slip_and_label_of_each_order_follow_the_waves_order(client, staff):
    first = place(client, staff, [item("TEA-01", 2), item("CUP-02", 1)])
    second = place(client, staff, [item("POT-03", 3)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [second, first]}).get_json()["number"]
    pages = pages_of(client.post(f"/api/v1/waves/{wave}/prints", headers=staff))
    assert [height for height, _text in pages] == [A4_HEIGHT, LABEL_HEIGHT] * 2
    (_h, slip), (_h2, label) = pages[0], pages[1]
    assert "Packing slip 装箱单" in slip and f"Order 订单 {second}" in slip
    assert "Li Wei" in slip and "Zhejiang Hangzhou" in slip
    assert "POT-03" in slip and "Tea pot" in slip and first not in slip
    assert label.splitlines()[0] == second
    assert "To 收件人: Li Wei" in label and "Pieces 件数: 3" in label
    slip, label = pages[2][1], pages[3][1]
    assert f"Order 订单 {first}" in slip
    assert "TEA-01" in slip and "Longjing tea" in slip and "CUP-02" in slip
    assert label.splitlines()[0] == first and "Pieces 件数: 3" in label


SLIP_WITH_LINES = ("<h1>Our slip {{ order.number }}</h1>{% for line in order.lines %}"
                   "<p>{{ line.sku }} x {{ line.quantity }}</p>{% endfor %}")
PLAIN_LABEL = "<h1>Our label {{ order.number }}</h1>"


def use_templates(client, admin, slip: str, label: str) -> None:
    """The floor's order type with a packing slip and a shipping label of the
    designer's own."""
    definition = floor_definition()
    definition["print_templates"] = [
        {"key": "slip", "document": "packing_slip", "template": slip},
        {"key": "label", "document": "shipping_label", "template": label}]
    imported = client.post("/api/v1/import?on_conflict=replace", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, imported.get_json()


def print_wave_of_two(client, staff, documents: list[str] | None = None):
    """Two orders (one TEA-01, two MAT-04) planned into one wave and printed: the
    orders' numbers and the pages (height, text) that came out."""
    first = place(client, staff, [item("TEA-01", 1)])
    second = place(client, staff, [item("MAT-04", 2)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [first, second]}).get_json()["number"]
    body = {"documents": documents} if documents else None
    pages = pages_of(client.post(f"/api/v1/waves/{wave}/prints", headers=staff, json=body))
    return first, second, pages


def assert_slip_then_label_per_order(pages, first: str, second: str) -> None:
    assert [height for height, _text in pages] == [A4_HEIGHT, LABEL_HEIGHT] * 2
    assert [text.split("\n")[0] for _h, text in pages] == [
        f"Our slip {first}", f"Our label {first}", f"Our slip {second}",
        f"Our label {second}"]


def test_a_designers_templates_print_in_the_same_order_as_the_built_in_ones(
        client, staff, admin):
    # With a style sheet of its own, a label is laid out alone.
    use_templates(client, admin, SLIP_WITH_LINES,
                  "<style>h1 { font-size: 30pt; }</style><h1>Our label {{ order.number }}</h1>")
    first, second, pages = print_wave_of_two(client, staff)
    assert_slip_then_label_per_order(pages, first, second)
    assert "TEA-01 x 1" in pages[0][1] and "MAT-04 x 2" in pages[2][1]


def test_a_designers_slip_and_label_bound_together_keep_each_its_page_size(
        client, staff, admin):
    # Neither has a style sheet: both are bound into one layout.
    use_templates(client, admin, SLIP_WITH_LINES, PLAIN_LABEL)
    first, second, pages = print_wave_of_two(client, staff)
    assert_slip_then_label_per_order(pages, first, second)


def test_a_designers_labels_printed_alone_are_not_on_a4(client, staff, admin):
    """Once the first of a bound run of labels came out on an A4 sheet: the page
    frame's default page was A4 and a label's own size took over only from the next."""
    use_templates(client, admin, SLIP_WITH_LINES, PLAIN_LABEL)
    first, second, pages = print_wave_of_two(client, staff, ["shipping_label"])
    assert [height for height, _text in pages] == [LABEL_HEIGHT, LABEL_HEIGHT]
    assert [text.split("\n")[0] for _h, text in pages] == [
        f"Our label {first}", f"Our label {second}"]


def test_a_designers_slip_with_an_unclosed_table_does_not_swallow_the_labels(
        client, staff, admin):
    """Once a slip whose template left its <table> open took the label after it inside
    the table: bound into one layout, the label was no page of its own."""
    use_templates(client, admin, "<table><tr><td>Our slip {{ order.number }}</td></tr>",
                  PLAIN_LABEL)
    first, second, pages = print_wave_of_two(client, staff)
    assert_slip_then_label_per_order(pages, first, second)
