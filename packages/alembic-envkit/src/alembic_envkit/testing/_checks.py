"""The checks of :mod:`alembic_envkit.testing`, which work without pytest:
each raises :exc:`.MigrationCheckError` naming the database and revision.
"""

from __future__ import annotations

import functools
import typing as t

import sqlalchemy as sa

from .._environment import Environment
from .._errors import ConfigurationError
from .._errors import MigrationCheckError
from .._errors import MigrationError
from ..run import operation
from ..settings import ledger_settings

if t.TYPE_CHECKING:
    from alembic.script import Script

    from ..history import Revision

    AnyRevision: t.TypeAlias = Revision | Script

#: For each database: its tables, each with its column names.
_Schema: t.TypeAlias = dict[str, dict[str, tuple[str, ...]]]
#: For each database: its current revision ids, and its schema.
_Snapshot: t.TypeAlias = tuple[dict[str, tuple[str, ...]], _Schema]


def check_single_head(env: Environment) -> None:
    """Check that the history has no unmerged branches: no two heads grow
    from a shared revision. Independent branches, which start at ``base``
    on their own, have one head each.

    :param env: The environment to check. Its databases are not used.
    :raises MigrationCheckError: Naming the heads and the revision they
        share.
    """
    __tracebackhide__ = True
    scripts = {s.revision: s for s in env.log()}
    owner: dict[str, str] = {}

    for head in env.heads():
        for revision in _lineage(scripts, head.revision):
            other = owner.setdefault(revision, head.revision)

            if other != head.revision:
                raise MigrationCheckError(
                    f"Revisions {other!r} and {head.revision!r} are both heads,"
                    f" grown from revision {revision!r}. Merge them with the"
                    " 'merge' command, or move one on top of the other."
                )


def check_history(env: Environment) -> None:
    """Check the history as ``verify`` does: no id declared twice, no
    parent or dependency that names nothing, no cycle, no branch with
    several heads or roots, no file name holding another id, no unreadable
    file. Warnings do not fail the check.

    :param env: The environment to check. Its databases are not used.
    :raises MigrationCheckError: Listing every error, one per line.
    """
    __tracebackhide__ = True
    errors = [str(f) for f in env.verify() if f.severity == "error"]

    if errors:
        raise MigrationCheckError(
            "The history has problems:\n" + "\n".join(f"  {e}" for e in errors)
        )


@operation
def check_upgrade(env: Environment) -> None:
    """Check that every database upgrades from ``base`` to the heads.

    :param env: The environment to check, on empty databases.
    :raises MigrationCheckError: If a database is not empty, or a revision
        fails; the message names the database and the revision.
    """
    __tracebackhide__ = True
    _require_empty(env)
    # Every revision runs: a snapshot would skip them.
    replay = functools.partial(env.upgrade, snapshot=False)
    _run(replay, "heads", "Upgrading from base to heads failed")


@operation
def check_stairway(env: Environment) -> None:
    """Check that each revision, from the oldest, upgrades, downgrades and
    upgrades again, and that its downgrade leaves every database as it was
    before its upgrade: the same revisions, tables and columns.

    Each step names its revision, so a history with branches and merges
    steps through one revision at a time.

    :param env: The environment to check, on empty databases.
    :raises MigrationCheckError: If a database is not empty, or a step fails
        or leaves a database different; the message names the database and
        the revision.
    """
    __tracebackhide__ = True
    _require_empty(env)
    state = _state(env)

    for script in reversed(env.log()):
        revision = script.revision
        before = state
        _run(env.upgrade, revision, f"Upgrading to revision {revision!r} failed")
        after = _state(env)
        _run(
            env.downgrade,
            _down_target(script),
            f"Downgrading revision {revision!r} failed",
        )

        if problems := _compare(before, _state(env)):
            raise MigrationCheckError(
                f"Downgrading revision {revision!r} did not undo its upgrade:"
                f" {problems}. Make its downgrade() reverse its upgrade()."
            )

        _run(
            env.upgrade,
            revision,
            f"Upgrading to revision {revision!r} again after its downgrade failed",
        )

        state = _state(env)

        if problems := _compare(after, state):
            raise MigrationCheckError(
                f"Upgrading to revision {revision!r} again after its downgrade"
                f" did not repeat its first upgrade: {problems}."
            )


@operation
def check_no_drift(env: Environment) -> None:
    """Check that, once upgraded to the heads (from the snapshots, where
    there are some), every database matches the models, as the ``check``
    command does.

    :param env: The environment to check.
    :raises MigrationCheckError: Naming each database whose models differ
        from its migrations, and the differences.
    """
    __tracebackhide__ = True
    _run(env.upgrade, "heads", "Upgrading to heads failed")
    problems = [
        f"in database {name!r}: {'; '.join(_describe(d) for d in diffs)}"
        for name, diffs in env.check().items()
        if diffs
    ]

    if problems:
        raise MigrationCheckError(
            f"The models differ from the migrations {', and '.join(problems)}."
            " Write a revision for these changes with the 'revision' command."
        )


def check_snapshots(env: Environment) -> None:
    """Check that each database's newest snapshot builds what replaying its
    revisions builds, as ``snapshot --check`` does.

    :param env: The environment to check.
    :raises MigrationCheckError: Naming each database whose snapshot
        differs, with the differences, or that has no snapshot.
    """
    __tracebackhide__ = True

    try:
        found = env.snapshots.check()
    except ConfigurationError as e:
        raise MigrationCheckError(str(e)) from None

    problems = [
        f"in database {name!r}: {'; '.join(lines)}"
        for name, lines in found.items()
        if lines
    ]

    if problems:
        raise MigrationCheckError(
            f"The snapshot differs from the migrations {', and '.join(problems)}."
            " Write it again with the 'snapshot' command."
        )


