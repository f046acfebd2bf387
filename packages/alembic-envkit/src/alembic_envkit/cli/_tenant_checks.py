"""The checks on tenants: ``--tenant NAME`` and ``--tenants all`` (with
``--workers``) on ``check``, ``verify`` and ``lint``, added to those
commands in one place (:func:`with_tenant_checks`). Without them, each
command works on the configured databases as before.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import typing as t

import click

from ._context import pass_env
from ._output import counted
from ._output import describe_diff
from ._output import echo_json
from ._output import echo_table
from ._phase import echo_pending
from ._tenants import choice_params
from ._tenants import runs_on_tenants

if t.TYPE_CHECKING:
    from .._environment import Environment
    from ..run import TenantCheck

#: The commands that check tenants with ``--tenant`` and ``--tenants all``.
CHECK_COMMANDS = frozenset({"check", "verify", "lint"})

#: Run on tenants: ``(env, command's options, chosen tenants, workers)``.
_OnTenants: t.TypeAlias = t.Callable[
    ["Environment", dict[str, t.Any], "list[str] | None", int], None
]


def with_tenant_checks(command: click.Command) -> click.Command:
    """``command`` with the tenant options, if it is one of
    :data:`CHECK_COMMANDS`: without ``--tenant`` or ``--tenants`` it runs
    as before; with them, on the tenants.
    """
    if command.name not in CHECK_COMMANDS or command.callback is None:
        return command

    command_on_tenants = _ON_TENANTS[command.name]
    new = copy.copy(command)
    new.params = [*command.params, *choice_params()]
    plain = command.callback

    @functools.wraps(plain)
    def callback(**kwargs: t.Any) -> t.Any:
        names = kwargs.pop("tenant_names")
        every = kwargs.pop("all_tenants")
        workers = kwargs.pop("workers")

        if not runs_on_tenants(names, every, ["--workers"] if workers != 1 else []):
            return plain(**kwargs)

        run = t.cast("t.Callable[..., None]", pass_env(command_on_tenants))
        return run(kwargs, list(names) or None, workers)

    new.callback = callback
    return new


def _check(
    env: Environment,
    kwargs: dict[str, t.Any],
    chosen: list[str] | None,
    workers: int,
) -> None:
    """``check`` on tenants: a table, then each tenant's differences."""
    output_format, phase = kwargs["output_format"], kwargs["phase"]

    if phase is not None:
        pending = env.tenants.pending(phase, tenants=chosen, workers=workers)
        upgrade = "upgrade --tenants all"
        echo_pending(pending, phase, output_format, key="tenants", upgrade=upgrade)
        return

    results = env.tenants.check(chosen, workers=workers)
    failed = not all(r.ok for r in results)

    if output_format == "json":
        echo_json("check", changed=failed, tenants=[_check_json(r) for r in results])
    else:
        _echo_checks(results)

    if failed:
        raise click.exceptions.Exit(1)


def _check_json(result: TenantCheck) -> dict[str, t.Any]:
    return {
        "tenant": result.tenant,
        "current": list(result.current),
        "behind": result.behind,
        "exists": result.exists,
        "at_head": result.at_head,
        "differences": [describe_diff(d) for d in result.differences],
        "error": result.error,
    }


def _echo_checks(results: list[TenantCheck]) -> None:
    rows = [("tenant", "at head", "differences")]

    for r in results:
        if not r.exists:
            at_head, differences = "no (not made)", "-"
        elif r.behind:
            at_head, differences = f"no ({r.behind} behind)", "-"
        else:
            at_head = "yes"
            differences = "error" if r.error else str(len(r.differences))

        rows.append((r.tenant, at_head, differences))

    echo_table(rows)

    for r in results:
        if r.error:
            click.echo(f"Tenant {r.tenant}: the comparison failed: {r.error}")
        elif r.differences:
            click.echo(f"Changes detected on tenant {r.tenant}:")

            for item in r.differences:
                click.echo(f"  {describe_diff(item)}")

    behind = [r.tenant for r in results if not r.at_head]

    if behind:
        click.echo(
            f"Not at head: {', '.join(behind)}. Run 'upgrade' on them before"
            " checking the models against them."
        )

    if all(r.ok for r in results):
        click.echo("No changes detected.")


def _verify(
    env: Environment,
    kwargs: dict[str, t.Any],
    chosen: list[str] | None,
    workers: int,
) -> None:
    """``verify`` on tenants: the history once, each tenant's ledger."""
    found = env.tenants.verify(chosen, workers=workers)
    findings = found.findings
    errors = found.errors
    warnings = len(findings) - errors

    if kwargs["output_format"] == "json":
        echo_json(
            "verify",
            ok=found.ok,
            errors=errors,
            warnings=warnings,
            ledger=found.ledger,
            tenants=list(found.tenants),
            findings=[{**f.as_dict(), "tenant": n} for n, f in findings],
        )
    else:
        for _, finding in findings:
            click.echo(str(finding))

        if findings:
            click.echo(f"{counted(errors, 'error')}, {counted(warnings, 'warning')}.")
        elif found.ledger:
            click.echo(
                "The history has no problems, and the"
                f" {counted(len(found.tenants), 'tenant')} applied what the files"
                " say."
            )
        else:
            click.echo("The history has no problems.")

        if not found.ledger and found.ok:
            click.echo(
                "The ledger is off (the 'ledger_table' setting): there is"
                " nothing to verify on the tenants.",
                err=True,
            )

    if errors:
        raise click.exceptions.Exit(1)


def _lint(
    env: Environment,
    kwargs: dict[str, t.Any],
    chosen: list[str] | None,
    workers: int,
) -> None:
    """``lint`` on tenants: the revisions any of them has not applied."""
    if kwargs["since"] is not None or kwargs["every"]:
        raise click.UsageError(
            "--since and --all lint without a database, the same for every"
            " tenant: leave out --tenant and --tenants."
        )

    found = env.tenants.lint(chosen, workers=workers)
    report, root = found.report, os.getcwd()
    output_format = kwargs["output_format"]

    if output_format == "json":
        echo_json(
            "lint", ok=not report.errors, pending=found.pending, **report.as_json(root)
        )
    elif output_format == "sarif":
        click.echo(json.dumps(report.as_sarif(root), indent=2, ensure_ascii=False))
    else:
        click.echo(report.text(root))

        if found.pending:
            click.echo("Pending on tenants:")

        for rev, tenants in found.pending.items():
            click.echo(f"  {rev}: {', '.join(tenants)}")

    if report.errors:
        raise click.exceptions.Exit(1)


_ON_TENANTS: dict[str, _OnTenants] = {
    "check": _check,
    "verify": _verify,
    "lint": _lint,
}
