"""What a run over tenants would do, and what an expand run over them left
for the contract step: ``upgrade --plan`` and ``downgrade --plan`` with
``--tenant`` or ``--tenants all``, and the line after ``upgrade --phase
expand --tenants all``.
"""

from __future__ import annotations

import typing as t

import click

from ._output import counted
from ._output import echo_json
from ._output import revisions_json
from ._output import some_names

if t.TYPE_CHECKING:
    from .._environment import Environment
    from ..history import Revision
    from ..run import TenantReport


def echo_tenant_plan(
    env: Environment,
    name: str,
    chosen: list[str] | None,
    options: dict[str, t.Any],
    kwargs: dict[str, t.Any],
) -> None:
    """Print what ``name`` (upgrade or downgrade) would run on each tenant:
    in text, the tenants that would run the same revisions together; in
    JSON, each tenant's list.
    """
    down = name == "downgrade"
    planned = env.tenants.plan(
        kwargs["target"],
        down=down,
        tenants=chosen,
        workers=options["workers"],
        phase=kwargs.get("phase"),
    )

    if kwargs.get("output_format") == "json":
        each = {tenant: revisions_json(items) for tenant, items in planned.items()}
        echo_json("plan", direction=name, tenants=each)
        return

    alike: dict[tuple[str, ...], list[str]] = {}
    revisions: dict[tuple[str, ...], list[Revision]] = {}

    for tenant, items in planned.items():
        ids = tuple(r.revision for r in items)
        alike.setdefault(ids, []).append(tenant)
        revisions[ids] = items

    for ids, tenants in alike.items():
        click.echo(f"{_listed(tenants)}:" + ("" if ids else " nothing to run"))

        for revision in revisions[ids]:
            doc = f", {revision.doc}" if revision.doc else ""
            click.echo(f"  {name} {revision.revision}{doc}")


def echo_tenants_held_back(env: Environment, report: TenantReport) -> None:
    """After an expand run over tenants, say on stderr how many tenants it
    left short of the heads, for the contract step.
    """
    if report.target not in ("heads", "head"):
        return

    graph = env.history.graph
    short = [
        r.tenant
        for r in report.results
        if r.finished and not graph.at_heads(tuple(r.after))
    ]

    if short:
        click.echo(
            f"Held back for the contract step on {_listed(short)}. Run 'upgrade"
            " --tenants all' once the new code is deployed everywhere.",
            err=True,
        )


def _listed(tenants: list[str]) -> str:
    """``tenants`` counted, and named up to ten of them."""
    return f"{counted(len(tenants), 'tenant')} ({some_names(tenants)})"
