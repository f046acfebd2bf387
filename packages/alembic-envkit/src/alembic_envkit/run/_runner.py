"""Running a work function on every database: the transactions, a
savepoint per revision, the lock checked before each, progress events, the
ledger's rows, and an error naming the database and revision that failed.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
import typing as t
from contextlib import ExitStack

import sqlalchemy as sa

from .._alembic import purges
from .._alembic import set_dont_mutate
from .._alembic import set_migrations_fn
from .._alembic import transactional_ddl
from .._errors import EnvkitError
from .._errors import LockError
from .._errors import MigrationError
from .._errors import translate_alembic_errors
from .._revision_error import RevisionError
from ._events import MigrationEvent
from ._events import step_event
from ._ledger import recording
from ._lock_retry import LockRetry
from ._steps import fill_missing_function
from ._steps import StepsFn
from ._transactions import leftover_ender
from ._transactions import two_phase_commit
from .dialects import impl_for

if t.TYPE_CHECKING:
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext
    from alembic.runtime.migration import MigrationStep

    from ..settings import DDLLockSettings
    from ._ledger import Recorder
    from .dialects import Lock
    from .dialects import Marker

logger = logging.getLogger("alembic_envkit")


class Run:
    """What one database is doing in :func:`run_migrations`: the running
    step (a failure names its revision) and its savepoint.
    """

    def __init__(
        self,
        name: str,
        multidb: bool,
        lock: Lock | None = None,
        savepoints: bool = False,
    ) -> None:
        self.name = name
        self.multidb = multidb
        self.lock = lock
        self.savepoints = savepoints
        self.step: MigrationStep | None = None
        self.savepoint: t.Any = None
        self.mutate = True
        self.repair = False
        self.progress: t.Callable[[MigrationEvent], None] | None = None
        self.started = 0.0
        self.planned: list[MigrationStep] | None = None
        self.recorder: Recorder | None = None
        self.retry: LockRetry | None = None

    def plan(self, fn: StepsFn, context: MigrationContext) -> None:
        """Work out the steps before any database runs one, so that a target
        no database can reach is refused before anything changes.
        """
        # As MigrationContext.run_migrations: a purge starts from nothing.
        heads = () if purges(context) else context.get_current_heads()

        try:
            self.planned = self._steps(fn, heads, context)
        except RevisionError as e:
            if not self.multidb:
                raise

            raise RevisionError(f"Database {self.name!r}: {e}") from e.__cause__

    def _steps(
        self,
        fn: StepsFn,
        heads: str | t.Sequence[str],
        context: MigrationContext,
    ) -> list[MigrationStep]:
        try:
            with translate_alembic_errors():
                return list(fn(heads, context) or ())
        except RevisionError as e:
            raise RevisionError(_first_line(e)) from e.__cause__

    def track(self, fn: StepsFn) -> t.Callable[..., t.Iterator[MigrationStep]]:
        """Wrap a work function: before each step the lock is checked and a
        savepoint opened; after the last, the ledger's waiting rows are
        written; revision errors from working out the steps are translated.
        """

        def tracked(
            heads: str | t.Sequence[str], context: MigrationContext
        ) -> t.Iterator[MigrationStep]:
            steps = self.planned

            if steps is None:
                steps = self._steps(fn, heads, context)

            self.planned = None
            marker = _marker(context) if self.mutate else None

            if marker is not None:
                marker.check(self.name, repair=self.repair)

            if self.recorder is not None:
                self.recorder.prepare(heads)

            for step in steps:
                self._end_savepoint()
                self._report_done()

                # The lock first: a runner that lost it stops with the
                # revision before finished and the next one not begun.
                if self.lock is not None:
                    self._check_lock(marker)

                if marker is not None:
                    marker.set(step)

                if self.multidb:
                    fill_missing_function(step, self.name)

                if self.savepoints and context.connection is not None:
                    self.savepoint = context.connection.begin_nested()

                if self.retry is not None:
                    self.retry.wrap(step, marker)

                self.step = step
                self._report(step, None)

                if self.recorder is not None:
                    self.recorder.start()

                yield step

            self._end_savepoint()
            self._report_done()
            self.step = None

            if self.recorder is not None:
                self.recorder.flush()

            if marker is not None:
                marker.clear()

        return tracked

    def _check_lock(self, marker: Marker | None) -> None:
        """Check the lock before a revision starts; when it was lost, clear
        the finished revision's mark, so that a rerun resumes."""
        assert self.lock is not None

        try:
            self.lock.check()
        except LockError:
            if marker is not None:
                try:
                    marker.clear()
                except sa.exc.SQLAlchemyError:
                    logger.exception("Clearing the interrupted-revision mark failed")

            raise

    def _report(self, step: MigrationStep, seconds: float | None) -> None:
        if self.progress is None:
            return

        self.started = time.monotonic()
        self.progress(step_event(self.name, step, seconds))

    def _report_done(self) -> None:
        if self.progress is not None and self.step is not None:
            seconds = time.monotonic() - self.started
            self._report(self.step, seconds)

    def _end_savepoint(self) -> None:
        # An autocommit block in the revision ended it, with the transaction.
        if self.savepoint is not None and self.savepoint.is_active:
            self.savepoint.commit()

        self.savepoint = None

    def rollback_step(self) -> bool:
        """Roll back a failed revision's savepoint, so the revisions before
        it (and their ledger rows, written now) commit; whether it worked."""
        if self.savepoint is None or not self.savepoint.is_active:
            return False

        try:
            self.savepoint.rollback()
        except Exception:
            return False

        if self.recorder is not None:
            self.recorder.flush()

        return True

    def failure(self, error: BaseException) -> MigrationError:
        """An error that says which database and revision failed."""
        revision = getattr(self.step, "revision", None)
        rev_id = getattr(revision, "revision", None)
        where = f"database {self.name!r}"

        if self.step is not None:
            what = "upgrade" if getattr(self.step, "is_upgrade", True) else "downgrade"
            doc = getattr(revision, "doc", "")
            where += f", {what} of revision {rev_id}" + (f" ({doc})" if doc else "")
            where += _place(error, getattr(revision, "path", None))

        return MigrationError(
            f"Migration failed on {where}:"
            f" {type(error).__name__}: {_first_line(error)}",
            database=self.name,
            revision=rev_id,
        )


