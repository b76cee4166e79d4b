"""SF Express's e-waybill (电子面单), 100 x 150 mm, from what the booking answered.

The layout follows SF's standard one-part label (丰密面单): the product and the
destination route code (目的地代码) large at the top, the waybill number's Code128
barcode, the recipient (收) and sender (寄) blocks, payment (寄付月结, the monthly
account masked), the cargo, and the booking's QR code (twoDimensionCode) that
SF's couriers scan. The recipient's phone is masked as SF prints it (丰密). Every
value is escaped: it came from the order or from SF.
"""
from __future__ import annotations

from typing import Any

from markupsafe import Markup

from orderloom.runtime.documents import barcodes
from orderloom.runtime.documents.defaults import page
from orderloom.runtime.documents.fulfilment import Document, DocumentProblem
from orderloom.runtime.shipping.models import Shipment

FORMAT = "sf_waybill"
KIND = "shipping_label"  # framed as a 100 x 150 mm page with print CSS (defaults.page)
_STYLE = """
.sf { font-family: sans-serif; font-size: 9pt; width: 90mm; }
.sf section { border: 0.4mm solid #000; border-top: none; padding: 1.5mm; }
.sf section:first-child { border-top: 0.4mm solid #000; }
.sf .head { display: flex; justify-content: space-between; align-items: baseline; }
.sf .product { font-size: 14pt; font-weight: bold; }
.sf .route { font-size: 26pt; font-weight: bold; text-align: center; letter-spacing: 1mm; }
.sf .barcode svg { width: 80mm; height: 16mm; }
.sf .who { display: grid; grid-template-columns: 7mm 1fr; gap: 1mm; }
.sf .who b { font-size: 14pt; }
.sf .qr svg { width: 22mm; height: 22mm; }
.sf .foot { display: flex; justify-content: space-between; gap: 2mm; }
"""


def is_sf_waybill(shipment: Shipment) -> bool:
    label = (shipment.label or {}).get("carrier_label") or {}
    return isinstance(label, dict) and label.get("format") == FORMAT


def masked_phone(phone: str) -> str:
    digits = phone.strip()
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else digits


def _address(who: dict[str, Any]) -> str:
    place = who.get("address") if isinstance(who.get("address"), dict) else who
    return " ".join(str(place.get(k) or "") for k in
                    ("province", "city", "district", "street")).strip()


def _who(mark: str, who: dict[str, Any], mask: bool) -> Markup:
    phone = str(who.get("phone") or "")
    return Markup('<div class="who"><b>{mark}</b><div>{name} {phone}<br>{address}</div>'
                  "</div>").format(mark=mark, name=who.get("name") or "",
                                   phone=masked_phone(phone) if mask else phone,
                                   address=_address(who))


def render(shipment: Shipment, *, for_pdf: bool = False) -> Document:
    """The shipment's SF e-waybill as a printable page; DocumentProblem when the
    shipment was not booked with SF."""
    if not is_sf_waybill(shipment):
        raise DocumentProblem(f"shipment {shipment.id} was not booked with SF Express; it "
                              "has no SF e-waybill")
    label = shipment.label["carrier_label"]
    number = shipment.tracking_number
    code = barcodes.code128_png if for_pdf else barcodes.code128_svg
    qr = barcodes.qr_png if for_pdf else barcodes.qr_svg
    two_d = label.get("two_dimension_code") or ""
    body = Markup(
        '<style>{style}</style><div class="sf" data-waybill="{number}">'
        '<section class="head"><span class="product">{product}</span>'
        '<span>{pro_code}</span><span>{pay}</span></section>'
        '<section class="route" data-route="{route}">{route}</section>'
        '<section class="barcode">{barcode}<div>运单号 {number}</div></section>'
        "<section>{to}</section><section>{sender}</section>"
        '<section class="foot"><div>月结账号 {account}<br>件数 {pieces}<br>托寄物 {cargo}'
        "<br>订单 {order}<br>原寄地 {origin} 目的地 {dest}</div>"
        '<div class="qr">{qr}</div></section></div>'
    ).format(
        style=Markup(_STYLE), number=number, product=label.get("express_type", ""),
        pro_code=label.get("pro_code", ""), pay=label.get("pay_method", ""),
        route=label.get("dest_route_label") or label.get("dest_code") or "",
        barcode=code(number),
        to=_who("收", shipment.label.get("recipient") or {}, mask=True),
        sender=_who("寄", label.get("sender") or {}, mask=False),
        account=label.get("monthly_account", ""), pieces=label.get("pieces", 1),
        cargo="、".join(str(c) for c in label.get("cargo", [])),
        order=shipment.label.get("order_number", ""), origin=label.get("origin_code", ""),
        dest=label.get("dest_code", ""), qr=qr(two_d) if two_d else "")
    title = f"SF {number}"
    return Document(KIND, title, f"sf-waybill-{number}.pdf", page(KIND, title, str(body)),
                    "built-in")

