"""The commands that keep a history healthy: ``verify`` checks it the way a
team's CI gate would, ``rebase`` moves revisions not yet applied anywhere on
top of their branch.
"""

from __future__ import annotations

import os
import typing as t

import click

from ._context import pass_env
from ._options import format_option
from ._output import counted
from ._output import echo_json

if t.TYPE_CHECKING:
    from .._environment import Environment


@click.command()
@format_option
@pass_env
def verify(env: Environment, output_format: str) -> None:
    """Check the history: exit 1 on errors, 0 on warnings alone.

    It reads the revision files' headers, without a database: ids declared
    twice, parents that name nothing, cycles, branches with several heads or
    roots, file names whose id is not the file's, and files that can't be
    read are errors; ids that look copied from an example or don't follow
    the id scheme are warnings. Each finding is one line: its severity and
    kind, the files, what is wrong and the fix.
    """
    findings = env.verify()
    errors = sum(f.severity == "error" for f in findings)

    if output_format == "json":
        echo_json(
            "verify",
            ok=not errors,
            errors=errors,
            warnings=len(findings) - errors,
            findings=[f.as_dict() for f in findings],
        )
    else:
        for finding in findings:
            click.echo(str(finding))

        warnings = len(findings) - errors

        if findings:
            click.echo(f"{counted(errors, 'error')}, {counted(warnings, 'warning')}.")
        else:
            click.echo("The history has no problems.")

    if errors:
        raise click.exceptions.Exit(1)


@click.command()
@click.argument("revisions", nargs=-1, required=True)
@pass_env
def rebase(env: Environment, revisions: tuple[str, ...]) -> None:
    """Move revisions no database has applied on top of their branch.

    After merging two branches of the code that each added a revision, the
    history has two heads. Give the revisions your branch added (the oldest
    of each run is enough: those after it move with it); each is put on the
    current head of its branch by rewriting its down_revision, and every
    other byte of the file is kept. A revision applied in any configured
    database is refused, and nothing is changed.
    """
    moved = env.rebase(revisions)

    for done in moved:
        click.echo(
            f"Rebased {done.revision} onto {done.new_parent} (was"
            f" {done.old_parent}): {os.path.relpath(done.path)}"
        )

    if not moved:
        click.echo("Nothing to rebase: the revisions are on top of their branch.")


@click.command()
@click.argument("revision")
@click.option(
    "--reason", required=True, help="Why the edit is accepted, kept in the ledger."
)
@pass_env
def rehash(env: Environment, revision: str, reason: str) -> None:
    """Accept an edit to a revision already applied.

    With the ledger kept (the ledger_table setting), verify and upgrade
    report a revision whose upgrade() or downgrade() changed after it was
    applied. When the edit is meant (a fix that changes nothing in the
    databases), this records the revision's checksums as they are now, with
    the reason, in the ledger of every database that applied it.
    """
    for name in env.rehash(revision, reason):
        click.echo(f"Accepted revision {revision} as it is now on database {name!r}.")


#: The commands of this module, in the order they are added to a group.
COMMANDS: list[click.Command] = [verify, rebase, rehash]
