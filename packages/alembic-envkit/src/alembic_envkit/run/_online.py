"""The runners: upgrade, downgrade, stamp and their plans, on connected
databases. Each is a function over the history and the connections; the
database names to work on are given.
"""

from __future__ import annotations

import typing as t
from contextlib import ExitStack

import sqlalchemy as sa

from .._errors import ConfigurationError
from .._errors import MigrationError
from .._errors import translate_alembic_errors
from ..history import revision_ids
from ..settings import ddl_lock_settings
from ..settings import ledger_settings
from ..settings import snapshot_settings
from ._create import create_databases
from ._events import MigrationEvent
from ._ledger import Recorder
from ._ledger_check import check_before_upgrade
from ._reading import current_by_database
from ._reading import positions
from ._runner import run_migrations
from ._snapshot import is_empty
from ._snapshot import preload
from ._steps import check_run_phase
from ._steps import phase_steps
from ._steps import purging
from ._steps import stamp_steps
from ._steps import steps_to
from .dialects import acquire
from .dialects import impl_for

if t.TYPE_CHECKING:
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext
    from alembic.script import Script

    from ..history import History
    from ..history import RevisionArg
    from ..history import TargetArg
    from ._connections import Connections
    from ._steps import StepsFn
    from .dialects import Lock

#: Called with each :class:`.MigrationEvent`, or ``None``.
Progress: t.TypeAlias = "t.Callable[[MigrationEvent], None] | None"


def migrate(
    history: History,
    connections: Connections,
    fn: StepsFn,
    *,
    names: t.Sequence[str],
    write: bool,
    repair: bool = False,
    plan: bool = False,
    progress: Progress = None,
    before: t.Callable[[t.Mapping[str, EnvironmentContext]], None] | None = None,
    **kwargs: t.Any,
) -> None:
    """Run a work function on the named databases: take each one's
    migration lock (when ``write`` and the ``lock`` setting is on), in name
    order, then call ``before`` with the databases' environment contexts,
    then run. See :func:`.run_migrations` for the other arguments.
    """
    environments = connections.environments(names)
    settings = connections.settings
    multidb = connections.targets.multidb
    table = ledger_settings(settings.options).table
    # Stamps run no revision: nothing waits for a table lock.
    ddl_locks = ddl_lock_settings(settings.options) if write and not repair else None
    recorder = None

    if table is not None and write and not repair:

        def recorder(context: MigrationContext) -> Recorder:
            return Recorder(context, table, history)

    with ExitStack() as stack:
        locks: dict[str, Lock | None] = {}

        if write and settings.lock:
            for name in sorted(environments):
                context = environments[name].get_context()
                lock = acquire(
                    name,
                    connections.engine(name),
                    context.version_table,
                    context.version_table_schema,
                    settings.lock_timeout,
                )

                if lock is not None:
                    stack.callback(lock.release)

                locks[name] = lock

        if before is not None:
            before(environments)

        try:
            run_migrations(
                environments,
                fn,
                multidb=multidb,
                locks=locks,
                savepoints=settings.transaction_mode != "run",
                mutate=write,
                repair=repair,
                two_phase=_two_phase(connections, write),
                progress=progress,
                plan=plan,
                recorder=recorder,
                ddl_locks=ddl_locks,
                **kwargs,
            )
        except MigrationError as e:
            if not multidb:
                raise

            text = str(e).rstrip()

            if not text.endswith((".", "!", "?")):
                text += "."

            where = positions(history, connections, names)
            raise MigrationError(
                f"{text} Databases now at: {where}.",
                database=e.database,
                revision=e.revision,
            ) from e.__cause__


def upgrade(
    history: History,
    connections: Connections,
    target: TargetArg,
    *,
    names: t.Sequence[str],
    progress: Progress = None,
    snapshots: bool | None = None,
    phase: str | None = None,
) -> None:
    """Run revisions up to ``target`` on the named databases, once the
    ledger (where it is kept) has been compared with the files. An empty
    database first gets the newest snapshot at or below the target: with
    ``snapshots`` ``None`` as the ``snapshots`` setting says, with ``True``
    always (every database must be empty and have one), with ``False``
    never. With ``phase`` ``"expand"``, contract revisions and what comes
    after them are held back (see :func:`.phase_steps`).
    """
    script = history.script_directory
    history.check_template()
    check_run_phase(phase)
    steps = phase_steps(steps_to(script, target, down=False), phase)
    check_before_upgrade(history, connections, names)

    required = snapshots is True

    if snapshots is None:
        snapshots = snapshot_settings(history.settings).load

    tenants = _tenants(connections, names)

    def before(environments: t.Mapping[str, EnvironmentContext]) -> None:
        preload(
            history,
            environments,
            target,
            required=required,
            phase=phase,
            tenants=tenants,
        )

    migrate(
        history,
        connections,
        steps,
        names=names,
        write=True,
        plan=True,
        progress=progress,
        before=before if snapshots else None,
    )


