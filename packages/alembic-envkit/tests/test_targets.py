from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa

from alembic_envkit import ConfigurationError
from alembic_envkit import Targets


@pytest.fixture
def other_metadata() -> sa.MetaData:
    """A second metadata for the same database."""
    md = sa.MetaData()
    sa.Table("post", md, sa.Column("id", sa.Integer, primary_key=True))
    return md


@pytest.mark.parametrize("shape", ["one", "list", "tuple", "dict_one", "dict_list"])
def test_metadata_shapes(metadata: sa.MetaData, engine: sa.Engine, shape: str) -> None:
    """Every accepted metadata shape without names means ``default``."""
    value: t.Any = {
        "one": metadata,
        "list": [metadata],
        "tuple": (metadata,),
        "dict_one": {"default": metadata},
        "dict_list": {"default": [metadata]},
    }[shape]
    targets = Targets(value, engine)
    assert list(targets) == ["default"]
    target = targets["default"]
    assert target.name == "default"
    assert target.engine is engine
    assert target.metadatas == (metadata,)
    assert target.target_metadata is metadata
    assert not targets.multidb


def test_several_metadatas_one_database(
    metadata: sa.MetaData, other_metadata: sa.MetaData, engine: sa.Engine
) -> None:
    """A list of metadata for one database migrates all their tables."""
    targets = Targets([metadata, other_metadata], {"default": engine})
    assert targets["default"].metadatas == (metadata, other_metadata)
    assert targets["default"].target_metadata == [metadata, other_metadata]
    assert len(targets) == 1


@pytest.mark.parametrize("shape", ["engine", "dict"])
def test_engine_shapes(metadata: sa.MetaData, engine: sa.Engine, shape: str) -> None:
    """One engine or a dict of engines is accepted."""
    value: t.Any = engine if shape == "engine" else {"default": engine}
    assert Targets(metadata, value)["default"].engine is engine


def test_dict_keeps_order_and_engines(
    metadata: sa.MetaData,
    auth_metadata: sa.MetaData,
    engine: sa.Engine,
    auth_engine: sa.Engine,
) -> None:
    """Names keep the metadata's order, each with its own engine."""
    targets = Targets(
        {"auth": auth_metadata, "default": metadata},
        {"default": engine, "auth": auth_engine},
    )
    assert list(targets) == ["auth", "default"]
    assert targets["auth"].engine is auth_engine
    assert targets["default"].engine is engine
    assert targets.multidb
    assert repr(targets) == "<Targets ['auth', 'default']>"


def test_missing_engine_names_keys(
    metadata: sa.MetaData, auth_metadata: sa.MetaData, engine: sa.Engine
) -> None:
    """A metadata name without an engine is an error naming the names."""
    with pytest.raises(
        ConfigurationError,
        match=r"Missing engine configs for 'auth', 'shop': every metadata name"
        r" needs an engine with the same name\. Engines are configured for:"
        r" 'default'\.",
    ):
        Targets(
            {"default": metadata, "auth": auth_metadata, "shop": [metadata]},
            {"default": engine},
        )


def test_missing_engine_none_known(metadata: sa.MetaData) -> None:
    """With no engines at all, the error says so."""
    with pytest.raises(
        ConfigurationError, match="Missing engine config for 'default':.*for: none"
    ):
        Targets(metadata, {})


def test_single_engine_other_name(metadata: sa.MetaData, engine: sa.Engine) -> None:
    """One engine is named ``default``, so it does not serve another name."""
    with pytest.raises(ConfigurationError, match="Missing engine config for 'main'"):
        Targets({"main": metadata}, engine)


@pytest.mark.parametrize("value", [None, {}])
def test_no_metadata(engine: sa.Engine, value: t.Any) -> None:
    """Nothing to migrate is an error that says to pass the metadata."""
    with pytest.raises(
        ConfigurationError, match="No metadata to migrate. Pass the MetaData"
    ):
        Targets(value, engine)


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ("metadata", "metadatas"),
        ([], "metadatas"),
        ([1], "metadatas"),
        ({"default": []}, r"metadatas\['default'\]"),
        ({"default": "x"}, r"metadatas\['default'\]"),
    ],
)
def test_bad_metadata(engine: sa.Engine, value: t.Any, where: str) -> None:
    """A metadata value of the wrong shape names where it was found."""
    with pytest.raises(
        ConfigurationError, match=rf"{where} must be an SQLAlchemy MetaData"
    ):
        Targets(value, engine)


def test_bad_engine_value(metadata: sa.MetaData) -> None:
    """A dict entry that is not an engine names its key."""
    with pytest.raises(
        ConfigurationError, match=r"engines\['default'\] must be an SQLAlchemy Engine"
    ):
        Targets(metadata, {"default": "sqlite://"})


def test_bad_engines(metadata: sa.MetaData) -> None:
    """Engines that are neither an engine nor a dict are refused."""
    with pytest.raises(
        ConfigurationError, match="'engines' must be an SQLAlchemy Engine or a dict"
    ):
        Targets(metadata, "sqlite://")  # type: ignore[arg-type]


def test_engines_without_metadata_ignored(
    metadata: sa.MetaData, engine: sa.Engine, auth_engine: sa.Engine
) -> None:
    """An engine with no metadata is not migrated."""
    targets = Targets(metadata, {"default": engine, "auth": auth_engine})
    assert list(targets) == ["default"]
    assert not targets.multidb


@pytest.mark.parametrize(
    ("names", "primary"),
    [
        (["default"], "default"),
        (["main"], "main"),
        (["auth", "default"], "default"),
        (["auth", "main"], "auth"),
        (["main", "auth"], "main"),
    ],
)
def test_primary(
    metadata: sa.MetaData, engine: sa.Engine, names: list[str], primary: str
) -> None:
    """The primary database is ``default`` if configured, else the first."""
    targets = Targets(
        {name: metadata for name in names}, {name: engine for name in names}
    )
    assert targets.primary == primary
    assert targets.multidb is (len(names) > 1)
