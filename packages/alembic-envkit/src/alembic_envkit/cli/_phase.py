"""``check --phase``: the gate of a deploy in phases. ``expand`` fails when
a contract revision (or one after it) has not run; ``contract`` when any
revision has not run. See ``docs/deploying.md``.
"""

from __future__ import annotations

import typing as t

import click

from ..history import held_back
from ._output import echo_json
from ._output import revisions_json

if t.TYPE_CHECKING:
    from alembic.script import Script

    from .._environment import Environment
    from ._output import AnyRevision


def echo_phase_gate(env: Environment, phase: str, output_format: str) -> None:
    """Print what the phase still needs on each database; exit 1 if any.

    :raises click.exceptions.Exit: With 1, when a step is pending.
    """
    echo_pending(_pending(env, phase), phase, output_format)


def echo_pending(
    pending: t.Mapping[str, t.Sequence[AnyRevision]],
    phase: str,
    output_format: str,
    *,
    key: str = "databases",
    upgrade: str = "upgrade",
) -> None:
    """Print what the phase still needs, by database (or by tenant, with
    ``key="tenants"``); exit 1 if any.

    :param upgrade: The command to suggest.
    :raises click.exceptions.Exit: With 1, when a step is pending.
    """
    failed = any(pending.values())

    if output_format == "json":
        body = {
            name: {"pending": revisions_json(items)} for name, items in pending.items()
        }
        echo_json("check", phase=phase, changed=failed, **{key: body})
    elif not failed:
        what = "contract step" if phase == "expand" else "revision"
        click.echo(f"No {what} pending.")
    else:
        click.echo(
            "Contract step pending:" if phase == "expand" else "Revisions pending:"
        )

        for name, items in pending.items():
            if items:
                listed = ", ".join(_describe(s) for s in items)
                click.echo(f"  {name}: {listed}")

        click.echo(
            f"  Run '{upgrade}' once the new code is deployed everywhere."
            if phase == "expand"
            else f"  Run '{upgrade}'."
        )

    if failed:
        raise click.exceptions.Exit(1)


def echo_held_back(env: Environment) -> None:
    """After an expand run, say on stderr what it held back, if anything."""
    held = [s for items in _pending(env, "expand").values() for s in items]

    if held:
        first = held[0]
        noun = "revision" if len(held) == 1 else "revisions"
        click.echo(
            f"Held back for the contract step: {len(held)} {noun}, from"
            f" {_describe(first)}. Run 'upgrade' once the new code is deployed"
            " everywhere.",
            err=True,
        )


def _pending(env: Environment, phase: str) -> dict[str, list[Script]]:
    """The revisions a plain upgrade would run on each database that the
    phase's run would not: for ``expand``, what its run holds back; for
    ``contract``, everything not applied.
    """
    everything = env.plan()

    if phase != "expand":
        return everything

    # What an expand run leaves out of the same plan (see phase_steps).
    pending = {}

    for name, items in everything.items():
        held = held_back(items)  # type: ignore[arg-type]
        pending[name] = [s for s in items if s.revision in held]

    return pending


def _describe(script: AnyRevision) -> str:
    phase = getattr(script, "phase", None)
    doc = f" {script.doc}" if script.doc else ""
    return f"{script.revision}{doc}" + (f" ({phase})" if phase else "")
