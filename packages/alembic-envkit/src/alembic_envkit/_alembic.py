"""Every use of Alembic's (and SQLAlchemy's) undocumented API, in one place.

Alembic's public commands only work through an ``env.py``; this package
builds its own configs, script directories and migration contexts, and does
what those commands do with them. Each function below names the private or
undocumented attribute it uses and the versions it was checked against
(:data:`CHECKED_AGAINST`); a test in ``tests/test_alembic_private.py`` fails
if Alembic or SQLAlchemy changes it.

Left outside, and pinned by tests in the same file: ``run/_async.py``'s
use of ``sqlalchemy.util.concurrency`` and its engine copies (importing this
module imports Alembic, which reading revisions with an async engine never
does); the attributes that hold a migration context's documented
``configure()`` options under their own names (``connection``,
``as_sql``, ``version_table``...); and the steps' ``revision`` and
``is_upgrade``.
"""

from __future__ import annotations

import os
import typing as t
from contextlib import contextmanager
from pathlib import Path

from alembic.autogenerate import RevisionContext
from alembic.script import Script
from alembic.script import ScriptDirectory
from alembic.script import write_hooks
from alembic.script.revision import Revision
from alembic.script.revision import RevisionMap
from alembic.util import asbool
from alembic.util import coerce_resource_to_filename
from alembic.util import load_python_file
from alembic.util import template_to_file
from alembic.util import to_tuple

if t.TYPE_CHECKING:
    from types import ModuleType

    from alembic.config import Config
    from alembic.operations import MigrationScript
    from alembic.runtime.migration import MigrationContext
    from alembic.runtime.migration import MigrationStep
    from sqlalchemy.engine import Dialect

#: The versions every use below was checked against: the lowest the package
#: declares (``alembic>=1.16.2``, ``sqlalchemy>=2.0``) and the newest tested.
#: Run ``tests/test_alembic_private.py`` on a new version before adding it.
CHECKED_AGAINST = {"alembic": ("1.16.2", "1.20.1"), "sqlalchemy": ("2.0.0", "2.1.9")}

#: A revision file's header, as ``history._headers`` reads it; restated so
#: that this module imports nothing above it.
Header: t.TypeAlias = "tuple[str, _Ids, tuple[str, ...], _Ids, str, str]"
_Ids: t.TypeAlias = "str | tuple[str, ...] | None"


# Steps: what alembic.command.upgrade/downgrade/stamp hand their env.py.


def upgrade_revs(
    script: ScriptDirectory, target: str | list[str], heads: str | t.Sequence[str]
) -> list[MigrationStep]:
    """The steps of an upgrade from ``heads`` to ``target``.

    Private: ``ScriptDirectory._upgrade_revs``, as ``alembic.command.upgrade``
    uses it; it accepts a list of destinations too. Each step has the
    ``revision`` (a :class:`~alembic.script.Script`) and ``is_upgrade`` that
    the runner reads. Checked against Alembic 1.16.2 and 1.20.1.
    """
    return list(script._upgrade_revs(target, heads))  # type: ignore[arg-type]


def downgrade_revs(
    script: ScriptDirectory, target: str, heads: str | t.Sequence[str]
) -> list[MigrationStep]:
    """The steps of a downgrade from ``heads`` to ``target``.

    Private: ``ScriptDirectory._downgrade_revs``, as
    ``alembic.command.downgrade``. Checked against Alembic 1.16.2 and 1.20.1.
    """
    return list(script._downgrade_revs(target, heads))  # type: ignore[arg-type]


def stamp_revs(
    script: ScriptDirectory, target: list[str], heads: str | t.Sequence[str]
) -> list[t.Any]:
    """The steps that record ``target`` as current, from ``heads``.

    Private: ``ScriptDirectory._stamp_revs``, as ``alembic.command.stamp``.
    Checked against Alembic 1.16.2 and 1.20.1.
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
    new context, and callers rely on getting this one. Checked against
    Alembic 1.16.2 and 1.20.1.
    """
    context._migrations_fn = fn


