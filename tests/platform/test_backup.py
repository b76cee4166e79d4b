"""`orderloom backup` and `orderloom restore` for the embedded SQLite instance, run as an
operator runs them: a backup taken while the instance is in use, restored into a fresh
folder, serves the same orders to the same logins, and its sealed secrets still open."""
from __future__ import annotations

import json
import sqlite3

import pytest

from orderloom.platform.app import create_app
from orderloom.platform.demo import DEMO_PASSWORD, DEMO_USERS
from orderloom.platform.settings import load_settings
from orderloom.runtime import sealing
from tests.conftest import csrf_from
from tests.platform.test_cli import run


def orders_in(database) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT number, state, total FROM orders ORDER BY number").fetchall()


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A demo instance with orders, payments and stock, as `orderloom demo` makes it."""
    folder = tmp_path_factory.mktemp("shop")
    made = run(["demo", "--folder", str(folder / "instance"), "--orders", "12",
                "--no-serve"], folder)
    assert made.returncode == 0, made.stderr
    return folder


def test_a_backup_restored_into_a_fresh_folder_serves_the_same_orders(shop, tmp_path):
    instance = shop / "instance"
    before = orders_in(instance / "orderloom.db")
    assert len(before) == 12
    # Someone is saving a change while the backup runs: the backup neither waits for it
    # nor holds half of it.
    writer = sqlite3.connect(instance / "orderloom.db", timeout=1)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE orders SET state = 'half-saved'")
    try:
        made = run(["backup", str(tmp_path / "backup")], shop,
                   {"ORDERLOOM_INSTANCE_PATH": str(instance)})
    finally:
        writer.rollback()
        writer.close()
    assert made.returncode == 0, made.stderr
    assert "Backed up 12 orders" in made.stdout
    manifest = json.loads((tmp_path / "backup" / "backup.json").read_text())
    assert manifest["orders"] == 12 and manifest["secret_key"] is True

    fresh = tmp_path / "fresh"
    restored = run(["restore", str(tmp_path / "backup")], tmp_path,
                   {"ORDERLOOM_INSTANCE_PATH": str(fresh)})
    assert restored.returncode == 0, restored.stderr
    assert "Restored 12 orders" in restored.stdout
    assert orders_in(fresh / "orderloom.db") == before

    # The same key: a credential sealed by the old instance opens in the new one.
    old_key = load_settings({"ORDERLOOM_INSTANCE_PATH": str(instance)}).secret_key
    settings = load_settings({"ORDERLOOM_INSTANCE_PATH": str(fresh)})
    assert sealing.unseal(settings.secret_key, sealing.seal(old_key, "shpat_1")) == "shpat_1"

    # The restored instance serves its orders to the demo's logins.
    client = create_app(settings).test_client()
    username = DEMO_USERS[0][0]
    token = csrf_from(client.get("/login").get_data(as_text=True))
    login = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                        "csrf_token": token})
    assert login.status_code == 302, login.get_data(as_text=True)
    listed = client.get("/api/v1/orders?limit=100").get_json()["orders"]
    assert sorted(o["number"] for o in listed) == [number for number, _, _ in before]


def test_a_backup_is_never_written_over_and_a_restore_never_replaces_unasked(shop, tmp_path):
    env = {"ORDERLOOM_INSTANCE_PATH": str(shop / "instance")}
    assert run(["backup", str(tmp_path / "b")], shop, env).returncode == 0
    again = run(["backup", str(tmp_path / "b")], shop, env)
    assert again.returncode == 2
    assert again.stderr.strip() == (f"orderloom: error: {tmp_path / 'b'} is not empty: give "
                                    "a new folder, so no backup is written over another")

    refused = run(["restore", str(tmp_path / "b")], shop, env)
    assert refused.returncode == 2
    assert "already holds an instance (12 orders): give --replace" in refused.stderr
    replaced = run(["restore", str(tmp_path / "b"), "--replace"], shop, env)
    assert replaced.returncode == 0, replaced.stderr
    kept = list((shop / "instance").glob("orderloom.db.before-restore-*"))
    assert len(kept) == 1 and orders_in(kept[0]) == orders_in(shop / "instance" / "orderloom.db")

    not_a_backup = tmp_path / "empty"
    not_a_backup.mkdir()
    wrong = run(["restore", str(not_a_backup)], tmp_path,
                {"ORDERLOOM_INSTANCE_PATH": str(tmp_path / "other")})
    assert wrong.returncode == 2
    assert "holds no Orderloom database (orderloom.db)" in wrong.stderr


def test_a_restore_of_a_backup_without_its_key_says_which_key_to_set(shop, tmp_path):
    key = load_settings({"ORDERLOOM_INSTANCE_PATH": str(shop / "instance")}).secret_key
    made = run(["backup", str(tmp_path / "b")], shop,
               {"ORDERLOOM_INSTANCE_PATH": str(shop / "instance"), "ORDERLOOM_SECRET_KEY": key})
    assert made.returncode == 0, made.stderr
    assert not (tmp_path / "b" / "secret_key").exists()
    assert "it is not in the backup" in made.stdout
    restored = run(["restore", str(tmp_path / "b")], tmp_path,
                   {"ORDERLOOM_INSTANCE_PATH": str(tmp_path / "fresh")})
    assert restored.returncode == 0, restored.stderr
    assert "set ORDERLOOM_SECRET_KEY to that key before starting" in restored.stderr


def test_postgresql_is_pointed_at_its_own_tools(tmp_path):
    result = run(["backup", str(tmp_path / "b")], tmp_path,
                 {"ORDERLOOM_DATABASE_URL": "postgresql://app@127.0.0.1:1/orders"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "orderloom: error: this instance's database is PostgreSQL: back it up with "
        "`pg_dump -Fc -f orderloom.dump DBNAME` and restore it with "
        "`pg_restore --clean --if-exists -d DBNAME orderloom.dump` "
        "(docs/operations.md#backups)"]
    assert not (tmp_path / "b").exists()
