"""Environment: what ``env.py`` is in plain Alembic, built from settings."""

from __future__ import annotations

import os
import typing as t
from contextlib import ExitStack

from . import _async
from . import _locks
from ._comparing import Comparing
from ._core import selection
from ._errors import ConfigurationError
from ._errors import MigrationError
from ._errors import revision_error
from ._errors import translate_alembic_errors
from ._offline_methods import OfflineMethods
from ._reading import Reading
from ._revision_files import saves_cache
from ._revisions import revision_ids
from ._revisions import RevisionArg
from ._revisions import step_target
from ._revisions import TargetArg
from ._templates import check_template
from ._templates import make_directories

if t.TYPE_CHECKING:
    from alembic.script import Script

    from . import _migrate


_T = t.TypeVar("_T")
_P = t.ParamSpec("_P")


class Environment(Reading, Comparing, OfflineMethods):
    """An Alembic migration environment built from :class:`.Settings` and
    :class:`.Targets`, with no ``alembic.ini`` or ``env.py``.

    Alembic's objects are created on first use and cached. Revisions are read
    from the files' headers (see :attr:`revision_graph`), which are checked
    on each use, so edits are seen by a long-running process. Connections are
    opened on first use, kept per ``scope`` (by default per thread), and
    released by
    :meth:`close` or at the end of a ``with`` block. When a database has an
    async engine, connections last for one method call instead, see
    :meth:`run_async`.

    The methods return data and never print.

    :param settings: Where revisions live and which options to use.
    :param targets: The databases to migrate, or a callable that returns them
        on first use.
    :param rev_id: Makes the id of each new revision. The default is the UTC
        time to the millisecond, ``20261122T142530123``.
    :param scope: Returns the dict that connections are kept in. The default
        keeps one set per thread.
    :param database_names: Returns the names of the databases without
        resolving engines, so that reading revisions works before the engines
        are known. By default the names of ``targets``.
    """

    async def run_async(
        self, fn: t.Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _T:
        """Call a method of this environment (or any function that uses it)
        from async code, for example ``await env.run_async(env.upgrade)``.
        Async engines' drivers wait on the running event loop, so other tasks
        go on meanwhile; sync engines' drivers block it while they work.
        The connections opened are closed before this returns.

        :param fn: What to call, such as ``env.upgrade``.
        :param args: Its positional arguments.
        :param kwargs: Its keyword arguments.
        :return: What ``fn`` returns.

        .. versionadded:: 0.1
        """
        return await _async.run_async(fn, *args, **kwargs)

    @saves_cache
    def rev_id(self) -> str:
        """Make a new revision id that no existing revision has."""
        known = set(self.revision_graph.revisions)

        for _ in range(1000):
            value = self._rev_id()

            if value not in known:
                return value

        raise revision_error(
            f"The revision id function keeps returning existing ids ({value!r})."
            " Make it return a new id on each call."
        )

    @saves_cache
    @_async.operation
    def run_migrations(self, fn: _migrate.StepsFn, **kwargs: t.Any) -> None:
        """Run a work function on every database, as ``env.py`` would.

        Each database's migration lock is taken first (unless the ``lock``
        setting is off), in name order, then all transactions are opened
        before any migration runs. How a failure is rolled back depends on
        the ``transaction_mode`` setting; the :exc:`.MigrationError` names
        the database and revision.

        :param fn: Given the current heads and the migration context, returns
            the steps to run.
        :param kwargs: Passed to each revision's ``upgrade()`` or
            ``downgrade()``.
        """
        self._run(fn, write=True, **kwargs)

    def _run(
        self,
        fn: _migrate.StepsFn,
        *,
        write: bool,
        repair: bool = False,
        plan: bool = False,
        **kwargs: t.Any,
    ) -> None:
        from . import _migrate

        environments = self._selected(self._bound().environments)
        settings = self.settings

        with ExitStack() as stack:
            locks: dict[str, _locks.Lock | None] = {}

            if write and settings.lock:
                for name in sorted(environments):
                    context = environments[name].get_context()
                    lock = _locks.acquire(
                        name,
                        _async.engine_for(self.targets[name]),
                        context.version_table,
                        context.version_table_schema,
                        settings.lock_timeout,
                    )

                    if lock is not None:
                        stack.callback(lock.release)

                    locks[name] = lock

            try:
                _migrate.run_migrations(
                    environments,
                    fn,
                    multidb=self.targets.multidb,
                    locks=locks,
                    savepoints=settings.transaction_mode != "run",
                    mutate=write,
                    repair=repair,
                    two_phase=self._two_phase(write),
                    progress=self.progress,
                    plan=plan,
                    **kwargs,
                )
            except MigrationError as e:
                if not self.targets.multidb:
                    raise

                text = str(e).rstrip()

                if not text.endswith((".", "!", "?")):
                    text += "."

                raise MigrationError(
                    f"{text} Databases now at: {self._positions()}.",
                    database=e.database,
                    revision=e.revision,
                ) from e.__cause__

    def mkdir(self) -> None:
        """Create the migrations folder, its template (Alembic's ``generic``
        for one database, ``multidb`` for several) and every version folder,
        where they do not exist.
        """
        make_directories(
            self.settings.script_location,
            [p for _, p in self.settings.version_locations],
            multidb=len(self.database_names) > 1,
        )

    @saves_cache
    @_async.operation
    def stamp(self, target: RevisionArg = "heads", *, purge: bool = False) -> None:
        """Record revisions as current without running them.

        :param target: Revisions to record.
        :param purge: Empty the version table first, for a table that names
            revisions that no longer exist.
        """
        from . import _migrate

        script = self.script_directory
        steps = _migrate.stamp_steps(script, revision_ids(target))

        with _migrate.purging(self._selected(self.migration_contexts).values(), purge):
            self._run(steps, write=True, repair=True, plan=True)

    @saves_cache
    @_async.operation
    def upgrade(self, target: TargetArg = "heads") -> None:
        """Run revisions to upgrade every database.

        :param target: Revision to go up to, or a number of steps.
        """
        from . import _migrate

        script = self.script_directory
        self._check_template()
        steps = _migrate.upgrade_steps(script, step_target(script, target, down=False))
        self._run(steps, write=True, plan=True)

    @saves_cache
    @_async.operation
    def downgrade(self, target: TargetArg = -1) -> None:
        """Run revisions to downgrade every database.

        :param target: Revision to go down to, or a number of steps down.
        """
        from . import _migrate

        script = self.script_directory
        self._check_template()
        dest = step_target(script, target, down=True)

        if isinstance(dest, list):
            raise revision_error("Downgrade takes one target revision, not several.")

        self._run(_migrate.downgrade_steps(script, dest), write=True, plan=True)

    @saves_cache
    @_async.operation
    def plan(
        self, target: TargetArg = "heads", *, down: bool = False
    ) -> dict[str, list[Script]]:
        """The revisions an upgrade (or, with ``down``, a downgrade) to
        ``target`` would run on each database, in order, without taking the
        lock or changing anything.

        :param target: As for :meth:`upgrade` or :meth:`downgrade`.
        :param down: Plan a downgrade.
        """
        from . import _migrate

        script = self.script_directory
        dest = step_target(script, target, down=down)

        if down:
            if isinstance(dest, list):
                raise revision_error(
                    "Downgrade takes one target revision, not several."
                )

            steps = _migrate.downgrade_steps(script, dest)
        else:
            steps = _migrate.upgrade_steps(script, dest)

        result = {}

        for name, current in self.current_by_database().items():
            with translate_alembic_errors():
                planned = steps(tuple(s.revision for s in current), None)  # type: ignore[arg-type]

            result[name] = [step.revision for step in planned]  # type: ignore[attr-defined]

        return result

    @saves_cache
    @_async.operation
    def revision(
        self,
        message: str | None,
        empty: bool = False,
        branch: str = "default",
        parent: RevisionArg = "head",
        splice: bool = False,
        depend: RevisionArg | None = None,
        label: str | t.Sequence[str] | None = None,
        path: str | os.PathLike[str] | None = None,
        *,
        rev_id: str | None = None,
        skip_empty: bool = False,
    ) -> list[Script | None]:
        """Create a revision. Its operations are autogenerated by comparing
        the metadata with the databases, unless ``empty``.

        :param message: Description of the revision. ``None`` writes
            "empty message"; an empty string is refused.
        :param empty: Do not autogenerate operations.
        :param branch: Independent branch to add to. A branch that does not
            exist yet starts from ``base`` with this label, in the branch's
            configured version location. Empty for no branch handling.
        :param parent: Parent revisions.
        :param splice: Allow a parent that is not a head.
        :param depend: Revisions this one depends on.
        :param label: Branch labels for this revision.
        :param path: Folder to write to; relative to the settings' root.
        :param rev_id: Id of the new revision instead of a generated one.
        :param skip_empty: When autogenerate finds no changes, write nothing
            and return an empty list. By default the revision is written
            anyway, as Flask-Alembic 3.x did.
        :return: The new revisions.
        """
        from ._writing import plan_revision
        from ._writing import write_revision

        if selection.get() is not None:
            raise ConfigurationError(
                "A revision covers every database; choosing databases does not"
                " apply to it."
            )

        self._check_template()
        plan = plan_revision(self, message, branch, parent, depend, label, path)
        return write_revision(
            self, plan, empty=empty, splice=splice, rev_id=rev_id, skip_empty=skip_empty
        )

    @saves_cache
    def merge(
        self,
        revisions: RevisionArg = "heads",
        message: str | None = None,
        label: str | t.Sequence[str] | None = None,
        *,
        rev_id: str | None = None,
    ) -> Script | None:
        """Create a revision that merges several heads.

        :param revisions: Revisions to merge.
        :param message: Description; defaults to naming the merged revisions.
        :param label: Branch labels for this revision.
        :param rev_id: Id of the new revision instead of a generated one.
        """
        from ._writing import write_merge

        return write_merge(self, revisions, message, label, rev_id)

    def _two_phase(self, write: bool) -> bool:
        if not (write and self.settings.two_phase and self.targets.multidb):
            return False

        others = [
            f"{name!r} ({target.engine.dialect.name})"
            for name, target in self.targets.items()
            if target.engine.dialect.name != "postgresql"
        ]

        if others:
            raise ConfigurationError(
                "The 'two_phase' setting needs every database to be PostgreSQL;"
                f" {', '.join(others)} cannot prepare a transaction holding DDL."
                " Turn 'two_phase' off."
            )

        return True

    def _check_template(self) -> None:
        check_template(self.settings.script_location, list(self.targets))

    def __enter__(self) -> Environment:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @saves_cache
    @_async.operation
    def check(self) -> dict[str, list[t.Any]]:
        """Compare the metadata with each database as a new revision would,
        after the ``process_revision_directives`` hook, without writing
        anything.

        :return: Alembic's diff tuples for each database, by name; all empty
            when the models match.
        :raises RevisionError: If a database is not at head: upgrade it first.
        """
        from ._writing import autogenerate_diffs

        return autogenerate_diffs(self)