def set_external_transaction(context: MigrationContext, value: bool) -> None:
    """Tell a context that its transaction is its caller's, so it neither
    begins nor commits one itself.

    Private: ``MigrationContext._in_external_transaction``, which Alembic
    sets when the context is made; these contexts outlive one run. Checked
    against Alembic 1.16.2 and 1.20.1.
    """
    context._in_external_transaction = value


def set_purge(context: MigrationContext, value: bool) -> None:
    """Make an existing context's runs empty its version table first, as
    ``stamp --purge`` does. Undocumented: ``MigrationContext.purge``, set
    from the ``purge`` option and read by ``run_migrations`` on each run.
    Checked against Alembic 1.16.2 and 1.20.1.
    """
    context.purge = value


def purges(context: MigrationContext) -> bool:
    """Whether the context's runs start by emptying its version table:
    ``MigrationContext.purge``, as :func:`set_purge`. Checked against
    Alembic 1.16.2 and 1.20.1.
    """
    return bool(context.purge)


def set_dont_mutate(context: MigrationContext, value: bool | None) -> None:
    """Make an existing context's runs create no version table, as a
    command that only reads; ``None`` removes the option. Undocumented: the
    ``dont_mutate`` option (``alembic.command.current`` passes it), read
    from ``opts`` by ``run_migrations``. Checked against Alembic 1.16.2 and
    1.20.1.
    """
    if value is None:
        context.opts.pop("dont_mutate", None)
    else:
        context.opts["dont_mutate"] = value


def transactional_ddl(context: MigrationContext) -> bool:
    """Whether DDL runs inside transactions on this context: the
    ``transactional_ddl`` option, or the dialect's default.

    Undocumented: ``MigrationContext.impl``, the dialect's
    :class:`~alembic.ddl.impl.DefaultImpl`, whose ``transactional_ddl`` is
    documented. Checked against Alembic 1.16.2 and 1.20.1.
    """
    return bool(context.impl.transactional_ddl)


# Script directories: revision files read on demand, written safely.


