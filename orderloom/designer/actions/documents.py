"""Make one of the order's documents (pick list, packing slip, label, invoice)."""
from __future__ import annotations

from orderloom.designer.actions import ActionType

DOCUMENTS = ("pick_list", "packing_slip", "shipping_label", "invoice")


class CreateDocument(ActionType):
    name = "create_document"
    position = 110
    labels = ("Create a document", "生成单据")
    members = {"document": {"enum": list(DOCUMENTS)}}
    required = ("document",)
    starting = {"document": "packing_slip"}
