"""Options that several commands, or the group, share."""

from __future__ import annotations

import typing as t

import click

from ._context import store_dbs
from ._context import store_x

_X_DECLS = ("-x", "--x-arg")
_X_ATTRS: dict[str, t.Any] = {
    "multiple": True,
    "expose_value": False,
    "callback": store_x,
    "metavar": "KEY=VALUE",
    "help": "Readable in revision files as context.get_x_argument().",
}

#: ``-x``, also accepted after the commands that run revisions.
x_option = click.option(*_X_DECLS, **_X_ATTRS)

verbose_option = click.option(
    "-v", "--verbose", is_flag=True, help="Show full details."
)

format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people; json for one JSON document on stdout.",
)

rev_id_option = click.option(
    "--rev-id", help="Id of the new revision, instead of a timestamp."
)


def phase_option(help: str) -> t.Callable[[t.Callable[..., t.Any]], t.Any]:
    """``--phase expand|contract``, with ``help``."""
    return click.option(
        "--phase", type=click.Choice(["expand", "contract"]), default=None, help=help
    )


label_option = click.option(
    "-l", "--label", "--branch-label", multiple=True, help="Branch label(s)."
)


def group_params() -> list[click.Parameter]:
    """The options of the group itself: ``-x`` and ``--db``."""
    return [
        click.Option(_X_DECLS, **_X_ATTRS),
        click.Option(
            ["--db", "databases"],
            multiple=True,
            expose_value=False,
            callback=store_dbs,
            metavar="NAME",
            help="Work on this database only (repeatable; default: all).",
        ),
    ]
