"""The revision graph read from file headers gives Alembic's answers: the
same heads in the same order, the same flags, labels and text for every
revision, on histories with branches, merges, labels and dependencies.
"""

from __future__ import annotations

import random
import typing as t
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from alembic_envkit import Environment
from alembic_envkit import RevisionError
from alembic_envkit import RevisionGraph


def _write(
    folder: Path,
    rev: str,
    down: str | tuple[str, ...] | None,
    *,
    labels: tuple[str, ...] | None = None,
    depends: str | tuple[str, ...] | None = None,
    doc: str = "message",
) -> None:
    (folder / f"{rev}_r.py").write_text(
        f'"""{doc}\n\nRevision ID: {rev}\n"""\n'
        f"revision = {rev!r}\n"
        f"down_revision = {down!r}\n"
        f"branch_labels = {labels!r}\n"
        f"depends_on = {depends!r}\n\n\n"
        "def upgrade():\n    pass\n\n\n"
        "def downgrade():\n    pass\n",
        encoding="utf-8",
    )


def _random_history(folder: Path, seed: int) -> None:
    """A history of 25 revisions grown at random: new roots, children of any
    revision (so branches), merges of two heads, dependencies on older
    revisions, and a label on a few roots.
    """
    rng = random.Random(seed)
    revisions: list[str] = []
    heads: list[str] = []
    roots = 0

    for i in range(25):
        rev = f"r{seed:02d}{i:03d}"
        choice = rng.random()
        labels = None
        depends = None

        if not revisions or choice < 0.12:
            down: str | tuple[str, ...] | None = None
            roots += 1

            if rng.random() < 0.6:
                labels = (f"branch{roots}",)
        elif choice < 0.3 and len(heads) >= 2:
            down = tuple(rng.sample(heads, 2))
        elif choice < 0.5:
            down = rng.choice(revisions)
        else:
            down = rng.choice(heads) if heads else rng.choice(revisions)

        if revisions and rng.random() < 0.15:
            candidate = rng.choice(revisions)

            if candidate != down and (
                not isinstance(down, tuple) or candidate not in down
            ):
                depends = candidate

        downs = () if down is None else (down,) if isinstance(down, str) else down
        heads = [h for h in heads if h not in downs] + [rev]
        revisions.append(rev)
        _write(folder, rev, down, labels=labels, depends=depends, doc=f"step {i}")


def _sorted_labels(revision: t.Any, text: str) -> str:
    """The text with its branch labels sorted: Alembic lists a set, in an
    order that changes between processes; ours are sorted.
    """
    if not revision.branch_labels:
        return text

    listed = " (" + ", ".join(revision.branch_labels) + ")"
    return text.replace(listed, " (" + ", ".join(sorted(revision.branch_labels)) + ")")


def _describe(revision: t.Any) -> dict[str, t.Any]:
    return {
        "down": revision.down_revision,
        "deps": revision.dependencies,
        "nextrev": sorted(revision.nextrev),
        "all_nextrev": sorted(revision._all_nextrev),
        "labels": sorted(revision.branch_labels),
        "flags": (
            revision.is_head,
            revision._is_real_head,
            revision.is_base,
            revision.is_branch_point,
            revision.is_merge_point,
        ),
        "doc": revision.doc,
        "longdoc": revision.longdoc,
        "path": revision.path,
        "line": _sorted_labels(
            revision,
            revision.cmd_format(
                False,
                include_branches=True,
                include_doc=True,
                include_parents=True,
                tree_indicators=True,
            ),
        ),
        "short": revision.cmd_format(False),
        "str": str(revision),
    }


def _verbose(revision: t.Any) -> list[str]:
    """The verbose text, with comma lists compared as sets: Alembic joins
    sets, whose order varies between processes.
    """
    lines = revision.cmd_format(True).splitlines()
    return [
        ", ".join(sorted(line.split(": ", 1)[1].split(", ")))
        if line.startswith(("Branches into", "Branch names"))
        else line
        for line in lines
    ]


