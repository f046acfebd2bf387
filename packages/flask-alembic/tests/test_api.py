"""The Flask-Alembic 3.x Python API: Alembic objects and migration methods,
checked against the database and the migrations folder.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.operations import MigrationScript
from alembic.operations import Operations
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.runtime.migration import RevisionStep
from alembic.script import Script
from alembic.script import ScriptDirectory
from flask import Flask

from alembic_envkit.settings._server_defaults import compare_server_default
from flask_alembic import Alembic

pytestmark = pytest.mark.usefixtures("app_ctx")


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("config", Config),
        ("script_directory", ScriptDirectory),
        ("script", ScriptDirectory),
        ("environment_context", EnvironmentContext),
        ("env", EnvironmentContext),
        ("migration_context", MigrationContext),
        ("context", MigrationContext),
        ("op", Operations),
    ],
)
def test_attribute_type(alembic: Alembic, name: str, cls: type) -> None:
    """Each public attribute returns the documented Alembic type."""
    assert isinstance(getattr(alembic, name), cls)


@pytest.mark.parametrize(
    ("name", "cls"),
    [("migration_contexts", MigrationContext), ("ops", Operations)],
)
def test_attribute_dict_type(alembic: Alembic, name: str, cls: type) -> None:
    """The per-database attributes are dicts keyed by database name."""
    value = getattr(alembic, name)
    assert list(value) == ["default"]
    assert isinstance(value["default"], cls)


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("env", "environment_context"),
        ("script", "script_directory"),
        ("context", "migration_context"),
    ],
)
def test_alias_same_object(alembic: Alembic, alias: str, name: str) -> None:
    """Each alias returns the same object as the attribute it names."""
    assert getattr(alembic, alias) is getattr(alembic, name)


def test_default_objects_match_dicts(alembic: Alembic) -> None:
    """migration_context and op are the "default" entries of the dicts."""
    assert alembic.migration_context is alembic.migration_contexts["default"]
    assert alembic.op is alembic.ops["default"]
    assert alembic.op.migration_context is alembic.migration_context


def test_config_points_at_migrations(app: Flask, alembic: Alembic) -> None:
    """The Alembic config names the app's migrations folder."""
    expected = str(Path(app.root_path) / "migrations")
    assert alembic.config.get_main_option("script_location") == expected
    assert alembic.script_directory.dir == expected


def test_migration_context_opts(alembic: Alembic, metadata: sa.MetaData) -> None:
    """The migration context has the target metadata and
    compare_server_default on by default.
    """
    opts = alembic.migration_context.opts
    assert opts["target_metadata"] is metadata
    assert opts["compare_server_default"] is compare_server_default


def test_upgrade_returns_none(
    alembic: Alembic, table_names: t.Callable[[], set[str]]
) -> None:
    """upgrade() returns None and creates the tables."""
    alembic.revision("init")
    assert alembic.upgrade() is None
    assert table_names() == {"alembic_version", "user"}


def test_run_migrations_passes_migration_context(alembic: Alembic) -> None:
    """run_migrations hands the work function the migration_context object
    and the current heads.
    """
    seen: list[tuple[t.Any, MigrationContext]] = []

    def fn(heads: t.Any, context: MigrationContext) -> list[t.Any]:
        seen.append((heads, context))
        return []

    alembic.run_migrations(fn)
    assert len(seen) == 1
    assert seen[0][0] == ()
    assert seen[0][1] is alembic.migration_context


def test_run_migrations_kwargs(alembic: Alembic, app: Flask) -> None:
    """Keyword arguments to run_migrations reach the revision's upgrade()."""
    (script,) = alembic.revision("kwargs", empty=True)
    assert script is not None
    path = Path(script.path)
    path.write_text(
        path.read_text().replace(
            "def upgrade() -> None:",
            "def upgrade(**kw) -> None:\n"
            "    import pathlib\n"
            "    pathlib.Path(kw['out']).write_text(kw['word'])\n",
        )
    )
    out = Path(app.root_path) / "out.txt"
    # The file changed, so look the revision up again to load the new code.
    revision_map = alembic.script_directory.revision_map
    edited = revision_map.get_revision(script.revision)
    alembic.run_migrations(
        lambda heads, ctx: [RevisionStep(revision_map, edited, True)],
        out=str(out),
        word="hello",
    )
    assert out.read_text() == "hello"


