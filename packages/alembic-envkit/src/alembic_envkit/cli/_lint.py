"""The ``lint`` command: find the operations in revisions that lock or
break a running application, without a database.
"""

from __future__ import annotations

import json
import os
import typing as t

import click

from ._context import pass_env
from ._output import echo_json

if t.TYPE_CHECKING:
    from .._environment import Environment


@click.command()
@click.option("--since", metavar="REV", help="Lint the revisions after REV.")
@click.option(
    "--all", "every", is_flag=True, help="Lint every revision of the history."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="text for people; json for one JSON document; sarif for code review"
    " annotations (SARIF 2.1.0).",
)
@pass_env
def lint(env: Environment, since: str | None, every: bool, output_format: str) -> None:
    """Lint revisions for each database's dialect: exit 1 on errors.

    By default the revisions a database has not applied (read from its
    version table); --since REV or --all need no database. Each revision's
    upgrade() runs offline against a recorder of Alembic's operations, and
    each finding names the file and line, what goes wrong (a table lock, a
    column the running code still reads) and the safe alternative. A comment
    '# envkit: allow RULE -- reason' on the operation's line, the line above
    or the top of the file allows it; allowances are always listed.
    """
    if since is not None and every:
        raise click.UsageError("Give --since or --all, not both.")

    reports = env.lint(since=since, every=every)
    root = os.getcwd()
    errors = sum(len(r.errors) for r in reports.values())

    if output_format == "json":
        echo_json(
            "lint",
            ok=not errors,
            databases={n: r.as_json(root) for n, r in reports.items()},
        )
    elif output_format == "sarif":
        logs = [r.as_sarif(root) for r in reports.values()]
        log = {**logs[0], "runs": [run for each in logs for run in each["runs"]]}
        click.echo(json.dumps(log, indent=2, ensure_ascii=False))
    else:
        for name, report in reports.items():
            if len(reports) > 1:
                click.echo(f"{name} ({report.dialect}):")

            click.echo(report.text(root))

    if errors:
        raise click.exceptions.Exit(1)


#: The commands of this module, in the order they are added to a group.
COMMANDS: list[click.Command] = [lint]
