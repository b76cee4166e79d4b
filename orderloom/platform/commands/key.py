"""``orderloom key adopt``: make this process's secret key the cluster's.

The database records which key the cluster signs with (``platform/cluster_key.py``),
and a node whose key is another one reports unready. That guards a running cluster,
but after a database is restored onto machines with another key, or production is
copied into staging, every node there disagrees with a record nobody wants kept. This
command replaces the record, after saying what that costs and being told yes.
"""
from __future__ import annotations

import sys

import click

CONSEQUENCES = (
    "Nodes still signing with the recorded key will report unready until they are given "
    "this key; sessions signed with it end unless it is in ORDERLOOM_SECRET_KEY_FALLBACKS; "
    "credentials sealed under it (stores, marketplaces, carriers, ERP) must be entered "
    "again unless it is kept there.")


@click.group("key")
def key_command() -> None:
    """The secret key the cluster signs with."""


@key_command.command("adopt")
@click.option("--yes", is_flag=True,
              help="Confirm without being asked (for scripts that restore a copy).")
@click.pass_context
def adopt_command(ctx: click.Context, yes: bool) -> None:
    """Record this process's ORDERLOOM_SECRET_KEY as the cluster's key, replacing the
    one the database recorded (after a restore onto, or a copy to, other machines)."""
    from orderloom.platform import cluster_key
    from orderloom.platform.commands.database import Failure, command_settings, open_session
    from orderloom.runtime import audit

    settings = command_settings(ctx)
    # Read, then ask with no transaction open: the person may take minutes to answer.
    with open_session(ctx) as session:
        stored = cluster_key.recorded(session)
        found = cluster_key.standing(stored, settings)
        recorded_at = None if stored is None else stored.recorded_at
    if found == cluster_key.SAME_KEY:
        click.echo(ALREADY)
        return
    if found == cluster_key.OTHER_KEY:
        click.echo(f"The database records another secret key as the cluster's "
                   f"(recorded {recorded_at:%Y-%m-%d %H:%M} UTC). {CONSEQUENCES}")
        if not yes:
            if not sys.stdin.isatty():
                raise Failure("the recorded key is another one and there is no terminal "
                              "to confirm replacing it: pass --yes")
            if not click.confirm("Record this process's key as the cluster's?"):
                raise Failure("nothing changed")
    with open_session(ctx) as session:
        adoption = cluster_key.adopt(session, settings,
                                     replace_other=found == cluster_key.OTHER_KEY)
        if adoption.found == cluster_key.OTHER_KEY and not adoption.changed:
            raise Failure("meanwhile a node recorded another key as the cluster's "
                          f"(recorded {adoption.found_recorded_at:%Y-%m-%d %H:%M} UTC); "
                          "nothing changed: run the command again to replace it")
        if adoption.found == cluster_key.OTHER_KEY:
            # Only replacing a key nobody here holds costs anything, so only that is
            # on the trail; a first recording or a rotation is what any start does.
            audit.record(session, audit.Actor(None, "orderloom key adopt", "cli"),
                         "secret_key.adopted", "key_fingerprint", cluster_key.THE_ROW,
                         replaced_key_recorded_at=adoption.found_recorded_at.isoformat())
        session.commit()
    click.echo(outcome(adoption.found))


ALREADY = "This key is already the cluster's; nothing changed."
NOW_THE_CLUSTERS = ("This process's ORDERLOOM_SECRET_KEY is now the cluster's key: give "
                    "every app and worker process the same key, and restart those that "
                    "have another.")


def outcome(found: str) -> str:
    """What the person is told once the key is recorded, by what was recorded before."""
    from orderloom.platform import cluster_key

    return {
        cluster_key.SAME_KEY: ALREADY,
        cluster_key.NOTHING_RECORDED: "No key was recorded yet. " + NOW_THE_CLUSTERS,
        cluster_key.FALLBACK_KEY: "The recorded key is one of this process's "
                                  "ORDERLOOM_SECRET_KEY_FALLBACKS: a key rotation, which a "
                                  "node's start also completes. " + NOW_THE_CLUSTERS,
        cluster_key.OTHER_KEY: NOW_THE_CLUSTERS,
    }[found]
