"""Registering the extension on an app: config defaults, the migrations
folder, the command group, and errors reported on first use.
"""

from __future__ import annotations

import logging
import os
import typing as t
from pathlib import Path

import alembic as alembic_package
import pytest
import sqlalchemy as sa
from flask import Flask

from flask_alembic import Alembic


def _template(name: str) -> str:
    path = Path(alembic_package.__file__).parent / "templates" / name / "script.py.mako"
    return path.read_text()


def test_init_app_registers_extension(app: Flask, metadata: sa.MetaData) -> None:
    """init_app stores the instance in app.extensions["alembic"]."""
    alembic = Alembic(metadatas=metadata)
    alembic.init_app(app)
    assert app.extensions["alembic"] is alembic


def test_constructor_with_app_registers(app: Flask, metadata: sa.MetaData) -> None:
    """Alembic(app) registers on the app immediately."""
    alembic = Alembic(app, metadatas=metadata)
    assert app.extensions["alembic"] is alembic
    assert (Path(app.root_path) / "migrations" / "script.py.mako").is_file()


def test_config_defaults(app: Flask, alembic: Alembic) -> None:
    """init_app fills in the ALEMBIC and ALEMBIC_CONTEXT defaults."""
    assert app.config["ALEMBIC"]["script_location"] == "migrations"
    assert app.config["ALEMBIC"]["version_locations"] == []
    assert app.config["ALEMBIC_CONTEXT"]["compare_server_default"] is True


def test_config_user_values_kept(app: Flask, metadata: sa.MetaData) -> None:
    """Values the user configured before init_app are not replaced."""
    app.config["ALEMBIC"] = {"script_location": "db_migrations"}
    app.config["ALEMBIC_CONTEXT"] = {"compare_server_default": False}
    Alembic(app, metadatas=metadata)
    assert app.config["ALEMBIC"]["script_location"] == "db_migrations"
    assert app.config["ALEMBIC"]["version_locations"] == []
    assert app.config["ALEMBIC_CONTEXT"]["compare_server_default"] is False
    assert (Path(app.root_path) / "db_migrations" / "script.py.mako").is_file()
    assert not (Path(app.root_path) / "migrations").exists()


@pytest.mark.parametrize(
    ("metadatas", "template"),
    [
        pytest.param(lambda: sa.MetaData(), "generic", id="one"),
        pytest.param(lambda: [sa.MetaData(), sa.MetaData()], "generic", id="list"),
        pytest.param(lambda: {"default": sa.MetaData()}, "generic", id="dict-of-one"),
        pytest.param(
            lambda: {"default": sa.MetaData(), "auth": sa.MetaData()},
            "multidb",
            id="dict-of-two",
        ),
    ],
)
def test_init_app_creates_template(
    app: Flask, metadatas: t.Callable[[], t.Any], template: str
) -> None:
    """The migrations folder gets Alembic's generic template for one database
    and its multidb template for several.
    """
    Alembic(app, metadatas=metadatas())
    written = Path(app.root_path) / "migrations" / "script.py.mako"
    assert written.read_text() == _template(template)


def test_init_app_without_metadata_creates_generic(app: Flask) -> None:
    """With nothing configured yet, init_app still creates the generic
    template.
    """
    Alembic(app)
    written = Path(app.root_path) / "migrations" / "script.py.mako"
    assert written.read_text() == _template("generic")


def test_init_app_keeps_existing_template(app: Flask, metadata: sa.MetaData) -> None:
    """An existing script.py.mako is never replaced."""
    folder = Path(app.root_path) / "migrations"
    folder.mkdir()
    (folder / "script.py.mako").write_text("custom template\n")
    Alembic(app, metadatas=metadata)
    assert (folder / "script.py.mako").read_text() == "custom template\n"


def test_run_mkdir_false_creates_nothing(app: Flask, metadata: sa.MetaData) -> None:
    """With run_mkdir=False, init_app does not touch the file system."""
    Alembic(app, run_mkdir=False, metadatas=metadata)
    assert os.listdir(app.root_path) == []


def test_init_app_creates_version_locations(app: Flask, metadata: sa.MetaData) -> None:
    """Every configured version location is created with the migrations
    folder.
    """
    app.config["ALEMBIC"] = {
        "version_locations": ["plain_versions", ("users", "user_versions")]
    }
    Alembic(app, metadatas=metadata)
    assert (Path(app.root_path) / "plain_versions").is_dir()
    assert (Path(app.root_path) / "user_versions").is_dir()


@pytest.mark.parametrize("name", ["db", "migrate"])
def test_command_name(
    app: Flask, metadata: sa.MetaData, engine: sa.Engine, name: str
) -> None:
    """The command group is registered under command_name and runs."""
    Alembic(app, command_name=name, metadatas=metadata, engines=engine, run_mkdir=False)
    assert set(app.cli.commands) == {name}
    result = app.test_cli_runner().invoke(args=[name, "mkdir"])
    assert result.exit_code == 0, result.output
    assert (Path(app.root_path) / "migrations" / "script.py.mako").is_file()


def test_empty_command_name_registers_none(app: Flask, metadata: sa.MetaData) -> None:
    """command_name="" adds no command group."""
    Alembic(app, command_name="", metadatas=metadata)
    assert app.cli.commands == {}
    result = app.test_cli_runner().invoke(args=["db", "current"])
    assert result.exit_code == 2
    assert "No such command 'db'" in result.output


def test_second_init_app_refused(app: Flask, metadata: sa.MetaData) -> None:
    """Registering a second time on one app is refused with a clear error."""
    alembic = Alembic(app, metadatas=metadata)

    with pytest.raises(RuntimeError, match="already registered on this app"):
        alembic.init_app(app)

    with pytest.raises(RuntimeError, match="already registered on this app"):
        Alembic(app, metadatas=metadata)

    assert app.extensions["alembic"] is alembic