class LazyScript(Script):
    """A :class:`~alembic.script.Script` built from a header read without
    importing the file; its module is imported on first use.

    Undocumented: it is made without ``Script.__init__``, which needs the
    module, from what ``Script.__init__`` would give ``Revision.__init__``;
    ``alembic.util.load_python_file`` imports the module as Alembic does.
    Checked against Alembic 1.16.2 and 1.20.1.
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

    Undocumented: ``ScriptDirectory.revision_map``, made in
    ``ScriptDirectory.__init__`` over ``_load_revisions``, is replaced by a
    :class:`~alembic.script.revision.RevisionMap` over ``headers``; the
    script directory reads revisions through it only. Checked against
    Alembic 1.16.2 and 1.20.1.

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
    in load order; undocumented ``alembic.util.to_tuple`` reads branch
    labels as ``Script`` does. Checked against Alembic 1.16.2 and 1.20.1.
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
    script: ScriptDirectory, write: t.Callable[[Path, t.Callable[[str], None]], None]
) -> None:
    """Make one script directory write each new revision file through
    ``write(dest, render)``, where ``render(path)`` renders the file's
    template to ``path`` in the script directory's output encoding.

    Private: ``ScriptDirectory._generate_template(src, dest, **kw)`` writes
    each new revision file (and nothing else); this replaces it on this one
    instance. Undocumented: ``alembic.util.template_to_file``, which it
    calls. Checked against Alembic 1.16.2 and 1.20.1.
    """

    def generate(src: t.Any, dest: t.Any, **kw: t.Any) -> None:
        encoding = script.output_encoding
        write(Path(dest), lambda path: template_to_file(src, path, encoding, **kw))

    script._generate_template = generate  # type: ignore[method-assign]


@contextmanager
def held_hooks(
    script: ScriptDirectory,
) -> t.Iterator[list[tuple[str, t.Mapping[str, str]]]]:
    """Write new revisions through ``script`` without Alembic running the
    post-write hooks (which print) while the block runs; yields them, as
    (name, options) pairs, to run afterwards.

    Undocumented: ``ScriptDirectory.hooks``, the hooks ``generate_revision``
    runs on each new file, and the ``_hook_name`` key that
    ``Config.get_hooks_list`` gives each. Checked against Alembic 1.16.2 and
    1.20.1.
    """
    hooks = script.hooks
    script.hooks = []

    try:
        yield [(hook["_hook_name"], hook) for hook in hooks]
    finally:
        script.hooks = hooks


def invoke_hook(name: str, path: str, options: t.Mapping[str, t.Any]) -> None:
    """Run one post-write hook by its type on a written file.

    Private: ``write_hooks._invoke``, as ``write_hooks._run_hooks`` calls it
    after printing its status. Checked against Alembic 1.16.2 and 1.20.1.
    """
    write_hooks._invoke(name, path, options)


# New revisions, as alembic.command.revision makes them.


def revision_context(
    config: Config, script: ScriptDirectory, options: dict[str, t.Any]
) -> RevisionContext:
    """Alembic's maker of new revisions, with the command arguments of
    ``alembic revision`` (``message``, ``head``, ``rev_id``...).

    Undocumented: ``alembic.autogenerate.RevisionContext``, as
    ``alembic.command.revision`` makes it. Checked against Alembic 1.16.2
    and 1.20.1.
    """
    return RevisionContext(config, script, options)


def fill_revision(
    context: RevisionContext,
    heads: t.Any,
    migration_context: MigrationContext,
    *,
    autogenerate: bool,
) -> None:
    """Work out one database's part of the new revision: its operations,
    compared with the database, or none.

    Undocumented: ``RevisionContext.run_autogenerate`` and
    ``run_no_autogenerate``, the work functions of ``alembic revision``.
    Checked against Alembic 1.16.2 and 1.20.1.
    """
    if autogenerate:
        context.run_autogenerate(heads, migration_context)
    else:
        context.run_no_autogenerate(heads, migration_context)


def generated_revisions(context: RevisionContext) -> list[MigrationScript]:
    """The revisions worked out so far, after the
    ``process_revision_directives`` hook has edited them.

    Undocumented: ``RevisionContext.generated_revisions``. Checked against
    Alembic 1.16.2 and 1.20.1.
    """
    return list(context.generated_revisions)


def write_revisions(context: RevisionContext) -> list[Script | None]:
    """Write the revisions worked out, returning each written
    :class:`~alembic.script.Script`.

    Undocumented: ``RevisionContext.generate_scripts``, as
    ``alembic.command.revision`` writes them. Checked against Alembic
    1.16.2 and 1.20.1.
    """
    return list(context.generate_scripts())


def revision_environment(config: Config) -> bool:
    """Whether the ``revision_environment`` option is on, read as
    ``alembic.command.revision`` reads it. Undocumented:
    ``alembic.util.asbool``. Checked against Alembic 1.16.2 and 1.20.1.
    """
    return asbool(config.get_main_option("revision_environment"))


# Paths.


def resource_filename(spec: str) -> str:
    """The folder a ``package:path`` setting names, as Alembic finds
    ``script_location`` and ``version_locations``.

    Undocumented: ``alembic.util.coerce_resource_to_filename``. Checked
    against Alembic 1.16.2 and 1.20.1.

    :raises ImportError: If the package cannot be imported.
    """
    return str(coerce_resource_to_filename(spec))


# Dialects set up without a connection, for offline scripts.


def parse_mysql_server_version(dialect: Dialect, value: str) -> None:
    """Set up a MySQL or MariaDB dialect for the server version ``value``,
    telling MariaDB from MySQL, as its first connection would; then the
    MariaDB settings that depend on the version (native UUID from 10.7).

    Private: SQLAlchemy's ``MySQLDialect._parse_server_version`` and
    ``_initialize_mariadb``. No public API sets a dialect up without
    connecting. Checked against SQLAlchemy 2.0.0 and 2.1.9.
    """
    mysql: t.Any = dialect
    mysql._parse_server_version(value)

    if mysql.is_mariadb and hasattr(mysql, "_initialize_mariadb"):
        mysql._initialize_mariadb(None)


def _scalar(value: str | t.Sequence[str] | None) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return value

    return tuple(value)
