"""What the commands print as data: revisions in the layout of Alembic's
commands, JSON documents, autogenerate's differences as lines, and the
revision graph as Mermaid or Graphviz DOT.
"""

from __future__ import annotations

import json
import re
import typing as t

import click
import sqlalchemy as sa

from .._alembic import set_current_indicator

if t.TYPE_CHECKING:
    from alembic.script import Script

    from ..history import Revision

    AnyRevision: t.TypeAlias = Revision | Script

#: Version of the JSON documents' layout; it changes only when a key changes
#: meaning or goes away.
JSON_SCHEMA_VERSION = 1


def _ids(value: t.Any) -> list[str]:
    if value is None:
        return []

    if isinstance(value, str):
        return [value]

    return [str(v) for v in value]


def revision_json(script: AnyRevision) -> dict[str, t.Any]:
    """One revision as a JSON object."""
    return {
        "revision": script.revision,
        "down_revisions": _ids(script.down_revision),
        "dependencies": _ids(script.dependencies),
        "branch_labels": sorted(script.branch_labels),
        "message": script.doc,
        "path": script.path,
        "is_head": script.is_head,
        "is_base": script.is_base,
        "is_branch_point": script.is_branch_point,
        "is_merge_point": script.is_merge_point,
    }


def document(command: str, **body: t.Any) -> dict[str, t.Any]:
    """The JSON document a command prints: its name, the layout version, and
    its data.
    """
    return {"command": command, "schema_version": JSON_SCHEMA_VERSION, **body}


def echo_json(command: str, **body: t.Any) -> None:
    """Print a command's JSON document on stdout."""
    click.echo(json.dumps(document(command, **body), indent=2, ensure_ascii=False))


def revisions_json(scripts: t.Iterable[AnyRevision]) -> list[dict[str, t.Any]]:
    """Revisions as a list of JSON objects."""
    return [revision_json(s) for s in scripts]


def format_revision(
    revision: AnyRevision, verbose: bool, *, current: bool = False
) -> str:
    """A revision in the layout of Alembic's commands; ``current`` adds
    "(current)" as ``history --indicate-current`` shows it.
    """
    set_current_indicator(revision, current or None)

    try:
        return revision.cmd_format(
            verbose,
            include_branches=True,
            include_doc=True,
            include_parents=True,
            tree_indicators=True,
        )
    finally:
        set_current_indicator(revision, None)


def counted(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural unless ``n`` is 1: "1 tenant", "2 errors"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def some_names(names: t.Sequence[str], most: int = 10) -> str:
    """The first ``most`` of ``names``, comma-separated, then "..." if
    there are more.
    """
    return ", ".join(names[:most]) + (", ..." if len(names) > most else "")


def echo_table(rows: t.Sequence[t.Sequence[str]]) -> None:
    """Print rows (the first one the headings) in columns two spaces
    apart; the last column is not padded.
    """
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]

    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]).rstrip())


def describe_diff(diff: t.Any) -> str:
    """One line for one of Alembic's autogenerate diff tuples."""
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


def _current_by_revision(
    current: t.Mapping[str, t.Iterable[str]],
) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}

    for database, revisions in current.items():
        for revision in revisions:
            result.setdefault(revision, []).append(database)

    return result


def _node_id(revision: str) -> str:
    return "r_" + re.sub(r"\W", "_", revision)


def _label_lines(script: AnyRevision, databases: list[str]) -> list[str]:
    lines = [script.revision]

    if script.doc:
        lines.append(script.doc)

    if script.branch_labels:
        lines.append("(" + ", ".join(sorted(script.branch_labels)) + ")")

    if databases:
        lines.append("current: " + ", ".join(databases))

    return lines


def mermaid(
    scripts: t.Sequence[AnyRevision], current: t.Mapping[str, t.Iterable[str]]
) -> str:
    """The revision graph as a Mermaid flowchart, oldest at the top: an
    arrow from each parent to its child, a dotted arrow for a dependency, and
    the current revision of each database marked.
    """
    marked = _current_by_revision(current)
    lines = ["flowchart TD"]

    for script in reversed(scripts):
        label = "<br/>".join(
            _mermaid_text(line)
            for line in _label_lines(script, marked.get(script.revision, []))
        )
        lines.append(f'    {_node_id(script.revision)}["{label}"]')

    for script in reversed(scripts):
        for parent in _ids(script.down_revision):
            lines.append(f"    {_node_id(parent)} --> {_node_id(script.revision)}")

        for dependency in _ids(script.dependencies):
            source, target = _node_id(dependency), _node_id(script.revision)
            lines.append(f"    {source} -.->|depends on| {target}")

    if marked:
        lines.append(
            "    classDef current fill:#d4f4dd,stroke:#2e7d32,stroke-width:2px"
        )
        ids = ",".join(_node_id(r) for r in marked)
        lines.append(f"    class {ids} current")

    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    replacements = {"&": "#amp;", '"': "#quot;", "<": "#lt;", ">": "#gt;"}
    return "".join(replacements.get(c, c) for c in text.replace("\n", " "))


def dot(
    scripts: t.Sequence[AnyRevision], current: t.Mapping[str, t.Iterable[str]]
) -> str:
    """The revision graph as Graphviz DOT, the same graph as
    :func:`mermaid`.
    """
    marked = _current_by_revision(current)
    lines = ["digraph revisions {", "    node [shape=box];"]

    for script in reversed(scripts):
        label = "\\n".join(
            _dot_text(line)
            for line in _label_lines(script, marked.get(script.revision, []))
        )
        style = (
            ', style=filled, fillcolor="#d4f4dd"' if script.revision in marked else ""
        )
        lines.append(f'    "{_dot_text(script.revision)}" [label="{label}"{style}];')

    for script in reversed(scripts):
        child = _dot_text(script.revision)

        for parent in _ids(script.down_revision):
            lines.append(f'    "{_dot_text(parent)}" -> "{child}";')

        for dependency in _ids(script.dependencies):
            source = _dot_text(dependency)
            lines.append(
                f'    "{source}" -> "{child}" [style=dashed, label="depends on"];'
            )

    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