def test_two_apps_share_extension(
    tmp_path: Path, metadata: sa.MetaData, engine: sa.Engine
) -> None:
    """One instance serves two apps, each with its own migrations folder."""
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    app1 = Flask(__name__, root_path=str(tmp_path / "one"))
    app2 = Flask(__name__, root_path=str(tmp_path / "two"))
    alembic = Alembic(metadatas=metadata, engines=engine)
    alembic.init_app(app1)
    alembic.init_app(app2)
    assert app1.extensions["alembic"] is app2.extensions["alembic"] is alembic

    with app1.app_context():
        (script,) = alembic.revision("first app", empty=True)
        assert script is not None
        assert alembic.script_directory.dir == str(tmp_path / "one" / "migrations")

    with app2.app_context():
        assert alembic.script_directory.dir == str(tmp_path / "two" / "migrations")
        assert alembic.heads() == ()

    assert Path(script.path).parent == tmp_path / "one" / "migrations"


def test_unregistered_app_error(tmp_path: Path, metadata: sa.MetaData) -> None:
    """Using the extension in an app it was not registered on says so."""
    alembic = Alembic(metadatas=metadata, run_mkdir=False)
    other = Flask(__name__, root_path=str(tmp_path))

    with other.app_context():
        with pytest.raises(RuntimeError, match="not registered with this 'Alembic'"):
            alembic.heads()


@pytest.mark.parametrize(
    "use",
    [
        pytest.param(lambda a: a.upgrade(), id="upgrade"),
        pytest.param(lambda a: a.current(), id="current"),
        pytest.param(lambda a: a.migration_context, id="migration_context"),
        pytest.param(lambda a: a.compare_metadata(), id="compare_metadata"),
        pytest.param(lambda a: a.revision("x"), id="revision"),
    ],
)
def test_missing_metadata_raises_on_use(
    app: Flask, engine: sa.Engine, use: t.Callable[[Alembic], object]
) -> None:
    """Without metadata, init_app succeeds and the first use raises."""
    alembic = Alembic(engines=engine)
    alembic.init_app(app)

    with app.app_context():
        with pytest.raises(RuntimeError, match="No metadata to migrate"):
            use(alembic)


@pytest.mark.parametrize(
    "use",
    [
        pytest.param(lambda a: a.upgrade(), id="upgrade"),
        pytest.param(lambda a: a.needs_upgrade(), id="needs_upgrade"),
        pytest.param(lambda a: a.migration_contexts, id="migration_contexts"),
    ],
)
def test_missing_engines_raises_on_use(
    app: Flask, metadata: sa.MetaData, use: t.Callable[[Alembic], object]
) -> None:
    """Without engines, init_app succeeds and the first use raises."""
    alembic = Alembic(metadatas=metadata)
    alembic.init_app(app)

    with app.app_context():
        with pytest.raises(RuntimeError, match="No engines to migrate"):
            use(alembic)


def test_missing_engine_for_key_names_key(
    app: Flask, metadata: sa.MetaData, engine: sa.Engine
) -> None:
    """A metadata name without an engine raises an error naming it."""
    alembic = Alembic(
        metadatas={"default": metadata, "auth": sa.MetaData()},
        engines={"default": engine},
    )
    alembic.init_app(app)

    with app.app_context():
        with pytest.raises(RuntimeError, match="engine.*'auth'"):
            alembic.upgrade()


def test_engines_configured_after_init_app(
    app: Flask,
    metadata: sa.MetaData,
    engine: sa.Engine,
    table_names: t.Callable[[], set[str]],
) -> None:
    """Metadata and engines set after init_app are used on first use."""
    alembic = Alembic()
    alembic.init_app(app)
    alembic.metadatas = {"default": metadata}
    alembic.engines = {"default": engine}

    with app.app_context():
        alembic.revision("init")
        alembic.upgrade()

    assert table_names() == {"alembic_version", "user"}


def test_unsupported_extension_reported_on_use(app: Flask, engine: sa.Engine) -> None:
    """An unknown app.extensions["sqlalchemy"] is reported on first use, not
    in init_app.
    """
    app.extensions["sqlalchemy"] = object()
    alembic = Alembic(engines=engine)
    alembic.init_app(app)

    with app.app_context():
        with pytest.raises(
            RuntimeError, match="No Flask-Alembic adapter supports object"
        ):
            alembic.upgrade()


@pytest.mark.parametrize("name", ["alembic", "sqlalchemy", "alembic_envkit"])
def test_no_logging_handlers_added(
    app: Flask, metadata: sa.MetaData, engine: sa.Engine, name: str
) -> None:
    """Creating and using the extension configures no logging handlers."""
    logger = logging.getLogger(name)
    before = list(logger.handlers)
    level = logger.level
    alembic = Alembic(metadatas=metadata, engines=engine)
    alembic.init_app(app)

    with app.app_context():
        alembic.revision("init")
        alembic.upgrade()

    assert logger.handlers == before
    assert logger.level == level


def test_3x_import_path(
    app: Flask,
    metadata: sa.MetaData,
    engine: sa.Engine,
    table_names: t.Callable[[], set[str]],
) -> None:
    """``from flask_alembic.extension import Alembic``, where 3.x defined it,
    gives the extension, which migrates as it did.
    """
    from flask_alembic.extension import Alembic as Alembic3

    assert Alembic3 is Alembic
    alembic = Alembic3(app, metadatas=metadata, engines=engine)

    with app.app_context():
        alembic.revision("create user")
        alembic.upgrade()

    assert app.extensions["alembic"] is alembic
    assert table_names() == {"alembic_version", "user"}
