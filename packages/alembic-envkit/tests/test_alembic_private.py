"""Every use of Alembic's (and SQLAlchemy's) undocumented API, pinned: each
test fails if the attribute is gone, no longer takes the call the core
makes, or no longer does what the core relies on. Run them on a new
Alembic or SQLAlchemy before adding it to ``_alembic.CHECKED_AGAINST``.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import io
import os
import py_compile
import re
import shutil
import subprocess
import sys
import threading
import typing as t
from pathlib import Path

import alembic
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import RevisionContext
from alembic.config import Config
from alembic.operations import ops
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import Script
from alembic.script import ScriptDirectory
from alembic.script import write_hooks
from alembic.util import template_to_file
from sqlalchemy.dialects.mysql.base import MySQLDialect

from alembic_envkit import _alembic
from alembic_envkit import _sqlalchemy
from alembic_envkit import RevisionGraph
from alembic_envkit.history._headers import read_header

ENV_PY = """\
from alembic import context

context.configure(url="sqlite://", output_buffer=context.config.attributes["out"])

with context.begin_transaction():
    context.run_migrations()
"""

# File names sort in another order than the history: load order is by name.
REVISIONS = [
    ("1_c", "c", "b"),
    ("2_a", "a", None),
    ("3_b", "b", "a"),
    ("4_x", "x", "a"),
]


def _revision_file(folder: Path, name: str, rev: str, down: str | None) -> Path:
    path = folder / f"{name}.py"
    labels = ("other",) if rev == "x" else None
    path.write_text(
        f'"""revision {rev}\n\nlong text"""\n'
        f"revision = {rev!r}\ndown_revision = {down!r}\n"
        f"branch_labels = {labels!r}\ndepends_on = None\n\n\n"
        "def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """An Alembic config of a folder with four revisions (a, b after a, c
    after b; x after a, labelled ``other``) and an offline ``env.py``.
    """
    folder = tmp_path / "migrations"
    (folder / "versions").mkdir(parents=True)
    templates = Path(alembic.__file__).parent / "templates" / "generic"
    shutil.copy(templates / "script.py.mako", folder)
    (folder / "env.py").write_text(ENV_PY, encoding="utf-8")

    for name, rev, down in REVISIONS:
        _revision_file(folder / "versions", name, rev, down)

    config = Config()
    config.set_main_option("script_location", str(folder))
    config.attributes["out"] = io.StringIO()
    return config


@pytest.fixture
def script(config: Config) -> ScriptDirectory:
    return ScriptDirectory.from_config(config)


def _accepts(fn: t.Callable[..., t.Any], *args: t.Any, **kwargs: t.Any) -> None:
    """Fail unless ``fn`` takes a call of this shape."""
    inspect.signature(fn).bind(*args, **kwargs)


def _ran(config: Config, run: t.Callable[[], None]) -> list[str]:
    """What an offline Alembic command ran, step by step."""
    out = config.attributes["out"] = io.StringIO()
    run()
    return re.findall(r"^-- Running (.*)$", out.getvalue(), re.M)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in (text.split(".") + ["0", "0"])[:3])


def _steps(steps: list[t.Any]) -> list[str]:
    return [step.short_log for step in steps]


def test_checked_against_declared_bounds() -> None:
    """The versions checked span the lower bound the package declares, and
    every use names them.
    """
    text = (Path(__file__).parents[1] / "pyproject.toml").read_text()

    for name, (low, high) in _alembic.CHECKED_AGAINST.items():
        declared = re.search(rf'"{name}>=([\d.]+)"', text)
        assert declared is not None
        bound = _version(declared.group(1))
        assert _version(low) <= bound <= _version(high), (name, low, bound, high)

    alembic_versions = "Alembic {} and {}".format(*_alembic.CHECKED_AGAINST["alembic"])
    sqlalchemy_versions = "SQLAlchemy {} and {}".format(
        *_alembic.CHECKED_AGAINST["sqlalchemy"]
    )

    for name, value in vars(_alembic).items():
        if (
            name.startswith("_")
            or getattr(value, "__module__", "") != _alembic.__name__
        ):
            continue

        doc = " ".join((value.__doc__ or "").split())
        assert alembic_versions in doc or sqlalchemy_versions in doc, name


def test_upgrade_revs(config: Config, script: ScriptDirectory) -> None:
    """``_upgrade_revs`` takes one destination or a list, and returns the
    steps ``alembic upgrade`` runs, each with its Script and direction.
    """
    _accepts(ScriptDirectory._upgrade_revs, script, ["c", "x"], ())
    ran = _ran(config, lambda: command.upgrade(config, "heads", sql=True))
    steps = _alembic.upgrade_revs(script, ["c", "x"], ())
    assert _steps(steps) == ran
    order = [s.revision.revision for s in steps]
    assert sorted(order) == ["a", "b", "c", "x"]
    assert order.index("a") < order.index("b") < order.index("c")
    assert all(s.is_upgrade and isinstance(s.revision, Script) for s in steps)
    one = _alembic.upgrade_revs(script, "c", "a")
    assert [s.revision.revision for s in one] == ["b", "c"]


def test_downgrade_revs(config: Config, script: ScriptDirectory) -> None:
    """``_downgrade_revs`` returns the steps ``alembic downgrade`` runs."""
    _accepts(ScriptDirectory._downgrade_revs, script, "a", ("c",))
    ran = _ran(config, lambda: command.downgrade(config, "c:a", sql=True))
    steps = _alembic.downgrade_revs(script, "a", ("c",))
    assert _steps(steps) == ran
    assert [s.revision.revision for s in steps] == ["c", "b"]
    assert not any(s.is_upgrade for s in steps)


def test_stamp_revs(config: Config, script: ScriptDirectory) -> None:
    """``_stamp_revs`` takes a list of revisions and returns the steps
    ``alembic stamp`` runs.
    """
    _accepts(ScriptDirectory._stamp_revs, script, ["c", "x"], ("a",))
    ran = _ran(config, lambda: command.stamp(config, ["c", "x"], sql=True))
    assert _steps(_alembic.stamp_revs(script, ["c", "x"], ())) == ran


@pytest.fixture
def connection(tmp_path: Path) -> t.Iterator[sa.Connection]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")

    with engine.connect() as connection:
        yield connection

    engine.dispose()


def _tables(connection: sa.Connection) -> list[str]:
    return sa.inspect(connection).get_table_names()


def test_migrations_fn(connection: sa.Connection) -> None:
    """``_migrations_fn`` set on an existing context is what
    ``run_migrations`` calls, with the heads and the context.
    """
    context = MigrationContext.configure(connection)
    assert "_migrations_fn" in vars(context)
    calls: list[tuple[t.Any, t.Any]] = []
    _alembic.set_migrations_fn(
        context, lambda heads, ctx: calls.append((heads, ctx)) or []
    )
    context.run_migrations()
    assert calls == [((), context)]


def test_external_transaction(connection: sa.Connection) -> None:
    """With ``_in_external_transaction``, the context neither begins nor
    commits: what it runs stays in the caller's transaction.
    """
    context = MigrationContext.configure(connection, opts={"transactional_ddl": True})
    assert vars(context)["_in_external_transaction"] is False
    connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    connection.commit()
    outer = connection.begin()
    _alembic.set_external_transaction(context, True)

    with context.begin_transaction():
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")

    assert connection.in_transaction() and outer.is_active
    outer.rollback()
    assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
    _alembic.set_external_transaction(context, False)

    with context.begin_transaction():
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")

    connection.rollback()
    assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1


def test_purge(connection: sa.Connection) -> None:
    """``purge`` set on an existing context makes ``run_migrations`` empty
    the version table and start from no revision.
    """
    context = MigrationContext.configure(connection)
    connection.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32))")
    connection.exec_driver_sql("INSERT INTO alembic_version VALUES ('gone')")
    seen: list[t.Any] = []
    _alembic.set_migrations_fn(context, lambda heads, ctx: seen.append(heads) or [])
    _alembic.set_purge(context, True)
    assert _alembic.purges(context)
    context.run_migrations()
    assert seen == [()]
    assert context.get_current_heads() == ()
    _alembic.set_purge(context, False)
    assert not _alembic.purges(context)


def test_dont_mutate(connection: sa.Connection) -> None:
    """The ``dont_mutate`` option keeps ``run_migrations`` from creating the
    version table; without it, the table is created.
    """
    context = MigrationContext.configure(connection)
    _alembic.set_migrations_fn(context, lambda heads, ctx: [])
    _alembic.set_dont_mutate(context, True)
    context.run_migrations()
    assert "alembic_version" not in _tables(connection)
    _alembic.set_dont_mutate(context, None)
    assert "dont_mutate" not in context.opts
    context.run_migrations()
    assert "alembic_version" in _tables(connection)


@pytest.mark.parametrize(
    ("dialect", "opts", "expected"),
    [
        ("sqlite", {}, False),
        ("sqlite", {"transactional_ddl": True}, True),
        ("postgresql", {}, True),
        ("mysql", {}, False),
    ],
)
def test_transactional_ddl(
    dialect: str, opts: dict[str, t.Any], expected: bool
) -> None:
    """``MigrationContext.impl.transactional_ddl`` is the option, or the
    dialect's default.
    """
    context = MigrationContext.configure(
        dialect_name=dialect, opts={"as_sql": True, **opts}
    )
    assert _alembic.transactional_ddl(context) is expected


def test_configure_options_read_back(connection: sa.Connection) -> None:
    """A context keeps the ``configure()`` options the core reads back under
    their own names.
    """
    metadata = sa.MetaData()
    opts = {
        "version_table": "v",
        "version_table_schema": "s",
        "target_metadata": metadata,
    }
    context = MigrationContext.configure(connection, opts=opts)
    assert (context.version_table, context.version_table_schema) == ("v", "s")
    assert context.connection is connection and context.dialect is connection.dialect
    assert context.as_sql is False and context.opts["target_metadata"] is metadata


def test_script_state(script: ScriptDirectory) -> None:
    """What a revision read from its header is given (``script_state``,
    ``set_children``, ``set_dependencies``) has the names and values that
    Alembic's own Scripts have, and Alembic's methods read it.
    """
    names = [
        "revision",
        "down_revision",
        "dependencies",
        "path",
        "nextrev",
        "_all_nextrev",
        "_orig_branch_labels",
        "_resolved_dependencies",
        "_db_current_indicator",
    ]

    for loaded in script.walk_revisions():
        header = read_header(loaded.path)
        assert header is not None
        made = object.__new__(Script)
        _alembic.script_state(made, header)
        _alembic.set_children(made, loaded.nextrev, loaded._all_nextrev)
        _alembic.set_dependencies(made, loaded._resolved_dependencies)
        assert [getattr(made, n) for n in names] == [getattr(loaded, n) for n in names]
        assert _alembic.indicators(made) == (loaded._is_real_head, False)
        assert made._is_real_head == loaded._is_real_head
        _alembic.set_current_indicator(made, True)
        loaded._db_current_indicator = True
        assert _alembic.indicators(made)[1] is True
        assert made.cmd_format(False) == loaded.cmd_format(False)
        assert "(current)" in made.cmd_format(False)


def test_load_module(script: ScriptDirectory) -> None:
    """A revision file imported as Alembic's Scripts import theirs."""
    loaded = script.get_revision("x")
    assert loaded is not None
    module = _alembic.load_module(loaded.path)
    assert module.revision == "x" and callable(module.upgrade)


