"""Every use of Alembic's (and SQLAlchemy's) undocumented API, in one place.

Alembic's public commands only work through an ``env.py``; this package
builds its own configs, script directories and migration contexts, and does
what those commands do with them. Each function below names the private
attribute it uses and the versions it was checked against; a test in
``tests/test_alembic_private.py`` fails if Alembic or SQLAlchemy changes it.
"""

from __future__ import annotations

import os
import typing as t

from alembic.script import Script
from alembic.script import ScriptDirectory
from alembic.script import write_hooks
from alembic.script.revision import Revision
from alembic.script.revision import RevisionMap
from alembic.util import load_python_file
from alembic.util import to_tuple

if t.TYPE_CHECKING:
    from types import ModuleType

    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.runtime.migration import MigrationStep
    from sqlalchemy.engine import Dialect

    from .history._headers import Header

#: The versions every use below was checked against.
CHECKED_AGAINST = {"alembic": "1.16.0 to 1.20.1", "sqlalchemy": "2.0.0 to 2.1.9"}


# Steps: what alembic.command.upgrade/downgrade/stamp hand their env.py.


def upgrade_revs(
    script: ScriptDirectory, target: str | list[str], heads: str | t.Sequence[str]
) -> list[MigrationStep]:
    """The steps of an upgrade from ``heads`` to ``target``.

    Private: ``ScriptDirectory._upgrade_revs``, as ``alembic.command.upgrade``
    uses it; it accepts a list of destinations too.
    """
    return list(script._upgrade_revs(target, heads))  # type: ignore[arg-type]


def downgrade_revs(
    script: ScriptDirectory, target: str, heads: str | t.Sequence[str]
) -> list[MigrationStep]:
    """The steps of a downgrade from ``heads`` to ``target``.

    Private: ``ScriptDirectory._downgrade_revs``, as
    ``alembic.command.downgrade``.
    """
    return list(script._downgrade_revs(target, heads))  # type: ignore[arg-type]


def stamp_revs(
    script: ScriptDirectory, target: list[str], heads: str | t.Sequence[str]
) -> list[t.Any]:
    """The steps that record ``target`` as current, from ``heads``.

    Private: ``ScriptDirectory._stamp_revs``, as ``alembic.command.stamp``.
    """
    return list(script._stamp_revs(target, heads))  # type: ignore[arg-type]


# Migration contexts made once and kept across runs.


def set_migrations_fn(
    context: MigrationContext, fn: t.Callable[..., t.Any] | None
) -> None:
    """Give an existing migration context its work function, or ``None``.

    Private: ``MigrationContext._migrations_fn``, set from the ``fn`` option
    when a context is made. There is no public way to give an existing
    context a work function; ``EnvironmentContext.configure`` would make a
    new context, and callers rely on getting this one.
    """
    context._migrations_fn = fn


def set_external_transaction(context: MigrationContext, value: bool) -> None:
    """Tell a context that its transaction is its caller's, so it neither
    begins nor commits one itself.

    Private: ``MigrationContext._in_external_transaction``, which Alembic
    sets when the context is made; these contexts outlive one run.
    """
    context._in_external_transaction = value


# Script directories: revision files read on demand, written safely.


class LazyScript(Script):
    """A :class:`~alembic.script.Script` built from a header read without
    importing the file; its module is imported on first use.
    """

    def __init__(self, header: Header) -> None:
        revision, down, labels, depends, doc, path = header
        Revision.__init__(
            self, revision, down, dependencies=depends, branch_labels=labels
        )
        self.path = path
        self._longdoc = doc
        self._module: ModuleType | None = None

    @property
    def module(self) -> ModuleType:  # type: ignore[override]
        if self._module is None:
            self._module = load_python_file(
                os.path.dirname(self.path), os.path.basename(self.path)
            )

        return self._module

    @property
    def longdoc(self) -> str:
        return self._longdoc


def lazy_script_directory(
    make: t.Callable[[], ScriptDirectory], headers: t.Sequence[Header]
) -> ScriptDirectory:
    """A script directory whose revisions come from ``headers`` instead of
    importing every file.

    :param make: Builds the script directory from the config.
    :param headers: Every revision file's header, in load order.
    """
    script = make()
    script.revision_map = RevisionMap(lambda: [LazyScript(h) for h in headers])
    return script


def loaded_headers(config: Config) -> list[Header]:
    """The header of every revision Alembic finds by importing the files,
    bytecode included: for the ``sourceless`` option, whose files cannot be
    read without running them.

    Private: ``ScriptDirectory._load_revisions`` yields each file's Script
    in load order.
    """
    script = ScriptDirectory.from_config(config)
    return [
        (
            s.revision,
            _scalar(s.down_revision),
            to_tuple(getattr(s.module, "branch_labels", None), default=()),
            _scalar(s.dependencies),
            s.longdoc,
            s.path,
        )
        for s in script._load_revisions()
    ]


def replace_template_writer(
    script: ScriptDirectory, generate: t.Callable[..., None]
) -> None:
    """Make one script directory write each new revision file through
    ``generate(src, dest, **kw)``.

    Private: ``ScriptDirectory._generate_template`` writes each new revision
    file (and nothing else); this replaces it on this one instance.
    """
    script._generate_template = generate  # type: ignore[method-assign]


def invoke_hook(name: str, path: str, options: t.Mapping[str, t.Any]) -> None:
    """Run one post-write hook by its type on a written file.

    Private: ``write_hooks._invoke``, as ``write_hooks._run_hooks`` calls it
    after printing its status.
    """
    write_hooks._invoke(name, path, options)


# Dialects set up without a connection, for offline scripts.


def parse_mysql_server_version(dialect: Dialect, value: str) -> None:
    """Set up a MySQL or MariaDB dialect for the server version ``value``,
    telling MariaDB from MySQL, as its first connection would; then the
    MariaDB settings that depend on the version (native UUID from 10.7).

    Private: SQLAlchemy's ``MySQLDialect._parse_server_version`` and
    ``_initialize_mariadb``. No public API sets a dialect up without
    connecting.
    """
    mysql: t.Any = dialect
    mysql._parse_server_version(value)

    if mysql.is_mariadb and hasattr(mysql, "_initialize_mariadb"):
        mysql._initialize_mariadb(None)


def _scalar(value: str | t.Sequence[str] | None) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return value

    return tuple(value)