def create_at_head(
    history: History,
    connections: Connections,
    *,
    names: t.Sequence[str],
    progress: Progress = None,
    create_database: bool = False,
) -> None:
    """Upgrade the named databases, which must be empty, to the heads, from
    their newest snapshots where there are some; with ``create_database``,
    make them first (see :func:`.create_databases`).

    :raises ConfigurationError: If a database is not empty (or, with
        ``create_database``, exists).
    """
    made = (
        create_databases(history, connections.targets, names) if create_database else []
    )

    for name, context in connections.contexts(names).items():
        connection = t.cast(sa.Connection, context.bind)

        if name not in made and not is_empty(connection, context.version_table_schema):
            raise ConfigurationError(
                f"Database {name!r} is not empty: create_at_head() builds new"
                " databases only. Use upgrade() to bring it up."
            )

    upgrade(history, connections, "heads", names=names, progress=progress)


def downgrade(
    history: History,
    connections: Connections,
    target: TargetArg,
    *,
    names: t.Sequence[str],
    progress: Progress = None,
) -> None:
    """Run revisions down to ``target`` on the named databases."""
    history.check_template()
    steps = steps_to(history.script_directory, target, down=True)
    migrate(
        history,
        connections,
        steps,
        names=names,
        write=True,
        plan=True,
        progress=progress,
    )


def stamp(
    history: History,
    connections: Connections,
    target: RevisionArg,
    *,
    purge: bool,
    names: t.Sequence[str],
    progress: Progress = None,
) -> None:
    """Record ``target`` as current on the named databases, emptying their
    version tables first with ``purge``.
    """
    steps = stamp_steps(history.script_directory, revision_ids(target))

    with purging(connections.contexts(names).values(), purge):
        migrate(
            history,
            connections,
            steps,
            names=names,
            write=True,
            repair=True,
            plan=True,
            progress=progress,
        )


def plan(
    history: History,
    connections: Connections,
    target: TargetArg,
    *,
    down: bool,
    names: t.Sequence[str],
    phase: str | None = None,
) -> dict[str, list[Script]]:
    """The revisions an upgrade (or downgrade) to ``target`` would run on
    each named database, without the lock or any change; with ``phase``
    ``"expand"``, those an expand run would.
    """
    check_run_phase(phase)
    steps = steps_to(history.script_directory, target, down=down)

    if not down:
        steps = phase_steps(steps, phase)

    result = {}

    for name, current in current_by_database(history, connections, names).items():
        with translate_alembic_errors():
            planned = steps(tuple(s.revision for s in current), None)  # type: ignore[arg-type]

        result[name] = [step.revision for step in planned]  # type: ignore[attr-defined]

    return result


def _tenants(connections: Connections, names: t.Sequence[str]) -> dict[str, str]:
    """The tenant each named database stands for, where it is one."""
    found = {}

    for name in names:
        tenant = connections.targets[name].tenant

        if tenant is not None:
            found[name] = tenant

    return found


def _two_phase(connections: Connections, write: bool) -> bool:
    """Whether this run commits with a two-phase commit; refused unless
    every database's dialect can prepare a transaction holding DDL
    (PostgreSQL).
    """
    targets = connections.targets

    if not (write and connections.settings.two_phase and targets.multidb):
        return False

    others = [
        f"{name!r} ({target.engine.dialect.name})"
        for name, target in targets.items()
        if not impl_for(target.engine.dialect.name).two_phase
    ]

    if others:
        raise ConfigurationError(
            "The 'two_phase' setting needs every database to be PostgreSQL;"
            f" {', '.join(others)} cannot prepare a transaction holding DDL."
            " Turn 'two_phase' off."
        )

    return True