def test_defined_script() -> None:
    """``defined_script`` finds Script in ``alembic.script.base`` once any
    part of Alembic is imported, and importing ``_alembic`` imports none.
    """
    assert _alembic.defined_script() is Script
    code = (
        "import sys; from alembic_envkit import _alembic as a;"
        " assert not [m for m in sys.modules if m.split('.')[0] == 'alembic'];"
        " assert a.defined_script() is None;"
        " import alembic.util; from alembic.script import Script;"
        " assert a.defined_script() is Script"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_lazy_script_directory(config: Config, tmp_path: Path) -> None:
    """A script directory given a revision map over the graph's revisions
    reads them, not the files, and hands out the same objects.
    """
    folder = tmp_path / "migrations" / "versions"
    headers = [read_header(str(folder / f"{n}.py")) for n in ("2_a", "3_b")]
    graph = RevisionGraph([h for h in headers if h])
    script = _alembic.lazy_script_directory(
        lambda: ScriptDirectory.from_config(config), list(graph.revisions.values())
    )
    assert script.get_heads() == ["b"]
    assert [s.revision for s in script.walk_revisions()] == ["b", "a"]
    assert script.get_revision("b") is graph["b"]


def test_load_revisions(config: Config, tmp_path: Path) -> None:
    """``_load_revisions`` yields each file's Script in load order (by file
    name), bytecode-only files included with ``sourceless``.
    """
    script = ScriptDirectory.from_config(config)
    assert inspect.isgeneratorfunction(ScriptDirectory._load_revisions)
    assert [s.revision for s in script._load_revisions()] == ["c", "a", "b", "x"]
    folder = tmp_path / "migrations" / "versions"

    for name, *_ in REVISIONS:
        py_compile.compile(str(folder / f"{name}.py"), str(folder / f"{name}.pyc"))
        os.remove(folder / f"{name}.py")

    config.set_main_option("sourceless", "true")
    headers = _alembic.loaded_headers(config)
    assert [h[:3] for h in headers] == [
        ("c", "b", ()),
        ("a", None, ()),
        ("b", "a", ()),
        ("x", "a", ("other",)),
    ]
    assert headers[0][4] == "revision c\n\nlong text"


def test_generate_template(script: ScriptDirectory, tmp_path: Path) -> None:
    """``_generate_template`` is what ``generate_revision`` calls to write
    the file, and ``template_to_file`` renders it in the output encoding.
    """
    _accepts(ScriptDirectory._generate_template, script, Path("src"), Path("dest"), a=1)
    _accepts(template_to_file, "src", "dest", "utf-8", a=1)
    written: list[Path] = []

    def write(dest: Path, render: t.Callable[[str], None]) -> None:
        written.append(dest)
        render(str(dest))

    _alembic.replace_template_writer(script, write)
    new = script.generate_revision("n1", "new one", head="x")
    assert new is not None
    assert written == [Path(new.path)]
    assert "revision: str = 'n1'" in Path(new.path).read_text(encoding="utf-8")


def test_post_write_hooks(config: Config, tmp_path: Path) -> None:
    """``ScriptDirectory.hooks`` is what ``generate_revision`` runs on a new
    file, each named by ``_hook_name``; ``write_hooks._invoke`` runs one by
    type.
    """
    ran: list[tuple[str, t.Any]] = []
    write_hooks.register("envkit_test_hook")(
        lambda path, opts: ran.append((path, opts))
    )
    config.set_section_option("post_write_hooks", "hooks", "mark")
    config.set_section_option("post_write_hooks", "mark.type", "envkit_test_hook")
    script = ScriptDirectory.from_config(config)
    _accepts(write_hooks._invoke, "name", "path", {})

    with _alembic.held_hooks(script) as hooks:
        held = script.generate_revision("h1", "held", head="x")

    assert held is not None and ran == []
    assert [(name, dict(opts)["type"]) for name, opts in hooks] == [
        ("mark", "envkit_test_hook")
    ]
    written = script.generate_revision("h2", "run", head="h1")
    assert written is not None and [p for p, _ in ran] == [written.path]
    _alembic.invoke_hook("envkit_test_hook", held.path, hooks[0][1])
    assert ran[-1] == (held.path, hooks[0][1])


def test_revision_context(config: Config, connection: sa.Connection) -> None:
    """``RevisionContext`` works out a revision as ``alembic revision``
    does: compared with the database, or empty; then writes it.
    """
    _accepts(RevisionContext, config, None, {}, process_revision_directives=None)
    metadata = sa.MetaData()
    sa.Table("user", metadata, sa.Column("id", sa.Integer, primary_key=True))
    script = ScriptDirectory.from_config(config)
    args = {
        "message": "m",
        "sql": False,
        "head": ["c"],
        "splice": False,
        "branch_label": None,
        "version_path": None,
        "rev_id": "r1",
        "depends_on": None,
    }
    env = EnvironmentContext(config, script)
    env.configure(connection=connection, target_metadata=metadata)
    context = env.get_context()
    made = _alembic.revision_context(config, script, args)
    _alembic.fill_revision(made, (), context, autogenerate=False)
    assert _alembic.generated_revisions(made)[-1].upgrade_ops.is_empty()
    made = _alembic.revision_context(config, script, args)
    _alembic.fill_revision(made, ["c", "x"], context, autogenerate=True)
    upgrade_ops = _alembic.generated_revisions(made)[-1].upgrade_ops
    assert [type(op) for op in upgrade_ops.ops] == [ops.CreateTableOp]
    (written,) = _alembic.write_revisions(made)
    assert written is not None and written.revision == "r1"
    assert "op.create_table('user'" in Path(written.path).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("yes", True), ("1", True), ("off", False), (None, False)],
)
def test_revision_environment(value: str | None, expected: bool) -> None:
    """``revision_environment`` is read as Alembic's ``asbool`` (SQLAlchemy's)
    reads it.
    """
    config = Config()

    if value is not None:
        config.set_main_option("revision_environment", value)

    assert _alembic.revision_environment(config) is expected


