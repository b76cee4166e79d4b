"""``orderloom backup FOLDER`` and ``orderloom restore FOLDER``: the embedded SQLite
instance copied whole and put back.

A backup is a folder: ``orderloom.db``, made with SQLite's online backup API (a
consistent copy while ``orderloom serve`` keeps writing), the instance's
``secret_key`` (without it the channels', carriers' and ERP's sealed credentials
cannot be opened, and every session ends), and ``backup.json`` saying what is in it.
PostgreSQL has its own tools; for it these commands say which to run.
"""
from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy.engine import make_url

DATABASE = "orderloom.db"
KEY = "secret_key"
MANIFEST = "backup.json"
POSTGRES_STEPS = ("this instance's database is PostgreSQL: back it up with "
                  "`pg_dump -Fc -f orderloom.dump DBNAME` and restore it with "
                  "`pg_restore --clean --if-exists -d DBNAME orderloom.dump` "
                  "(docs/operations.md#backups)")


def _sqlite_file(database_url: str) -> Path:
    from orderloom.platform.commands.database import Failure

    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise Failure(POSTGRES_STEPS)
    return Path(url.database or "")


def _revision(path: Path) -> str | None:
    """The schema revision of the Orderloom database at ``path``; None for a file that
    is no Orderloom database (or none at all)."""
    if not path.is_file():
        return None
    try:
        with _open(path) as connection:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _open(path: Path) -> sqlite3.Connection:
    # Opened read-write only where written to; uri=True lets mode=ro stop SQLite making
    # an empty database where a file is missing.
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _copy(source: Path, target: Path) -> None:
    """Copy a database with SQLite's backup API into a new file beside ``target``, then
    put it in place in one step, so no reader ever sees half a database."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with _open(source) as reading:
        writing = sqlite3.connect(partial)
        try:
            reading.backup(writing)
        finally:
            writing.close()
    os.replace(partial, target)


def _write_private(path: Path, text: str) -> None:
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def _orders(path: Path) -> int:
    with _open(path) as connection:
        return connection.execute("SELECT count(*) FROM orders").fetchone()[0]


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def backup_command(ctx: click.Context, folder: Path) -> None:
    """Copy the embedded SQLite instance (its database and secret key) into FOLDER, a
    new or empty folder, while it keeps running."""
    from orderloom.platform.commands.database import Failure, command_settings

    settings = command_settings(ctx)
    database = _sqlite_file(settings.database_url)
    revision = _revision(database)
    if revision is None:
        raise Failure(f"{database} is not an initialised Orderloom database: "
                      "run `orderloom init` first")
    if folder.exists() and any(folder.iterdir()):
        raise Failure(f"{folder} is not empty: give a new folder, so no backup is "
                      "written over another")
    folder.mkdir(parents=True, exist_ok=True)
    _copy(database, folder / DATABASE)
    key_file = settings.instance_path / KEY
    key_kept = not os.environ.get("ORDERLOOM_SECRET_KEY") and key_file.is_file()
    if key_kept:
        _write_private(folder / KEY, key_file.read_text())
    orders = _orders(folder / DATABASE)
    (folder / MANIFEST).write_text(json.dumps({
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "schema_revision": revision, "orders": orders, "secret_key": key_kept}, indent=2))
    click.echo(f"Backed up {orders} orders (schema {revision}) to {folder}.")
    if key_kept:
        click.echo(f"{folder / KEY} is the instance's secret key: keep the backup as "
                   "safe as the key itself.")
    else:
        click.echo("The secret key comes from ORDERLOOM_SECRET_KEY, so it is not in the "
                   "backup: keep it with the backup, or sealed credentials cannot be "
                   "opened after a restore.")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--replace", is_flag=True,
              help="Replace an instance that already holds data (it is kept beside, "
                   "renamed with the time of the restore).")
@click.pass_context
def restore_command(ctx: click.Context, folder: Path, replace: bool) -> None:
    """Put a backup made by `orderloom backup` in place as the embedded SQLite instance.
    Stop `orderloom serve` and workers first."""
    from orderloom.platform import schema
    from orderloom.platform.commands.database import Failure, command_settings

    settings = command_settings(ctx)
    database = _sqlite_file(settings.database_url)
    revision = _revision(folder / DATABASE)
    if revision is None:
        raise Failure(f"{folder} holds no Orderloom database ({DATABASE}): give a folder "
                      "made by `orderloom backup`")
    head = schema.head_revision()
    if not schema.knows_revision(revision):
        raise Failure(f"the backup's schema ({revision}) is newer than this version's "
                      f"({head}): restore it with the version that made it")
    here = _revision(database)
    if here is not None and not replace:
        raise Failure(f"{database} already holds an instance ({_orders(database)} orders): "
                      "give --replace to replace it")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if here is not None:
        kept = database.with_name(f"{database.name}.before-restore-{stamp}")
        _copy(database, kept)
        click.echo(f"The instance's database as it was is kept as {kept}.")
    database.parent.mkdir(parents=True, exist_ok=True)
    _copy(folder / DATABASE, database)
    for leftover in (database.with_name(database.name + "-wal"),
                     database.with_name(database.name + "-shm")):
        leftover.unlink(missing_ok=True)  # a journal of the database replaced
    backed_up_key = folder / KEY
    if backed_up_key.is_file():
        key_file = settings.instance_path / KEY
        if os.environ.get("ORDERLOOM_SECRET_KEY"):
            click.echo(f"ORDERLOOM_SECRET_KEY is set, so it is the key in use; the backup's "
                       f"key is in {backed_up_key} if it differs.")
        else:
            if here is not None and key_file.is_file():
                os.replace(key_file, key_file.with_name(f"{KEY}.before-restore-{stamp}"))
            _write_private(key_file, backed_up_key.read_text())
    elif not os.environ.get("ORDERLOOM_SECRET_KEY"):
        click.echo("The backup holds no secret key (its instance took the key from "
                   "ORDERLOOM_SECRET_KEY): set ORDERLOOM_SECRET_KEY to that key before "
                   "starting, or sealed credentials cannot be opened and everyone must "
                   "log in again.", err=True)
    click.echo(f"Restored {_orders(database)} orders (schema {revision}) into {database}.")
    if revision != head:
        click.echo(f"The backup's schema is older than this version's ({head}): run "
                   "`orderloom db upgrade` before starting.")
