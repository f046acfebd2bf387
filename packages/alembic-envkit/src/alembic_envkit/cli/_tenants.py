"""Tenants on the command line: ``--tenant NAME`` and ``--tenants all`` on
``upgrade``, ``downgrade``, ``stamp`` and ``current``, with the fan-out's
options, added to those commands in one place (:func:`with_tenants`); and
``tenant create NAME``.
"""

from __future__ import annotations

import copy
import functools
import typing as t
from pathlib import Path

import click
import sqlalchemy as sa

from .._errors import EnvkitError
from ._context import log_warnings_only
from ._context import pass_env
from ._output import counted
from ._output import echo_json
from ._output import echo_table
from ._output import some_names
from ._sql import check_offline_options
from ._sql import write_each
from ._tenant_plan import echo_tenant_plan
from ._tenant_plan import echo_tenants_held_back

if t.TYPE_CHECKING:
    from .._environment import Environment
    from ..run import TenantProgress
    from ..run import TenantReport
    from ..run import TenantStatus

#: The commands that take ``--tenant`` and ``--tenants all``.
TENANT_COMMANDS = frozenset({"upgrade", "downgrade", "stamp", "current", "wait"})

#: Those of them that only read.
_READING = frozenset({"current", "wait"})

#: What each option is called on the command line, for messages.
_FLAGS = {
    "tenant_names": "--tenant",
    "all_tenants": "--tenants",
    "workers": "--workers",
    "canary": "--canary",
    "stop_on_error": "--stop-on-error",
    "resume": "--resume",
    "report_file": "--report",
    "tenant_quiet": "-q",
}

#: The fan-out's options, which only work with tenants, and their defaults.
_DEFAULTS: dict[str, t.Any] = {
    "workers": 1,
    "canary": 0,
    "stop_on_error": False,
    "resume": None,
    "report_file": None,
}

#: The options of the commands that run revisions that tenants do not take.
_NOT_WITH_TENANTS = {"snapshot": "--snapshot"}


def with_tenants(command: click.Command) -> click.Command:
    """``command`` with the tenant options, if it is one of
    :data:`TENANT_COMMANDS`: without ``--tenant`` or ``--tenants`` it runs
    as before; with them, on the tenants.
    """
    if command.name not in TENANT_COMMANDS or command.callback is None:
        return command

    name = command.name
    own = {p.name for p in command.params}
    new = copy.copy(command)
    new.params = [*command.params, *_params(name, quiet="quiet" not in own)]
    plain = command.callback

    @functools.wraps(plain)
    def callback(**kwargs: t.Any) -> t.Any:
        options = {key: kwargs.pop(key) for key in _FLAGS if key in kwargs}

        given = [
            _FLAGS[key]
            for key, default in _DEFAULTS.items()
            if options.get(key, default) != default
        ]

        if not runs_on_tenants(options["tenant_names"], options["all_tenants"], given):
            return plain(**kwargs)

        for key, flag in _NOT_WITH_TENANTS.items():
            if kwargs.get(key):
                raise click.UsageError(
                    f"{flag} is for one database: an empty tenant gets the newest"
                    " snapshot unless the 'snapshots' setting is off. Leave it out,"
                    " or give --no-snapshot to replay."
                )

        run = t.cast("t.Callable[..., None]", pass_env(_on_tenants))
        return run(name, options, kwargs)

    new.callback = callback
    return new


def runs_on_tenants(
    names: t.Sequence[str], every: str | None, given: t.Sequence[str]
) -> bool:
    """Whether a command runs on tenants: ``--tenant NAME`` (``names``) or
    ``--tenants all`` (``every``) given.

    :param given: The tenant-only options given, by flag.
    :raises click.UsageError: For both choices at once, or a tenant-only
        option without either.
    """
    if not names and every is None:
        if given:
            raise click.UsageError(
                f"{given[0]} works on tenants: add --tenant NAME or --tenants all."
            )

        return False

    if names and every is not None:
        raise click.UsageError("Give --tenant NAME or --tenants all, not both.")

    return True


def _on_tenants(
    env: Environment, name: str, options: dict[str, t.Any], kwargs: dict[str, t.Any]
) -> None:
    chosen = list(options["tenant_names"]) or None
    output_format = kwargs.get("output_format", "text")

    if name == "current":
        statuses = env.tenants.status(chosen, workers=options["workers"])
        _echo_status(statuses, output_format)

        if kwargs.get("check_heads") and any(not s.at_head for s in statuses):
            raise click.exceptions.Exit(1)

        return

    if name == "wait":
        _wait(env, chosen, kwargs["timeout"], kwargs["interval"])
        return

    if kwargs.get("sql"):
        _echo_sql(env, name, chosen, options, kwargs)
        return

    if kwargs.get("plan"):
        echo_tenant_plan(env, name, chosen, options, kwargs)
        return

    quiet = bool(kwargs.get("quiet") or options.get("tenant_quiet"))
    # One line per tenant says what ran; Alembic's own lines would repeat
    # for each of them.
    log_warnings_only()
    resume = _read_report(options["resume"]) if options["resume"] else None
    run = getattr(env.tenants, name)
    own = {key: kwargs[key] for key in ("phase", "purge", "snapshot") if key in kwargs}
    report: TenantReport = run(
        kwargs["target"],
        tenants=chosen,
        workers=options["workers"],
        canary=options["canary"],
        stop_on_error=options["stop_on_error"],
        resume=resume,
        progress=None if quiet else _progress,
        **own,
    )

    if options["report_file"]:
        Path(options["report_file"]).write_text(report.to_json() + "\n")

    if output_format == "json":
        echo_json(name, **report.as_dict())

    counts = ", ".join(f"{n} {o}" for o, n in report.counts().items()) or "none"

    if not quiet:
        ran = counted(len(report.results), "tenant")
        click.echo(f"{ran} in {report.seconds:.2f}s: {counts}.", err=True)

        if report.phase == "expand":
            echo_tenants_held_back(env, report)

    if not report.ok:
        unfinished = report.unfinished
        listed = some_names(unfinished)
        again = f" --resume {options['report_file']}" if options["report_file"] else ""
        click.echo(
            f"Error: {counted(len(unfinished), 'tenant')} not at the target ({listed});"
            f" fix them and run the command again{again}.",
            err=True,
        )
        raise click.exceptions.Exit(1)


