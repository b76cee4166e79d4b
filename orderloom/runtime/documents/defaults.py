"""The built-in templates used when an order type has no print template for a
document, and the page every rendered document is framed in.

The built-in templates run in the same sandbox as designers' ones and see the
same variables, so they double as examples (docs/documents.md).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from markupsafe import Markup, escape

PICK_LIST = """\
<h1>Pick list 拣货单 &middot; {{ batch.warehouse.code }} {{ batch.warehouse.name }}</h1>
<p>{{ batch.orders | length }} orders 订单: {{ batch.orders | join(', ') }}
 &middot; {{ batch.total_units }} units 件
 &middot; {{ batch.printed_at.strftime('%Y-%m-%d %H:%M') }} UTC</p>
<table class="lines">
<tr><th>Bin 库位</th><th>SKU 商品编码</th><th>Product 商品</th><th>Qty 数量</th>
<th>Order 订单</th><th>Picked 已拣</th></tr>
{% for line in batch.lines %}<tr><td><b>{{ line.bin or '-' }}</b></td><td>{{ line.sku }}</td>
<td>{{ line.name }}</td><td class="qty">{{ line.quantity }}</td><td>{{ line.order }}</td>
<td>&#9744;</td></tr>
{% endfor %}</table>
"""

PACKING_SLIP = """\
<table class="head"><tr><td><h1>Packing slip 装箱单</h1>
<p>Order 订单 <b>{{ order.number }}</b> &middot; {{ order.created_at.strftime('%Y-%m-%d') }}</p>
{% set c = order.data.customer or {} %}{% set a = order.data.ship_to or {} %}
<p>{{ c.name }} {{ c.phone }}<br>{{ a.province }} {{ a.city }} {{ a.district }} {{ a.street }}
 {{ a.postcode }}</p></td>
<td class="codes">{{ barcode(order.number) }}<br>{{ qr(order.number) }}</td></tr></table>
<table class="lines">
<tr><th>SKU 商品编码</th><th>Product 商品</th><th>Qty 数量</th></tr>
{% for line in order.lines %}<tr><td>{{ line.sku }}</td><td>{{ line.name }}</td>
<td class="qty">{{ line.quantity }}</td></tr>
{% endfor %}</table>
"""

SHIPPING_LABEL = """\
{% set c = order.data.customer or {} %}{% set a = order.data.ship_to or {} %}
<h1>{{ order.number }}</h1>
<p class="big">To 收件人: {{ c.name }} {{ c.phone }}</p>
<p class="big">{{ a.province }} {{ a.city }} {{ a.district }}<br>{{ a.street }} {{ a.postcode }}</p>
<p>From 发货仓: {{ order.warehouse or '' }}
 &middot; Pieces 件数:
 {{ order.lines | selectattr('quantity', 'number') | sum(attribute='quantity') }}</p>
<p>{{ barcode(order.number) }}</p>
<p>{{ qr(order.number) }}</p>
"""

INVOICE = """\
<h1>Invoice 发票</h1>
{% set c = order.data.customer or {} %}
<p>Order 订单 <b>{{ order.number }}</b> &middot; {{ order.created_at.strftime('%Y-%m-%d') }}
 &middot; {{ c.name }}</p>
<table class="lines">
<tr><th>SKU 商品编码</th><th>Product 商品</th><th>Qty 数量</th><th>Unit price 单价</th>
<th>Amount 金额</th></tr>
{% for line in order.lines %}<tr><td>{{ line.sku }}</td><td>{{ line.name }}</td>
<td class="qty">{{ line.quantity }}</td><td class="qty">{{ line.price }}</td>
<td class="qty">{{ line.amount }}</td></tr>
{% endfor %}<tr><th colspan="4">Total 合计</th><td class="qty">{{ order.data.total }}</td></tr>
</table>
"""

ORDER = """\
<h1>Order 订单 {{ order.number }}</h1>
<p>{{ order.order_type }} &middot; {{ order.state }}
 &middot; {{ order.created_at.strftime('%Y-%m-%d %H:%M') }} UTC</p>
