"""Every use of Alembic's undocumented API, and SQLAlchemy's but one (a
dialect set up for offline scripts, in ``_sqlalchemy``), in one place.

Alembic's public commands only work through an ``env.py``; this package
builds its own configs, script directories and migration contexts, and does
what those commands do with them. Each function names the private or
undocumented attribute it uses and the versions it was checked against
(:data:`CHECKED_AGAINST`); a test in ``tests/test_alembic_private.py`` fails
if Alembic or SQLAlchemy changes it. Importing this module imports no
Alembic (revisions read from headers stand on it): functions import what
they need when called, the imports marked "heavy".

Left outside, and pinned by the same tests: ``run/_async.py``'s use of
``sqlalchemy.util.concurrency`` and its engine copies; the attributes that
hold a context's documented ``configure()`` options under their own names
(``connection``, ``as_sql``...); the steps' ``revision`` and ``is_upgrade``.
"""

from __future__ import annotations

import os
import sys
import typing as t
from contextlib import contextmanager
from pathlib import Path

if t.TYPE_CHECKING:
    from types import ModuleType

    from alembic.autogenerate import RevisionContext
    from alembic.config import Config
    from alembic.operations import MigrationScript
    from alembic.runtime.migration import MigrationContext
    from alembic.runtime.migration import MigrationStep
    from alembic.script import Script
    from alembic.script import ScriptDirectory

#: The versions every use below was checked against: the lowest the package
#: declares (``alembic>=1.16.2``, ``sqlalchemy>=2.0``) and the newest tested.
#: Run ``tests/test_alembic_private.py`` on a new version before adding it.
CHECKED_AGAINST = {"alembic": ("1.16.2", "1.20.1"), "sqlalchemy": ("2.0.0", "2.1.9")}

#: A revision file's header, as ``history._headers`` reads it; restated so
#: that this module imports nothing above it.
Header: t.TypeAlias = "tuple[str, _Ids, tuple[str, ...], _Ids, str, str]"
_Ids: t.TypeAlias = "str | tuple[str, ...] | None"
_Hook: t.TypeAlias = "t.Callable[[t.Any, set[str], list[t.Any]], None]"


# Steps: what alembic.command.upgrade/downgrade/stamp hand their env.py.


def upgrade_revs(
    script: ScriptDirectory, target: str | list[str], heads: str | t.Sequence[str]
) -> list[MigrationStep]:
    """The steps of an upgrade from ``heads`` to ``target`` (one or a list).
    Private: ``ScriptDirectory._upgrade_revs``, as ``alembic.command.upgrade``
    uses it. Checked against Alembic 1.16.2 and 1.20.1.
    """
    return list(script._upgrade_revs(target, heads))  # type: ignore[arg-type]


def downgrade_revs(
    script: ScriptDirectory, target: str, heads: str | t.Sequence[str]
) -> list[MigrationStep]:
    """The steps of a downgrade from ``heads`` to ``target``. Private:
    ``ScriptDirectory._downgrade_revs``, as ``alembic.command.downgrade``.
    Checked against Alembic 1.16.2 and 1.20.1.
    """
    return list(script._downgrade_revs(target, heads))  # type: ignore[arg-type]


def stamp_revs(
    script: ScriptDirectory, target: list[str], heads: str | t.Sequence[str]
) -> list[t.Any]:
    """The steps that record ``target`` as current, from ``heads``. Private:
    ``ScriptDirectory._stamp_revs``, as ``alembic.command.stamp``. Checked
    against Alembic 1.16.2 and 1.20.1.
    """
    return list(script._stamp_revs(target, heads))  # type: ignore[arg-type]


# Migration contexts made once and kept across runs.


def set_migrations_fn(
    context: MigrationContext, fn: t.Callable[..., t.Any] | None
) -> None:
    """Give an existing migration context its work function, or ``None``:
    ``configure()`` would make a new context. Private:
    ``MigrationContext._migrations_fn``, set from the ``fn`` option. Checked
    against Alembic 1.16.2 and 1.20.1.
    """
    context._migrations_fn = fn


def set_external_transaction(context: MigrationContext, value: bool) -> None:
    """Tell a context that its transaction is its caller's, so it neither
    begins nor commits one. Private:
    ``MigrationContext._in_external_transaction``, set when it is made.
    Checked against Alembic 1.16.2 and 1.20.1.
    """
    context._in_external_transaction = value


def set_purge(context: MigrationContext, value: bool) -> None:
    """Make a context's runs empty its version table first, as ``stamp
    --purge``. Undocumented: ``MigrationContext.purge``, from the ``purge``
    option, read on each run. Checked against Alembic 1.16.2 and 1.20.1.
    """
    context.purge = value


def purges(context: MigrationContext) -> bool:
    """``MigrationContext.purge``, as :func:`set_purge`. Checked against
    Alembic 1.16.2 and 1.20.1."""
    return bool(context.purge)


