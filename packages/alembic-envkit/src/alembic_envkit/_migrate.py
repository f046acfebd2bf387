"""Running migrations on every configured database.

This is the one module that uses Alembic's private API. Alembic's public
commands only work through an ``env.py``; the functions below do what those
commands do, against migration contexts this package built itself.
"""

from __future__ import annotations

import inspect
import logging
import os
import tempfile
import threading
import time
import traceback
import typing as t
from contextlib import contextmanager
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.runtime.migration import MigrationStep
from alembic.script import ScriptDirectory
from alembic.script import write_hooks
from alembic.util import template_to_file

from ._current import MARKER_PREFIX
from ._errors import ConfigurationError
from ._errors import EnvkitError
from ._errors import LockError
from ._errors import MigrationError
from ._errors import RevisionError
from ._errors import translate_alembic_errors
from ._locks import Lock

logger = logging.getLogger("alembic_envkit")

#: Alembic's "work function": given the current heads and the context, the
#: steps to run. The same shape an ``env.py``'s ``fn`` has.
StepsFn: t.TypeAlias = t.Callable[
    [str | t.Sequence[str], MigrationContext], t.Iterable[MigrationStep]
]


def upgrade_steps(script: ScriptDirectory, target: str | list[str]) -> StepsFn:
    """The work function of ``alembic upgrade``.

    :param script: Where the revisions are.
    :param target: Destination, as resolved by ``step_target``.
    """

    def steps(heads: str | t.Sequence[str], context: MigrationContext) -> list[t.Any]:
        # Private: ScriptDirectory._upgrade_revs is what alembic.command.upgrade
        # uses; it accepts a list of destinations too.
        return script._upgrade_revs(target, heads)  # type: ignore[arg-type]

    return steps


def downgrade_steps(script: ScriptDirectory, target: str) -> StepsFn:
    """The work function of ``alembic downgrade``.

    :param script: Where the revisions are.
    :param target: Destination, as resolved by ``step_target``.
    """

    def steps(heads: str | t.Sequence[str], context: MigrationContext) -> list[t.Any]:
        current = sorted(set((heads,) if isinstance(heads, str) else heads))

        if len(current) > 1 and target.startswith("-"):
            raise RevisionError(_ambiguous_steps(script, target, current))

        # Private: ScriptDirectory._downgrade_revs, as alembic.command.downgrade.
        return script._downgrade_revs(target, heads)  # type: ignore[arg-type]

    return steps


def _ambiguous_steps(script: ScriptDirectory, target: str, current: list[str]) -> str:
    """Why a relative downgrade from several current revisions is refused,
    naming each branch and the form that picks one.
    """
    names = []

    for revision in current:
        labels = sorted(script.get_revision(revision).branch_labels)
        names.append(labels[0] if len(labels) == 1 else revision)

    where = ", ".join(
        f"{n} at {r}" if n != r else r for n, r in zip(names, current, strict=True)
    )
    forms = " or ".join(f"'downgrade {n}@{target}'" for n in names)
    count = target[1:]
    steps = "1 step" if count == "1" else f"{count} steps"
    return (
        f"The database is at {len(current)} heads ({where}); going {steps} down"
        f" would pick one of them. Name the branch: {forms}."
    )


def stamp_steps(script: ScriptDirectory, target: list[str]) -> StepsFn:
    """The work function of ``alembic stamp``.

    :param script: Where the revisions are.
    :param target: Revisions to record as current.
    """

    def steps(heads: str | t.Sequence[str], context: MigrationContext) -> list[t.Any]:
        # Private: ScriptDirectory._stamp_revs, as alembic.command.stamp.
        return script._stamp_revs(target, heads)  # type: ignore[arg-type]

    return steps


def install_safe_writes(script: ScriptDirectory) -> None:
    """Make the script directory write new revision files safely: rendered
    to a temporary file beside the destination, then linked into place, so
    a file appears whole or not at all, an existing file (or a symlink at
    the destination) is never written through or replaced, and the mode
    follows the umask.
    """

    def generate(src: t.Any, dest: t.Any, **kw: t.Any) -> None:
        write_new_file(
            Path(dest),
            lambda tmp: template_to_file(src, tmp, script.output_encoding, **kw),
        )

    # Private: ScriptDirectory._generate_template writes each new revision
    # file (and nothing else); this replaces it on this one instance.
    script._generate_template = generate  # type: ignore[method-assign]


