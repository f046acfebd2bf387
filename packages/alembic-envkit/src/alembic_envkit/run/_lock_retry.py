"""Lock timeouts with retry: a revision's statements give up waiting for a
table lock after ``ddl_lock_timeout`` seconds, and what gave up runs again
after a wait that doubles each time.

Where DDL is transactional (PostgreSQL), each attempt at a revision runs in
a savepoint of its own, in every transaction mode; a timeout rolls the
attempt back to it and the whole revision runs again. Where each DDL
statement commits (MariaDB, MySQL), rerunning a revision would repeat what
already committed; a timeout there undoes the one statement, so that
statement alone runs again, through SQLAlchemy's ``do_execute`` event.
After the last attempt, the error names the tables and the sessions that
hold them, where the database tells.
"""

from __future__ import annotations

import functools
import logging
import re
import time
import typing as t

import sqlalchemy as sa

from .._alembic import transactional_ddl
from .._errors import MigrationError
from ._events import step_event
from .dialects import impl_for

if t.TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext
    from alembic.runtime.migration import MigrationStep

    from ..settings import DDLLockSettings
    from ._events import MigrationEvent
    from .dialects import Marker

logger = logging.getLogger("alembic_envkit")

#: Statements that change nothing, so that a timeout after them finds the
#: revision not yet begun.
_READS = re.compile(r"\s*(?:SELECT|SHOW|DESCRIBE|DESC|EXPLAIN|SET)\b", re.IGNORECASE)