def test_op_runs_on_database(
    alembic: Alembic, table_names: t.Callable[[], set[str]]
) -> None:
    """op executes operations on the default database's connection."""
    alembic.op.create_table("thing", sa.Column("id", sa.Integer, primary_key=True))
    alembic.migration_context.connection.commit()
    assert "thing" in table_names()


def test_op_outside_revision_committed(
    app: Flask, alembic: Alembic, engine: sa.Engine
) -> None:
    """An operation run from Python in an app context, as the reference
    usage shows, is committed: the context's teardown does not roll it back.
    """
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE my_table (id INTEGER, my_column INTEGER)"))

    with app.app_context():
        assert alembic.context.get_current_revision() is None
        alembic.op.drop_column("my_table", "my_column")

    columns = [c["name"] for c in sa.inspect(engine).get_columns("my_table")]
    assert columns == ["id"]


def test_mkdir(app: Flask, metadata: sa.MetaData, engine: sa.Engine) -> None:
    """mkdir() creates the migrations folder and template when run_mkdir was
    False.
    """
    alembic = Alembic(metadatas=metadata, engines=engine, run_mkdir=False)
    alembic.init_app(app)
    folder = Path(app.root_path) / "migrations"
    assert not folder.exists()
    alembic.mkdir()
    assert (folder / "script.py.mako").is_file()


def test_current_and_needs_upgrade(alembic: Alembic) -> None:
    """current() follows upgrades; needs_upgrade() is True until at head."""
    assert alembic.current() == ()
    (script,) = alembic.revision("init")
    assert script is not None
    assert alembic.needs_upgrade() is True
    alembic.upgrade()
    assert _ids(alembic.current()) == [script.revision]
    assert alembic.needs_upgrade() is False


def test_revision_returns_scripts(app: Flask, alembic: Alembic) -> None:
    """revision() returns a list of Script written to the migrations folder,
    with the autogenerated operations.
    """
    scripts = alembic.revision("create users")
    assert isinstance(scripts, list)
    (script,) = scripts
    assert isinstance(script, Script)
    assert script.doc == "create users"
    assert Path(script.path).parent == Path(app.root_path) / "migrations"
    text = Path(script.path).read_text()
    assert "op.create_table('user'" in text
    assert "op.drop_table('user')" in text


def test_revision_empty(alembic: Alembic) -> None:
    """revision(empty=True) writes no operations."""
    (script,) = alembic.revision("nothing", empty=True)
    assert script is not None
    text = Path(script.path).read_text()
    assert "create_table" not in text
    assert "pass" in text


def test_revision_parents_on_head(alembic: Alembic) -> None:
    """A new revision's parent is the current head."""
    (first,) = alembic.revision("one", empty=True)
    (second,) = alembic.revision("two", empty=True)
    assert first is not None and second is not None
    assert second.down_revision == first.revision
    assert _ids(alembic.heads()) == [second.revision]


def test_heads_resolve_dependencies(alembic: Alembic) -> None:
    """heads(resolve_dependencies=True) leaves out a head another branch
    depends on.
    """
    (base,) = alembic.revision("base", empty=True)
    (dependent,) = alembic.revision("other", empty=True, branch="other", depend=base)
    assert base is not None and dependent is not None
    assert dependent.dependencies == base.revision
    assert sorted(_ids(alembic.heads())) == [base.revision, dependent.revision]
    assert _ids(alembic.heads(resolve_dependencies=True)) == [dependent.revision]


def test_branches(alembic: Alembic) -> None:
    """branches() returns the revisions with several children."""
    (root,) = alembic.revision("root", empty=True)
    (left,) = alembic.revision("left", empty=True)
    assert root is not None and left is not None
    assert alembic.branches() == []
    (right,) = alembic.revision("right", empty=True, parent=root, splice=True)
    assert right is not None
    (point,) = alembic.branches()
    assert point.revision == root.revision
    assert point.nextrev == {left.revision, right.revision}


def test_log(alembic: Alembic) -> None:
    """log() lists revisions newest first between start and end."""
    ids = _ids(alembic.revision(str(i), empty=True)[0] for i in range(3))
    assert _ids(alembic.log()) == ids[::-1]
    assert _ids(alembic.log(start=ids[1])) == [ids[2], ids[1]]
    assert _ids(alembic.log(end=ids[1])) == [ids[1], ids[0]]
    assert _ids(alembic.log(start=ids[1], end=ids[1])) == [ids[1]]


