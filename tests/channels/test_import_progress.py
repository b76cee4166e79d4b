"""A large spreadsheet is imported in the background: the upload is answered at once
with an import run, whose progress grows batch by batch until every row is counted."""
from __future__ import annotations

import time

from sqlalchemy import func, select

from orderloom.platform.api.import_progress import BACKGROUND_ROWS
from orderloom.runtime.orders.models import Order
from tests.channels.support import MARKETPLACE_ROWS
from tests.channels.test_files import broken_rows, csv_file, upload

ROWS = BACKGROUND_ROWS + 20
BROKEN_EVERY = 100  # rows 2, 102, 202, ... have a quantity of 0, which the form refuses


def large_file(count: int = ROWS) -> bytes:
    template = MARKETPLACE_ROWS[2]
    rows = [{**template, "订单编号": f"TM{n:06d}", "数量": "0" if n % BROKEN_EVERY == 0 else "2"}
            for n in range(count)]
    return csv_file(rows)


def follow(client, headers, url: str, timeout: float = 120.0) -> list[dict]:
    """Poll the run like the progress page does; answers every reading."""
    readings = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_json()
        readings.append(response.get_json())
        if readings[-1]["status"] in ("done", "failed"):
            return readings
        time.sleep(0.02)
    raise AssertionError(f"the import did not finish in {timeout} s: {readings[-1]}")


def test_a_large_file_is_imported_in_the_background_with_growing_progress(client, db, admin):
    started = upload(client, admin, large_file(), "big.csv")
    assert started.status_code == 202, started.get_json()
    run = started.get_json()
    assert run["rows_total"] == ROWS and run["status"] in ("queued", "running", "done")
    assert started.headers["Location"] == run["progress_url"]

    readings = follow(client, admin, run["progress_url"])
    done = readings[-1]
    failing = len(range(0, ROWS, BROKEN_EVERY))
    assert done["status"] == "done" and done["percent"] == 100
    assert (done["rows_done"], done["orders_created"], done["rows_failed"]) == (
        ROWS, ROWS - failing, failing)
    assert [e["rows"] for e in done["errors"]] == [[n + 2] for n in range(0, ROWS, BROKEN_EVERY)]
    assert done["errors"][0]["errors"][0]["pointer"].startswith("/order/items/0/qty")
    seen = [r["rows_done"] for r in readings]
    assert seen == sorted(seen)  # never goes backwards
    assert any(0 < r["rows_done"] < ROWS for r in readings), seen  # seen part-way
    assert db.scalar(select(func.count()).select_from(Order)) == ROWS - failing
    db.rollback()

    again = upload(client, admin, large_file(), "big.csv").get_json()
    repeat = follow(client, admin, again["progress_url"])[-1]
    assert (repeat["orders_created"], repeat["duplicates"]) == (0, ROWS - failing)


def test_a_small_file_is_imported_at_once_unless_background_is_asked_for(client, admin):
    at_once = upload(client, admin, csv_file(MARKETPLACE_ROWS), "small.csv")
    assert at_once.status_code == 200 and len(at_once.get_json()["created"]) == 2
    rows = [{**r, "订单编号": r["订单编号"] + "B"} for r in MARKETPLACE_ROWS]
    queued = upload(client, admin, csv_file(rows), "small.csv", background="1")
    assert queued.status_code == 202
    done = follow(client, admin, queued.get_json()["progress_url"])[-1]
    assert (done["status"], done["orders_created"], done["rows_done"]) == ("done", 2, 3)
    assert [c["rows"] for c in done["created"]] == [[2, 3], [4]]
    listed = client.get("/api/v1/order-imports", headers=admin).get_json()
    assert [r["id"] for r in listed] == [queued.get_json()["id"]]


def test_import_progress_is_for_who_may_import(client, admin, token_for):
    rows = [{**r, "订单编号": r["订单编号"] + "C"} for r in MARKETPLACE_ROWS]
    url = upload(client, admin, csv_file(rows), "x.csv", background="1").get_json()[
        "progress_url"]
    follow(client, admin, url)
    viewer = {"Authorization": f"Bearer {token_for('viewer')}"}
    assert client.get(url, headers=viewer).status_code == 403
    missing = client.get("/api/v1/order-imports/999", headers=admin)
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/problem+json"


def test_the_progress_page_shows_the_bar_and_the_failed_rows(client, admin, actions):
    url = upload(client, admin, csv_file(broken_rows()), "big.csv",
                 background="1").get_json()["page_url"]
    actions.login_as("staff")
    follow(client, {}, url.replace("/imports/", "/api/v1/order-imports/"))
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'class="progress-bar" max="100" value="100">' in html
    assert "big.csv" in html and "/order/items/0/qty" in html
    listing = client.get("/imports").get_data(as_text=True)
    assert url in listing
