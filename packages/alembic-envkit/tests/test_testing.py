from __future__ import annotations

import sys
import textwrap
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa

from alembic_envkit import Environment
from alembic_envkit import EnvkitError
from alembic_envkit.testing import check_history
from alembic_envkit.testing import check_no_drift
from alembic_envkit.testing import check_single_head
from alembic_envkit.testing import check_stairway
from alembic_envkit.testing import check_upgrade
from alembic_envkit.testing import MigrationCheckError

pytest_plugins = ["pytester"]

WriteRevision: t.TypeAlias = t.Callable[..., Path]


def create_table(name: str) -> str:
    """An operation creating a table with an ``id`` column only."""
    return f'op.create_table("{name}", sa.Column("id", sa.Integer, primary_key=True))'


CREATE_USER = (
    'op.create_table("user", sa.Column("id", sa.Integer, primary_key=True),'
    ' sa.Column("name", sa.String(50)))'
)

# A project checked by the plugin in a pytest run of its own: models.py
# defines `metadata` (one MetaData, or a dict of them by database name), the
# conftest gives each test empty SQLite files, and the test module imports
# the ready-made tests.

INI = """\
[pytest]
addopts = -p no:cacheprovider
filterwarnings = error
"""

CONFTEST = """
from pathlib import Path

import pytest
import sqlalchemy as sa

from alembic_envkit import Environment, Settings, Targets
from models import metadata


@pytest.fixture
def alembic_env(tmp_path):
    names = list(metadata) if isinstance(metadata, dict) else ["default"]
    engines = {n: sa.create_engine(f"sqlite:///{tmp_path / n}.sqlite") for n in names}
    settings = Settings.from_mappings(root=Path(__file__).parent)

    with Environment(settings, Targets(metadata, engines)) as env:
        yield env

    for engine in engines.values():
        engine.dispose()
"""

TESTS = """
from alembic_envkit.testing import test_no_drift
from alembic_envkit.testing import test_single_head
from alembic_envkit.testing import test_stairway
from alembic_envkit.testing import test_upgrade
"""

MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table(
    "user",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50)),
)
sa.Table("post", metadata, sa.Column("id", sa.Integer, primary_key=True))
"""

MULTIDB_MODELS = """
import sqlalchemy as sa

metadata = {"default": sa.MetaData(), "auth": sa.MetaData()}
sa.Table(
    "user",
    metadata["default"],
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50)),
)
sa.Table(
    "account",
    metadata["auth"],
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(100)),
)
"""


def revision(rev: str, down: str | None, **bodies: str) -> str:
    """The source of a revision file. ``upgrade`` and ``downgrade`` bodies
    make a single-database revision; ``upgrade_<name>`` and
    ``downgrade_<name>`` ones a multidb revision.
    """
    lines = [
        "from alembic import op",
        "import sqlalchemy as sa",
        f"revision = {rev!r}",
        f"down_revision = {down!r}",
        "branch_labels = None",
        "depends_on = None",
    ]

    if "upgrade" not in bodies:
        lines += [
            "def upgrade(engine_name):",
            '    globals()["upgrade_%s" % engine_name]()',
            "def downgrade(engine_name):",
            '    globals()["downgrade_%s" % engine_name]()',
        ]

    for name, body in bodies.items():
        lines += [f"def {name}():", textwrap.indent(body, "    ")]

    return "\n".join(lines) + "\n"


#: Sound revisions for MODELS: create the user table, then the post table.
GOOD = {
    "r1": revision("r1", None, upgrade=CREATE_USER, downgrade='op.drop_table("user")'),
    "r2": revision(
        "r2",
        "r1",
        upgrade=create_table("post"),
        downgrade='op.drop_table("post")',
    ),
}


@pytest.fixture
def project(pytester: pytest.Pytester) -> t.Callable[..., pytest.RunResult]:
    """Write a project with these models and revisions, and run its tests in
    a new process.
    """

    def run(
        models: str,
        revisions: dict[str, str],
        conftest: str = CONFTEST,
        tests: str = TESTS,
    ) -> pytest.RunResult:
        pytester.makeini(INI)
        pytester.makepyfile(models=models, conftest=conftest, test_migrations=tests)
        folder = pytester.mkdir("migrations")

        for name, source in revisions.items():
            (folder / f"{name}.py").write_text(source)

        return pytester.runpytest_subprocess(timeout=300)

    return run


def test_plugin_good_project(project: t.Callable[..., pytest.RunResult]) -> None:
    """A project whose migrations are sound passes the four tests."""
    result = project(MODELS, GOOD)
    result.assert_outcomes(passed=4, warnings=0)


def test_plugin_two_heads(project: t.Callable[..., pytest.RunResult]) -> None:
    """Two heads grown from one revision fail the single-head test only."""
    result = project(
        MODELS,
        {**GOOD, "r3": revision("r3", "r1", upgrade="pass", downgrade="pass")},
    )
    result.assert_outcomes(passed=3, failed=1, warnings=0)
    result.stdout.fnmatch_lines(["FAILED test_migrations.py::test_single_head - *"])
    assert "both heads, grown from revision 'r1'" in result.stdout.str()


HISTORY_TEST = "from alembic_envkit.testing import test_history\n"


def test_plugin_history(project: t.Callable[..., pytest.RunResult]) -> None:
    """The history test passes a sound history; ids off the scheme are only
    warnings.
    """
    result = project(MODELS, GOOD, tests=HISTORY_TEST)
    result.assert_outcomes(passed=1, warnings=0)


def test_plugin_history_orphan(project: t.Callable[..., pytest.RunResult]) -> None:
    """The history test fails a revision whose parent is gone, with
    verify's line.
    """
    orphan = revision("r3", "r9", upgrade="pass", downgrade="pass")
    result = project(MODELS, {**GOOD, "r3": orphan}, tests=HISTORY_TEST)
    result.assert_outcomes(failed=1, warnings=0)
    result.stdout.fnmatch_lines(["FAILED test_migrations.py::test_history - *"])
    assert "error missing-parent: migrations/r3.py: " in result.stdout.str()


def test_plugin_broken_downgrade(project: t.Callable[..., pytest.RunResult]) -> None:
    """A downgrade that leaves its upgrade's table fails the stairway test."""
    revisions = {**GOOD, "r2": GOOD["r2"].replace('op.drop_table("post")', "pass")}
    result = project(MODELS, revisions)
    result.assert_outcomes(passed=3, failed=1, warnings=0)
    result.stdout.fnmatch_lines(["FAILED test_migrations.py::test_stairway - *"])
    assert (
        "Downgrading revision 'r2' did not undo its upgrade: table 'post' is left"
        " in database 'default'"
    ) in result.stdout.str()