def write_new_file(dest: Path, render: t.Callable[[str], None]) -> None:
    """Create ``dest`` with what ``render`` writes to a path it is given.

    :raises RevisionError: If ``dest`` already exists, even as a symlink.
    """
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".", suffix=".tmp")
    os.close(fd)

    try:
        render(tmp)
        os.chmod(tmp, 0o666 & ~_umask())

        try:
            os.link(tmp, dest)
        except FileExistsError:
            raise RevisionError(
                f"{dest} already exists; it was left as it is. Use another"
                " revision id or message."
            ) from None
    finally:
        os.unlink(tmp)


_umask_lock = threading.Lock()


def _umask() -> int:
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)

    return mask


@contextmanager
def purging(contexts: t.Iterable[MigrationContext], purge: bool) -> t.Iterator[None]:
    """Let the contexts empty their version table before stamping.

    :param contexts: The migration contexts of a stamp.
    :param purge: Whether to purge; nothing changes if not.
    """
    contexts = list(contexts) if purge else []

    for context in contexts:
        # Set from the "purge" option when a context is made; these contexts
        # outlive one command, so it is set for the stamp alone.
        context.purge = True

    try:
        yield
    finally:
        for context in contexts:
            context.purge = False


@contextmanager
def deferred_write_hooks(script: ScriptDirectory) -> t.Iterator[list[str]]:
    """Write revisions without Alembic running the post-write hooks, which
    would print to stdout, then run them on every path the caller appended to
    the yielded list, logging instead of printing.

    :param script: The script directory revisions are written through.
    """
    hooks = script.hooks
    paths: list[str] = []
    script.hooks = []

    try:
        yield paths
    finally:
        script.hooks = hooks

    for path in paths:
        for hook in hooks:
            name = hook["_hook_name"]

            if "type" not in hook:
                raise ConfigurationError(
                    f"Post-write hook {name!r} has no 'type'. Set"
                    f" 'post_write_hooks' option '{name}.type'."
                )

            logger.info("Running post-write hook %r on %s", name, path)

            with translate_alembic_errors():
                # Private: write_hooks._invoke runs one hook by its type, as
                # write_hooks._run_hooks does after printing its status.
                write_hooks._invoke(hook["type"], path, hook)


@dataclass(frozen=True)
class MigrationEvent:
    """A revision starting (``seconds`` is ``None``) or done on one
    database, as passed to :attr:`.Environment.progress`.
    """

    #: Name of the database.
    database: str
    #: Revision id.
    revision: str | None
    #: The revision's message.
    message: str
    #: ``"upgrade"`` or ``"downgrade"``.
    direction: str
    #: How long the revision took, once done.
    seconds: float | None


