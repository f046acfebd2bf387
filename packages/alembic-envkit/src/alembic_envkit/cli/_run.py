"""The commands that run revisions on the databases: ``upgrade``,
``downgrade`` and ``stamp``, with their plan, their progress on stderr, and
their SQL with ``--sql``.
"""

from __future__ import annotations

import functools
import re
import time
import traceback
import typing as t
from contextlib import contextmanager

import click

from .._errors import MigrationError
from ._context import log_warnings_only
from ._context import pass_env
from ._options import format_option
from ._options import phase_option
from ._options import x_option
from ._output import echo_json
from ._output import revisions_json
from ._phase import echo_held_back
from ._sql import check_offline_options
from ._sql import echo_scripts
from ._sql import offline_options

if t.TYPE_CHECKING:
    from .._environment import Environment
    from ..run import MigrationEvent


@click.command()
@click.argument("target", default="heads")
@click.option("--purge", is_flag=True, help="Empty the version table first.")
@offline_options
@x_option
@pass_env
def stamp(
    env: Environment,
    target: str,
    purge: bool,
    sql: bool,
    tag: str | None,
    output_dir: str | None,
) -> None:
    """Record a revision as current without running migrations."""
    check_offline_options(target, sql, tag, output_dir, {"--purge": purge})

    if sql:
        echo_scripts(env, "stamp", target, tag, output_dir)
        return

    env.stamp(target, purge=purge)


_quiet = click.option(
    "-q", "--quiet", is_flag=True, help="Show only warnings and errors."
)


@contextmanager
def _reporting(env: Environment, quiet: bool) -> t.Iterator[list[MigrationEvent]]:
    """Show how long each revision took and the total, on stderr; with
    ``quiet``, show nothing but warnings and errors. Yields the list that
    collects each revision's "done" event.
    """
    done: list[MigrationEvent] = []

    if quiet:
        log_warnings_only()

    def report(event: MigrationEvent) -> None:
        where = f" on {event.database!r}" if len(env.database_names) > 1 else ""

        if event.retry is not None:
            if not quiet:
                head = f"  {event.direction} {event.revision}{where}"
                click.echo(f"{head}: {event.retry}", err=True)

            return

        if event.seconds is None:
            return

        done.append(event)

        if not quiet:
            took = f"took {event.seconds:.2f}s"
            click.echo(f"  {event.direction} {event.revision}{where} {took}", err=True)

    env.progress = report
    started = time.monotonic()

    try:
        yield done
    finally:
        env.progress = None

    if not quiet:
        took = time.monotonic() - started
        click.echo(f"Ran {_count(done)} in {took:.2f}s.", err=True)


def _count(done: list[MigrationEvent]) -> str:
    """ "1 revision", or "1 revision on 2 databases" when the same revisions
    ran on several.
    """
    revisions = len({event.revision for event in done})
    databases = len({event.database for event in done})
    text = f"{revisions} revision" + ("" if revisions == 1 else "s")

    if databases > 1:
        text += f" on {databases} databases"

    return text


def _echo_done(env: Environment, direction: str, done: list[MigrationEvent]) -> None:
    """The revisions that ran on each selected database, in order, as one
    JSON document.
    """
    databases: dict[str, list[dict[str, t.Any]]] = {
        name: [] for name in env.selected_names
    }

    for event in done:
        databases.setdefault(event.database, []).append(
            {
                "revision": event.revision,
                "message": event.message,
                "seconds": round(t.cast(float, event.seconds), 6),
            }
        )

    echo_json(direction, databases=databases)


_plan = click.option(
    "--plan", is_flag=True, help="List what would run, change nothing."
)


def _echo_plan(
    env: Environment, target: str, down: bool, output_format: str, phase: str | None
) -> None:
    planned = env.plan(target, down=down, phase=phase)
    direction = "downgrade" if down else "upgrade"

    if output_format == "json":
        echo_json(
            "plan",
            direction=direction,
            databases={name: revisions_json(items) for name, items in planned.items()},
        )
        return

    for name, items in planned.items():
        click.echo(f"{name}:" + ("" if items else " nothing to run"))

        for script in items:
            click.echo(f"  {direction} {script.revision}, {script.doc}")


