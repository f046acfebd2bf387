"""The commands that read: current revisions, history, checks, the graph
and waiting for head. They print data to stdout and never change a
database.
"""

from __future__ import annotations

import os
import typing as t

import click

from .._errors import EnvkitError
from ._context import pass_env
from ._options import format_option
from ._options import phase_option
from ._options import verbose_option
from ._output import describe_diff
from ._output import dot
from ._output import echo_json
from ._output import format_revision
from ._output import mermaid
from ._output import revisions_json
from ._phase import echo_phase_gate

if t.TYPE_CHECKING:
    from .._environment import Environment


@click.command()
@click.option(
    "--check-heads", is_flag=True, help="Exit 1 unless every database is at head."
)
@verbose_option
@format_option
@pass_env
def current(
    env: Environment, check_heads: bool, verbose: bool, output_format: str
) -> None:
    """Show the current revisions of the database."""
    interrupted = env.interrupted_by_database()

    if output_format == "json":
        behind = env.behind_heads()
        echo_json(
            "current",
            databases={
                name: {
                    "revisions": revisions_json(scripts),
                    "at_head": name not in behind,
                    "interrupted": interrupted.get(name),
                }
                for name, scripts in env.current_by_database().items()
            },
        )

        if check_heads and behind:
            raise click.exceptions.Exit(1)

        return

    if check_heads and (behind := env.behind_heads()):
        click.echo("Database is not on all head revisions")
        heads = ", ".join(s.revision for s in env.heads())

        for name, scripts in behind.items():
            at = ", ".join(s.revision for s in scripts) or "<base>"
            click.echo(f"  {name}: at {at}; heads are {heads}")

        raise click.exceptions.Exit(1)

    by_database = env.current_by_database()
    multidb = len(by_database) > 1

    for name, scripts in by_database.items():
        if not scripts and name not in interrupted:
            click.echo(f"Database {name!r} has no revision applied.", err=True)

        for script in scripts:
            line = format_revision(script, verbose)
            click.echo(f"{name}: {line}" if multidb else line)

        if name in interrupted:
            line = f"interrupted: {interrupted[name]}, may be partly applied"
            click.echo(f"{name}: {line}" if multidb else line)
            click.echo(
                f"Database {name!r} was left in the middle of the"
                f" {interrupted[name]}. Finish or undo its changes by hand, then"
                " record where it stands with 'stamp REVISION'.",
                err=True,
            )


@click.command()
@click.option(
    "--resolve-dependencies", is_flag=True, help="Treat dependencies as down revisions."
)
@verbose_option
@format_option
@pass_env
def heads(
    env: Environment, resolve_dependencies: bool, verbose: bool, output_format: str
) -> None:
    """Show the revisions that have no child revisions."""
    if output_format == "json":
        echo_json("heads", revisions=revisions_json(env.heads(resolve_dependencies)))
        return

    for script in env.heads(resolve_dependencies):
        click.echo(format_revision(script, verbose))


@click.command()
@verbose_option
@format_option
@pass_env
def branches(env: Environment, verbose: bool, output_format: str) -> None:
    """Show the revisions that have more than one next revision."""
    if output_format == "json":
        found = env.branches()
        echo_json(
            "branches",
            revisions=[
                {**item, "next_revisions": sorted(s.nextrev)}
                for item, s in zip(revisions_json(found), found, strict=True)
            ],
        )
        return

    for script in env.branches():
        click.echo(format_revision(script, verbose))

        for next_id in sorted(script.nextrev):
            (child,) = env.show(next_id)
            click.echo(f"    -> {format_revision(child, False)}")


@click.command()
@click.option("--start", default="base", show_default=True, help="Oldest revision.")
@click.option("--end", default="heads", show_default=True, help="Newest revision.")
@verbose_option
@format_option
@pass_env
def log(
    env: Environment, start: str, end: str, verbose: bool, output_format: str
) -> None:
    """Show the revisions in order, newest first."""
    if output_format == "json":
        echo_json("log", revisions=revisions_json(env.log(start, end)))
        return

    for script in env.log(start, end):
        click.echo(format_revision(script, verbose))


@click.command()
@click.option("-r", "--rev-range", metavar="START:END", help="Revisions to show.")
@click.option(
    "-i", "--indicate-current", is_flag=True, help="Mark the current revisions."
)
@verbose_option
@format_option
@pass_env
def history(
    env: Environment,
    rev_range: str | None,
    indicate_current: bool,
    verbose: bool,
    output_format: str,
) -> None:
    """Show the revisions in order, newest first, as Alembic does."""
    start, end = "base", "heads"

    if rev_range is not None:
        if ":" not in rev_range:
            raise click.BadParameter(
                "Use START:END, START: or :END.", param_hint="'--rev-range'"
            )

        first, last = rev_range.strip().split(":", 1)
        start, end = first or "base", last or "heads"

    current: set[str] = set()

    if indicate_current:
        current = {
            s.revision
            for scripts in env.current_by_database().values()
            for s in scripts
        }

    if output_format == "json":
        scripts = env.log(start, end)
        items = revisions_json(scripts)

        if indicate_current:
            for item in items:
                item["current"] = item["revision"] in current

        echo_json("history", revisions=items)
        return

    for script in env.log(start, end):
        click.echo(format_revision(script, verbose, current=script.revision in current))