def test_resource_filename() -> None:
    """``coerce_resource_to_filename`` turns ``package:path`` into the
    folder, and raises ImportError for a package that is not there.
    """
    expected = os.path.join(os.path.dirname(alembic.__file__), "templates")
    assert _alembic.resource_filename("alembic:templates") == expected

    with pytest.raises(ImportError, match="no_such_package_xyz"):
        _alembic.resource_filename("no_such_package_xyz:migrations")


@pytest.mark.parametrize(
    ("url", "version", "mariadb", "info", "uuid"),
    [
        ("mysql+pymysql://", "10.11.6-MariaDB", True, (10, 11, 6), "UUID"),
        ("mysql+pymysql://", "10.6.2-MariaDB-log", True, (10, 6, 2), "CHAR(32)"),
        ("mysql+pymysql://", "8.0.36", False, (8, 0, 36), "CHAR(32)"),
    ],
)
def test_mysql_server_version(
    url: str, version: str, mariadb: bool, info: tuple[int, ...], uuid: str
) -> None:
    """``_parse_server_version`` tells MariaDB from MySQL and sets the
    version; ``_initialize_mariadb`` the settings that depend on it.
    """
    _accepts(MySQLDialect._parse_server_version, None, version)
    dialect = sa.create_engine(url).dialect
    _sqlalchemy.parse_mysql_server_version(dialect, version)
    assert (dialect.is_mariadb, dialect.server_version_info) == (mariadb, info)

    if hasattr(dialect, "_initialize_mariadb"):
        assert sa.Uuid().compile(dialect=dialect) == uuid


