"""What the read methods return are Alembic Scripts: instances of
``alembic.script.Script``, which Alembic's own functions and methods take and
answer for as they do for the Scripts Alembic loads itself, while reading
them imports no Alembic until something else does.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import Script
from alembic.script import ScriptDirectory
from alembic.script.revision import Revision as AlembicRevision

from alembic_envkit import Environment
from alembic_envkit import Revision


def _write(
    folder: Path,
    rev: str,
    down: str | tuple[str, ...] | None,
    *,
    labels: tuple[str, ...] | None = None,
    depends: str | None = None,
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{rev}_r.py").write_text(
        f'"""step {rev}\n\nRevision ID: {rev}\n"""\n'
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        f"revision = {rev!r}\n"
        f"down_revision = {down!r}\n"
        f"branch_labels = {labels!r}\n"
        f"depends_on = {depends!r}\n\n\n"
        "def upgrade():\n"
        f"    op.create_table('t_{rev}', sa.Column('id', sa.Integer))\n"
        "\n\n"
        "def downgrade():\n"
        f"    op.drop_table('t_{rev}')\n",
        encoding="utf-8",
    )


@pytest.fixture
def history(migrations: Path) -> Path:
    """A branch point, a labelled branch, a dependency and a merge:

    a -> b -> c -> m (merge of c and e);  a -> d (label "feature") -> e;
    f depends on b.
    """
    _write(migrations, "a", None)
    _write(migrations, "b", "a")
    _write(migrations, "c", "b")
    _write(migrations, "d", "a", labels=("feature",))
    _write(migrations, "e", "d")
    _write(migrations, "m", ("c", "e"))
    _write(migrations, "f", None, labels=("other",), depends="b")
    return migrations


def _reads(env: Environment) -> dict[str, list[t.Any]]:
    """Every read method's revisions, by method."""
    return {
        "current": list(env.current()),
        "current_by_database": [
            r for revs in env.current_by_database().values() for r in revs
        ],
        "behind_heads": [r for revs in env.behind_heads().values() for r in revs],
        "heads": list(env.heads()),
        "heads(resolve_dependencies)": list(env.heads(resolve_dependencies=True)),
        "branches": env.branches(),
        "log": env.log(),
        "show": list(env.show(["a", "heads", "feature@head"])),
        "revision_graph": list(env.revision_graph.revisions.values()),
    }


@pytest.mark.usefixtures("history")
def test_reads_return_scripts(env: Environment) -> None:
    """Every read method returns alembic.script.Script instances, the same
    objects as the revision graph's and the script directory's.
    """
    env.upgrade("c")
    reads = _reads(env)
    graph = env.revision_graph.revisions
    script = env.script_directory

    for method, revisions in reads.items():
        assert revisions, method

        for revision in revisions:
            assert isinstance(revision, Script), method
            assert isinstance(revision, Revision), method
            assert revision is graph[revision.revision], method
            assert revision is script.get_revision(revision.revision), method

    assert issubclass(Revision, Script)
    assert issubclass(Revision, AlembicRevision)


def _alembic_text(revision: t.Any) -> dict[str, t.Any]:
    """What Alembic's own code says of a revision: Script's and Revision's
    methods and properties, called on it.
    """
    return {
        "str": Script.__str__(revision),
        "repr": AlembicRevision.__repr__(revision).split("(", 1)[1],
        "doc": Script.doc.fget(revision),  # type: ignore[attr-defined]
        "line": Script.cmd_format(
            revision,
            False,
            include_branches=True,
            include_doc=True,
            include_parents=True,
        ),
        "short": Script.cmd_format(revision, False),
        "log_entry": Script.log_entry.fget(revision),  # type: ignore[attr-defined]
        "head_only": revision._head_only(include_doc=True),
        "format_down": revision._format_down_revision(),
        "versioned": revision._versioned_down_revisions,
        "all_down": revision._all_down_revisions,
        "normalized_down": revision._normalized_down_revisions,
        "flags": (
            revision.is_head,
            revision._is_real_head,
            revision.is_base,
            revision._is_real_base,
            revision.is_branch_point,
            revision._is_real_branch_point,
            revision.is_merge_point,
        ),
        "nextrev": revision.nextrev,
        "all_nextrev": revision._all_nextrev,
        "labels": revision.branch_labels,
        "orig_labels": revision._orig_branch_labels,
        "resolved": revision._resolved_dependencies,
        "fields": (
            revision.revision,
            revision.down_revision,
            revision.dependencies,
            revision.longdoc,
            revision.path,
        ),
    }


def _sorted_lists(text: str) -> str:
    """The text with the list after "Branches into:" sorted."""
    lines = text.split("\n")

    for i, line in enumerate(lines):
        if line.startswith("Branches into: "):
            listed = sorted(line.split(": ", 1)[1].split(", "))
            lines[i] = "Branches into: " + ", ".join(listed)

    return "\n".join(lines)


@pytest.mark.usefixtures("history")
def test_alembic_code_gives_the_same_text(env: Environment) -> None:
    """Alembic's own methods give the same text and values for the
    revisions read from headers as for the Scripts Alembic loads itself,
    and so do the overridden cmd_format and log_entry, which list the
    revisions after a branch point sorted where Alembic lists a set.
    """
    ours = {r.revision: r for r in env.log()}
    alembic = ScriptDirectory.from_config(env.config)

    for loaded in alembic.walk_revisions():
        revision = ours[loaded.revision]
        assert _alembic_text(revision) == _alembic_text(loaded), loaded.revision

        for verbose in (False, True):
            expected = loaded.cmd_format(
                verbose, include_branches=True, include_doc=True, include_parents=True
            )
            assert revision.cmd_format(
                verbose, include_branches=True, include_doc=True, include_parents=True
            ) == _sorted_lists(expected)
            assert str(revision) == str(loaded)


