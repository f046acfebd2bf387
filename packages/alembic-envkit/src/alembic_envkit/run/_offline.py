"""Offline SQL scripts (``--sql``): the SQL a migration would run, written as
text for each database instead of run on it.

No connection is opened and no lock is taken, so a script can be made while
the database server is down. Each database's dialect comes from its engine's
URL (dialect and driver), set up for the server version given in the
``server_version`` context option, as a connection would set it up. The
revisions run exactly as online, through the same work functions and the
same per-database options (tokens, ``engine_name``, batch mode on
SQLite); Alembic's "as_sql" mode writes their statements to a buffer.
"""

from __future__ import annotations

import io
import typing as t

from .._errors import revision_error
from .._errors import translate_alembic_errors
from ..history import revision_ids
from ..settings import context_options
from ..settings import ledger_settings
from ..settings import snapshot_settings
from ._ledger import Recorder
from ._ledger import with_ledger_hook
from ._offline_dialect import SERVER_VERSION
from ._offline_dialect import set_server_version
from ._runner import run_migrations
from ._snapshot import newest_snapshot
from ._steps import check_run_phase
from ._steps import phase_steps
from ._steps import stamp_steps
from ._steps import steps_to
from ._steps import StepsFn

if t.TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from ..history import History
    from ..history import RevisionArg
    from ..history import TargetArg
    from ..settings import Settings
    from ..settings import Targets
    from ..snapshot import Snapshot

#: Context options the offline run sets itself; a configured value would
#: make a script that does not run, or is written somewhere else.
_OWN_OPTIONS = ("output_buffer", "output_encoding", "literal_binds", "as_sql")


def upgrade_sql(
    history: History,
    targets: Targets,
    names: t.Sequence[str],
    target: TargetArg,
    start: RevisionArg | None,
    tag: str | None,
    phase: str | None = None,
    *,
    settings: Settings | None = None,
    snapshot_body: t.Callable[[Snapshot], str | None] | None = None,
) -> dict[str, str]:
    """The script of each selected database for an upgrade, see
    :meth:`.Environment.upgrade_sql`; with ``settings``, those instead of
    the history's (a tenant's, for one).

    :param snapshot_body: What a snapshot's statements become in the
        script, when not its file's body as written; ``None`` from it
        means the script replays the revisions instead.
    """
    settings = settings or history.settings
    script = history.script_directory
    target, start = split_range(target, start)
    check_run_phase(phase)
    steps = phase_steps(steps_to(script, target, down=False), phase)
    start_ids = _start_ids(script, start)
    result = {}

    for name in names:
        # From an empty database, the newest snapshot, then what follows it.
        found = None

        if not start_ids and snapshot_settings(settings).load:
            dialect = targets[name].engine.dialect.name
            found = newest_snapshot(history, name, dialect, target, phase=phase)

        body = None

        if found is not None:
            body = found.read_body() if snapshot_body is None else snapshot_body(found)
            found = None if body is None else found

        ids = list(found.revisions) if found else start_ids
        text = _scripts(
            history, targets, [name], steps, ids, tag, record=True, settings=settings
        )[name]
        result[name] = text if body is None else body + "\n" + text

    return result


def downgrade_sql(
    history: History,
    targets: Targets,
    names: t.Sequence[str],
    target: TargetArg,
    start: RevisionArg | None,
    tag: str | None,
    *,
    settings: Settings | None = None,
) -> dict[str, str]:
    """The script of each selected database for a downgrade, see
    :meth:`.Environment.downgrade_sql`.
    """
    script = history.script_directory
    target, start = split_range(target, start)

    if start is None:
        raise revision_error(
            "An offline downgrade needs the revision the databases are at: give"
            " a FROM:TO range such as 'head:-1' or 'head:base' (from Python,"
            " the start argument also works)."
        )

    steps = steps_to(script, target, down=True)
    ids = _start_ids(script, start)
    return _scripts(
        history, targets, names, steps, ids, tag, record=True, settings=settings
    )


