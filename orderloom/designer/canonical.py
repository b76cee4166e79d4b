"""Canonical JSON: one spelling for one definition, so exports compare byte for byte
and diffs in version control show only real changes."""
from __future__ import annotations

import json
from typing import Any


def dumps(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def normalise(document: Any) -> Any:
    """The document as it reads back from its canonical text."""
    return json.loads(dumps(document))
