"""Order types stored before states had categories get them when the database is
upgraded to revision 0017, drafts and published versions alike, on SQLite and
PostgreSQL: a stored copy of a built-in template reads as the template does now, and
a state of another name as its kind usually means."""
from __future__ import annotations

import copy
import json

from sqlalchemy import text

from orderloom.db import make_engine
from orderloom.platform import schema
from orderloom.platform.templates import load
from tests.customers.test_upgrade import empty_url  # noqa: F401  (the databases to upgrade)

STAMP = "2026-10-01 08:00:00+00:00"
OWN_STATES = [
    {"key": "new", "kind": "start", "label": {"en": "New"}},
    {"key": "with_courier", "kind": "normal", "label": {"en": "With the courier"}},
    {"key": "canceled", "kind": "terminal", "label": {"en": "Canceled"}},
    {"key": "archived", "kind": "terminal", "label": {"en": "Archived"}},
    # Already says what it means: kept as it is.
    {"key": "gone", "kind": "terminal", "category": "returned", "label": {"en": "Gone"}},
]


def _without_categories(definition: dict) -> dict:
    stored = copy.deepcopy(definition)
    for state in stored["workflow"]["states"]:
        del state["category"]
    return stored


def _store(db, type_id: int, key: str, draft, definition) -> None:
    db.execute(text("INSERT INTO order_types (id, key, draft, draft_saved_at, draft_saved_by, "
                    "created_at) VALUES (:i, :k, :d, :t, 'x', :t)"),
               {"i": type_id, "k": key, "d": json.dumps(draft), "t": STAMP})
    if definition is not None:
        db.execute(text("INSERT INTO definition_versions (id, order_type_id, number, "
                        "definition, published_at, published_by, note) "
                        "VALUES (:i, :i, 1, :d, :t, 'x', '')"),
                   {"i": type_id, "d": json.dumps(definition), "t": STAMP})


def _categories(definition: dict) -> dict[str, str | None]:
    return {s["key"]: s.get("category") for s in definition["workflow"]["states"]}


def test_an_upgrade_writes_down_what_every_stored_state_means(empty_url):  # noqa: F811
    templates = [t for key in ("catering", "manufacturing", "retail", "returns", "wholesale")
                 for t in load(key)["order_types"]]
    own = {"key": "own", "workflow": {"states": OWN_STATES, "transitions": []}}
    engine = make_engine(empty_url)
    schema.upgrade(engine, "0016")
    with engine.begin() as db:
        for type_id, template in enumerate(templates, start=1):
            stored = _without_categories(template)
            _store(db, type_id, template["key"], stored, stored)
        _store(db, 90, "own", own, own)
        # Drafts are kept as typed, however broken: the upgrade leaves what it cannot read.
        _store(db, 91, "half_typed", {"key": "half_typed", "workflow": {"states": "?"}}, None)
    schema.upgrade(engine, "0017")
    with engine.connect() as db:
        drafts = {k: d if isinstance(d, dict) else json.loads(d) for k, d in db.execute(
            text("SELECT key, draft FROM order_types"))}
        published = {k: d if isinstance(d, dict) else json.loads(d) for k, d in db.execute(
            text("SELECT t.key, v.definition FROM definition_versions v "
                 "JOIN order_types t ON t.id = v.order_type_id"))}
    engine.dispose()
    for template in templates:
        assert _categories(published[template["key"]]) == _categories(template)
        assert _categories(drafts[template["key"]]) == _categories(template)
    assert _categories(published["own"]) == {
        "new": "open", "with_courier": "open", "canceled": "cancelled",
        "archived": "fulfilled", "gone": "returned"}
    assert drafts["half_typed"] == {"key": "half_typed", "workflow": {"states": "?"}}
