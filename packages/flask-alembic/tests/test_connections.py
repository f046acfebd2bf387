"""Connections live for one app context and are never shared between
contexts or threads.
"""

from __future__ import annotations

import threading
import typing as t

import sqlalchemy as sa
from flask import Flask

from flask_alembic import Alembic


def test_connection_closed_at_teardown(app: Flask, alembic: Alembic) -> None:
    """The migration context's connection is closed when the app context
    ends.
    """
    with app.app_context():
        connection = alembic.migration_context.connection
        assert connection is not None
        assert not connection.closed

    assert connection.closed


def test_every_connection_closed_at_teardown(
    app: Flask,
    metadata: sa.MetaData,
    engine: sa.Engine,
    make_engine: t.Callable[..., sa.Engine],
    sqlite_url: t.Callable[[str], str],
) -> None:
    """Each database's connection is closed when the app context ends."""
    alembic = Alembic(
        metadatas={"default": metadata, "auth": sa.MetaData()},
        engines={"default": engine, "auth": make_engine(sqlite_url("auth"))},
    )
    alembic.init_app(app)

    with app.app_context():
        connections = [c.connection for c in alembic.migration_contexts.values()]

    assert len(connections) == 2
    assert all(c is not None and c.closed for c in connections)


def test_new_context_new_connection(app: Flask, alembic: Alembic) -> None:
    """A later app context opens a new connection that works."""
    with app.app_context():
        first = alembic.migration_context.connection

    with app.app_context():
        second = alembic.migration_context.connection
        assert second is not first
        assert second is not None and not second.closed
        assert alembic.current() == ()


def test_same_connection_within_context(app: Flask, alembic: Alembic) -> None:
    """One app context keeps one connection across calls."""
    with app.app_context():
        first = alembic.migration_context.connection
        alembic.revision("init")
        alembic.upgrade()
        assert alembic.migration_context.connection is first


def test_nested_contexts_separate_connections(app: Flask, alembic: Alembic) -> None:
    """A nested app context gets its own connection, and its teardown leaves
    the outer one open.
    """
    with app.app_context():
        outer = alembic.migration_context.connection

        with app.app_context():
            inner = alembic.migration_context.connection
            assert inner is not outer

        assert inner is not None and inner.closed
        assert outer is not None and not outer.closed
        assert alembic.migration_context.connection is outer
        assert alembic.current() == ()

    assert outer.closed


def test_threads_separate_connections(app: Flask, alembic: Alembic) -> None:
    """An app context in another thread gets its own connection, and its
    teardown leaves this thread's connection open.
    """
    seen: dict[str, t.Any] = {}

    def work() -> None:
        with app.app_context():
            seen["connection"] = alembic.migration_context.connection
            seen["current"] = alembic.current()

    with app.app_context():
        mine = alembic.migration_context.connection
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        assert seen["current"] == ()
        assert seen["connection"] is not mine
        assert seen["connection"].closed
        assert mine is not None and not mine.closed
        assert alembic.current() == ()

    assert mine.closed


def test_connection_holds_no_transaction_between_calls(
    app: Flask, alembic: Alembic, engine: sa.Engine, versions: t.Callable[[], set[str]]
) -> None:
    """After a call returns, its changes are committed and visible to other
    connections while the app context is still open.
    """
    with app.app_context():
        (script,) = alembic.revision("init")
        assert script is not None
        alembic.upgrade()
        assert versions() == {script.revision}
        assert "user" in sa.inspect(engine).get_table_names()
