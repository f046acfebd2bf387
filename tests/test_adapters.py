"""Adapter discovery with both adapter packages installed: each extension
object gets its own adapter, anything else a clear error.
"""

from __future__ import annotations

import typing as t

import pytest
from flask_sqlalchemy import SQLAlchemy as FSA
from flask_sqlalchemy_lite import SQLAlchemy as Lite

from flask_alembic._adapters import find_adapter
from flask_alembic._adapters import load_adapters
from flask_alembic_fsa import FlaskSQLAlchemyAdapter
from flask_alembic_lite import FlaskSQLAlchemyLiteAdapter


def test_both_adapters_installed() -> None:
    """Both adapters are loaded from the flask_alembic.adapters group."""
    adapters = load_adapters()
    assert isinstance(adapters["flask_sqlalchemy"], FlaskSQLAlchemyAdapter)
    assert isinstance(adapters["flask_sqlalchemy_lite"], FlaskSQLAlchemyLiteAdapter)


@pytest.mark.parametrize(
    ("extension", "adapter"),
    [
        (FSA, FlaskSQLAlchemyAdapter),
        (Lite, FlaskSQLAlchemyLiteAdapter),
    ],
)
def test_adapter_per_extension(extension: type, adapter: type) -> None:
    """find_adapter picks the adapter of the extension's own class."""
    assert type(find_adapter(extension())) is adapter


@pytest.mark.parametrize("extension", [object(), "sqlalchemy", FSA, Lite])
def test_unknown_extension_error(extension: t.Any) -> None:
    """Anything that is not an extension instance has no adapter, and the
    error says how to fix it.
    """
    with pytest.raises(
        RuntimeError,
        match="No Flask-Alembic adapter supports .*pass 'metadatas' and 'engines'",
    ):
        find_adapter(extension)
