"""Fixtures for the tests that run on every dialect: SQLite, PostgreSQL and
MariaDB (see ``database_url`` in the root conftest).
"""

from __future__ import annotations

import textwrap
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from tenant_support import account_models
from tenant_support import Tenancy
from tenant_support import write_history

from alembic_envkit import Environment
from alembic_envkit import Targets


@pytest.fixture
def engine(
    database_url: t.Callable[[str], sa.URL], make_engine: t.Callable[..., sa.Engine]
) -> sa.Engine:
    """An engine on a fresh database of the test's dialect."""
    return make_engine(database_url("default"))


@pytest.fixture
def make_env(
    database_url: t.Callable[[str], sa.URL], make_env: t.Callable[..., Environment]
) -> t.Callable[..., Environment]:
    """Build environments as ``tests/conftest.py`` does. Through
    ``database_url``, each test that builds one runs on every dialect.
    """
    return make_env


#: The functions of a revision for the databases ``default`` and ``auth``.
MULTIDB_FUNCTIONS = """
def upgrade_default():
    op.create_table("d_{rev}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade_default():
    op.drop_table("d_{rev}")


def upgrade_auth():
    op.create_table("a_{rev}", sa.Column("id", sa.Integer, primary_key=True))
    {fail}


def downgrade_auth():
    op.drop_table("a_{rev}")
"""


