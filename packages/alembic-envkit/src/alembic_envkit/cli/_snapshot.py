"""The ``snapshot`` command: write each database's schema at a revision to
a snapshot file, or check the snapshots against a replay of the history.
"""

from __future__ import annotations

import os
import typing as t

import click

from ._context import pass_env
from ._options import format_option
from ._output import echo_json

if t.TYPE_CHECKING:
    from .._environment import Environment


@click.command()
@click.argument("target", default="heads")
@click.option(
    "--check",
    is_flag=True,
    help="Compare a replay of the history with a database built from the"
    " snapshots, and list every difference; exit 1 if there is one.",
)
@format_option
@pass_env
def snapshot(env: Environment, target: str, check: bool, output_format: str) -> None:
    """Write each database's schema at TARGET (default: heads) to a snapshot.

    The revisions run in a scratch database of the same dialect (a
    temporary SQLite file; on a server, a database made and dropped on the
    'snapshot_url' server or the database's own), which is then written out,
    with the rows the revisions inserted, to a file in the snapshot folder.
    'upgrade' loads the newest snapshot at or below its target into an empty
    database, then runs the revisions after it.
    """
    if check:
        _check(env, target, output_format)
        return

    written = env.snapshots.write(target)

    if output_format == "json":
        echo_json("snapshot", files=written)
        return

    for path in written:
        click.echo(f"Wrote {os.path.relpath(path)}")


def _check(env: Environment, target: str, output_format: str) -> None:
    found = env.snapshots.check(target)
    ok = not any(found.values())

    if output_format == "json":
        echo_json("snapshot", check=True, ok=ok, databases=found)
    else:
        for name, differences in found.items():
            if not differences:
                click.echo(f"{name}: the snapshot builds what the revisions build.")

            for line in differences:
                click.echo(f"{name}: {line}")

    if not ok:
        raise click.exceptions.Exit(1)


#: The commands of this module, in the order they are added to a group.
COMMANDS: list[click.Command] = [snapshot]