def run_migrations(
    contexts: t.Mapping[str, EnvironmentContext],
    fn: StepsFn,
    *,
    multidb: bool,
    locks: t.Mapping[str, Lock | None] | None = None,
    savepoints: bool = False,
    mutate: bool = True,
    repair: bool = False,
    two_phase: bool = False,
    progress: t.Callable[[MigrationEvent], None] | None = None,
    plan: bool = False,
    recorder: t.Callable[[MigrationContext], Recorder | None] | None = None,
    ddl_locks: DDLLockSettings | None = None,
    **kwargs: t.Any,
) -> None:
    """Run a work function on every database.

    Every database's transaction is opened before any migration runs. With
    ``savepoints``, each revision runs in a savepoint: a failure rolls back
    that revision alone, and what finished is committed before the error is
    raised. Without, a failure rolls back every open transaction.

    :param contexts: Configured environment context of each database.
    :param fn: The work function, called once per database.
    :param multidb: Pass ``engine_name`` to each revision's functions, as
        the ``multidb`` template expects.
    :param locks: The migration lock held for each database, checked before
        each revision.
    :param savepoints: Run each revision in a savepoint where the database's
        DDL is transactional.
    :param mutate: Whether the version table may be created; ``False`` for
        runs that only read, like autogenerate.
    :param repair: Whether this run is a stamp, which clears the mark an
        interrupted revision left.
    :param two_phase: Commit all databases or none, with a two-phase commit.
    :param progress: Called as each revision starts and when it is done.
    :param plan: Work out every database's steps before any runs, so an
        unreachable target changes nothing. Only for work functions that
        just read the graph, since ``fn`` is then not called again.
    :param recorder: Makes the ledger's recorder for a database's context,
        or ``None`` for no ledger.
    :param ddl_locks: How long statements wait for table locks, and how
        often what gave up is retried; ``None`` leaves the databases' own.
    :param kwargs: Passed to each revision's ``upgrade()`` or ``downgrade()``.
    """
    failure: Exception | None = None

    with ExitStack() as stack:
        if two_phase:
            stack.enter_context(
                two_phase_commit([c.get_context() for c in contexts.values()])
            )
        else:
            # Runs last: ends what the run's transactions leave open.
            stack.push(leftover_ender(contexts.values(), mutate))

            for env_ctx in contexts.values():
                stack.enter_context(env_ctx.get_context().begin_transaction())

        runs = {}

        for name, env_ctx in contexts.items():
            context = env_ctx.get_context()
            # A transaction per revision needs no savepoint inside it.
            use_savepoints = (
                savepoints
                and transactional_ddl(context)
                and not context.opts.get("transaction_per_migration")
            )
            run = Run(name, multidb, (locks or {}).get(name), use_savepoints)
            run.mutate = mutate
            run.repair = repair
            run.progress = progress
            run.recorder = recorder(context) if recorder is not None else None
            runs[name] = run

            run.retry = LockRetry.make(name, context, ddl_locks, progress)

            if run.retry is not None:
                stack.callback(run.retry.begin())

            if plan:
                run.plan(fn, context)

        for name, env_ctx in contexts.items():
            context = env_ctx.get_context()
            run = runs[name]
            set_migrations_fn(context, run.track(fn))
            set_dont_mutate(context, not mutate)

            if multidb:
                kwargs["engine_name"] = name
                logger.info("Database %r", name)

            try:
                # Installs alembic.context and alembic.op, as revisions expect.
                with env_ctx, recording(context, run.recorder):
                    env_ctx.run_migrations(**kwargs)
            except Exception as e:
                error = e if isinstance(e, EnvkitError) else run.failure(e)

                if two_phase or not run.rollback_step():
                    raise error from (None if error is e else e)

                error.__cause__ = None if error is e else e
                failure = error
                break
            finally:
                set_migrations_fn(context, None)
                set_dont_mutate(context, None)

    if failure is not None:
        raise failure


def _marker(context: MigrationContext) -> Marker | None:
    """The interrupted-revision marker of a context whose DDL commits
    statement by statement, where its dialect has one.
    """
    if context.as_sql or transactional_ddl(context):
        return None

    return impl_for(context.dialect.name).marker(context)


def _place(error: BaseException, path: str | None) -> str:
    """Where in the revision file ``path`` the error was raised, from the
    innermost frame in that file: ``" in FILE, line N"``, or nothing.
    """
    if path is None:
        return ""

    target = os.path.realpath(path)
    line = None

    for frame, lineno in traceback.walk_tb(error.__traceback__):
        if os.path.realpath(frame.f_code.co_filename) == target:
            line = lineno

    if line is None:
        return ""

    return f" in {path}, line {line}"


def _first_line(error: BaseException | str) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