class Revisions:
    """Write revision files by hand into a folder."""

    def __init__(self, folder: Path, write_multidb: t.Callable[..., Path]) -> None:
        self.folder = folder
        self._write_multidb = write_multidb

    def write(
        self,
        rev: str,
        down: str | tuple[str, ...] | None,
        upgrade: str = "pass",
        downgrade: str = "pass",
        labels: tuple[str, ...] = (),
    ) -> Path:
        path = self.folder / f"{rev}_step.py"

        def block(code: str) -> str:
            return textwrap.indent(textwrap.dedent(code).strip() or "pass", "    ")

        body = (
            "import sqlalchemy as sa\n"
            "from alembic import op\n\n"
            f"revision = {rev!r}\n"
            f"down_revision = {down!r}\n"
            f"branch_labels = {labels or None!r}\n"
            "depends_on = None\n\n\n"
            f"def upgrade():\n{block(upgrade)}\n\n\n"
            f"def downgrade():\n{block(downgrade)}\n"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
        return path

    def write_multidb(self, rev: str, down: str | None, fail: str = "") -> Path:
        """Write a revision for the databases ``default`` and ``auth`` that
        creates the tables ``d_<rev>`` and ``a_<rev>``, then runs ``fail`` on
        ``auth``.
        """
        body = MULTIDB_FUNCTIONS.format(rev=rev, fail=fail)
        return self._write_multidb(self.folder, rev, down, body)


@pytest.fixture
def revisions(
    tmp_path: Path, write_multidb_revision: t.Callable[..., Path]
) -> Revisions:
    """Writes revisions into the default migrations folder."""
    return Revisions(tmp_path / "migrations", write_multidb_revision)


def _tables(engine: sa.Engine, schema: str | None = None) -> set[str]:
    return set(sa.inspect(engine).get_table_names(schema=schema))


def _versions(
    engine: sa.Engine, table: str = "alembic_version", schema: str | None = None
) -> set[str]:
    if not sa.inspect(engine).has_table(table, schema=schema):
        return set()

    version = sa.table(table, sa.column("version_num"), schema=schema)

    with engine.connect() as conn:
        return {r[0] for r in conn.execute(sa.select(version.c.version_num))}


@pytest.fixture
def tables() -> t.Callable[..., set[str]]:
    """Names of the tables in an engine's database."""
    return _tables


@pytest.fixture
def versions() -> t.Callable[..., set[str]]:
    """The revision ids recorded in a version table."""
    return _versions


#: The start of a race worker: it marks each state it reaches with a file
#: ``STATE-PID`` in the barrier folder, marks ``waiting`` when the migration
#: lock is refused to it, and waits until every worker is ready.
RACE_START = """\
import logging, os, time

_barrier, _count = {folder!r}, {count}


def arrive(state):
    open(os.path.join(_barrier, f"{{state}}-{{os.getpid()}}"), "w").close()


def wait_for(states, what):
    deadline = time.monotonic() + 120

    while True:
        names = [n.split("-") for n in os.listdir(_barrier)]
        pids = {{pid for state, pid in names if state in states}}

        if len(pids) >= _count:
            return

        # Only reached if a process hangs: fail rather than wait forever.
        assert time.monotonic() < deadline, (
            f"barrier: {{len(pids)}} of {{_count}} processes {{what}}"
        )
        time.sleep(0.005)


class _Refused(logging.Handler):
    def emit(self, record):
        if str(record.msg).startswith("Waiting for the migration lock"):
            arrive("waiting")


_logger = logging.getLogger("alembic_envkit")
_logger.setLevel(logging.INFO)
_logger.addHandler(_Refused())
arrive("ready")
wait_for(("ready",), "started")
"""

#: Code for the start of a revision, run in a race worker: it says it is
#: inside, then waits until every worker is inside too, was refused the
#: lock, or has finished. So the runs overlap whatever the machine's speed:
#: without the lock, all of them read the version table before any revision
#: commits; with it, all of them ask for the lock while the first holds it.
RACE_INSIDE = """\
import __main__
__main__.arrive("inside")
__main__.wait_for(("inside", "waiting", "done"), "arrived")
"""


class Race:
    """Make worker processes overlap inside a revision, without relying on
    timing. A worker's source starts with :attr:`start` and marks ``done``
    with ``arrive("done")`` when it ends, success or not; a revision starts
    with :attr:`inside`.
    """

    def __init__(self, folder: Path, count: int) -> None:
        folder.mkdir()
        self.folder = folder
        self.count = count
        self.start = RACE_START.format(folder=str(folder), count=count)
        self.inside = RACE_INSIDE

    def arrived(self, state: str) -> int:
        """How many workers reached a state: ``ready``, ``inside``,
        ``waiting`` (refused the lock) or ``done``.
        """
        return sum(p.name.startswith(f"{state}-") for p in self.folder.iterdir())


@pytest.fixture
def race(tmp_path: Path) -> t.Callable[[int], Race]:
    """Make a :class:`Race` for a number of worker processes."""
    return lambda count: Race(tmp_path / "barrier", count)


@pytest.fixture
def tenancy(
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
    tmp_path: Path,
) -> t.Iterator[t.Callable[..., Tenancy]]:
    made: list[Tenancy] = []

    def make(count: int = 3) -> Tenancy:
        url = database_url("default")
        found = Tenancy(url, make_engine(url), tmp_path, count)
        made.append(found)
        return found

    yield make

    for found in made:
        found.drop()


@pytest.fixture
def tenant_env(
    tenancy: t.Callable[..., Tenancy],
    make_env: t.Callable[..., Environment],
    revisions: t.Any,
) -> t.Callable[..., tuple[Environment, Tenancy]]:
    """An environment whose tenants are listed by a :class:`Tenancy`, with
    the history r1 (table ``account``) and r2 (a unique index on its
    email, which a tenant holding the same email twice cannot take).
    """

    def make(count: int = 3, **options: t.Any) -> tuple[Environment, Tenancy]:
        found = tenancy(count)
        env = make_env(
            sa.MetaData(), found.engine, {"tenants": found.source, **options}
        )
        write_history(revisions)
        return env, found

    return make


@pytest.fixture
def checked_env(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> t.Iterator[t.Callable[..., tuple[Environment, Tenancy]]]:
    """Like ``tenant_env``, with the models of r1 and r2 as the metadata,
    ids as the tests write them, and the tenants at head.
    """
    made: list[Environment] = []

    def make(count: int = 3, **options: t.Any) -> tuple[Environment, Tenancy]:
        options.setdefault("revision_id_pattern", "r[0-9]+")
        env, found = tenant_env(count, **options)
        models = Environment(env.settings, Targets(account_models(), found.engine))
        made.append(models)
        models.tenants.upgrade()
        return models, found

    yield make

    for env in made:
        env.close()