def test_mysql_version_on_mariadb_url() -> None:
    """A MySQL version on a ``mariadb://`` URL is refused."""
    dialect = sa.create_engine("mariadb+pymysql://").dialect

    with pytest.raises(sa.exc.InvalidRequestError, match="not a MariaDB"):
        _sqlalchemy.parse_mysql_server_version(dialect, "8.0.36")


def test_sqlalchemy_greenlet_spawn() -> None:
    """``run/_async.py``: ``greenlet_spawn`` runs a function in a greenlet
    where ``in_greenlet`` is true (SQLAlchemy 2.0.31 and later, the bound of
    the ``async`` extra).
    """
    pytest.importorskip("greenlet")
    version = tuple(int(n) for n in re.findall(r"\d+", sa.__version__)[:3])

    if version < (2, 0, 31):
        pytest.skip("the 'async' extra needs SQLAlchemy 2.0.31 (in_greenlet)")

    from sqlalchemy.util import concurrency

    _accepts(concurrency.greenlet_spawn, print, 1, a=2)
    assert concurrency.in_greenlet() is False

    def inside(value: int) -> tuple[bool, int]:
        return concurrency.in_greenlet(), value

    assert asyncio.run(concurrency.greenlet_spawn(inside, 3)) == (True, 3)


def test_engine_copy_with_own_pool(tmp_path: Path) -> None:
    """``run/_async.py``: a copy of an engine given a recreated pool
    connects through that pool, leaving the original's untouched.
    """
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    private = copy.copy(engine)
    private.pool = engine.pool.recreate()
    assert type(private.pool) is type(engine.pool) and private.pool is not engine.pool

    with private.connect() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1
        assert private.pool.checkedout() == 1 and engine.pool.checkedout() == 0

    private.pool.dispose()
    engine.dispose()


def test_proxies_per_thread() -> None:
    """``_install_proxy`` and ``_remove_proxy`` set each module proxy's
    object from ``_setups``: handed to the per-thread functions, ``alembic.op``
    answers in each thread for the Operations that thread installed, at the
    same time, and for none in this thread.
    """
    from alembic import op
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext
    from alembic.util.langhelpers import ModuleClsProxy

    from alembic_envkit.run._threads import per_thread

    _accepts(ModuleClsProxy._install_proxy, Operations.__new__(Operations))
    per_thread()
    both = threading.Barrier(2, timeout=30)
    seen: dict[str, bool] = {}

    def work(name: str) -> None:
        opts = {"as_sql": True, "output_buffer": io.StringIO()}
        context = MigrationContext.configure(dialect_name="sqlite", opts=opts)

        with Operations.context(context):
            both.wait()  # Both installed: one object for the process would fail.
            seen[name] = op.get_context() is context
            both.wait()

    threads = [threading.Thread(target=work, args=(n,)) for n in "ab"]

    for thread in threads:
        thread.start()

    for thread in threads:
        thread.join()

    assert seen == {"a": True, "b": True}

    with pytest.raises(NameError, match="proxy object has not yet been established"):
        op.get_context()