def test_stamp(
    alembic: Alembic,
    table_names: t.Callable[[], set[str]],
    versions: t.Callable[[], set[str]],
) -> None:
    """stamp() records the revision without running it."""
    (script,) = alembic.revision("init")
    assert script is not None
    assert alembic.stamp() is None
    assert versions() == {script.revision}
    assert "user" not in table_names()
    alembic.stamp("base")
    assert versions() == set()


@pytest.mark.parametrize("steps", [1, "1", -1, "-1"])
def test_downgrade_steps(
    alembic: Alembic,
    metadata: sa.MetaData,
    versions: t.Callable[[], set[str]],
    steps: t.Any,
) -> None:
    """downgrade(n) goes n steps down, whatever the sign or type of n."""
    (first,) = alembic.revision("one", empty=True)
    (second,) = alembic.revision("two", empty=True)
    assert first is not None and second is not None
    alembic.upgrade()
    assert versions() == {second.revision}
    alembic.downgrade(steps)
    assert versions() == {first.revision}


def test_downgrade_base(
    alembic: Alembic,
    table_names: t.Callable[[], set[str]],
    versions: t.Callable[[], set[str]],
) -> None:
    """downgrade("base") runs every downgrade."""
    alembic.revision("init")
    alembic.upgrade()
    assert "user" in table_names()
    assert alembic.downgrade("base") is None
    assert table_names() == {"alembic_version"}
    assert versions() == set()


@pytest.mark.parametrize("target", [1, "+1", "1"])
def test_upgrade_steps(
    alembic: Alembic, versions: t.Callable[[], set[str]], target: t.Any
) -> None:
    """upgrade(n) goes n steps up."""
    (first,) = alembic.revision("one", empty=True)
    alembic.revision("two", empty=True)
    assert first is not None
    alembic.upgrade(target)
    assert versions() == {first.revision}


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(lambda s: s.revision, id="id"),
        pytest.param(lambda s: s.revision[:4], id="prefix"),
        pytest.param(lambda s: s, id="script"),
        pytest.param(lambda s: [s], id="list"),
    ],
)
def test_upgrade_target_shapes(
    alembic: Alembic,
    versions: t.Callable[[], set[str]],
    target: t.Callable[[Script], t.Any],
) -> None:
    """upgrade() accepts an id, a prefix, a Script or a list."""
    ids = iter(["aaaa1111", "bbbb2222"])
    alembic.rev_id = lambda: next(ids)  # type: ignore[method-assign]
    (first,) = alembic.revision("one", empty=True)
    alembic.revision("two", empty=True)
    assert first is not None
    alembic.upgrade(target(first))
    assert versions() == {first.revision}


def test_unknown_revision_error(alembic: Alembic) -> None:
    """An unknown revision raises Alembic's CommandError naming it."""
    from alembic.util import CommandError

    alembic.revision("one", empty=True)

    with pytest.raises(
        CommandError, match="Can't locate revision identified by 'nope'"
    ):
        alembic.upgrade("nope")


def test_merge(alembic: Alembic) -> None:
    """merge() writes a revision whose parents are the heads."""
    (root,) = alembic.revision("root", empty=True)
    (left,) = alembic.revision("left", empty=True)
    (right,) = alembic.revision("right", empty=True, parent=root, splice=True)
    assert left is not None and right is not None
    merged = alembic.merge(message="join", label="joined")
    assert isinstance(merged, Script)
    assert merged.doc == "join"
    assert set(merged.down_revision) == {left.revision, right.revision}  # type: ignore[arg-type]
    assert "joined" in merged.branch_labels
    assert _ids(alembic.heads()) == [merged.revision]
    assert Path(merged.path).is_file()


def test_produce_migrations(alembic: Alembic) -> None:
    """produce_migrations() describes the operations a revision would get."""
    script = alembic.produce_migrations()
    assert isinstance(script, MigrationScript)
    ((kind, table),) = script.upgrade_ops.as_diffs()
    assert (kind, table.name) == ("add_table", "user")


