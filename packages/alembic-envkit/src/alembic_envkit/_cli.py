"""Click commands for an Environment, shared by ``flask db`` and the
``alembic-envkit`` command.

The commands find their environment through a callable stored on the click
context by :func:`make_group`, so any group can host them. Only the command
line prints: data to stdout, progress, notes and errors to stderr.
"""

from __future__ import annotations

import functools
import logging
import os
import time
import typing as t
from contextlib import contextmanager

import click

from ._errors import EnvkitError

if t.TYPE_CHECKING:
    from alembic.script import Script

    from ._environment import Environment
    from ._migrate import MigrationEvent

GetEnv: t.TypeAlias = t.Callable[[], "Environment"]

_GET_ENV = "alembic_envkit.get_env"
_X_ARGS = "alembic_envkit.x_args"
_HANDLER = "alembic_envkit.log_handler"
_DBS = "alembic_envkit.databases"


def _store_dbs(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> None:
    ctx.meta.setdefault(_DBS, []).extend(value)


_F = t.TypeVar("_F", bound=t.Callable[..., t.Any])


def _store_x(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> None:
    ctx.meta.setdefault(_X_ARGS, []).extend(value)


_X_DECLS = ("-x", "--x-arg")
_X_ATTRS: dict[str, t.Any] = {
    "multiple": True,
    "expose_value": False,
    "callback": _store_x,
    "metavar": "KEY=VALUE",
    "help": "Readable in revision files as context.get_x_argument().",
}
_x_option = click.option(*_X_DECLS, **_X_ATTRS)


def make_group(
    get_env: GetEnv,
    *,
    name: str = "db",
    cls: type[click.Group] = click.Group,
    params: t.Sequence[click.Parameter] = (),
    help: str = "Perform database migrations.",
) -> click.Group:
    """Build a click group holding every migration command.

    :param get_env: Returns the environment to work on; called once per
        command, inside the command.
    :param name: Name of the group.
    :param cls: Group class, for example Flask's ``AppGroup``.
    :param params: Extra parameters of the group. Their values are not passed
        on; use a parameter callback to record them.
    :param help: Help text of the group.
    """

    def callback() -> None:
        ctx = click.get_current_context()
        ctx.meta[_GET_ENV] = get_env
        _log_to_stderr(ctx)

    db_option = click.Option(
        ["--db", "databases"],
        multiple=True,
        expose_value=False,
        callback=_store_dbs,
        metavar="NAME",
        help="Work on this database only (repeatable; default: all).",
    )
    group = cls(
        name,
        callback=callback,
        params=[*params, click.Option(_X_DECLS, **_X_ATTRS), db_option],
        help=help,
    )

    for command in _COMMANDS:
        group.add_command(command)

    return group


def _pass_env(f: _F) -> _F:
    """Call the command with the environment as its first argument, with the
    ``-x`` arguments in effect, and turn errors into a one-line message and
    exit code 1.
    """

    @functools.wraps(f)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        ctx = click.get_current_context()

        try:
            env = ctx.meta[_GET_ENV]()

            with env.x_arguments(ctx.meta.get(_X_ARGS, ())):
                with env.selecting(ctx.meta.get(_DBS)):
                    return f(env, *args, **kwargs)
        except EnvkitError as e:
            raise click.ClickException(str(e)) from e

    return t.cast(_F, wrapper)


def _log_to_stderr(ctx: click.Context) -> None:
    """Show what migrations run, on stderr, for the length of the command.
    Loggers the application already configured are left alone.
    """
    handler = _EchoHandler()
    ctx.meta[_HANDLER] = handler
    handler.setFormatter(logging.Formatter("%(levelname)-5.5s [%(name)s] %(message)s"))
    added = []

    for name in ("alembic", "alembic_envkit"):
        logger = logging.getLogger(name)
        own = [h for h in logger.handlers if not isinstance(h, logging.NullHandler)]

        if not own and logger.level in (logging.NOTSET, logging.INFO):
            old_level = logger.level
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            added.append((logger, old_level))

    def remove() -> None:
        for logger, level in added:
            logger.removeHandler(handler)
            logger.setLevel(level)

    ctx.call_on_close(remove)


class _EchoHandler(logging.Handler):
    """Writes log lines to click's stderr, leaving out Alembic's notes about
    loading its own plugins.
    """

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith("alembic.runtime.plugins"):
            click.echo(self.format(record), err=True)


def _format(script: Script, verbose: bool) -> str:
    return script.cmd_format(
        verbose,
        include_branches=True,
        include_doc=True,
        include_parents=True,
        tree_indicators=True,
    )


def _one_message(positional: str | None, option: str | None) -> str | None:
    if positional is not None and option is not None and positional != option:
        raise click.UsageError("Give the message once: as an argument or with -m.")

    return option if option is not None else positional


_verbose = click.option("-v", "--verbose", is_flag=True, help="Show full details.")
_output = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people; json for one JSON document on stdout.",
)


def _echo_json(command: str, **body: t.Any) -> None:
    import json

    from ._output import document

    click.echo(json.dumps(document(command, **body), indent=2, ensure_ascii=False))


def _revisions_json(scripts: t.Iterable[Script]) -> list[dict[str, t.Any]]:
    from ._output import revision_json

    return [revision_json(s) for s in scripts]


_rev_id = click.option(
    "--rev-id", help="Id of the new revision, instead of a timestamp."
)
_label = click.option(
    "-l", "--label", "--branch-label", multiple=True, help="Branch label(s)."
)


@click.command()
@_pass_env
def mkdir(env: Environment) -> None:
    """Create the migrations folder and template if they do not exist."""
    env.mkdir()


@click.command()
@_pass_env
def init(env: Environment) -> None:
    """Create the migrations folder (the same as mkdir)."""
    env.mkdir()
    click.echo(f"Migrations folder: {env.settings.script_location}", err=True)


@click.command()
@click.option(
    "--check-heads", is_flag=True, help="Exit 1 unless every database is at head."
)
@_verbose
@_output
@_pass_env
def current(
    env: Environment, check_heads: bool, verbose: bool, output_format: str
) -> None:
    """Show the current revisions of the database."""
    if output_format == "json":
        behind = env.behind_heads()
        _echo_json(
            "current",
            databases={
                name: {
                    "revisions": _revisions_json(scripts),
                    "at_head": name not in behind,
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
        if not scripts:
            click.echo(f"Database {name!r} has no revision applied.", err=True)

        for script in scripts:
            line = _format(script, verbose)
            click.echo(f"{name}: {line}" if multidb else line)


@click.command()
@click.option(
    "--resolve-dependencies", is_flag=True, help="Treat dependencies as down revisions."
)
@_verbose
@_output
@_pass_env
def heads(
    env: Environment, resolve_dependencies: bool, verbose: bool, output_format: str
) -> None:
    """Show the revisions that have no child revisions."""
    if output_format == "json":
        _echo_json("heads", revisions=_revisions_json(env.heads(resolve_dependencies)))
        return

    for script in env.heads(resolve_dependencies):
        click.echo(_format(script, verbose))


@click.command()
@_verbose
@_output
@_pass_env
def branches(env: Environment, verbose: bool, output_format: str) -> None:
    """Show the revisions that have more than one next revision."""
    if output_format == "json":
        found = env.branches()
        _echo_json(
            "branches",
            revisions=[
                {**item, "next_revisions": sorted(s.nextrev)}
                for item, s in zip(_revisions_json(found), found, strict=True)
            ],
        )
        return

    for script in env.branches():
        click.echo(_format(script, verbose))

        for next_id in sorted(script.nextrev):
            (child,) = env.show(next_id)
            click.echo(f"    -> {_format(child, False)}")


@click.command()
@click.option("--start", default="base", show_default=True, help="Oldest revision.")
@click.option("--end", default="heads", show_default=True, help="Newest revision.")
@_verbose
@_output
@_pass_env
def log(
    env: Environment, start: str, end: str, verbose: bool, output_format: str
) -> None:
    """Show the revisions in order, newest first."""
    if output_format == "json":
        _echo_json("log", revisions=_revisions_json(env.log(start, end)))
        return

    for script in env.log(start, end):
        click.echo(_format(script, verbose))


@click.command()
@click.option("-r", "--rev-range", metavar="START:END", help="Revisions to show.")
@click.option(
    "-i", "--indicate-current", is_flag=True, help="Mark the current revisions."
)
@_verbose
@_output
@_pass_env
def history(
    env: Environment,
    rev_range: str | None,
    indicate_current: bool,
    verbose: bool,
    output_format: str,
) -> None:
    """Show the revisions in order, newest first, as Alembic does."""
    from ._migrate import show_as_current

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
        items = _revisions_json(scripts)

        if indicate_current:
            for item in items:
                item["current"] = item["revision"] in current

        _echo_json("history", revisions=items)
        return

    for script in env.log(start, end):
        with show_as_current(script, script.revision in current):
            click.echo(_format(script, verbose))


@click.command()
@click.argument("revisions", nargs=-1, required=True)
@_output
@_pass_env
def show(env: Environment, revisions: tuple[str, ...], output_format: str) -> None:
    """Show the given revisions in full ("current" for the database's)."""
    if output_format == "json":
        _echo_json("show", revisions=_revisions_json(env.show(list(revisions))))
        return

    for script in env.show(list(revisions)):
        click.echo(script.cmd_format(True))


@click.command()
@click.argument("revision", default="head")
@_pass_env
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
    import alembic

    root = os.path.join(os.path.dirname(alembic.__file__), "templates")

    for name in sorted(os.listdir(root)):
        readme = os.path.join(root, name, "README")

        if os.path.isfile(readme):
            with open(readme, encoding="utf-8") as f:
                click.echo(f"{name} - {f.readline().strip()}")


@click.command()
@_output
@_pass_env
def check(env: Environment, output_format: str) -> None:
    """Exit 1 if the models differ from the database."""
    if output_format == "json":
        behind = env.behind_heads()
        diffs = {} if behind else env.check()
        _echo_json(
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
        click.echo(f"  Upgrade {names} before checking the models against it.")
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
@click.argument("target", default="heads")
@click.option("--purge", is_flag=True, help="Empty the version table first.")
@_x_option
@_pass_env
def stamp(env: Environment, target: str, purge: bool) -> None:
    """Record a revision as current without running migrations."""
    env.stamp(target, purge=purge)


_quiet = click.option(
    "-q", "--quiet", is_flag=True, help="Show only warnings and errors."
)


@contextmanager
def _reporting(env: Environment, quiet: bool) -> t.Iterator[None]:
    """Show how long each revision took and the total, on stderr; with
    ``quiet``, show nothing but warnings and errors.
    """
    handler = click.get_current_context().meta.get(_HANDLER)

    if quiet:
        if handler is not None:
            handler.setLevel(logging.WARNING)

        yield
        return

    done: list[float] = []

    def report(event: MigrationEvent) -> None:
        if event.seconds is not None:
            done.append(event.seconds)
            where = f" on {event.database!r}" if len(env.database_names) > 1 else ""
            took = f"took {event.seconds:.2f}s"
            click.echo(f"  {event.direction} {event.revision}{where} {took}", err=True)

    env.progress = report
    started = time.monotonic()

    try:
        yield
    finally:
        env.progress = None

    count = len(done)
    noun = "revision" if count == 1 else "revisions"
    click.echo(f"Ran {count} {noun} in {time.monotonic() - started:.2f}s.", err=True)


_plan = click.option(
    "--plan", is_flag=True, help="List what would run, change nothing."
)


def _echo_plan(env: Environment, target: str, down: bool, output_format: str) -> None:
    planned = env.plan(target, down=down)
    direction = "downgrade" if down else "upgrade"

    if output_format == "json":
        _echo_json(
            "plan",
            direction=direction,
            databases={name: _revisions_json(items) for name, items in planned.items()},
        )
        return

    for name, items in planned.items():
        click.echo(f"{name}:" + ("" if items else " nothing to run"))

        for script in items:
            click.echo(f"  {direction} {script.revision}, {script.doc}")


@click.command()
@click.argument("target", default="heads")
@_plan
@_output
@_quiet
@_x_option
@_pass_env
def upgrade(
    env: Environment, target: str, plan: bool, output_format: str, quiet: bool
) -> None:
    """Run migrations up to TARGET (default: heads), or TARGET steps."""
    if plan:
        _echo_plan(env, target, False, output_format)
        return

    with _reporting(env, quiet):
        env.upgrade(target)


@click.command()
@click.argument("target", default="-1")
@_plan
@_output
@_quiet
@_x_option
@_pass_env
def downgrade(
    env: Environment, target: str, plan: bool, output_format: str, quiet: bool
) -> None:
    """Run migrations down to TARGET, or TARGET steps down (default: 1)."""
    if plan:
        _echo_plan(env, target, True, output_format)
        return

    with _reporting(env, quiet):
        env.downgrade(target)


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
@_pass_env
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
@click.argument("message", required=False)
@click.option("-m", "--message", "message_option", help="Description of the revision.")
@click.option("--empty", is_flag=True, help="Write an empty revision.")
@click.option(
    "--autogenerate", is_flag=True, help="Autogenerate operations (the default)."
)
@click.option(
    "-b",
    "--branch",
    default="default",
    show_default=True,
    help="Independent branch to add the revision to.",
)
@click.option(
    "-p",
    "--parent",
    "--head",
    multiple=True,
    default=["head"],
    show_default=True,
    help="Parent revision(s).",
)
@click.option("--splice", is_flag=True, help="Allow a parent that is not a head.")
@click.option("-d", "--depend", "--depends-on", multiple=True, help="Dependencies.")
@_label
@click.option("--path", "--version-path", help="Folder to write the revision to.")
@_rev_id
@_x_option
@_pass_env
def revision(
    env: Environment,
    message: str | None,
    message_option: str | None,
    empty: bool,
    autogenerate: bool,
    branch: str,
    parent: tuple[str, ...],
    splice: bool,
    depend: tuple[str, ...],
    label: tuple[str, ...],
    path: str | None,
    rev_id: str | None,
) -> None:
    """Create a revision, autogenerated from the models unless --empty. When
    nothing changed, no file is written unless --empty is given.
    """
    if empty and autogenerate:
        raise click.UsageError("--empty and --autogenerate contradict each other.")

    scripts = env.revision(
        _one_message(message, message_option),
        empty=empty,
        branch=branch,
        parent=list(parent),
        splice=splice,
        depend=list(depend) or None,
        label=list(label),
        path=path,
        rev_id=rev_id,
        skip_empty=True,
    )
    _echo_generated(scripts)


@click.command()
@click.option("-m", "--message", help="Description of the revision.")
@click.option("--head", default="head", show_default=True, help="Parent revision.")
@click.option("--splice", is_flag=True, help="Allow a parent that is not a head.")
@_label
@click.option("--path", "--version-path", help="Folder to write the revision to.")
@_rev_id
@_x_option
@_pass_env
def migrate(
    env: Environment,
    message: str | None,
    head: str,
    splice: bool,
    label: tuple[str, ...],
    path: str | None,
    rev_id: str | None,
) -> None:
    """Autogenerate a revision from the models, as Flask-Migrate does."""
    scripts = env.revision(
        message,
        parent=head,
        splice=splice,
        label=list(label),
        path=path,
        rev_id=rev_id,
        skip_empty=True,
    )
    _echo_generated(scripts)


@click.command()
@click.argument("revisions", nargs=-1)
@click.option("-m", "--message", help="Description of the merge.")
@_label
@_rev_id
@_pass_env
def merge(
    env: Environment,
    revisions: tuple[str, ...],
    message: str | None,
    label: tuple[str, ...],
    rev_id: str | None,
) -> None:
    """Create a revision that merges REVISIONS (default: all heads)."""
    script = env.merge(
        list(revisions) or "heads", message, list(label) or None, rev_id=rev_id
    )
    _echo_generated([script])


@click.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["mermaid", "dot"]),
    default="mermaid",
    show_default=True,
    help="Mermaid flowchart or Graphviz DOT.",
)
@_pass_env
def graph(env: Environment, output_format: str) -> None:
    """Print the revision graph, with each database's current revision
    marked.
    """
    from ._output import dot
    from ._output import mermaid

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


def _echo_generated(scripts: t.Sequence[Script | None]) -> None:
    if not scripts:
        click.echo(
            "No changes detected; no revision written (--empty writes one).", err=True
        )

    for script in scripts:
        if script is not None:
            click.echo(f"Generating {script.path} ... done")


def describe_diff(diff: t.Any) -> str:
    """One line for one of Alembic's autogenerate diff tuples."""
    import sqlalchemy as sa

    if isinstance(diff, list):
        return "; ".join(describe_diff(d) for d in diff)

    kind, *args = diff
    parts = []

    for arg in args:
        if isinstance(arg, sa.Column) and arg.table is not None:
            parts.append(f"{arg.table.name}.{arg.name}")
        elif isinstance(arg, (sa.Table, sa.Column, sa.Index, sa.Constraint)):
            parts.append(str(arg.name or type(arg).__name__))
        elif arg is None or isinstance(arg, dict):
            continue
        else:
            parts.append(str(arg))

    return " ".join([kind, *parts])


_COMMANDS: list[click.Command] = [
    mkdir,
    init,
    current,
    heads,
    branches,
    log,
    history,
    show,
    edit,
    list_templates,
    check,
    stamp,
    upgrade,
    downgrade,
    revision,
    migrate,
    merge,
    graph,
    wait,
]