def test_plugin_drift(project: t.Callable[..., pytest.RunResult]) -> None:
    """A model column the migrations do not create fails the drift test."""
    models = MODELS.replace(
        'sa.Column("name", sa.String(50)),',
        'sa.Column("name", sa.String(50)), sa.Column("email", sa.String(100)),',
    )
    result = project(models, GOOD)
    result.assert_outcomes(passed=3, failed=1, warnings=0)
    result.stdout.fnmatch_lines(["FAILED test_migrations.py::test_no_drift - *"])
    assert (
        "The models differ from the migrations in database 'default':"
        " add_column user.email"
    ) in result.stdout.str()


MULTIDB = {
    "r1": revision(
        "r1",
        None,
        upgrade_default=CREATE_USER,
        downgrade_default='op.drop_table("user")',
        upgrade_auth=create_table("account"),
        downgrade_auth='op.drop_table("account")',
    ),
    "r2": revision(
        "r2",
        "r1",
        upgrade_default="pass",
        downgrade_default="pass",
        upgrade_auth='op.add_column("account", sa.Column("email", sa.String(100)))',
        downgrade_auth=(
            'with op.batch_alter_table("account") as batch:\n'
            '    batch.drop_column("email")'
        ),
    ),
}


def test_plugin_multidb(project: t.Callable[..., pytest.RunResult]) -> None:
    """With two databases, sound migrations pass every test."""
    result = project(MULTIDB_MODELS, MULTIDB)
    result.assert_outcomes(passed=4, warnings=0)


def test_plugin_multidb_names_database(
    project: t.Callable[..., pytest.RunResult],
) -> None:
    """A drift and a broken downgrade in the ``auth`` database only are
    reported naming ``auth``.
    """
    models = MULTIDB_MODELS.replace(
        'sa.Column("email", sa.String(100)),',
        'sa.Column("email", sa.String(100)), sa.Column("verified", sa.Boolean),',
    )
    revisions = {**MULTIDB, "r2": MULTIDB["r2"].replace("batch.drop_column", "print")}
    result = project(models, revisions)
    result.assert_outcomes(passed=2, failed=2, warnings=0)
    output = result.stdout.str()
    assert (
        "Downgrading revision 'r2' did not undo its upgrade: table 'account' in"
        " database 'auth' has columns ('email', 'id'), not ('id',)"
    ) in output
    assert (
        "The models differ from the migrations in database 'auth':"
        " add_column account.verified."
    ) in output
    assert "database 'default'" not in output


