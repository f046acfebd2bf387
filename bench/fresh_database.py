"""Bring a fresh SQLite database to head, in a process where the app and
its migrations are already set up (as in a test suite, which makes a fresh
database for each test), and write to stderr how long that took.

``python fresh_database.py snapshot`` loads the snapshot (``create_at_head``),
``python fresh_database.py replay`` runs every revision
(``upgrade(snapshot=False)``). ``python fresh_database.py every 100`` checks
instead that a database at every 100th revision reaches head with the
snapshot there, running the revisions after it, and prints what it found.
Each makes a new environment on a new file,
as a test's app fixture does; before the timing, both bring a first
database to head from the snapshot, which imports what either needs. With
``BENCH_SERVER`` set to a server URL, the databases are made (and dropped,
after the timing) on that server instead.
"""

import os
import sys
import time
import typing as t

# As with ``python -m``: the working directory first on the path.
sys.path[0] = ""

import sqlalchemy as sa  # noqa: E402
from app import alembic  # noqa: E402
from app import app  # noqa: E402

from alembic_envkit import Environment  # noqa: E402
from alembic_envkit import Targets  # noqa: E402

mode = sys.argv[1]
database = os.environ["BENCH_DATABASE"]


server = os.environ.get("BENCH_SERVER")
admin = sa.create_engine(server, isolation_level="AUTOCOMMIT") if server else None
made: list[str] = []


def fresh(path: str, create: bool = True) -> tuple[Environment, sa.Engine]:
    if admin is not None:
        name = f"bench_{os.getpid()}_{len(made)}"

        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")

            if create:
                connection.exec_driver_sql(f"CREATE DATABASE {name}")

        made.append(name)
        engine = sa.create_engine(admin.url.set(database=name))
    else:
        if os.path.exists(path):
            os.remove(path)

        engine = sa.create_engine("sqlite:///" + path)

    current = alembic.environment
    metadatas = current.targets["default"].metadatas
    return Environment(current.settings, Targets(list(metadatas), engine)), engine


def every(step: int) -> None:
    """Upgrade a database to each ``step``-th revision by replay, then to
    head as a plain upgrade does, and print how many ran what they should.
    """
    ids = [r.revision for r in reversed(alembic.environment.log())]
    good = bad = 0

    for at in ids[step - 1 :: step]:
        env, engine = fresh(f"{database}.{at}")
        env.upgrade(at, snapshot=False)
        ran: list[str] = []

        def note(event: t.Any, ran: list[str] = ran) -> None:
            if event.seconds is not None:
                ran.append(str(event.revision))

        env.progress = note
        env.upgrade()
        heads = [r.revision for r in env.current()]
        ok = heads == ids[-1:] and ran == ids[ids.index(at) + 1 :]
        good, bad = good + ok, bad + (not ok)
        env.close()
        engine.dispose()
        os.remove(f"{database}.{at}")

    print(f"every {step}th revision: {good} reached head by replay, {bad} did not")


if mode == "every":
    with app.app_context():
        every(int(sys.argv[2]))

    sys.exit(0)

# On a server, the snapshot's database is made by create_at_head (from a
# template of the snapshot, on PostgreSQL), within the timing; the replay's
# is made before it.
create = admin is not None

with app.app_context():
    env, engine = fresh(database + ".warm", create=not create)
    env.create_at_head(create_database=create)
    env.close()
    engine.dispose()

    env, engine = fresh(database, create=mode != "snapshot" or not create)
    start = time.perf_counter()

    if mode == "snapshot":
        env.create_at_head(create_database=create)
    else:
        env.upgrade(snapshot=False)

    seconds = time.perf_counter() - start
    env.close()
    engine.dispose()

if admin is not None:
    with admin.connect() as connection:
        for name in made:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

sys.stderr.write(f"\nbench-in-process {seconds:.6f}\n")
