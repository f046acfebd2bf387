"""Recording a revision's operations: its ``upgrade()`` runs in Alembic's
offline mode for a dialect (a migration context with ``as_sql=True`` that
writes to a buffer and has no connection), with ``alembic.op`` pointing at
an :class:`~alembic.operations.Operations` whose every operation is recorded,
with the revision file's line it was called from, before it runs.

Only public Alembic API: :meth:`Operations.context` installs the proxy, and
the recorder wraps that instance's ``invoke`` and ``batch_alter_table``.
Batch operations are recorded but not flushed: on SQLite, batch mode's
table copy needs a live connection to reflect the table.
"""

from __future__ import annotations

import io
import logging
import sys
import typing as t
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field

if t.TYPE_CHECKING:
    from types import ModuleType

    from alembic.operations import BatchOperations
    from alembic.operations import MigrateOperation
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext


@dataclass
class Recorded:
    """One operation a revision called."""

    operation: MigrateOperation
    line: int
    #: The database whose ``upgrade_<name>()`` called it (multidb), or "".
    database: str
    #: Whether it ran inside ``autocommit_block()``, outside the DDL
    #: transaction.
    autocommit: bool


@dataclass
class Recording:
    """What one revision's upgrade did offline."""

    operations: list[Recorded] = field(default_factory=list)
    #: Why the upgrade stopped before its end, and the line, if it did.
    failure: tuple[str, int] | None = None


class Recorder:
    """Runs revisions' upgrades offline for one dialect. The migration
    context is made once and reused for every revision.

    :param dialect: A SQLAlchemy dialect name.
    """

    def __init__(self, dialect: str) -> None:
        from alembic.runtime.migration import MigrationContext  # heavy

        self._buffer = io.StringIO()
        # Alembic says which impl it chose and that it writes SQL: the lint
        # says nothing of the kind.
        logger = logging.getLogger("alembic.runtime.migration")
        quiet = logging.Filter("nothing")
        logger.addFilter(quiet)

        try:
            self.context: MigrationContext = MigrationContext.configure(
                dialect_name=dialect,
                opts={"as_sql": True, "output_buffer": self._buffer},
            )
        finally:
            logger.removeFilter(quiet)
        self._autocommit = False
        self._path = ""
        self._database = ""
        self._recording = Recording()
        plain = self.context.autocommit_block

        @contextmanager
        def autocommit_block() -> t.Iterator[None]:
            self._autocommit = True
            try:
                with plain():
                    yield
            finally:
                self._autocommit = False

        self.context.autocommit_block = autocommit_block  # type: ignore[method-assign]

    def record(self, path: str, module: ModuleType) -> Recording:
        """Run the upgrade functions of a revision's module and return what
        they called.

        :param path: The revision file, as its functions' code names it.
        :param module: The revision's module.
        """
        from alembic.operations import Operations as Ops  # heavy

        self._recording = recording = Recording()
        functions = _upgrades(module)
        # The file as its code names it (compiled from a relative path, or
        # from a cached .pyc, it may differ from ``path``).
        codes = [getattr(f, "__code__", None) for _, f in functions]
        self._path = next((c.co_filename for c in codes if c is not None), path)

        with Ops.context(self.context) as operations:
            self._wrap(operations)

            for database, function in functions:
                self._database = database

                try:
                    function()
                except Exception as e:
                    recording.failure = (_describe(e), self._line_of(e))
                    break

        self._buffer.seek(0)
        self._buffer.truncate()
        return recording

    def _wrap(self, operations: Operations) -> None:
        plain_invoke = operations.invoke
        plain_batch = operations.batch_alter_table

        def invoke(operation: MigrateOperation) -> t.Any:
            self._add(operation)
            return plain_invoke(operation)

        @contextmanager
        def batch_alter_table(
            *args: t.Any, **kwargs: t.Any
        ) -> t.Iterator[BatchOperations]:
            with _unflushed(plain_batch(*args, **kwargs)) as batch:
                batch.invoke = self._add  # type: ignore[method-assign,assignment]
                yield batch

        operations.invoke = invoke  # type: ignore[method-assign]
        operations.batch_alter_table = batch_alter_table  # type: ignore[method-assign]

    def _add(self, operation: MigrateOperation) -> None:
        self._recording.operations.append(
            Recorded(operation, self._caller_line(), self._database, self._autocommit)
        )

    def _caller_line(self) -> int:
        frame = sys._getframe(2)

        while frame is not None:
            if frame.f_code.co_filename == self._path:
                return frame.f_lineno

            frame = frame.f_back  # type: ignore[assignment]

        return 0

    def _line_of(self, error: BaseException) -> int:
        line = 0
        tb = error.__traceback__

        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self._path:
                line = tb.tb_lineno

            tb = tb.tb_next

        return line


@contextmanager
def _unflushed(
    manager: t.ContextManager[BatchOperations],
) -> t.Iterator[BatchOperations]:
    # Enter the batch context and leave it without running its exit, which
    # flushes (and on SQLite reflects the table): the generator is closed.
    batch = manager.__enter__()
    yield batch


def _upgrades(module: ModuleType) -> list[tuple[str, t.Callable[[], t.Any]]]:
    """The upgrade functions: ``upgrade_<name>`` for each database of the
    multidb template, else ``upgrade``.
    """
    found = [
        (name[len("upgrade_") :], value)
        for name, value in vars(module).items()
        if name.startswith("upgrade_") and callable(value)
    ]

    if found:
        return found

    upgrade = getattr(module, "upgrade", None)
    return [("", upgrade)] if callable(upgrade) else []


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__
