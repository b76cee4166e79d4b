"""The staff order list's state counts, where the daily summary cannot give them, are
answered from the (state, created_at) index alone on PostgreSQL: the statement the
page really runs is captured and explained."""
from __future__ import annotations

import pytest
from sqlalchemy import event, text

from orderloom.runtime.reports import daily_totals
from tests.dashboards.conftest import at


def _plans(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _plans(child)


def _count_statement(app, client, path: str) -> tuple[str, object]:
    engine = app.extensions["orderloom.db"].engine
    seen: list[tuple[str, object]] = []

    def remember(_conn, _cursor, statement, parameters, _context, _many):
        if "GROUP BY orders.state" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert response.status_code == 200
    assert len(seen) == 1
    return seen[0]


# Index-only scans are PostgreSQL's: the test runs there only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
# A channel filter is left out: there PostgreSQL may as well walk the (channel,
# created_at) index and read just the matching orders, which its costs decide.
@pytest.mark.parametrize("path", ["/orders",
                                  "/orders?created_from=2026-03-01&created_to=2026-03-31"])
def test_state_counts_read_no_order_rows(app, client, actions, plant, db, path):
    for day in range(1, 29):
        for channel in ("web", "manual", "store"):
            plant.order(at(f"2026-03-{day:02d}T10:00:00").isoformat()[:19],
                        "shipped" if day % 3 else "confirmed", channel, "C1",
                        [("A", 1, "1.00")])
    # Kept in another zone's days, the summary does not answer the list's (UTC) days.
    daily_totals.rebuild(db, "Asia/Shanghai")
    db.commit()
    actions.login_as("admin")
    statement, parameters = _count_statement(app, client, path)
    engine = app.extensions["orderloom.db"].engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE orders"))
        # A few hundred rows would be read whole; the question is whether the index
        # alone can answer, as it must on a million orders. With every other way to
        # read the table priced out, an index-only scan is chosen exactly when an index
        # holds every column the count reads. (Whether its pages are known all-visible,
        # and so how many heap fetches it makes, depends on what else the cluster is
        # running: an older open transaction keeps VACUUM from marking them.)
        for way in ("seqscan", "bitmapscan", "indexscan"):
            connection.execute(text(f"SET enable_{way} = off"))
        cursor = connection.connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
        plan = cursor.fetchone()[0][0]["Plan"]
    scans = [n for n in _plans(plan) if "Scan" in n["Node Type"]]
    assert [n["Node Type"] for n in scans] == ["Index Only Scan"], plan
    # Either index that holds the state and what the filters read will do:
    # (order_type_id, state) for no filter, (state, created_at) with its type and
    # channel for the others.
    assert scans[0]["Index Name"] in {"ix_orders_state_created_at", "ix_orders_type_state"}