def test_plugin_needs_fixture(project: t.Callable[..., pytest.RunResult]) -> None:
    """Without an ``alembic_env`` fixture, each test errors saying how to
    define one.
    """
    result = project(MODELS, GOOD, conftest="")
    result.assert_outcomes(errors=4, warnings=0)
    assert "Define a fixture named 'alembic_env' in your conftest.py" in (
        result.stdout.str()
    )


def test_plugin_inert(pytester: pytest.Pytester) -> None:
    """The plugin is loaded in every run, but adds no tests and no warnings
    to a project that does not use it.
    """
    pytester.makeini(INI)
    pytester.makepyfile(
        """
        def test_plain(request):
            assert request.config.pluginmanager.has_plugin("alembic_envkit")
        """
    )
    result = pytester.runpytest_subprocess("-W", "error", timeout=300)
    result.assert_outcomes(passed=1, warnings=0)
    result.stdout.fnmatch_lines(["collected 1 item"])


def test_plugin_imported_first(pytester: pytest.Pytester) -> None:
    """pytest does not warn when the package was imported before pytest
    started and marked it for assertion rewriting, as it does for a wheel
    install.
    """
    pytester.makeini(INI)
    pytester.makeconftest(
        'import pytest\npytest.register_assert_rewrite("alembic_envkit")'
    )
    pytester.makepyfile("def test_plain():\n    pass")
    code = (
        "import alembic_envkit, pytest; raise SystemExit(pytest.main(['-W', 'error']))"
    )
    result = pytester.run(sys.executable, "-c", code, timeout=300)
    result.assert_outcomes(passed=1, warnings=0)


# The checks called directly


def write_pass_revisions(
    write_revision: WriteRevision, folder: Path, graph: dict[str, t.Any]
) -> None:
    """Write revisions that each create and drop a table named after them."""
    for rev, down in graph.items():
        write_revision(
            folder,
            rev,
            down,
            create_table(f"t_{rev}"),
            f'op.drop_table("t_{rev}")',
        )


def test_stairway_branches_and_merges(
    env: Environment,
    engine: sa.Engine,
    migrations: Path,
    write_revision: WriteRevision,
) -> None:
    """The stairway steps through a history with branch points, merges, a
    second base and a dependency, one revision at a time.
    """
    write_pass_revisions(
        write_revision,
        migrations,
        {
            "a": None,
            "b1": "a",
            "b2": "b1",
            "c1": "a",
            "m": ("b2", "c1"),
            "d": "b2",
            "n": "m",
            "z": None,
            "y": "z",
            "m2": ("n", "d", "y"),
        },
    )
    check_single_head(env)
    check_stairway(env)
    assert {s.revision for s in env.current()} == {"m2"}
    names = set(sa.inspect(engine).get_table_names())
    assert {"t_a", "t_m", "t_z", "t_m2"} <= names


def test_single_head_independent_branches(
    env: Environment, migrations: Path, write_revision: WriteRevision
) -> None:
    """Independent branches, each starting at base, have a head each."""
    write_revision(migrations, "a1", None, labels=("one",))
    write_revision(migrations, "a2", "a1")
    write_revision(migrations, "b1", None, labels=("two",))
    check_single_head(env)


def test_single_head_forked(
    env: Environment, migrations: Path, write_revision: WriteRevision
) -> None:
    """A fork of an independent branch is found."""
    write_revision(migrations, "a1", None, labels=("one",))
    write_revision(migrations, "b1", None, labels=("two",))
    write_revision(migrations, "b2", "b1")
    write_revision(migrations, "b3", "b1")

    with pytest.raises(
        AssertionError, match=r"Revisions 'b\d' and 'b\d' are both heads, grown from"
    ):
        check_single_head(env)


def test_check_history(
    env: Environment, migrations: Path, write_revision: WriteRevision
) -> None:
    """The history check lists every error, one per line, and passes a
    history with warnings alone.
    """
    write_revision(migrations, "a1", None)
    write_revision(migrations, "b1", "a1")
    check_history(env)  # "a1" and "b1" are off the id scheme: warnings.
    write_revision(migrations, "c1", "a1")
    write_revision(migrations, "d1", "gone")

    with pytest.raises(MigrationCheckError) as info:
        check_history(env)

    lines = str(info.value).splitlines()
    assert lines[0] == "The history has problems:"
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "error missing-parent",
    ]
    write_revision(migrations, "d1", "b1")

    with pytest.raises(MigrationCheckError, match="error multiple-heads: "):
        check_history(env)