class LockRetry:
    """Limits and retries lock waits on one database's connection for a
    run: :meth:`begin` before the first revision, :meth:`wrap` on each
    step.

    :param name: The database's name.
    :param context: Its migration context, connected.
    :param settings: The DDL lock settings.
    :param progress: Called with each retry's event, or ``None``.
    """

    def __init__(
        self,
        name: str,
        context: MigrationContext,
        settings: DDLLockSettings,
        progress: t.Callable[[MigrationEvent], None] | None,
    ) -> None:
        self.name = name
        self.connection = t.cast(sa.Connection, context.connection)
        self.dialect = context.dialect.name
        self.settings = settings
        self.progress = progress
        self.impl = impl_for(self.dialect)
        self.per_revision = transactional_ddl(context)
        self.per_statement = False
        #: The step whose revision runs now, inside its wrapper.
        self.step: MigrationStep | None = None
        #: Whether a statement of that revision changed something.
        self.changed = False
        #: The attempts made at what timed out last.
        self.attempts = 1
        self._listeners: list[tuple[str, t.Callable[..., t.Any]]] = [
            ("do_execute", self._execute),
            ("do_execute_no_params", self._execute_no_params),
            ("do_executemany", self._executemany),
        ]

    @classmethod
    def make(
        cls,
        name: str,
        context: MigrationContext,
        settings: DDLLockSettings | None,
        progress: t.Callable[[MigrationEvent], None] | None,
    ) -> LockRetry | None:
        """The retries of a run on one database; ``None`` when the settings
        are off, for an offline script, and where the dialect has no limit
        (SQLite locks the whole file; its driver's busy timeout says how
        long it waits).
        """
        if settings is None or context.as_sql or context.connection is None:
            return None

        if not impl_for(context.dialect.name).limits_lock_waits:
            return None

        return cls(name, context, settings, progress)

    def begin(self) -> t.Callable[[], None]:
        """Set the connection's limits for the run, and return what puts
        them back.
        """
        connection = self.connection
        restore = self.impl.limit_lock_waits(connection, self.settings.timeout)
        self.per_statement = not self.per_revision and self.impl.retries_statements(
            connection
        )

        if self.per_statement:
            for name, listener in self._listeners:
                sa.event.listen(connection.engine, name, listener)

        def end() -> None:
            if self.per_statement:
                for name, listener in self._listeners:
                    sa.event.remove(connection.engine, name, listener)

            restore()

        return end

    def wrap(self, step: MigrationStep, marker: Marker | None) -> None:
        """Make ``step`` run its revision with retries, and turn a lock
        timeout after the last attempt into an error that names the tables
        and who holds them. Where nothing of the revision committed before
        it gave up, ``marker``'s mark is cleared, so that a rerun resumes.
        """
        run = step.migration_fn

        @functools.wraps(run)
        def attempts(**kw: t.Any) -> None:
            self.step = step
            self.changed = False
            self.attempts = 1

            try:
                if self.per_revision:
                    self._revision(run, kw)
                else:
                    run(**kw)
            except Exception as e:
                if not self.impl.is_lock_timeout(e):
                    raise

                raise self._gave_up(e, marker) from e
            finally:
                self.step = None

        step.migration_fn = attempts

    def _revision(self, run: t.Callable[..., t.Any], kw: dict[str, t.Any]) -> None:
        """Run a revision in a savepoint, again after each lock timeout."""
        connection = self.connection
        attempt = 1

        while True:
            self.attempts = attempt
            savepoint = connection.begin_nested()
            # Set in the savepoint, so undone with it: set on each attempt.
            self.impl.limit_lock_waits_here(connection, self.settings.timeout)

            try:
                run(**kw)
            except Exception as e:
                # An autocommit block in the revision ended the savepoint,
                # and what ran before it is committed: no retry then.
                undone = savepoint.is_active and _rollback(savepoint)
                retry = undone and self.impl.is_lock_timeout(e)

                if not retry or attempt >= self.settings.attempts:
                    raise

                self._retry(getattr(e, "statement", None), attempt)
                attempt += 1
                continue

            if savepoint.is_active:
                savepoint.commit()

            return

    def _execute(
        self, cursor: t.Any, statement: str, parameters: t.Any, context: t.Any
    ) -> bool | None:
        if not self._ours(context):
            return None

        dialect = context.dialect
        self._statement(
            lambda: dialect.do_execute(cursor, statement, parameters, context),
            statement,
        )
        return True

    def _execute_no_params(
        self, cursor: t.Any, statement: str, context: t.Any
    ) -> bool | None:
        if not self._ours(context):
            return None

        dialect = context.dialect
        self._statement(
            lambda: dialect.do_execute_no_params(cursor, statement, context),
            statement,
        )
        return True

    def _executemany(
        self, cursor: t.Any, statement: str, parameters: t.Any, context: t.Any
    ) -> None:
        # Not retried: part of the rows may be written. It changes the
        # database, as far as anyone can tell.
        if self._ours(context):
            self.changed = True

    def _ours(self, context: t.Any) -> bool:
        """Whether a statement is one of the running revision's."""
        return self.step is not None and context.root_connection is self.connection

    def _statement(self, execute: t.Callable[[], t.Any], statement: str) -> None:
        """Run one statement, again after each lock timeout."""
        attempt = 1

        while True:
            self.attempts = attempt

            try:
                execute()
            except Exception as e:
                if (
                    not self.impl.is_lock_timeout(e)
                    or attempt >= self.settings.attempts
                ):
                    raise

                self._retry(statement, attempt)
                attempt += 1
                continue

            if not _READS.match(statement):
                self.changed = True

            return

    def _retry(self, statement: str | None, attempt: int) -> None:
        """Report a retry, then wait before it."""
        wait = self.settings.wait(attempt)
        line = (
            f"lock timeout on {self._tables(statement)}"
            f" (attempt {attempt} of {self.settings.attempts}),"
            f" retrying in {wait:g} s"
        )
        assert self.step is not None
        event = step_event(self.name, self.step, retry=line)
        logger.info(
            "Database %r, %s of revision %s: %s",
            self.name,
            event.direction,
            event.revision,
            line,
        )

        if self.progress is not None:
            self.progress(event)

        if wait > 0:
            time.sleep(wait)

    def _gave_up(self, error: Exception, marker: Marker | None) -> MigrationError:
        """The error after the last attempt: what waited for which tables,
        how often, who holds them, and what to do.
        """
        step = self.step
        assert step is not None
        event = step_event(self.name, step)
        statement = getattr(error, "statement", None)
        tables = self._table_names(statement)
        doc = f" ({event.message})" if event.message else ""
        times = "once" if self.attempts == 1 else f"{self.attempts} times"
        text = (
            f"Migration failed on database {self.name!r}, {event.direction} of"
            f" revision {event.revision}{doc}: waited"
            f" {self.impl.lock_wait(self.settings.timeout):g} s for a lock on"
            f" {_names(tables)} {times}"
        )
        holders = self._holders(tables)

        if holders:
            text += f"; held by {'; '.join(holders)}"
            fix = "Find that session and end it"
        else:
            text += "; the database does not say who holds it"
            fix = "Find the session that holds it and end it"

        text += (
            f". {fix}, or raise 'ddl_lock_timeout' or 'ddl_lock_retries', then"
            " run again."
        )

        if not self.per_revision:
            text += self._left(marker)

        return MigrationError(text, database=self.name, revision=event.revision)

    def _left(self, marker: Marker | None) -> str:
        """What a revision that gave up left, where each statement commits."""
        if self.changed:
            return (
                " Its statements before that one stay applied, as each DDL"
                " statement commits."
            )

        if marker is not None:
            try:
                marker.clear()
            except sa.exc.SQLAlchemyError:
                logger.exception("Clearing the interrupted-revision mark failed")
                return ""

        return " Nothing of the revision was applied."

    def _holders(self, tables: list[tuple[str | None, str]]) -> list[str]:
        """Who holds locks on ``tables``, as far as the database tells; on
        any failure, nobody known.
        """
        if not tables:
            return []

        connection = self.connection

        try:
            if self.per_revision and connection.in_transaction():
                # A failed query would end the run's transaction.
                with connection.begin_nested():
                    return self.impl.lock_holders(connection, tables)

            return self.impl.lock_holders(connection, tables)
        except sa.exc.SQLAlchemyError:
            logger.info("Finding who holds the lock failed", exc_info=True)
            return []

    def _table_names(self, statement: str | None) -> list[tuple[str | None, str]]:
        if not statement:
            return []

        # Imported when a lock timed out: sqlglot is heavy.
        from ..lint import statement_tables

        return statement_tables(statement, self.dialect)

    def _tables(self, statement: str | None) -> str:
        return _names(self._table_names(statement))


def _names(tables: list[tuple[str | None, str]]) -> str:
    """``table "user"``, ``tables "a", "b"``, or ``a table`` when the
    statement names none that could be read.
    """
    if not tables:
        return "a table"

    names = ", ".join(
        f'"{schema}.{name}"' if schema else f'"{name}"' for schema, name in tables
    )
    return f"table {names}" if len(tables) == 1 else f"tables {names}"


def _rollback(savepoint: sa.NestedTransaction) -> bool:
    """Roll an attempt's savepoint back; whether that worked."""
    try:
        savepoint.rollback()
    except sa.exc.SQLAlchemyError:
        logger.info("Rolling back to the attempt's savepoint failed", exc_info=True)
        return False

    return True
