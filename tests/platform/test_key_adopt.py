"""`orderloom key adopt`, run as an operator runs it after copying production's database
to staging, whose nodes have another secret key: until the operator confirms, the copy
keeps production's key as the cluster's and staging stays unready; once confirmed,
staging is ready and a node with production's key is not."""
from __future__ import annotations

import os
import threading
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select

from orderloom.db import make_engine, make_session_factory
from orderloom.platform import cluster_key
from orderloom.platform.app import create_app
from orderloom.platform.settings import load_settings
from orderloom.platform.startup import check_database
from orderloom.runtime.audit import AuditEvent
from tests.doc_examples import at_a_terminal
from tests.platform.test_cli import ORDERLOOM, run

PRODUCTION_KEY = "p" * 40
STAGING_KEY = "s" * 40


def _ready(tmp_path, url: str, key: str) -> int:
    settings = load_settings({}, overrides={"instance_path": tmp_path / "node",
                                            "database_url": url, "secret_key": key})
    return create_app(settings).test_client().get("/readyz?scope=node").status_code


def _at_a_terminal(args: list[str], cwd, env: dict[str, str], answer: str):
    """The command at a terminal, where the operator answers ``answer`` when asked."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERLOOM_")}
    done = at_a_terminal(ORDERLOOM + args, cwd, {**full_env, **env}, answer)
    return done.returncode, done.stdout, done.stderr


def test_a_copy_onto_other_keys_is_adopted_only_when_confirmed(tmp_path):
    url = f"sqlite:///{tmp_path / 'copy.db'}"
    production = {"ORDERLOOM_DATABASE_URL": url, "ORDERLOOM_SECRET_KEY": PRODUCTION_KEY,
                  "ORDERLOOM_ADMIN_PASSWORD": "Plum-Harbour-1947"}
    made = run(["init"], tmp_path, production)
    assert made.returncode == 0, made.stderr
    # Production's first start recorded its key in the database that was copied.
    check_database(load_settings({}, overrides={"instance_path": tmp_path / "node",
                                                "database_url": url,
                                                "secret_key": PRODUCTION_KEY}))
    assert _ready(tmp_path, url, STAGING_KEY) == 503

    staging = {"ORDERLOOM_DATABASE_URL": url, "ORDERLOOM_SECRET_KEY": STAGING_KEY}
    unasked = run(["key", "adopt"], tmp_path, staging)
    assert unasked.returncode == 2
    assert unasked.stderr.strip().splitlines() == [
        "orderloom: error: the recorded key is another one and there is no terminal to "
        "confirm replacing it: pass --yes"]
    assert _ready(tmp_path, url, STAGING_KEY) == 503

    status, out, err = _at_a_terminal(["key", "adopt"], tmp_path, staging, "n")
    assert status == 2, out + err
    assert "Nodes still signing with the recorded key will report unready" in out
    assert "Record this process's key as the cluster's?" in out
    assert err.strip() == "orderloom: error: nothing changed"
    assert _ready(tmp_path, url, STAGING_KEY) == 503

    status, out, err = _at_a_terminal(["key", "adopt"], tmp_path, staging, "y")
    assert status == 0, out + err
    assert "is now the cluster's key" in out
    assert _ready(tmp_path, url, STAGING_KEY) == 200
    assert _ready(tmp_path, url, PRODUCTION_KEY) == 503
    assert PRODUCTION_KEY not in out + err and STAGING_KEY not in out + err

    again = run(["key", "adopt", "--yes"], tmp_path, staging)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "This key is already the cluster's; nothing changed."
    adopted = _adoptions(url)
    assert [(e.actor_name, e.via, e.subject_id) for e in adopted] == [
        ("orderloom key adopt", "cli", str(cluster_key.THE_ROW))]
    assert adopted[0].details["replaced_key_recorded_at"]


def _adoptions(url: str) -> list[AuditEvent]:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        found = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "secret_key.adopted")).all()
    engine.dispose()
    return found


def test_a_script_confirms_with_yes_and_a_fresh_database_needs_no_confirmation(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {"ORDERLOOM_DATABASE_URL": url, "ORDERLOOM_SECRET_KEY": STAGING_KEY,
           "ORDERLOOM_ADMIN_PASSWORD": "Plum-Harbour-1947"}
    assert run(["init"], tmp_path, env).returncode == 0
    # No node has started yet: nothing is recorded, so nothing is replaced.
    first = run(["key", "adopt"], tmp_path, env)
    assert first.returncode == 0, first.stderr
    assert _ready(tmp_path, url, STAGING_KEY) == 200
    assert _ready(tmp_path, url, PRODUCTION_KEY) == 503

    assert first.stdout.startswith("No key was recorded yet.")

    scripted = run(["key", "adopt", "--yes"], tmp_path,
                   {**env, "ORDERLOOM_SECRET_KEY": PRODUCTION_KEY})
    assert scripted.returncode == 0, scripted.stderr
    assert _ready(tmp_path, url, PRODUCTION_KEY) == 200
    # Only the replacement is on the audit trail; the first recording replaced nothing.
    assert len(_adoptions(url)) == 1


def test_a_recorded_fallback_key_is_a_rotation_and_needs_no_confirmation(tmp_path):
    url = f"sqlite:///{tmp_path / 'rotating.db'}"
    env = {"ORDERLOOM_DATABASE_URL": url, "ORDERLOOM_SECRET_KEY": PRODUCTION_KEY,
           "ORDERLOOM_ADMIN_PASSWORD": "Plum-Harbour-1947"}
    assert run(["init"], tmp_path, env).returncode == 0
    assert run(["key", "adopt"], tmp_path, env).returncode == 0
    # The operator rotates: the new key, the old one kept as a fallback. No terminal,
    # no --yes: a rotation costs nothing, so nothing is asked.
    rotated = run(["key", "adopt"], tmp_path,
                  {**env, "ORDERLOOM_SECRET_KEY": STAGING_KEY,
                   "ORDERLOOM_SECRET_KEY_FALLBACKS": PRODUCTION_KEY})
    assert rotated.returncode == 0, rotated.stderr
    assert "a key rotation" in rotated.stdout
    assert "will report unready" not in rotated.stdout
    assert _ready(tmp_path, url, STAGING_KEY) == 200
    assert _adoptions(url) == []


def test_an_uninitialised_database_is_one_line(tmp_path):
    refused = run(["key", "adopt", "--yes"], tmp_path,
                  {"ORDERLOOM_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}",
                   "ORDERLOOM_SECRET_KEY": STAGING_KEY})
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "orderloom: error: the database is not initialised: run `orderloom init` first"]


def test_a_node_starting_during_adopt_is_decided_on_not_a_traceback(postgres_server_url):
    """Once, a node's first start recording its key between `key adopt`'s read and its
    insert ended the command in a duplicate-key traceback."""
    engine = make_engine(postgres_server_url)
    with engine.begin() as connection:  # the test run's database, shared: no key yet
        connection.execute(delete(cluster_key.KeyFingerprint))
    settings = load_settings({}, overrides={"database_url": postgres_server_url,
                                            "secret_key": STAGING_KEY})
    starting = engine.connect()  # the other node, its insert not yet committed
    starting.execute(insert(cluster_key.KeyFingerprint).values(
        id=cluster_key.THE_ROW, fingerprint=cluster_key.fingerprint(PRODUCTION_KEY),
        recorded_at=datetime.now(UTC)))
    adoptions = []

    def adopt() -> None:
        with make_session_factory(engine)() as session:
            adoptions.append(cluster_key.adopt(session, settings, replace_other=False))
            session.commit()

    adopting = threading.Thread(target=adopt)
    adopting.start()
    adopting.join(timeout=1)
    assert adopting.is_alive()  # its insert waits for the starting node's
    starting.commit()
    starting.close()
    adopting.join(timeout=30)
    # The operator never confirmed replacing another key, so the node's stays.
    assert adoptions == [cluster_key.Adoption(cluster_key.OTHER_KEY, False,
                                              adoptions[0].found_recorded_at)]
    with make_session_factory(engine)() as session:
        assert cluster_key.standing(cluster_key.recorded(session), settings) == \
            cluster_key.OTHER_KEY
    with engine.begin() as connection:
        connection.execute(delete(cluster_key.KeyFingerprint))
    engine.dispose()
