"""Expand runs over random revision graphs: whatever the graph, the phases
and what a database has applied, ``upgrade(phase="expand")`` never runs a
contract revision, nor one after a contract revision that has not run, and
runs every other pending revision. Each example is a real SQLite database.
"""

from __future__ import annotations

import os
import tempfile
import typing as t

import sqlalchemy as sa
from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st

from alembic_envkit import Environment
from alembic_envkit import Settings
from alembic_envkit import Targets

#: One revision: its parents (indexes of earlier revisions) and its phase.
Node: t.TypeAlias = tuple[tuple[int, ...], str | None]


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[Node], set[int]]:
    """A history of up to 9 revisions, each with up to two parents among
    those before it (the first is the root), and a set of revisions already
    applied that holds every ancestor of each of its members.
    """
    count = draw(st.integers(1, 9))
    phases = st.sampled_from([None, "expand", "contract"])
    nodes: list[Node] = [((), draw(phases))]

    for i in range(1, count):
        parents = draw(
            st.lists(st.integers(0, i - 1), min_size=1, max_size=2, unique=True)
        )
        nodes.append((tuple(sorted(parents)), draw(phases)))

    chosen = draw(st.sets(st.integers(0, count - 1)))
    applied: set[int] = set()

    for i in chosen:
        applied |= _ancestors(nodes, i)

    return nodes, applied


def _ancestors(nodes: list[Node], i: int) -> set[int]:
    found, todo = set(), [i]

    while todo:
        j = todo.pop()

        if j not in found:
            found.add(j)
            todo.extend(nodes[j][0])

    return found


def _expected(nodes: list[Node], applied: set[int]) -> set[int]:
    """What an expand run applies, worked out apart from the code under
    test: a pending revision that is not contract and has no pending
    contract revision among its ancestors.
    """
    return {
        i
        for i in range(len(nodes))
        if i not in applied
        and not any(
            j not in applied and nodes[j][1] == "contract" for j in _ancestors(nodes, i)
        )
    }


def _write(folder: str, nodes: list[Node]) -> None:
    for i, (parents, phase) in enumerate(nodes):
        down = None if not parents else tuple(f"r{p}" for p in parents)
        lines = [
            "import sqlalchemy as sa",
            "from alembic import op",
            f"revision = 'r{i}'",
            f"down_revision = {down!r}",
            "branch_labels = None",
            "depends_on = None",
            *([f"phase = {phase!r}"] if phase else []),
            "def upgrade():",
            f"    op.create_table('t{i}', sa.Column('id', sa.Integer,"
            " primary_key=True))",
            "def downgrade():",
            f"    op.drop_table('t{i}')",
        ]

        with open(os.path.join(folder, f"r{i}_step.py"), "w") as f:
            f.write("\n".join(lines) + "\n")


def _heads(nodes: list[Node], among: set[int]) -> list[str]:
    """The members of ``among`` that no other member descends from."""
    below = {p for i in among for p in _ancestors(nodes, i) if p != i}
    return [f"r{i}" for i in sorted(among - below)]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(graphs())
def test_expand_run_never_applies_a_contract_revision(
    graph: tuple[list[Node], set[int]],
) -> None:
    nodes, applied = graph

    with tempfile.TemporaryDirectory() as root:
        folder = os.path.join(root, "migrations")
        os.mkdir(folder)
        _write(folder, nodes)
        engine = sa.create_engine(f"sqlite:///{root}/db.sqlite")
        settings = Settings.from_mappings({"snapshots": False}, None, root=root)

        try:
            with Environment(settings, Targets(sa.MetaData(), engine)) as env:
                if applied:
                    env.stamp(_heads(nodes, applied))

                env.upgrade(phase="expand")
                ran = {
                    int(name[1:])
                    for name in sa.inspect(engine).get_table_names()
                    if name != "alembic_version"
                }

                # The property, and the whole of what ran.
                assert not any(nodes[i][1] == "contract" for i in ran)
                assert ran == _expected(nodes, applied)

                with engine.connect() as conn:
                    query = "SELECT version_num FROM alembic_version"
                    rows = conn.execute(sa.text(query))
                    versions = {r[0] for r in rows}

                assert versions == set(_heads(nodes, applied | ran))

                # The contract run takes the database to the heads.
                env.upgrade()
                assert {r.revision for r in env.current()} == {
                    r.revision for r in env.heads()
                }
        finally:
            engine.dispose()


def test_expand_run_loads_no_snapshot_past_a_contract_revision(
    tmp_path: t.Any,
) -> None:
    """An empty database's expand run loads the newest snapshot that holds
    no contract revision: r1 is contract, so the snapshot at r2 is passed
    over for the one at r0.
    """
    folder = tmp_path / "migrations"
    folder.mkdir()
    _write(str(folder), [((), None), ((0,), "contract"), ((1,), None)])
    settings = Settings.from_mappings({}, None, root=tmp_path)
    source = sa.create_engine(f"sqlite:///{tmp_path}/source.sqlite")
    engine = sa.create_engine(f"sqlite:///{tmp_path}/db.sqlite")

    try:
        with Environment(settings, Targets(sa.MetaData(), source)) as env:
            written = env.snapshots.write("r0") + env.snapshots.write("r2")
            assert [os.path.basename(p) for p in written] == [
                "r0.default.sql",
                "r2.default.sql",
            ]

        with Environment(settings, Targets(sa.MetaData(), engine)) as env:
            events: list[str | None] = []
            env.progress = lambda e: events.append(e.revision)
            env.upgrade(phase="expand")

            # r0 came from its snapshot: no revision ran.
            assert events == []
            assert sa.inspect(engine).get_table_names() == ["alembic_version", "t0"]
            assert [r.revision for r in env.current()] == ["r0"]

            env.upgrade()
            assert [r.revision for r in env.current()] == ["r2"]
            assert [e for e in events if e is not None] == ["r1", "r1", "r2", "r2"]
    finally:
        source.dispose()
        engine.dispose()
