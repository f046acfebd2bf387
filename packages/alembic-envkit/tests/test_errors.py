from __future__ import annotations

import re
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.util import CommandError

from alembic_envkit import ConfigurationError
from alembic_envkit import DatabaseUnavailableError
from alembic_envkit import Environment
from alembic_envkit import EnvkitError
from alembic_envkit import MigrationError
from alembic_envkit import RevisionError
from alembic_envkit import TemplateMismatchError

Versions: t.TypeAlias = t.Callable[[sa.Engine], set[str]]


@pytest.fixture
def single(
    make_env: t.Callable[..., Environment], metadata: sa.MetaData, engine: sa.Engine
) -> Environment:
    """A single-database environment, without creating its folder."""
    return make_env(metadata, engine)


@pytest.fixture
def double(
    make_env: t.Callable[..., Environment],
    metadata: sa.MetaData,
    auth_metadata: sa.MetaData,
    engine: sa.Engine,
    auth_engine: sa.Engine,
) -> Environment:
    """A two-database environment on the same folder, without creating it."""
    return make_env(
        {"default": metadata, "auth": auth_metadata},
        {"default": engine, "auth": auth_engine},
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda env: env.revision("x"),
        lambda env: env.revision("x", empty=True),
        lambda env: env.upgrade(),
        lambda env: env.downgrade(),
    ],
    ids=["revision", "empty", "upgrade", "downgrade"],
)
def test_generic_template_two_databases(
    single: Environment,
    double: Environment,
    migrations: Path,
    call: t.Callable[[Environment], object],
) -> None:
    """The generic template with two databases is refused, saying why."""
    single.mkdir()

    with pytest.raises(
        TemplateMismatchError,
        match=r"script\.py\.mako is the single-database template, but 2 databases"
        r" are configured \('default', 'auth'\)\. Replace it with Alembic's"
        r" 'multidb'",
    ):
        call(double)

    assert [p.name for p in migrations.iterdir()] == ["script.py.mako"]


@pytest.mark.parametrize(
    "call",
    [
        lambda env: env.revision("x"),
        lambda env: env.upgrade(),
    ],
    ids=["revision", "upgrade"],
)
def test_multidb_template_one_database(
    single: Environment,
    double: Environment,
    migrations: Path,
    call: t.Callable[[Environment], object],
) -> None:
    """A multidb template with one database configured is refused."""
    double.mkdir()

    with pytest.raises(
        TemplateMismatchError,
        match=r"is the multiple-database template, but one database is configured"
        r" \('default'\)\. Replace it with Alembic's 'generic'",
    ):
        call(single)

    assert [p.name for p in migrations.iterdir()] == ["script.py.mako"]


def test_template_mismatch_is_configuration_error(
    single: Environment, double: Environment
) -> None:
    """A template mismatch is caught as a configuration and runtime error."""
    single.mkdir()

    with pytest.raises(RuntimeError, match="single-database template") as info:
        double.upgrade()

    assert isinstance(info.value, ConfigurationError)


def test_custom_template_not_checked(
    single: Environment, double: Environment, migrations: Path
) -> None:
    """A template this cannot classify is left to the user."""
    migrations.mkdir()
    (migrations / "script.py.mako").write_text(
        '"""${message}"""\n'
        "revision = ${repr(up_revision)}\n"
        "down_revision = ${repr(down_revision)}\n"
        "branch_labels = ${repr(branch_labels)}\n"
    )
    (script,) = double.revision("custom", empty=True)
    assert script is not None
    assert Path(script.path).is_file()


def test_missing_script_location(single: Environment, tmp_path: Path) -> None:
    """Without the migrations folder, reading revisions says to run mkdir."""
    with pytest.raises(
        ConfigurationError,
        match=r"The migrations folder '.*migrations' does not exist\. Create it"
        r" with the 'mkdir' command",
    ):
        single.heads()

    with pytest.raises(RuntimeError, match="does not exist"):
        single.upgrade()

    assert not (tmp_path / "migrations").exists()


def test_mkdir_cannot_create(
    make_env: t.Callable[..., Environment],
    metadata: sa.MetaData,
    engine: sa.Engine,
    tmp_path: Path,
) -> None:
    """A folder that cannot be created is a configuration error naming it."""
    (tmp_path / "file").write_text("not a folder")
    env = make_env(metadata, engine, {"script_location": "file/migrations"})

    with pytest.raises(
        ConfigurationError, match=r"Cannot create the migrations folder .*file"
    ):
        env.mkdir()


def test_syntax_error_names_file(
    env: Environment, migrations: Path, write_revision: t.Callable[..., Path]
) -> None:
    """A revision file that does not compile is named in the error."""
    path = write_revision(migrations, "aaa", None, upgrade="return (")

    with pytest.raises(
        RevisionError, match=rf"Cannot read revision file {path}, line \d+"
    ) as info:
        env.heads()

    assert isinstance(info.value, CommandError)


def test_syntax_error_fixed(
    env: Environment, migrations: Path, write_revision: t.Callable[..., Path]
) -> None:
    """After fixing a broken file, the revisions are read again."""
    write_revision(migrations, "aaa", None, upgrade="return (")

    with pytest.raises(RevisionError, match="Cannot read revision file"):
        env.heads()

    write_revision(migrations, "aaa", None, upgrade="pass  # fixed now")
    assert [s.revision for s in env.heads()] == ["aaa"]


