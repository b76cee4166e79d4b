"""Orders stored before customers existed get their customers when the database is
upgraded to revision 0011, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import create_engine, text

from orderloom.db import make_engine
from orderloom.platform import schema
from tests.conftest import POSTGRES_ADMIN_URL, service_unavailable

DEFINITION = {"key": "shop", "form": {"fields": [
    {"key": "note", "type": "text", "label": {"en": "Note"}},
    {"key": "buyer", "type": "customer", "label": {"en": "Buyer"}}]}}
BUYERS = [
    {"code": "C1", "name": "Li Wei", "tier": "gold"},
    {"name": "Li Wei", "email": "LW@example.com", "code": "C1"},
    {"name": "Zhang", "email": "zs@example.com"},
    {"name": "Zhang San", "phone": "138 0013 8000", "email": "zs@example.com"},
    {"name": "Walk-in"},
]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.db'}"
        return
    name = f"orderloom_upgrade_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        service_unavailable(f"PostgreSQL is not available: {str(exc).splitlines()[0]}")
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_an_upgrade_links_stored_orders_to_customers(empty_url):
    engine = make_engine(empty_url)
    schema.upgrade(engine, "0010")
    stamp = "2026-10-01 08:00:00+00:00"
    with engine.begin() as db:
        db.execute(text("INSERT INTO order_types (id, key, draft, draft_saved_at, "
                        "draft_saved_by, created_at) VALUES (1, 'shop', :d, :t, 'x', :t)"),
                   {"d": json.dumps(DEFINITION), "t": stamp})
        db.execute(text("INSERT INTO definition_versions (id, order_type_id, number, "
                        "definition, published_at, published_by, note) "
                        "VALUES (1, 1, 1, :d, :t, 'x', '')"),
                   {"d": json.dumps(DEFINITION), "t": stamp})
        for i, buyer in enumerate(BUYERS, start=1):
            db.execute(text("INSERT INTO orders (id, number, order_type_id, version_id, "
                            "state, data, tags, channel, revision, created_at, updated_at, "
                            "created_by) VALUES (:i, :n, 1, 1, 'draft', :data, '[]', "
                            "'manual', 1, :t, :t, 'x')"),
                       {"i": i, "n": f"SO-{i}", "data": json.dumps({"buyer": buyer}),
                        "t": stamp})
    schema.upgrade(engine, "0011")
    with engine.connect() as db:
        customers = db.execute(text("SELECT id, code, name, email, phone FROM customers "
                                    "ORDER BY id")).all()
        links = dict(db.execute(text("SELECT number, customer_id FROM orders")).all())
    engine.dispose()
    assert [(c.code, c.name, c.email, c.phone) for c in customers][0] == \
        ("C1", "Li Wei", None, None)
    assert len(customers) == 2
    second = customers[1]
    assert second.code.startswith("C-") and second.email == "zs@example.com"
    first_id, second_id = customers[0].id, second.id
    assert links == {"SO-1": first_id, "SO-2": first_id, "SO-3": second_id,
                     "SO-4": second_id, "SO-5": None}