class Run:
    """What one database is doing during :func:`run_migrations`: the step
    that is running, so a failure can name its revision, and the savepoint
    it runs in.
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

    def plan(self, fn: StepsFn, context: MigrationContext) -> None:
        """Work out the steps before any database runs one, so that a target
        no database can reach is refused before anything changes.
        """
        # As MigrationContext.run_migrations: a purge starts from nothing.
        heads = () if context.purge else context.get_current_heads()

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
        """Wrap a work function so that each step is recorded before it runs,
        the lock is checked and a savepoint opened for it, and revision errors
        from working out the steps are translated.
        """

        def tracked(
            heads: str | t.Sequence[str], context: MigrationContext
        ) -> t.Iterator[MigrationStep]:
            steps = self.planned

            if steps is None:
                steps = self._steps(fn, heads, context)

            self.planned = None
            marker = _Marker.for_context(context) if self.mutate else None

            if marker is not None:
                marker.check(self.name, repair=self.repair)

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
                    _fill_missing_function(step, self.name)

                if self.savepoints and context.connection is not None:
                    self.savepoint = context.connection.begin_nested()

                self.step = step
                self._report(step, None)
                yield step

            self._end_savepoint()
            self._report_done()
            self.step = None

            if marker is not None:
                marker.clear()

        return tracked

    def _check_lock(self, marker: _Marker | None) -> None:
        """Check the lock before a revision starts. When it was lost, the
        mark the finished revision before left is cleared, so that running
        the command again resumes rather than refuses.
        """
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

        revision = getattr(step, "revision", None)
        self.started = time.monotonic()
        self.progress(
            MigrationEvent(
                database=self.name,
                revision=getattr(revision, "revision", None),
                message=getattr(revision, "doc", "") or "",
                direction="upgrade"
                if getattr(step, "is_upgrade", True)
                else "downgrade",
                seconds=seconds,
            )
        )

    def _report_done(self) -> None:
        if self.progress is not None and self.step is not None:
            seconds = time.monotonic() - self.started
            self._report(self.step, seconds)

    def _end_savepoint(self) -> None:
        if self.savepoint is not None:
            self.savepoint.commit()
            self.savepoint = None

    def rollback_step(self) -> bool:
        """After a failure, roll back the failed revision's savepoint so the
        revisions before it can be committed. Returns whether that worked.
        """
        if self.savepoint is None or not self.savepoint.is_active:
            return False

        try:
            self.savepoint.rollback()
        except Exception:
            return False

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
    **kwargs: t.Any,
) -> None:
    """Run a work function on every database.

    Every database's transaction is opened before any migration runs. With
    ``savepoints``, each revision runs in a savepoint: a failure rolls back
    that revision alone, the transactions commit what finished, and the
    error is raised after. Without, a failure rolls back every open
    transaction.

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
    :param repair: Whether this run records where a database stands (a
        stamp), which clears the mark an interrupted revision left.
    :param two_phase: Commit every database with a two-phase commit: all
        or none of them keep the run.
    :param progress: Called as each revision starts and when it is done.
    :param plan: Work out every database's steps before any runs, so an
        unreachable target changes nothing. Only for work functions that
        just read the graph, since ``fn`` is then not called again.
    :param kwargs: Passed to each revision's ``upgrade()`` or ``downgrade()``.
    """
    failure: Exception | None = None

    with ExitStack() as stack:
        if two_phase:
            stack.enter_context(
                _two_phase_commit([c.get_context() for c in contexts.values()])
            )
        else:
            # Runs last: ends what the run's transactions leave open.
            stack.push(_leftover_ender(contexts.values(), mutate))

            for env_ctx in contexts.values():
                stack.enter_context(env_ctx.get_context().begin_transaction())

        runs = {}

        for name, env_ctx in contexts.items():
            context = env_ctx.get_context()
            # A transaction per revision needs no savepoint inside it.
            use_savepoints = (
                savepoints
                and context.impl.transactional_ddl
                and not context.opts.get("transaction_per_migration")
            )
            run = Run(name, multidb, (locks or {}).get(name), use_savepoints)
            run.mutate = mutate
            run.repair = repair
            run.progress = progress
            runs[name] = run

            if plan:
                run.plan(fn, context)

        for name, env_ctx in contexts.items():
            context = env_ctx.get_context()
            run = runs[name]
            # Private: there is no public way to give an existing context its
            # work function; EnvironmentContext.configure would make a new
            # context, and callers rely on getting this one.
            context._migrations_fn = run.track(fn)  # type: ignore[assignment]
            context.opts["dont_mutate"] = not mutate

            if multidb:
                kwargs["engine_name"] = name
                logger.info("Database %r", name)

            try:
                # Entering the environment context installs alembic.context
                # and alembic.op, as revision files expect.
                with env_ctx:
                    env_ctx.run_migrations(**kwargs)
            except Exception as e:
                error = e if isinstance(e, EnvkitError) else run.failure(e)

                if two_phase or not run.rollback_step():
                    raise error from (None if error is e else e)

                error.__cause__ = None if error is e else e
                failure = error
                break
            finally:
                context._migrations_fn = None
                context.opts.pop("dont_mutate", None)

    if failure is not None:
        raise failure


def _leftover_ender(
    contexts: t.Iterable[EnvironmentContext], mutate: bool
) -> t.Callable[..., None]:
    """An exit callback ending a transaction left open on a connection once
    the run's own have ended. With a transaction per revision (and where DDL
    is not transactional) there is no transaction around the run, and what
    runs between revisions, such as reading or creating the version table,
    begins one that nothing ends; on SQLite an open read would keep other
    connections from writing. A run that may change the database commits
    it, any other rolls it back.
    """
    contexts = list(contexts)

    def end(exc_type: type[BaseException] | None, *exc: t.Any) -> None:
        commit = mutate and exc_type is None

        for env_ctx in contexts:
            context = env_ctx.get_context()
            connection = context.connection

            if context.as_sql or connection is None:
                continue  # Offline: no real connection.

            if not connection.in_transaction():
                continue

            try:
                if commit:
                    connection.commit()
                else:
                    connection.rollback()
            except sa.exc.SQLAlchemyError:
                if commit:
                    raise

                logger.exception("Ending a transaction after a failed run failed")

    return end


@contextmanager
def _two_phase_commit(contexts: list[MigrationContext]) -> t.Iterator[None]:
    """One prepared transaction per database: all are prepared before any
    commits, and a failure anywhere rolls every one back.
    """
    transactions: list[sa.TwoPhaseTransaction] = []

    try:
        for context in contexts:
            connection = context.connection
            assert connection is not None

            if connection.in_transaction():
                connection.rollback()

            transactions.append(connection.begin_twophase())
            # Private: tells the context the transaction is its caller's, so
            # it neither begins nor commits one itself. Alembic sets it when
            # the context is made; these contexts outlive this run.
            context._in_external_transaction = True

        yield

        for transaction in transactions:
            transaction.prepare()

        for transaction in transactions:
            transaction.commit()
    except BaseException:
        for transaction in transactions:
            if transaction.is_active:
                try:
                    transaction.rollback()
                except sa.exc.SQLAlchemyError:
                    logger.exception("Rolling back a prepared transaction failed")

        raise
    finally:
        for context in contexts:
            context._in_external_transaction = False


class _Marker:
    """Where DDL commits statement by statement (MariaDB, MySQL), a revision
    that fails or is killed half way leaves part of it applied. The version
    table's comment says which revision is running, so the next run refuses
    to go on from an unknown state. Table comments are invisible to
    autogenerate and ``check``.
    """

    PREFIX = MARKER_PREFIX

    def __init__(self, context: MigrationContext) -> None:
        self.context = context
        preparer = context.impl.dialect.identifier_preparer
        table = preparer.quote(context.version_table)
        schema = context.version_table_schema
        self.table = f"{preparer.quote_schema(schema)}.{table}" if schema else table

    @classmethod
    def for_context(cls, context: MigrationContext) -> _Marker | None:
        if context.as_sql or context.impl.transactional_ddl:
            return None

        if context.impl.dialect.name not in ("mysql", "mariadb"):
            return None

        return cls(context)

    def _comment(self) -> str:
        assert self.context.connection is not None
        value = self.context.connection.execute(
            sa.text(
                "SELECT TABLE_COMMENT FROM information_schema.TABLES"
                " WHERE TABLE_SCHEMA = COALESCE(:schema, DATABASE())"
                " AND TABLE_NAME = :name"
            ),
            {
                "schema": self.context.version_table_schema,
                "name": self.context.version_table,
            },
        ).scalar()
        return str(value or "")

    def _write(self, text: str) -> None:
        assert self.context.connection is not None
        literal = text.replace("'", "''")
        self.context.connection.exec_driver_sql(
            f"ALTER TABLE {self.table} COMMENT = '{literal}'"
        )

    def check(self, name: str, *, repair: bool) -> None:
        comment = self._comment()

        if not comment.startswith(self.PREFIX):
            return

        if repair:
            self.clear()
            return

        what = comment[len(self.PREFIX) :]
        raise RevisionError(
            f"Database {name!r} was left in the middle of the {what}, which may"
            " be partly applied (MariaDB and MySQL commit each DDL statement)."
            " Finish or undo its changes by hand, then record where the"
            " database stands with 'stamp REVISION'; stamping clears this."
        )

    def set(self, step: MigrationStep) -> None:
        revision = getattr(step, "revision", None)

        if revision is None:
            return

        direction = "upgrade" if getattr(step, "is_upgrade", True) else "downgrade"
        self._write(f"{self.PREFIX}{direction} of revision {revision.revision}")

    def clear(self) -> None:
        self._write("")


def _fill_missing_function(step: MigrationStep, name: str) -> None:
    """Give a multidb revision written before database ``name`` was
    configured an empty ``upgrade_<name>()``/``downgrade_<name>()``, so a new
    database can be brought up through old revisions. For the default
    database, a Flask-Migrate revision's ``upgrade_()``/``downgrade_()`` are
    used instead.
    """
    module = getattr(getattr(step, "revision", None), "module", None)
    direction = "upgrade" if getattr(step, "is_upgrade", True) else "downgrade"
    function = f"{direction}_{name}"

    if module is None or hasattr(module, function):
        return

    entry = getattr(module, direction, None)

    try:
        takes_name = (
            entry is not None and "engine_name" in inspect.signature(entry).parameters
        )
    except (TypeError, ValueError):
        takes_name = False

    # Flask-Migrate's multidb template names the default bind's functions
    # upgrade_() and downgrade_().
    legacy = getattr(module, f"{direction}_", None) if name == "default" else None

    if takes_name and legacy is not None:
        setattr(module, function, legacy)
    elif takes_name:
        logger.info(
            "Revision %s has no %s(); nothing to run on database %r",
            getattr(step.revision, "revision", "?"),  # type: ignore[attr-defined]
            function,
            name,
        )
        setattr(module, function, _nothing)


def _nothing() -> None:
    pass


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