<p>{{ barcode(order.number) }}</p>
<table class="lines">
{% for key, value in order.data | dictsort %}
{% if value is not mapping and (value is string or value is not sequence) %}
<tr><th>{{ key }}</th><td>{{ value }}</td></tr>{% endif %}{% endfor %}
</table>
<table class="lines">
<tr><th>SKU 商品编码</th><th>Product 商品</th><th>Qty 数量</th></tr>
{% for line in order.lines %}<tr><td>{{ line.sku }}</td><td>{{ line.name }}</td>
<td class="qty">{{ line.quantity }}</td></tr>
{% endfor %}</table>
"""

DEFAULTS = {"pick_list": PICK_LIST, "packing_slip": PACKING_SLIP,
            "shipping_label": SHIPPING_LABEL, "invoice": INVOICE, "order": ORDER}

_STYLE = """\
@page { size: %(size)s; margin: %(margin)s; }
body { font-family: STSong-Light, "Noto Sans CJK SC", "PingFang SC", sans-serif;
       font-size: 10pt; }
h1 { font-size: 16pt; margin: 0 0 4pt 0; }
table { border-collapse: collapse; width: 100%%; }
table.lines th, table.lines td { border: 0.5pt solid #444; padding: 3pt; text-align: left; }
td.qty { text-align: right; }
td.codes { text-align: right; vertical-align: top; }
p.big { font-size: 14pt; }
.barcode svg { display: inline-block; }
@media print { .noprint { display: none; } }
"""
# A label is a 100 x 150 mm thermal label; everything else is A4.
_PAGES = {"shipping_label": ("100mm 150mm", "5mm")}
# A body that brings its own page or style cannot share a page frame with others.
_OWN_FRAME = re.compile(r"<\s*(html|style|link)\b", re.IGNORECASE)


def page(kind: str, title: str, body: str) -> str:
    """``body`` framed as a whole HTML page, unless the template wrote a whole page."""
    if "<html" in body[:500].lower():
        return body
    size, margin = _PAGES.get(kind, ("A4", "12mm"))
    style = _STYLE % {"size": size, "margin": margin}
    return _frame(title, style, body)


def bindable(body: str) -> bool:
    """Whether ``body`` can be bound with others into one page frame: it writes no
    page, style sheet or link of its own that would reach the other documents, and
    leaves no element open that the documents after it would end up inside."""
    if _OWN_FRAME.search(body):
        return False
    tags = _OpenTags()
    tags.feed(body)
    tags.close()
    return all(tag in _ENDS_BY_ITSELF for tag in tags.open)


# Elements that need no end tag: void ones, and those whose end the parent's end implies.
_ENDS_BY_ITSELF = frozenset((
    "area base br col embed hr img input link meta source track wbr "
    "p li dt dd option optgroup rt rp tr td th thead tbody tfoot colgroup caption").split())


class _OpenTags(HTMLParser):
    """The elements a body leaves open: an end tag closes its element and every one
    opened inside it; an end tag of nothing open is ignored."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag):]


def bound(title: str, documents: list[tuple[str, str]]) -> str:
    """Several (kind, body) as one HTML page: each document starts on a new sheet of
    its kind's size (a named page per kind), so a stack of slips and labels is laid
    out in one pass instead of one pass per document."""
    kinds = list(dict.fromkeys(kind for kind, _body in documents))
    named = "".join(
        "@page {} {{ size: {}; margin: {}; }}\n".format(kind, *_PAGES.get(kind, ("A4", "12mm")))
        for kind in kinds)
    # The first sheet is laid out on the default page (a named one takes over only
    # from the next sheet): a label bound first must not come out on A4.
    size, margin = _PAGES.get(documents[0][0], ("A4", "12mm")) if documents else ("A4", "12mm")
    style = _STYLE % {"size": size, "margin": margin} + named
    parts = []
    for index, (kind, body) in enumerate(documents):
        # Closed with an end tag: the HTML parser ignores "/>" on these, and each
        # document would then sit inside the one before.
        parts.append(Markup('<pdf:nexttemplate name="{kind}"></pdf:nexttemplate>{next}'
                            '<div>{body}</div>').format(
            kind=kind, body=Markup(body),
            next=Markup("<pdf:nextpage></pdf:nextpage>") if index else ""))
    return _frame(title, style, Markup("\n").join(parts))


def _frame(title: str, style: str, body: str) -> str:
    return str(Markup(
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title>'
        "<style>{style}</style></head><body>\n{body}\n</body></html>\n"
    ).format(title=escape(title), style=Markup(style), body=Markup(body)))