def _move(
    env: Environment,
    target: str,
    move: t.Callable[[str], None],
    plan: bool,
    output_format: str,
    quiet: bool,
    sql: bool,
    tag: str | None,
    output_dir: str | None,
    verbose: bool,
    phase: str | None = None,
) -> None:
    """Upgrade or downgrade (``move``): plan it, write its SQL, or run it."""
    down = move == env.downgrade
    check_offline_options(
        target,
        sql,
        tag,
        output_dir,
        {"--plan": plan, "--format json": output_format == "json"},
    )
    direction = "downgrade" if down else "upgrade"

    if sql:
        echo_scripts(env, direction, target, tag, output_dir, quiet, phase=phase)
        return

    if plan:
        _echo_plan(env, target, down, output_format, phase)
        return

    try:
        with _reporting(env, quiet) as done:
            move(target)
    except MigrationError as e:
        if verbose and e.__cause__ is not None:
            cause = e.__cause__
            lines = traceback.format_exception(type(cause), cause, cause.__traceback__)
            click.echo("".join(lines).rstrip("\n"), err=True)

        raise

    if output_format == "json":
        _echo_done(env, direction, done)


_NEGATIVE = re.compile(r"-[0-9]+")


class _StepsCommand(click.Command):
    """A command whose TARGET may be a negative number of steps, such as
    ``downgrade -1``, which would otherwise be read as an option.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value = {
            name
            for param in self.params
            if isinstance(param, click.Option) and not param.is_flag
            for name in param.opts
        }
        kept: list[str] = []
        steps: list[str] = []
        rest = list(args)

        while rest:
            arg = rest.pop(0)

            if arg == "--":
                kept.extend([arg, *rest])
                break

            if _NEGATIVE.fullmatch(arg):
                steps.append(arg)
                continue

            kept.append(arg)

            if arg in takes_value and rest:
                kept.append(rest.pop(0))

        if steps:
            if "--" in kept:
                at = kept.index("--") + 1
                kept[at:at] = steps
            else:
                kept.extend(["--", *steps])

        return super().parse_args(ctx, kept)


_verbose_errors = click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="When a revision fails, show the full traceback before the error.",
)


@click.command(cls=_StepsCommand)
@click.argument("target", default="heads")
@_plan
@format_option
@_quiet
@_verbose_errors
@click.option(
    "--snapshot/--no-snapshot",
    default=None,
    help="Load the newest snapshot into an empty database first (the"
    " default, unless the 'snapshots' setting is off), or always replay.",
)
@phase_option(
    "expand: hold back each contract revision and what comes after it, to run"
    " before the new code is deployed; contract (or no --phase): run all."
)
@offline_options
@x_option
@pass_env
def upgrade(
    env: Environment,
    target: str,
    plan: bool,
    output_format: str,
    quiet: bool,
    verbose: bool,
    snapshot: bool | None,
    phase: str | None,
    sql: bool,
    tag: str | None,
    output_dir: str | None,
) -> None:
    """Run migrations up to TARGET (default: heads), or TARGET steps. With
    --sql, write the SQL instead, from an empty database or a FROM:TO range.
    An empty database first gets the newest snapshot at or below TARGET.
    """
    move = functools.partial(env.upgrade, snapshot=snapshot, phase=phase)
    args = (plan, output_format, quiet, sql, tag, output_dir, verbose)
    _move(env, target, move, *args, phase=phase)

    if phase == "expand" and not (plan or sql or quiet) and output_format == "text":
        echo_held_back(env)


@click.command(cls=_StepsCommand)
@click.argument("target", default="-1")
@_plan
@format_option
@_quiet
@_verbose_errors
@offline_options
@x_option
@pass_env
def downgrade(
    env: Environment,
    target: str,
    plan: bool,
    output_format: str,
    quiet: bool,
    verbose: bool,
    sql: bool,
    tag: str | None,
    output_dir: str | None,
) -> None:
    """Run migrations down to TARGET, or TARGET steps down (default: 1);
    -1 is the same as 1. With --sql, write the SQL instead; TARGET is then a
    FROM:TO range.
    """
    move = env.downgrade
    _move(env, target, move, plan, output_format, quiet, sql, tag, output_dir, verbose)


COMMANDS: list[click.Command] = [stamp, upgrade, downgrade]