@click.command()
@click.argument("revisions", nargs=-1, required=True)
@format_option
@pass_env
def show(env: Environment, revisions: tuple[str, ...], output_format: str) -> None:
    """Show the given revisions in full ("current" for the database's)."""
    if output_format == "json":
        echo_json("show", revisions=revisions_json(env.show(list(revisions))))
        return

    for script in env.show(list(revisions)):
        click.echo(script.cmd_format(True))


@click.command()
@click.argument("revision", default="head")
@pass_env
def edit(env: Environment, revision: str) -> None:
    """Open a revision file in $EDITOR (default: the head)."""
    scripts = env.show(revision)

    if len(scripts) != 1:
        ids = ", ".join(s.revision for s in scripts) or "none"
        raise click.ClickException(
            f"{revision!r} names {len(scripts)} revisions ({ids})."
        )

    click.edit(filename=scripts[0].path)


@click.command("list-templates")
def list_templates() -> None:
    """List Alembic's script templates; one database uses 'generic', several
    use 'multidb'.
    """
    # Imported here: the other commands' --help and the read commands
    # import no Alembic module.
    import alembic

    root = os.path.join(os.path.dirname(alembic.__file__), "templates")

    for name in sorted(os.listdir(root)):
        readme = os.path.join(root, name, "README")

        if os.path.isfile(readme):
            with open(readme, encoding="utf-8") as f:
                click.echo(f"{name} - {f.readline().strip()}")


@click.command()
@format_option
@phase_option(
    "Instead of the models, check the deploy phase: expand exits 1 when a"
    " contract step has not run; contract, when any revision has not."
)
@pass_env
def check(env: Environment, output_format: str, phase: str | None) -> None:
    """Exit 1 if the models differ from the database."""
    if phase is not None:
        echo_phase_gate(env, phase, output_format)
        return

    if output_format == "json":
        behind = env.behind_heads()
        diffs = {} if behind else env.check()
        echo_json(
            "check",
            changed=bool(behind) or any(diffs.values()),
            databases={
                name: {
                    "at_head": name not in behind,
                    "differences": [describe_diff(d) for d in diffs.get(name, [])],
                }
                for name in env.selected_names
            },
        )

        if behind or any(diffs.values()):
            raise click.exceptions.Exit(1)

        return

    if behind := env.behind_heads():
        click.echo("Database is not on all head revisions")
        names = ", ".join(repr(n) for n in behind)
        noun = "database" if len(behind) == 1 else "databases"
        click.echo(
            f"  Run 'upgrade' on {noun} {names} before checking the models against it."
        )
        raise click.exceptions.Exit(1)

    diffs = env.check()

    if not any(diffs.values()):
        click.echo("No changes detected.")
        return

    click.echo("Changes detected.")
    multidb = len(diffs) > 1

    for name, items in diffs.items():
        for item in items:
            line = describe_diff(item)
            click.echo(f"  {name}: {line}" if multidb else f"  {line}")

    raise click.exceptions.Exit(1)


@click.command()
@click.option(
    "--timeout", type=float, default=60, show_default=True, help="Seconds to wait."
)
@click.option(
    "--interval",
    type=float,
    default=1,
    show_default=True,
    help="Seconds between checks.",
)
@pass_env
def wait(env: Environment, timeout: float, interval: float) -> None:
    """Wait until every database is at head; exit 1 if the time runs out."""
    if env.wait_for_head(timeout, interval=interval):
        click.echo("Every database is at head.", err=True)
        return

    try:
        behind = env.behind_heads()
    except EnvkitError as e:
        behind = {}
        click.echo(str(e), err=True)

    where = "; ".join(
        f"{name} at {', '.join(s.revision for s in scripts) or '<base>'}"
        for name, scripts in behind.items()
    )
    click.echo(f"Not at head after {timeout:g}s: {where or 'unreachable'}.", err=True)
    raise click.exceptions.Exit(1)


@click.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["mermaid", "dot"]),
    default="mermaid",
    show_default=True,
    help="Mermaid flowchart or Graphviz DOT.",
)
@pass_env
def graph(env: Environment, output_format: str) -> None:
    """Print the revision graph, with each database's current revision
    marked.
    """
    try:
        current = {
            name: [s.revision for s in scripts]
            for name, scripts in env.current_by_database().items()
        }
    except EnvkitError as e:
        click.echo(f"Not marking current revisions: {e}", err=True)
        current = {}

    render = mermaid if output_format == "mermaid" else dot
    click.echo(render(env.log(), current), nl=False)


COMMANDS: list[click.Command] = [
    current,
    heads,
    branches,
    log,
    history,
    show,
    edit,
    list_templates,
    check,
    wait,
    graph,
]
