"""Plain SQLAlchemy: the shapes of metadatas and engines, several metadatas
per database, and several databases with the multidb template.
"""

from __future__ import annotations

import shutil
import typing as t
from pathlib import Path

import alembic as alembic_package
import pytest
import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from flask import Flask

from flask_alembic import Alembic

pytestmark = pytest.mark.usefixtures("app_ctx")


@pytest.fixture
def auth_metadata() -> sa.MetaData:
    """Metadata with one ``account`` table."""
    metadata = sa.MetaData()
    sa.Table("account", metadata, sa.Column("id", sa.Integer, primary_key=True))
    return metadata


@pytest.fixture
def multidb(
    app: Flask,
    metadata: sa.MetaData,
    auth_metadata: sa.MetaData,
    engine: sa.Engine,
    auth_engine: sa.Engine,
) -> Alembic:
    """The extension migrating two databases, "default" and "auth"."""
    alembic = Alembic(
        metadatas={"default": metadata, "auth": auth_metadata},
        engines={"default": engine, "auth": auth_engine},
    )
    alembic.init_app(app)
    return alembic


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


@pytest.mark.parametrize(
    "metadatas",
    [
        pytest.param(lambda md: md, id="metadata"),
        pytest.param(lambda md: [md], id="list"),
        pytest.param(lambda md: (md,), id="tuple"),
        pytest.param(lambda md: {"default": md}, id="dict"),
        pytest.param(lambda md: {"default": [md]}, id="dict-of-list"),
    ],
)
@pytest.mark.parametrize(
    "engines",
    [
        pytest.param(lambda e: e, id="engine"),
        pytest.param(lambda e: {"default": e}, id="engine-dict"),
    ],
)
def test_argument_shapes(
    app: Flask,
    metadata: sa.MetaData,
    engine: sa.Engine,
    metadatas: t.Callable[[sa.MetaData], t.Any],
    engines: t.Callable[[sa.Engine], t.Any],
) -> None:
    """Every accepted shape of metadatas and engines migrates one database."""
    alembic = Alembic(metadatas=metadatas(metadata), engines=engines(engine))
    alembic.init_app(app)
    assert list(alembic.migration_contexts) == ["default"]
    alembic.revision("init")
    alembic.upgrade()
    assert _tables(engine) == {"alembic_version", "user"}


@pytest.mark.parametrize(
    ("metadatas", "match"),
    [
        pytest.param(lambda md: [], "or a non-empty list of them", id="empty-list"),
        pytest.param(
            lambda md: ["x"], "must be an SQLAlchemy MetaData", id="not-metadata"
        ),
        pytest.param(
            lambda md: {"default": []},
            r"metadatas\['default'\] must be",
            id="empty-dict-value",
        ),
    ],
)
def test_bad_metadatas(
    app: Flask,
    metadata: sa.MetaData,
    engine: sa.Engine,
    metadatas: t.Callable[[sa.MetaData], t.Any],
    match: str,
) -> None:
    """Metadata that cannot be migrated is reported on first use."""
    alembic = Alembic(metadatas=metadatas(metadata), engines=engine)
    alembic.init_app(app)

    with pytest.raises(RuntimeError, match=match):
        alembic.upgrade()


def test_bad_engines(app: Flask, metadata: sa.MetaData) -> None:
    """An engines value that is not an Engine is reported on first use."""
    alembic = Alembic(
        metadatas=metadata,
        engines={"default": "sqlite://"},  # type: ignore[dict-item]
    )
    alembic.init_app(app)

    with pytest.raises(
        RuntimeError, match=r"engines\['default'\] must be an SQLAlchemy Engine"
    ):
        alembic.upgrade()


def test_list_of_metadatas_one_database(
    app: Flask, metadata: sa.MetaData, auth_metadata: sa.MetaData, engine: sa.Engine
) -> None:
    """A list of metadatas migrates every table into one database with the
    generic template.
    """
    alembic = Alembic(metadatas=[metadata, auth_metadata], engines=engine)
    alembic.init_app(app)
    (script,) = alembic.revision("init")
    assert script is not None
    text = Path(script.path).read_text()
    assert "def upgrade() -> None:" in text
    assert "op.create_table('user'" in text
    assert "op.create_table('account'" in text
    alembic.upgrade()
    assert _tables(engine) == {"alembic_version", "user", "account"}
    assert alembic.compare_metadata() == []


def test_multidb_revision_functions(multidb: Alembic) -> None:
    """A revision for two databases has upgrade/downgrade functions for each,
    holding that database's operations.
    """
    (script,) = multidb.revision("init")
    assert script is not None
    text = Path(script.path).read_text()

    for name in ("default", "auth"):
        assert f"def upgrade_{name}() -> None:" in text
        assert f"def downgrade_{name}() -> None:" in text

    upgrade_default = text.split("def upgrade_default")[1].split("def ")[0]
    upgrade_auth = text.split("def upgrade_auth")[1].split("def ")[0]
    assert "create_table('user'" in upgrade_default
    assert "account" not in upgrade_default
    assert "create_table('account'" in upgrade_auth
    assert "user" not in upgrade_auth