def test_upgrade_failure_names_revision(
    env: Environment, migrations: Path, write_revision: WriteRevision
) -> None:
    """A revision that fails is named, with its database."""
    write_revision(migrations, "a", None, "op.execute('select * from nowhere')")

    with pytest.raises(
        MigrationCheckError,
        match="base to heads failed: .* database 'default', upgrade of revision a ",
    ):
        check_upgrade(env)


def test_stairway_failing_downgrade(
    env: Environment, migrations: Path, write_revision: WriteRevision
) -> None:
    """A downgrade that raises is named."""
    write_revision(migrations, "a", None, downgrade="raise NotImplementedError")

    with pytest.raises(
        MigrationCheckError, match="Downgrading revision 'a' failed: .* revision a "
    ):
        check_stairway(env)


def test_upgrade_needs_empty_database(
    env: Environment, migrations: Path, write_revision: WriteRevision
) -> None:
    """A database that is already upgraded is refused."""
    write_revision(migrations, "a", None)
    env.upgrade()

    with pytest.raises(EnvkitError, match="Database 'default' is at \\('a',\\)"):
        check_upgrade(env)


def test_stairway_refuses_create_all(
    env: Environment,
    engine: sa.Engine,
    metadata: sa.MetaData,
    migrations: Path,
    write_revision: WriteRevision,
) -> None:
    """Tables of the models made by ``create_all`` are reported as such."""
    write_revision(migrations, "a", None, CREATE_USER, 'op.drop_table("user")')
    metadata.create_all(engine)

    with pytest.raises(MigrationCheckError, match=r"already has tables \['user'\]"):
        check_stairway(env)


def test_no_drift_from_any_state(
    env: Environment, migrations: Path, write_revision: WriteRevision
) -> None:
    """The drift check upgrades first, from wherever the database is."""
    write_revision(migrations, "a", None, CREATE_USER, 'op.drop_table("user")')
    check_no_drift(env)
    check_no_drift(env)


def test_stairway_second_upgrade_differs(
    env: Environment, migrations: Path, write_revision: WriteRevision
) -> None:
    """An upgrade that does something else when run again after its
    downgrade is named.
    """
    ran = migrations / "ran"
    upgrade = "\n    ".join(
        [
            "import pathlib",
            f"ran = pathlib.Path({str(ran)!r})",
            'name = "again" if ran.exists() else "first"',
            "ran.touch()",
            'op.create_table(name, sa.Column("id", sa.Integer, primary_key=True))',
        ]
    )
    downgrade = "\n    ".join(
        [
            "for name in sa.inspect(op.get_bind()).get_table_names():",
            '    if name in ("first", "again"):',
            "        op.drop_table(name)",
        ]
    )
    write_revision(migrations, "a", None, upgrade, downgrade)

    with pytest.raises(
        MigrationCheckError,
        match=(
            "Upgrading to revision 'a' again after its downgrade did not repeat"
            " its first upgrade: table 'again' is left in database 'default';"
            " table 'first' is missing from database 'default'"
        ),
    ):
        check_stairway(env)


def test_stairway_downgrade_leaves_wrong_version(
    env: Environment, migrations: Path, write_revision: WriteRevision
) -> None:
    """A downgrade that leaves another revision recorded is named, with
    where the database stands.
    """
    write_revision(
        migrations,
        "a",
        None,
        create_table("t_a"),
        'op.drop_table("t_a")\n'
        "    op.execute(\"INSERT INTO alembic_version (version_num) VALUES ('b')\")",
    )
    write_revision(migrations, "b", "a", create_table("t_b"), 'op.drop_table("t_b")')

    with pytest.raises(
        MigrationCheckError,
        match=(
            r"Downgrading revision 'a' did not undo its upgrade: database"
            r" 'default' is at \('b',\), not \(\)"
        ),
    ):
        check_stairway(env)


def test_stairway_downgrade_drops_another_table(
    env: Environment, migrations: Path, write_revision: WriteRevision
) -> None:
    """A downgrade that drops a table of an earlier revision as well is
    named, with the missing table.
    """
    write_revision(migrations, "a", None, create_table("t_a"), 'op.drop_table("t_a")')
    write_revision(
        migrations,
        "b",
        "a",
        create_table("t_b"),
        'op.drop_table("t_b")\n    op.drop_table("t_a")',
    )

    with pytest.raises(
        MigrationCheckError,
        match=(
            "Downgrading revision 'b' did not undo its upgrade: table 't_a' is"
            " missing from database 'default'"
        ),
    ):
        check_stairway(env)