def _echo_sql(
    env: Environment,
    name: str,
    chosen: list[str] | None,
    options: dict[str, t.Any],
    kwargs: dict[str, t.Any],
) -> None:
    """Write each tenant's script to stdout, or to ``--output-dir``."""
    fan_out = {
        _FLAGS[key]: options.get(key, default) != default
        for key, default in _DEFAULTS.items()
    }
    fan_out["--plan"] = bool(kwargs.get("plan"))
    fan_out["--purge"] = bool(kwargs.get("purge"))
    fan_out["--format json"] = kwargs.get("output_format") == "json"
    output_dir = kwargs.get("output_dir")
    check_offline_options(kwargs["target"], True, kwargs["tag"], output_dir, fan_out)
    make = getattr(env.tenants, f"{name}_sql")
    phase = {"phase": kwargs["phase"]} if kwargs.get("phase") else {}
    scripts = make(kwargs["target"], tenants=chosen, tag=kwargs["tag"], **phase)

    if output_dir is not None:
        write_each(scripts, output_dir)
        return

    for tenant, text in scripts.items():
        click.echo(f"-- tenant: {tenant}\n")
        click.echo(text, nl=False)


def _wait(
    env: Environment, chosen: list[str] | None, timeout: float, interval: float
) -> None:
    """Wait for the tenants to reach head; exit 1 naming those that did not."""
    if env.tenants.wait_for_head(timeout, interval=interval, tenants=chosen):
        click.echo("Every tenant is at head.", err=True)
        return

    try:
        statuses = env.tenants.status(chosen)
    except (EnvkitError, sa.exc.DBAPIError) as e:
        reason = str(e).strip().splitlines()[0]
        click.echo(f"Not at head after {timeout:g}s: {reason}", err=True)
        raise click.exceptions.Exit(1) from None

    behind = [s.tenant for s in statuses if not s.at_head]
    listed = some_names(behind)
    click.echo(
        f"Not at head after {timeout:g}s: {counted(len(behind), 'tenant')} ({listed}).",
        err=True,
    )
    raise click.exceptions.Exit(1)


def _progress(update: TenantProgress) -> None:
    click.echo(update.line(), err=True)


def _read_report(path: str) -> TenantReport:
    from ..run import TenantReport

    return TenantReport.from_json(Path(path).read_text(), where=repr(path))


def _echo_status(statuses: list[TenantStatus], output_format: str) -> None:
    if output_format == "json":
        echo_json("current", tenants=[s.as_dict() for s in statuses])
        return

    rows = [("tenant", "current", "head", "behind")]
    rows += [
        (
            s.tenant,
            ", ".join(s.current) or "<base>",
            ", ".join(s.heads) or "<base>",
            str(s.behind),
        )
        for s in statuses
    ]
    echo_table(rows)


def choice_params() -> list[click.Parameter]:
    """``--tenant NAME`` (repeatable), ``--tenants all`` and ``--workers``."""
    return [
        click.Option(
            ["--tenant", "tenant_names"],
            multiple=True,
            metavar="NAME",
            help="Work on this tenant (repeatable).",
        ),
        click.Option(
            ["--tenants", "all_tenants"],
            type=click.Choice(["all"]),
            default=None,
            help="Work on every tenant the 'tenants' setting lists.",
        ),
        click.Option(
            ["--workers"],
            type=int,
            default=1,
            show_default=True,
            help="How many tenants to work on at once.",
        ),
    ]


def _params(name: str, *, quiet: bool) -> list[click.Parameter]:
    params = choice_params()

    if name in _READING:
        return params

    params += [
        click.Option(
            ["--canary"],
            type=int,
            default=0,
            metavar="K",
            help="Run the first K tenants first; stop if one of them fails.",
        ),
        click.Option(
            ["--stop-on-error"],
            is_flag=True,
            help="Start no tenant after one fails (default: go on).",
        ),
        click.Option(
            ["--resume"],
            type=click.Path(exists=True, dir_okay=False),
            metavar="REPORT",
            help="Run only the tenants this --report file did not finish.",
        ),
        click.Option(
            ["--report", "report_file"],
            type=click.Path(dir_okay=False),
            metavar="FILE",
            help="Write what happened to each tenant to FILE, as JSON.",
        ),
    ]

    if quiet:
        params.append(
            click.Option(
                ["-q", "--quiet", "tenant_quiet"],
                is_flag=True,
                help="Show only errors.",
            )
        )

    return params


@click.group()
def tenant() -> None:
    """Work on one tenant."""


@tenant.command()
@click.argument("name")
@pass_env
def create(env: Environment, name: str) -> None:
    """Make tenant NAME (listed by the 'tenants' setting, not made yet) and
    bring it to the heads, from a snapshot where its layout allows.
    """
    result = env.tenants.create(name)
    click.echo(
        f"Tenant {name!r} is at {', '.join(result.after) or '<base>'}"
        f" ({result.seconds:.2f}s).",
        err=True,
    )


@tenant.command("list")
@pass_env
def list_(env: Environment) -> None:
    """List the tenants, one per line."""
    for name in env.tenants.names():
        click.echo(name)


COMMANDS: list[click.Command] = [tenant]