def check_lint(env: Environment) -> None:
    """Check that no revision holds an operation the linter calls an error
    for its database's dialect (see ``lint``), reading no database.

    :param env: The environment to check.
    :raises MigrationCheckError: Listing each error, with its file and line.
    """
    __tracebackhide__ = True
    reports = env.lint(every=True)
    errors = [f.text() for report in reports.values() for f in report.errors]

    if errors:
        raise MigrationCheckError(
            f"The linter found {len(errors)} error(s): {'; '.join(errors)}. Make"
            " each revision safe, or allow it with '# envkit: allow RULE -- reason'."
        )


def _lineage(scripts: t.Mapping[str, AnyRevision], revision: str) -> list[str]:
    """A revision and its ancestors through ``down_revision``, nearest
    first. Dependencies (``depends_on``) are not followed.
    """
    result: list[str] = []
    todo = [revision]

    while todo:
        current = todo.pop(0)

        if current not in result:
            result.append(current)
            todo.extend(_parents(scripts[current]))

    return result


def _parents(script: AnyRevision) -> tuple[str, ...]:
    down = script.down_revision

    if isinstance(down, str):
        return (down,)

    return tuple(down or ())


def _down_target(script: AnyRevision) -> str:
    """Downgrade one revision only, leaving other branches alone: one step
    down within the revision's lineage, or for a merge down to one of its
    parents (the other parents stay current).
    """
    parents = _parents(script)

    if len(parents) > 1:
        return f"{script.revision}@{parents[0]}"

    return f"{script.revision}@-1"


def _run(fn: t.Callable[[str], None], target: str, message: str) -> None:
    __tracebackhide__ = True

    try:
        fn(target)
    except MigrationError as e:
        raise MigrationCheckError(f"{message}: {e}") from e


def _require_empty(env: Environment) -> None:
    """Refuse a database that has revisions or tables of the models, which
    upgrading from ``base`` would collide with.
    """
    __tracebackhide__ = True

    for name, current in env.current_by_database().items():
        if current:
            raise MigrationCheckError(
                f"Database {name!r} is at {_ids(current)}, but this check"
                " upgrades from base. Give each test empty databases, such as"
                " SQLite files in pytest's 'tmp_path'."
            )

    schema = _schema(env)

    for name in env.targets:
        models = {_key(table.schema, table.name) for table in _tables(env, name)}

        if found := sorted(models & schema[name].keys()):
            raise MigrationCheckError(
                f"Database {name!r} already has tables {found} without any"
                " revision applied; something other than the migrations, such"
                " as 'create_all()', created them. Give the check empty"
                " databases."
            )


def _state(env: Environment) -> _Snapshot:
    current = {
        name: _ids(scripts) for name, scripts in env.current_by_database().items()
    }
    return current, _schema(env)


def _schema(env: Environment) -> _Schema:
    """The tables and columns of each database, in the default schema and
    the schemas of the models, apart from the version table and the ledger.
    Read on the environment's own connections.
    """
    result: _Schema = {}
    ledger = ledger_settings(env.settings.options).table

    for name, context in env.migration_contexts.items():
        connection = context.connection
        assert connection is not None, "contexts are configured with a connection"
        began = not connection.in_transaction()
        version = _key(context.version_table_schema, context.version_table)
        own = {version, _key(context.version_table_schema, ledger or "")}
        schemas = {None, *(table.schema for table in _tables(env, name))}
        result[name] = {}

        try:
            inspector = sa.inspect(connection)

            for schema in schemas:
                for key, found in inspector.get_multi_columns(schema).items():
                    if _key(*key) not in own:
                        columns = tuple(sorted(c["name"] for c in found))
                        result[name][_key(*key)] = columns
        finally:
            if began and connection.in_transaction():
                connection.rollback()

    return result


def _tables(env: Environment, name: str) -> list[sa.Table]:
    """The tables of a database's models."""
    metadatas = env.targets[name].metadatas
    return [table for md in metadatas for table in md.tables.values()]


def _key(schema: str | None, table: str) -> str:
    return f"{schema}.{table}" if schema else table


def _compare(expected: _Snapshot, actual: _Snapshot) -> str:
    """How each database differs from what it should be, or ``""``."""
    problems = []

    for name, revisions in expected[0].items():
        if actual[0][name] != revisions:
            problems.append(
                f"database {name!r} is at {actual[0][name]}, not {revisions}"
            )

    for name, tables in expected[1].items():
        found = actual[1][name]

        for table in sorted(found.keys() - tables.keys()):
            problems.append(f"table {table!r} is left in database {name!r}")

        for table in sorted(tables.keys() - found.keys()):
            problems.append(f"table {table!r} is missing from database {name!r}")

        for table in sorted(tables.keys() & found.keys()):
            if found[table] != tables[table]:
                problems.append(
                    f"table {table!r} in database {name!r} has columns"
                    f" {found[table]}, not {tables[table]}"
                )

    return "; ".join(problems)


def _describe(diff: t.Any) -> str:
    """One of Alembic's diff tuples, or a list of them, in a few words."""
    if isinstance(diff, list):
        return "; ".join(_describe(d) for d in diff)

    op, *args = diff

    if op.startswith("modify_"):
        _, table, column, _, old, new = args
        return f"{op} {table}.{column}: {old!r} -> {new!r}"

    if op in {"add_column", "remove_column"}:
        return f"{op} {args[1]}.{args[2].name}"

    return " ".join([op, *(str(getattr(a, "name", a)) for a in args if a is not None)])


def _ids(scripts: t.Iterable[AnyRevision | None]) -> tuple[str, ...]:
    return tuple(sorted(s.revision for s in scripts if s is not None))