def set_dont_mutate(context: MigrationContext, value: bool | None) -> None:
    """Make a context's runs create no version table, as a command that only
    reads; ``None`` removes the option. Undocumented: the ``dont_mutate``
    option of ``alembic.command.current``, read from ``opts`` on each run.
    Checked against Alembic 1.16.2 and 1.20.1.
    """
    if value is None:
        context.opts.pop("dont_mutate", None)
    else:
        context.opts["dont_mutate"] = value


def transactional_ddl(context: MigrationContext) -> bool:
    """Whether DDL runs inside transactions on this context (the option or
    the dialect's default). Undocumented: ``MigrationContext.impl``, the
    dialect's ``DefaultImpl``. Checked against Alembic 1.16.2 and 1.20.1.
    """
    return bool(context.impl.transactional_ddl)


def hand_proxies_to(install: _Hook, remove: _Hook) -> None:
    """Install what ``alembic.op`` and ``alembic.context`` stand for with
    ``install(obj, names, modules)``, and remove it with ``remove``, instead
    of for the whole process. Private: ``ModuleClsProxy._install_proxy``,
    ``_remove_proxy`` and ``_setups``. Checked against Alembic 1.16.2 and
    1.20.1.
    """
    from alembic.util.langhelpers import ModuleClsProxy as Proxy  # heavy

    for name, fn in (("_install_proxy", install), ("_remove_proxy", remove)):
        type.__setattr__(Proxy, name, lambda o, f=fn: f(o, *o._setups[type(o)]))


# Script directories: revision files read on demand, written safely.


def lazy_script_directory(
    make: t.Callable[[], ScriptDirectory], revisions: t.Collection[Script]
) -> ScriptDirectory:
    """A script directory whose revision map, built now, holds the graph's
    revisions instead of importing every file. Undocumented:
    ``ScriptDirectory.revision_map``, replaced by a ``RevisionMap`` over
    them. Checked against Alembic 1.16.2 and 1.20.1.
    """
    from alembic.script import Script  # heavy
    from alembic.script.revision import RevisionMap  # heavy

    def generate() -> t.Collection[Script]:
        for revision in revisions:
            Script.verify_rev_id(revision.revision)  # As Revision.__init__.

        return revisions

    script = make()
    script.revision_map = RevisionMap(generate)
    script.revision_map.heads  # noqa: B018 (builds the map now)
    return script


def loaded_headers(config: Config) -> list[Header]:
    """The header of every revision Alembic finds by importing the files,
    bytecode included, for the ``sourceless`` option. Private:
    ``ScriptDirectory._load_revisions`` (in load order) and
    ``alembic.util.to_tuple``. Checked against Alembic 1.16.2 and 1.20.1.
    """
    from alembic.script import ScriptDirectory  # heavy
    from alembic.util import to_tuple  # heavy

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
    ``write(dest, render)``; ``render(path)`` renders the template to
    ``path``. Private: ``ScriptDirectory._generate_template(src, dest, **kw)``,
    which writes each new revision file and nothing else, replaced on this
    instance, and ``alembic.util.template_to_file``. Checked against Alembic
    1.16.2 and 1.20.1.
    """
    from alembic.util import template_to_file  # heavy

    def generate(src: t.Any, dest: t.Any, **kw: t.Any) -> None:
        encoding = script.output_encoding
        write(Path(dest), lambda path: template_to_file(src, path, encoding, **kw))

    script._generate_template = generate  # type: ignore[method-assign]


@contextmanager
def held_hooks(
    script: ScriptDirectory,
) -> t.Iterator[list[tuple[str, t.Mapping[str, str]]]]:
    """Hold back the post-write hooks (which print) while the block writes;
    yields them as (name, options) pairs, to run afterwards. Undocumented:
    ``ScriptDirectory.hooks`` and the ``_hook_name`` key
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
    """Run one post-write hook by its type on a written file. Private:
    ``write_hooks._invoke``, as ``_run_hooks`` calls it after its status line.
    Checked against Alembic 1.16.2 and 1.20.1.
    """
    from alembic.script import write_hooks  # heavy

    write_hooks._invoke(name, path, options)


# New revisions, as alembic.command.revision makes them; paths.


def revision_context(
    config: Config, script: ScriptDirectory, options: dict[str, t.Any]
) -> RevisionContext:
    """Alembic's maker of new revisions, with the arguments of ``alembic
    revision``. Undocumented: ``alembic.autogenerate.RevisionContext``, as
    ``alembic.command.revision`` makes it. Checked against Alembic 1.16.2
    and 1.20.1.
    """
    from alembic.autogenerate import RevisionContext  # heavy

    return RevisionContext(config, script, options)