def stamp_sql(
    history: History,
    targets: Targets,
    names: t.Sequence[str],
    target: RevisionArg,
    start: RevisionArg | None,
    tag: str | None,
    *,
    settings: Settings | None = None,
) -> dict[str, str]:
    """The script of each selected database for a stamp, see
    :meth:`.Environment.stamp_sql`.
    """
    script = history.script_directory

    if isinstance(target, str):
        ranged, start = split_range(target, start)
        target = t.cast(str, ranged)

    steps = stamp_steps(script, revision_ids(target))
    ids = _start_ids(script, start)
    return _scripts(history, targets, names, steps, ids, tag, settings=settings)


def split_range(
    target: TargetArg, start: RevisionArg | None
) -> tuple[TargetArg, RevisionArg | None]:
    """Split a ``FROM:TO`` target, as Alembic's ``--sql`` takes it, into the
    target and the start.

    :param target: The target as given.
    :param start: The start as given separately, if at all.
    """
    if not isinstance(target, str) or ":" not in target:
        return target, start

    first, _, rest = target.partition(":")

    if not first or not rest or ":" in rest:
        raise revision_error(
            f"{target!r} is not a range; write FROM:TO, for example 'base:head'."
        )

    if start is not None:
        raise revision_error(
            f"The start is given twice, in {target!r} and as {start!r}; give it once."
        )

    return rest, first


def _start_ids(script: ScriptDirectory, start: RevisionArg | None) -> list[str]:
    """The exact revision ids the databases are taken to be at: none (an
    empty database) unless a start is given.
    """
    ids = revision_ids(start)

    if "current" in ids:
        raise revision_error(
            "An offline script cannot read the current revision from the"
            " database; name the revision it is at instead of 'current'."
        )

    with translate_alembic_errors():
        found = script.get_revisions([i for i in ids if i != "base"])

    return [s.revision for s in found if s is not None]


def _scripts(
    history: History,
    targets: Targets,
    names: t.Sequence[str],
    fn: StepsFn,
    start: list[str],
    tag: str | None,
    *,
    record: bool = False,
    settings: Settings | None = None,
) -> dict[str, str]:
    """Run the work function in Alembic's offline mode on each named
    database, with no connection, and return what each one wrote; with
    ``record``, the script writes the ledger's rows too, where it is on.
    """
    # Imports Alembic's runtime, which reading revisions never needs.
    from alembic.runtime.environment import EnvironmentContext

    history.check_template()
    script = history.script_directory
    settings = settings or history.settings
    buffers: dict[str, io.StringIO] = {}
    contexts: dict[str, EnvironmentContext] = {}
    table = ledger_settings(settings.options).table if record else None

    for name in names:
        target = targets[name]
        opts = context_options(settings, target, multidb=targets.multidb)

        if table is not None:
            opts = with_ledger_hook(opts)

        for key in _OWN_OPTIONS:
            opts.pop(key, None)

        server_version = opts.pop(SERVER_VERSION, None)

        buffers[name] = io.StringIO()
        # starting_rev is typed as one string; Alembic takes a list too.
        env_ctx = EnvironmentContext(
            history.config,
            script,
            as_sql=True,
            starting_rev=start or None,
            tag=tag,
        )

        with translate_alembic_errors():
            env_ctx.configure(
                url=target.engine.url,
                output_buffer=buffers[name],
                literal_binds=True,
                **opts,
            )

        if server_version is not None:
            set_server_version(env_ctx.get_context().dialect, server_version, name)

        contexts[name] = env_ctx

    def recorder(context: MigrationContext) -> Recorder | None:
        return None if table is None else Recorder(context, table, history)

    run_migrations(contexts, fn, multidb=targets.multidb, recorder=recorder)
    return {name: buffer.getvalue() for name, buffer in buffers.items()}
