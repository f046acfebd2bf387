"""Fixtures shared by every test folder in the workspace."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa


@pytest.fixture
def make_engine() -> t.Iterator[t.Callable[..., sa.Engine]]:
    """Create engines that are disposed when the test ends."""
    engines: list[sa.Engine] = []

    def make(url: str | sa.URL, **kwargs: t.Any) -> sa.Engine:
        engine = sa.create_engine(url, **kwargs)
        engines.append(engine)
        return engine

    yield make

    for engine in engines:
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> t.Callable[[str], str]:
    """URL of an SQLite file with the given name in the test's temporary
    folder.
    """

    def url(name: str = "default") -> str:
        return f"sqlite:///{tmp_path / name}.sqlite"

    return url