def test_migration_raises(
    env: Environment,
    engine: sa.Engine,
    migrations: Path,
    write_revision: t.Callable[..., Path],
    versions: Versions,
) -> None:
    """An upgrade that raises names database and revision; earlier stay."""
    write_revision(migrations, "aaa", None)
    path = write_revision(
        migrations, "bbb", "aaa", upgrade='raise ValueError("boom")', doc="explode"
    )

    with pytest.raises(
        MigrationError,
        match=r"Migration failed on database 'default', upgrade of revision bbb"
        rf" \(explode\) in {re.escape(str(path))}, line 12: ValueError: boom",
    ) as info:
        env.upgrade()

    assert info.value.database == "default"
    assert info.value.revision == "bbb"
    assert isinstance(info.value, RuntimeError)
    assert isinstance(info.value.__cause__, ValueError)
    assert versions(engine) == {"aaa"}


def test_migration_bad_sql(
    env: Environment,
    engine: sa.Engine,
    migrations: Path,
    write_revision: t.Callable[..., Path],
    versions: Versions,
) -> None:
    """Bad SQL is a migration error; the revision's other rows roll back."""
    write_revision(
        migrations,
        "aaa",
        None,
        upgrade='op.create_table("t", sa.Column("id", sa.Integer))',
    )
    path = write_revision(migrations, "bbb", "aaa")
    path.write_text(
        path.read_text().replace(
            "def upgrade():\n    pass",
            "def upgrade():\n"
            '    op.execute("insert into t (id) values (1)")\n'
            '    op.execute("select * from missing")',
        )
    )

    with pytest.raises(
        MigrationError,
        match=r"database 'default', upgrade of revision bbb \(by hand\) in"
        rf" {re.escape(str(path))}, line 13: OperationalError: .*no such table:"
        " missing",
    ):
        env.upgrade()

    assert versions(engine) == {"aaa"}

    with engine.connect() as connection:
        assert connection.execute(sa.text("select count(*) from t")).scalar() == 0


def test_downgrade_failure(
    env: Environment,
    migrations: Path,
    write_revision: t.Callable[..., Path],
) -> None:
    """A failing downgrade says it was a downgrade."""
    path = write_revision(migrations, "aaa", None, downgrade="raise KeyError('x')")
    env.upgrade()

    with pytest.raises(
        MigrationError,
        match=rf"downgrade of revision aaa \(by hand\) in {re.escape(str(path))},"
        " line 16: KeyError",
    ):
        env.downgrade()


def test_failure_releases_for_next_command(
    env: Environment,
    engine: sa.Engine,
    migrations: Path,
    write_revision: t.Callable[..., Path],
    versions: Versions,
) -> None:
    """After fixing a failed revision, upgrading again works."""
    write_revision(migrations, "aaa", None, upgrade="raise ValueError('boom')")

    with pytest.raises(MigrationError, match="boom"):
        env.upgrade()

    write_revision(migrations, "aaa", None, upgrade="pass  # fixed")
    env.upgrade()
    assert versions(engine) == {"aaa"}


def test_unknown_revision_in_database(
    env: Environment,
    engine: sa.Engine,
    write_revision: t.Callable[..., Path],
    migrations: Path,
) -> None:
    """A database at a revision with no file is a revision error."""
    write_revision(migrations, "aaa", None)
    env.upgrade()

    with engine.begin() as connection:
        connection.execute(sa.text("update alembic_version set version_num = 'zzzz'"))

    for call in (env.current, env.needs_upgrade, env.upgrade):
        with pytest.raises(
            RevisionError, match="Can't locate revision identified by 'zzzz'"
        ):
            call()


def test_autogenerate_database_behind(
    env: Environment, migrations: Path, write_revision: t.Callable[..., Path]
) -> None:
    """Autogenerate on a database behind head is refused; no file."""
    write_revision(migrations, "aaa", None)

    with pytest.raises(
        RevisionError,
        match=r"Database 'default' \(at <base>\) is not at head \(aaa\);.* Run"
        " 'upgrade' first",
    ):
        env.revision("more")

    assert sorted(p.name for p in migrations.glob("*.py")) == ["aaa_by_hand.py"]


def test_work_function_error(env: Environment) -> None:
    """An error raised by a custom work function names the database."""

    def fn(heads: t.Any, context: t.Any) -> t.Any:
        raise LookupError("no steps")

    with pytest.raises(
        MigrationError, match=r"^Migration failed on database 'default': LookupError"
    ) as info:
        env.run_migrations(fn)

    assert info.value.revision is None


def test_errors_share_base(env: Environment) -> None:
    """Every error raised is an EnvkitError."""
    with pytest.raises(EnvkitError, match="Can't locate revision"):
        env.upgrade("nope")


def test_unreachable_database(
    make_env: t.Callable[..., Environment],
    make_engine: t.Callable[..., sa.Engine],
    metadata: sa.MetaData,
) -> None:
    """A database that cannot be reached is named, without its password."""
    # Port 1 on loopback refuses connections; nothing listens there.
    engine = make_engine(
        "postgresql+psycopg://app:s3cret-pw@127.0.0.1:1/appdb",
        connect_args={"connect_timeout": 2},
    )
    env = make_env(metadata, engine)
    env.mkdir()

    with pytest.raises(DatabaseUnavailableError, match="database 'default' at") as info:
        env.upgrade()

    assert isinstance(info.value, RuntimeError)
    assert "127.0.0.1:1/appdb" in str(info.value)
    assert "s3cret-pw" not in str(info.value)
    assert "Check that the server is running" in str(info.value)