@pytest.mark.usefixtures("history")
def test_alembic_functions_take_them(env: Environment) -> None:
    """Alembic's script directory and revision map functions, given the
    revisions, answer as they do on Alembic's own Scripts.
    """
    ours = env.script_directory
    alembic = ScriptDirectory.from_config(env.config)

    def ids(items: t.Iterable[t.Any]) -> list[str]:
        return [s.revision for s in items]

    assert ours.get_heads() == alembic.get_heads()
    assert ours.get_bases() == alembic.get_bases()
    assert ids(ours.walk_revisions()) == ids(alembic.walk_revisions())
    assert ids(ours.iterate_revisions("heads", "base")) == ids(
        alembic.iterate_revisions("heads", "base")
    )
    assert ids(ours.revision_map.iterate_revisions("m", "a")) == ids(
        alembic.revision_map.iterate_revisions("m", "a")
    )
    assert ids(ours.get_revisions("feature@head")) == ids(
        alembic.get_revisions("feature@head")
    )

    for revision in env.heads():
        # RevisionMap.get_revision asserts isinstance(..., Revision).
        assert ours.revision_map.get_revision(revision.revision) is revision
        loaded = alembic.get_revision(revision.revision)
        assert ids(ours.revision_map.filter_for_lineage([revision], "a")) == ids(
            alembic.revision_map.filter_for_lineage([loaded], "a")
        )


@pytest.mark.usefixtures("history")
def test_module_loads_on_first_use(env: Environment, engine: sa.Engine) -> None:
    """A revision's module is its file's, imported once, and it is what the
    upgrade runs.
    """
    (head,) = [r for r in env.heads() if r.revision == "m"]
    module = head.module
    assert module is head.module
    assert module.revision == "m"
    assert callable(module.upgrade)
    env.upgrade("m")
    assert "t_m" in sa.inspect(engine).get_table_names()
    assert env.show("m")[0].module is module


# What a fresh process sees: reads that import no Alembic, then Alembic
# imported by someone else.
FRESH = """
import sys
import sqlalchemy as sa
from alembic_envkit import Environment, Revision, Settings, Targets

env = Environment(
    Settings.from_mappings({"script_location": sys.argv[1]}),
    Targets(sa.MetaData(), sa.create_engine("sqlite://")),
)
heads = env.heads()
assert not [m for m in sys.modules if m.split(".")[0] == "alembic"]
assert str(heads[0]) == "b -> c (head), step c", str(heads[0])
assert heads[0].cmd_format(False) == "c (head)"
MODE = sys.argv[2]

if MODE == "import":
    from alembic.script import Script
elif MODE == "attribute":
    # A Script attribute the read path does not compute imports Alembic.
    assert heads[0]._all_down_revisions == ("b",)
    assert heads[0]._is_real_base is False
    from alembic.script import Script
else:
    import alembic.script.revision
    from alembic.script.base import Script

assert isinstance(heads[0], Script)
assert issubclass(Revision, Script)
assert Revision.__mro__[1] is Script
assert isinstance(env.heads()[0], Script)
assert all(type(f).__name__ != "_WatchAlembic" for f in sys.meta_path)
print("ok")
"""


@pytest.mark.parametrize("mode", ["import", "attribute", "submodule"])
def test_scripts_once_alembic_is_imported(migrations: Path, mode: str) -> None:
    """Revisions read before Alembic was imported are Scripts as soon as it
    is, by anyone and by any of its modules.
    """
    _write(migrations, "a", None)
    _write(migrations, "b", "a")
    _write(migrations, "c", "b")
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(FRESH), str(migrations), mode],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_alembic_imported_first() -> None:
    """With Alembic imported before alembic_envkit, Revision is a Script
    subclass from the start and nothing watches the imports.
    """
    code = (
        "import sys, alembic.script, alembic_envkit;"
        " assert issubclass(alembic_envkit.Revision, alembic.script.Script);"
        " assert all(type(f).__name__ != '_WatchAlembic' for f in sys.meta_path)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.usefixtures("history")
def test_alembic_builds_its_map_from_declared_labels(env: Environment) -> None:
    """While Alembic builds its revision map, a revision shows the labels
    its file declares (Alembic spreads them itself; handed spread labels it
    walks each branch once per revision); other threads, and everyone
    afterwards, see the labels spread over the branch.
    """
    import threading

    from alembic_envkit.history._revision import declared_labels

    e = env.revision_graph["e"]
    assert e.branch_labels == {"feature"}  # Spread from d.
    seen: list[set[str]] = []

    with declared_labels():
        assert e.branch_labels == set()
        assert env.revision_graph["d"].branch_labels == {"feature"}
        thread = threading.Thread(target=lambda: seen.append(set(e.branch_labels)))
        thread.start()
        thread.join()

    assert seen == [{"feature"}]
    assert e.branch_labels == {"feature"}
    script = env.script_directory
    assert script.revision_map.get_revision("e").branch_labels == {"feature"}