def test_compare_metadata_and_needs_revision(alembic: Alembic) -> None:
    """compare_metadata() lists differences until they are migrated."""
    ((kind, table),) = alembic.compare_metadata()
    assert (kind, table.name) == ("add_table", "user")
    assert alembic.needs_revision() is True
    alembic.revision("init")
    alembic.upgrade()
    assert alembic.compare_metadata() == []
    assert alembic.needs_revision() is False


def test_compare_server_default_detected(
    alembic: Alembic, metadata: sa.MetaData
) -> None:
    """With compare_server_default on, a changed server default is a
    difference.
    """
    alembic.revision("init")
    alembic.upgrade()
    table = metadata.tables["user"]
    table.append_column(sa.Column("role", sa.String(10), server_default="a"))
    alembic.revision("role")
    alembic.upgrade()
    table.c.role.server_default = sa.DefaultClause("b")
    diffs = alembic.compare_metadata()
    assert [d[0][0] for d in diffs] == ["modify_default"]


def test_rev_id_default_format(alembic: Alembic) -> None:
    """rev_id() makes distinct ids that are never all digits."""
    ids = [alembic.rev_id() for _ in range(5)]
    assert len(set(ids)) == 5
    assert ids == sorted(ids)
    assert not any(i.isdigit() for i in ids)


def test_rev_id_override(app: Flask, alembic: Alembic) -> None:
    """A function assigned to rev_id makes the ids of new revisions."""
    ids = iter(["aaa111", "bbb222"])
    alembic.rev_id = lambda: next(ids)  # type: ignore[method-assign]
    (first,) = alembic.revision("one", empty=True)
    (second,) = alembic.revision("two", empty=True)
    assert first is not None and second is not None
    assert (first.revision, second.revision) == ("aaa111", "bbb222")
    assert Path(first.path).name.startswith("aaa111")
    assert second.down_revision == "aaa111"


def test_rev_id_argument(alembic: Alembic) -> None:
    """revision() and merge() take the id of the new revision."""
    (root,) = alembic.revision("root", empty=True, rev_id="root01")
    alembic.revision("left", empty=True, rev_id="left01")
    alembic.revision("right", empty=True, parent="root01", splice=True, rev_id="r01")
    merged = alembic.merge(message="join", rev_id="join01")
    assert root is not None and merged is not None
    assert (root.revision, merged.revision) == ("root01", "join01")
    assert set(merged.down_revision) == {"left01", "r01"}  # type: ignore[arg-type]


def test_revision_skip_empty(alembic: Alembic) -> None:
    """revision(skip_empty=True) writes nothing when the models match."""
    alembic.revision("init")
    alembic.upgrade()
    assert alembic.revision("nothing", skip_empty=True) == []
    (script,) = alembic.revision("anyway")
    assert script is not None


def test_rev_id_subclass(app: Flask, metadata: sa.MetaData, engine: sa.Engine) -> None:
    """A subclass overriding rev_id is used for new revisions."""

    class Custom(Alembic):
        def rev_id(self) -> str:
            return "custom01"

    alembic = Custom(metadatas=metadata, engines=engine)
    alembic.init_app(app)
    (script,) = alembic.revision("one", empty=True)
    assert script is not None
    assert script.revision == "custom01"


def _ids(scripts: t.Iterable[Script | None]) -> list[str]:
    return [s.revision for s in scripts if s is not None]


def test_tenants_check_verify_and_lint(
    app: Flask, alembic: Alembic, runner: t.Any, tmp_path: Path
) -> None:
    """``Alembic.tenants`` is the core's facade: its checks work on the
    tenants the app's config lists, and ``flask db check --tenants all``
    prints them.
    """
    app.config["ALEMBIC"]["tenants"] = lambda: ["acme", "globex"]
    alembic.revision("users")
    report = alembic.tenants.upgrade()
    assert report.ok
    assert [r.ok for r in alembic.tenants.check()] == [True, True]
    assert alembic.tenants.verify().ok
    assert alembic.tenants.lint().pending == {}
    extra = sa.create_engine(f"sqlite:///{tmp_path / 'globex.sqlite'}")

    with extra.begin() as conn:
        conn.exec_driver_sql('ALTER TABLE "user" ADD COLUMN extra INTEGER')

    extra.dispose()
    result = runner.invoke(args=["db", "check", "--tenants", "all"])
    assert result.exit_code == 1, result.output
    assert "Changes detected on tenant globex:" in result.stdout
    assert "acme" not in result.stdout.split("Changes detected")[1]