def fill_revision(
    context: RevisionContext,
    heads: t.Any,
    migration_context: MigrationContext,
    *,
    autogenerate: bool,
) -> None:
    """Work out one database's part of the new revision, compared with the
    database or empty. Undocumented: ``RevisionContext.run_autogenerate``
    and ``run_no_autogenerate``. Checked against Alembic 1.16.2 and 1.20.1.
    """
    if autogenerate:
        context.run_autogenerate(heads, migration_context)
    else:
        context.run_no_autogenerate(heads, migration_context)


def generated_revisions(context: RevisionContext) -> list[MigrationScript]:
    """The revisions worked out, as ``process_revision_directives`` left
    them. Undocumented: ``RevisionContext.generated_revisions``. Checked
    against Alembic 1.16.2 and 1.20.1.
    """
    return list(context.generated_revisions)


def write_revisions(context: RevisionContext) -> list[Script | None]:
    """Write the revisions worked out; each written Script. Undocumented:
    ``RevisionContext.generate_scripts``. Checked against Alembic 1.16.2 and
    1.20.1.
    """
    return list(context.generate_scripts())


def revision_environment(config: Config) -> bool:
    """Whether the ``revision_environment`` option is on, read as
    ``alembic.command.revision`` reads it. Undocumented:
    ``alembic.util.asbool``. Checked against Alembic 1.16.2 and 1.20.1.
    """
    from alembic.util import asbool  # heavy

    return asbool(config.get_main_option("revision_environment"))


def resource_filename(spec: str) -> str:
    """The folder a ``package:path`` setting names, as Alembic finds
    ``script_location``; :exc:`ImportError` if the package can't be
    imported. Undocumented: ``alembic.util.coerce_resource_to_filename``.
    Checked against Alembic 1.16.2 and 1.20.1.
    """
    from alembic.util import coerce_resource_to_filename  # heavy

    return str(coerce_resource_to_filename(spec))


def _scalar(value: str | t.Sequence[str] | None) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return value

    return tuple(value)


# Revisions read from headers (history/_revision.py): the state that
# Script.__init__ and RevisionMap set, set without importing the module.


def script_state(revision: t.Any, header: Header) -> None:
    """Set on a new revision what ``Script.__init__`` sets, from the header.
    Private: ``Revision._orig_branch_labels`` (as declared),
    ``_resolved_dependencies``, ``_all_nextrev`` and
    ``Script._db_current_indicator``. Checked against Alembic 1.16.2 and 1.20.1.
    """
    revision.revision, down, labels, depends, _, revision.path = header
    revision.down_revision, revision.dependencies = down, depends
    revision._orig_branch_labels = labels
    revision._resolved_dependencies = ()
    revision.nextrev = revision._all_nextrev = frozenset()
    revision._db_current_indicator = None


def set_children(
    revision: t.Any, nextrev: frozenset[str], every: frozenset[str]
) -> None:
    """The revisions after this one, by ``down_revision`` and counting
    dependencies. Private: ``Revision._all_nextrev``, as ``add_nextrev``
    sets it. Checked against Alembic 1.16.2 and 1.20.1.
    """
    revision.nextrev, revision._all_nextrev = nextrev, every


def set_dependencies(revision: t.Any, resolved: tuple[str, ...]) -> None:
    """Private: ``Revision._resolved_dependencies``, as ``RevisionMap`` sets
    it. Checked against Alembic 1.16.2 and 1.20.1.
    """
    revision._resolved_dependencies = resolved


def indicators(revision: t.Any) -> tuple[bool, bool]:
    """Whether a revision is a head counting dependencies, and whether it is
    marked current, as ``Script.cmd_format`` reads them. Private:
    ``Revision._all_nextrev`` and ``Script._db_current_indicator``. Checked
    against Alembic 1.16.2 and 1.20.1.
    """
    return not revision._all_nextrev, bool(revision._db_current_indicator)


def set_current_indicator(revision: t.Any, current: bool | None) -> None:
    """Mark a revision current or not for its text, as ``history -i``.
    Private: ``Script._db_current_indicator``. Checked against Alembic
    1.16.2 and 1.20.1."""
    revision._db_current_indicator = current


def load_module(path: str) -> ModuleType:
    """Import a revision file as ``Script`` does. Undocumented:
    ``alembic.util.load_python_file``. Checked against Alembic 1.16.2 and 1.20.1.
    """
    from alembic.util import load_python_file  # heavy

    return load_python_file(os.path.dirname(path), os.path.basename(path))


def defined_script() -> type | None:
    """``alembic.script.Script`` if Alembic has defined it yet; never
    imports it. Undocumented: it is defined in ``alembic.script.base``,
    which ``alembic/__init__.py`` imports (through ``alembic.context``)
    before most of its modules. Checked against Alembic 1.16.2 and 1.20.1.
    """
    script = getattr(sys.modules.get("alembic.script.base"), "Script", None)
    return script if isinstance(script, type) else None