def test_multidb_upgrade_each_database(
    multidb: Alembic, engine: sa.Engine, auth_engine: sa.Engine
) -> None:
    """upgrade() brings both databases to head, each with its own tables."""
    (script,) = multidb.revision("init")
    assert script is not None
    multidb.upgrade()
    assert _tables(engine) == {"alembic_version", "user"}
    assert _tables(auth_engine) == {"alembic_version", "account"}
    current = multidb.current_by_database()
    assert {k: [s.revision for s in v] for k, v in current.items()} == {
        "default": [script.revision],
        "auth": [script.revision],
    }
    assert multidb.needs_upgrade() is False
    multidb.downgrade("base")
    assert _tables(engine) == {"alembic_version"}
    assert _tables(auth_engine) == {"alembic_version"}


def test_multidb_compare_metadata(multidb: Alembic) -> None:
    """compare_metadata() returns the differences by database name."""
    diffs = multidb.compare_metadata()
    assert isinstance(diffs, dict)
    assert {k: [(d[0], d[1].name) for d in v] for k, v in diffs.items()} == {
        "default": [("add_table", "user")],
        "auth": [("add_table", "account")],
    }


def test_multidb_contexts_and_ops(
    multidb: Alembic, engine: sa.Engine, auth_engine: sa.Engine
) -> None:
    """Each database has its own migration context and operations bound to
    it; the "default" one is migration_context.
    """
    contexts = multidb.migration_contexts
    assert list(contexts) == ["default", "auth"]
    assert contexts["default"].connection.engine is engine  # type: ignore[union-attr]
    assert contexts["auth"].connection.engine is auth_engine  # type: ignore[union-attr]
    assert multidb.migration_context is contexts["default"]
    assert multidb.ops["auth"].migration_context is contexts["auth"]
    assert multidb.op is multidb.ops["default"]


def test_multidb_run_migrations_contexts(multidb: Alembic) -> None:
    """run_migrations calls the work function once per database with that
    database's migration context.
    """
    seen: list[MigrationContext] = []

    def fn(heads: t.Any, context: MigrationContext) -> list[t.Any]:
        seen.append(context)
        return []

    multidb.run_migrations(fn)
    contexts = multidb.migration_contexts
    assert len(seen) == 2
    assert seen[0] is contexts["default"]
    assert seen[1] is contexts["auth"]


def test_multidb_list_values(
    app: Flask,
    metadata: sa.MetaData,
    auth_metadata: sa.MetaData,
    engine: sa.Engine,
    auth_engine: sa.Engine,
) -> None:
    """A dict value may be a list of metadatas for one database."""
    extra = sa.MetaData()
    sa.Table("profile", extra, sa.Column("id", sa.Integer, primary_key=True))
    alembic = Alembic(
        metadatas={"default": [metadata, extra], "auth": auth_metadata},
        engines={"default": engine, "auth": auth_engine},
    )
    alembic.init_app(app)
    alembic.revision("init")
    alembic.upgrade()
    assert _tables(engine) == {"alembic_version", "user", "profile"}
    assert _tables(auth_engine) == {"alembic_version", "account"}


def test_extra_engines_not_migrated(
    app: Flask, metadata: sa.MetaData, engine: sa.Engine, auth_engine: sa.Engine
) -> None:
    """An engine without metadata is not migrated."""
    alembic = Alembic(
        metadatas=metadata, engines={"default": engine, "auth": auth_engine}
    )
    alembic.init_app(app)
    alembic.revision("init")
    alembic.upgrade()
    assert list(alembic.migration_contexts) == ["default"]
    assert _tables(auth_engine) == set()


def test_template_mismatch_error(
    app: Flask,
    metadata: sa.MetaData,
    auth_metadata: sa.MetaData,
    engine: sa.Engine,
    auth_engine: sa.Engine,
) -> None:
    """A generic template with two databases configured is refused, saying
    which template is needed.
    """
    folder = Path(app.root_path) / "migrations"
    folder.mkdir()
    generic = Path(alembic_package.__file__).parent / "templates" / "generic"
    shutil.copy(generic / "script.py.mako", folder)
    alembic = Alembic(
        metadatas={"default": metadata, "auth": auth_metadata},
        engines={"default": engine, "auth": auth_engine},
    )
    alembic.init_app(app)
    assert (folder / "script.py.mako").read_text() == (
        generic / "script.py.mako"
    ).read_text()

    with pytest.raises(RuntimeError, match="is the single-database template"):
        alembic.revision("init")

    assert [p.name for p in folder.iterdir()] == ["script.py.mako"]


def test_migration_failure_names_database_and_revision(
    multidb: Alembic, engine: sa.Engine, auth_engine: sa.Engine
) -> None:
    """A failing revision raises an error naming the database and revision."""
    (script,) = multidb.revision("broken", empty=True)
    assert script is not None
    path = Path(script.path)
    path.write_text(
        path.read_text().replace(
            "def upgrade_auth() -> None:",
            "def upgrade_auth() -> None:\n    raise ValueError('boom')\n",
        )
    )

    with pytest.raises(
        RuntimeError,
        match=f"database 'auth', upgrade of revision {script.revision}.*boom",
    ):
        multidb.upgrade()

    assert multidb.needs_upgrade() is True