@pytest.mark.parametrize("seed", range(12))
def test_graph_matches_alembic(env: Environment, tmp_path: Path, seed: int) -> None:
    """Heads, flags, labels and every line of text equal Alembic's."""
    _random_history(tmp_path / "migrations", seed)
    graph = env.revision_graph
    script = ScriptDirectory.from_config(env.config)
    alembic_map = script.revision_map

    assert graph.heads == alembic_map.heads
    assert graph.real_heads == alembic_map._real_heads
    assert sorted(graph.revisions) == sorted(
        s.revision for s in script.walk_revisions()
    )

    for rev, revision in graph.revisions.items():
        expected = script.get_revision(rev)
        assert _describe(revision) == _describe(expected), rev
        assert _verbose(revision) == _verbose(expected), rev


@pytest.mark.parametrize("seed", range(4))
def test_environment_reads_match_alembic(
    env: Environment, tmp_path: Path, seed: int
) -> None:
    """heads, branches, log and show answer as Alembic's script directory."""
    _random_history(tmp_path / "migrations", seed)
    script = ScriptDirectory.from_config(env.config)

    def ids(items: t.Iterable[t.Any]) -> list[str]:
        return [s.revision for s in items]

    assert ids(env.heads()) == ids(script.get_revisions(script.get_heads()))
    assert ids(env.heads(resolve_dependencies=True)) == ids(
        script.get_revisions("heads")
    )
    assert ids(env.branches()) == ids(
        s for s in script.walk_revisions() if s.is_branch_point
    )
    assert ids(env.log()) == ids(script.walk_revisions())

    for rev in script.revision_map._revision_map:
        if isinstance(rev, str):
            assert ids(env.show(rev)) == ids(script.get_revisions(rev))


def test_labels_on_a_named_branch(env: Environment, tmp_path: Path) -> None:
    """A label on a branch's first revision names every revision after it,
    and the revisions before it down to the branch point.
    """
    folder = tmp_path / "migrations"
    _write(folder, "a", None)
    _write(folder, "b", "a")
    _write(folder, "c", "a")
    _write(folder, "d", "c", labels=("feature",))
    _write(folder, "e", "d")
    graph = env.revision_graph

    assert {r: sorted(v.branch_labels) for r, v in graph.revisions.items()} == {
        "a": [],
        "b": [],
        "c": ["feature"],
        "d": ["feature"],
        "e": ["feature"],
    }
    assert graph.heads == ("b", "e")


def test_lineage_and_at_heads(env: Environment, tmp_path: Path) -> None:
    """A revision's lineage follows its parents only, while a version row
    counts at head for the revisions it depends on too.
    """
    folder = tmp_path / "migrations"
    _write(folder, "a", None)
    _write(folder, "b", "a")
    _write(folder, "c", "b")
    _write(folder, "p1", None, labels=("plugin",), depends="c")
    _write(folder, "p2", ("p1", "a"))
    graph = env.revision_graph

    assert graph.lineage("p2") == {"p2", "p1", "a"}
    assert graph.lineage("c") == {"c", "b", "a"}
    assert graph.at_heads(["p2"])
    assert not graph.at_heads(["b"])


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            [("a", None, {}), ("b", "missing", {})],
            "Revision b .* names 'missing' as its parent, which does not exist",
        ),
        ([("a", "b", {}), ("b", "a", {})], "Revisions a, b form a cycle"),
        ([("a", "a", {})], "Revisions a form a cycle"),
        (
            [("a", None, {"labels": ("x",)}), ("b", None, {"labels": ("x",)})],
            "Branch name 'x' in revision b is already used by revision a",
        ),
        (
            [("a", None, {}), ("b", "a", {"depends": "nope"})],
            "depends on 'nope', which is not a revision id or branch name",
        ),
    ],
)
def test_broken_history(
    env: Environment,
    tmp_path: Path,
    files: list[tuple[str, t.Any, dict[str, t.Any]]],
    message: str,
) -> None:
    """A history that does not hold together is refused with the reason, and
    no cache is written for it.
    """
    folder = tmp_path / "migrations"

    for rev, down, extra in files:
        _write(folder, rev, down, **extra)

    with pytest.raises(RevisionError, match=message):
        env.heads()

    assert not (folder / "__pycache__" / "alembic_envkit.revisions").exists()


def test_duplicate_ids(tmp_path: Path) -> None:
    """Two files declaring one id are refused, naming both."""
    headers = [
        ("a", None, (), None, "", str(tmp_path / "one.py")),
        ("a", None, (), None, "", str(tmp_path / "two.py")),
    ]

    with pytest.raises(RevisionError, match="'a' is declared by both .*one.py and"):
        RevisionGraph(headers)
