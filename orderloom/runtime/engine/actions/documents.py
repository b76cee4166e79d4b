"""Create a document: rendered once to check that it can be, noted on the timeline."""
from __future__ import annotations

from typing import Any

from orderloom.designer.actions import documents as spec
from orderloom.runtime.documents import fulfilment
from orderloom.runtime.engine.actions import Behaviour, Stored


class CreateDocument(spec.CreateDocument, Behaviour):
    def once_stored(self, action: dict[str, Any], stored: Stored) -> None:
        stored.done.setdefault("documents", []).append(fulfilment.record_ready(
            stored.session, stored.actor_name, stored.order, action["document"]))
