"""The ``tenants`` group of the benchmark: many tenants of one history, on
PostgreSQL (a schema each) and SQLite (a file each); and new tenants made
from the snapshot of a long generated history, on PostgreSQL, MariaDB (a
database each) and SQLite.

Run as a script inside a generated project, it does one thing and reports
the time the thing took on stderr (``bench-in-process SECONDS``):

    python tenants.py prepare         # untimed: history, tenants at head, snapshot
    python tenants.py prepare-history N  # untimed: N generated revisions, snapshot
    python tenants.py reset           # untimed: every tenant one revision back
    python tenants.py current         # `current --tenants all`, through the CLI
    python tenants.py current-floor   # a plain SELECT of each version table
    python tenants.py upgrade N       # one revision on every tenant, N workers
    python tenants.py create          # a second new tenant at head (from the snapshot)
    python tenants.py create-replay   # the same, replaying every revision
    python tenants.py fail-one        # check: one tenant's revision fails, N-1 go on

``BENCH_URL`` is the primary database, ``BENCH_TENANTS`` the number of
tenants, ``BENCH_NEWCOMER`` the name of the new tenant (``newcomer``; on
MariaDB its databases are the server's, so the case names its own).
``run.py`` builds the cases (:func:`cases`) and checks the targets
(:func:`targets`).
"""

from __future__ import annotations

import os
import sys
import time
import typing as t
from pathlib import Path

IN_PROCESS = "bench-in-process"
NEW = os.environ.get("BENCH_NEWCOMER", "newcomer")
#: The tenant whose revision the ``fail-one`` check breaks.
BROKEN = 137

REVISIONS = {
    "r1": (
        None,
        "op.create_table('account', sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('email', sa.String(80)))",
        "op.drop_table('account')",
    ),
    "r2": (
        "r1",
        "op.create_table('item', sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('account_id', sa.Integer, sa.ForeignKey('account.id')))",
        "op.drop_table('item')",
    ),
    "r3": (
        "r2",
        "op.add_column('account', sa.Column('note', sa.String(50)))",
        "with op.batch_alter_table('account') as b:\n        b.drop_column('note')",
    ),
}


def _names() -> list[str]:
    return [f"tenant_{n:04d}" for n in range(int(os.environ["BENCH_TENANTS"]))]


def _env(*, newcomer: bool = False, snapshots: bool = True) -> t.Any:
    import sqlalchemy as sa

    from alembic_envkit import Environment
    from alembic_envkit import Settings
    from alembic_envkit import Targets

    names = _names() + ([f"{NEW}_first", NEW] if newcomer else [])
    options = {"tenants": lambda: names, "snapshots": snapshots}
    engine = sa.create_engine(os.environ["BENCH_URL"], pool_size=20)
    settings = Settings.from_mappings(options, root=os.getcwd())
    return Environment(settings, Targets(sa.MetaData(), engine))


def _timed(fn: t.Callable[[], t.Any]) -> None:
    started = time.perf_counter()
    fn()
    print(f"{IN_PROCESS} {time.perf_counter() - started:.6f}", file=sys.stderr)


def _prepare() -> None:
    folder = Path("migrations")
    folder.mkdir(exist_ok=True)

    for rev, (down, up, back) in REVISIONS.items():
        (folder / f"{rev}_step.py").write_text(
            "import sqlalchemy as sa\nfrom alembic import op\n\n"
            f"revision = {rev!r}\ndown_revision = {down!r}\n\n\n"
            f"def upgrade():\n    {up}\n\n\ndef downgrade():\n    {back}\n"
        )

    env = _env()

    if env.targets["default"].engine.dialect.name == "sqlite":
        env.snapshots.write()

    report = env.tenants.upgrade(workers=8)
    assert report.ok, report.to_json()


def _current() -> None:
    from click.testing import CliRunner

    from alembic_envkit import make_group

    env = _env()
    group = make_group(lambda: env)
    runner = CliRunner()

    def run() -> None:
        result = runner.invoke(group, ["current", "--tenants", "all"])
        assert result.exit_code == 0, result.output
        assert len(result.stdout.splitlines()) == len(_names()) + 1

    _timed(run)


def _current_floor() -> None:
    import sqlalchemy as sa

    url = sa.make_url(os.environ["BENCH_URL"])
    names = _names()

    def run() -> None:
        if url.get_backend_name() == "sqlite":
            folder = os.path.dirname(os.path.abspath(str(url.database)))

            for name in names:
                engine = sa.create_engine(
                    url.set(database=os.path.join(folder, f"{name}.sqlite")),
                    poolclass=sa.pool.NullPool,
                )

                with engine.connect() as conn:
                    conn.exec_driver_sql("SELECT version_num FROM alembic_version")

            return

        engine = sa.create_engine(url)

        with engine.connect() as conn:
            for name in names:
                conn.exec_driver_sql(
                    f'SELECT version_num FROM "{name}".alembic_version'
                )

    _timed(run)


def _upgrade(workers: int) -> None:
    env = _env()

    def run() -> None:
        report = env.tenants.upgrade(workers=workers)
        assert report.counts() == {"migrated": len(_names())}, report.counts()

    _timed(run)


def _prepare_history(count: int) -> None:
    """A generated history of ``count`` revisions and its snapshot."""
    sys.path.insert(1, str(Path(__file__).resolve().parent))
    import generate

    generate.write_history(Path.cwd(), count)
    _env().snapshots.write()


def _drop(env: t.Any, names: list[str]) -> None:
    """Remove the tenants ``names``: files, schemas or databases."""
    engine = env.targets["default"].engine
    dialect = engine.dialect.name

    if dialect == "sqlite":
        for name in names:
            Path(f"{name}.sqlite").unlink(missing_ok=True)

        return

    quote = engine.dialect.identifier_preparer.quote
    drop = "SCHEMA" if dialect == "postgresql" else "DATABASE"
    cascade = " CASCADE" if dialect == "postgresql" else ""

    with engine.begin() as conn:
        for name in names:
            conn.exec_driver_sql(f"DROP {drop} IF EXISTS {quote(name)}{cascade}")


def _create(snapshots: bool) -> None:
    env = _env(newcomer=True, snapshots=snapshots)
    _drop(env, [f"{NEW}_first", NEW])
    heads = list(env.history.graph.heads)

    # As in an application that has made a tenant since it started: what a
    # new tenant needs is imported and read.
    env.tenants.create(f"{NEW}_first")

    def run() -> None:
        result = env.tenants.create(NEW)
        assert result.after == heads, result

    _timed(run)
    status = env.tenants.status([NEW])[0]
    assert status.behind == 0 and status.current == tuple(heads), status
    _drop(env, [f"{NEW}_first", NEW])


def _fail_one() -> None:
    """One tenant's last revision fails (its table has the column the
    revision adds): the others reach head, and the report lists that one
    alone. Prints what was found; exits non-zero when it is not so.
    """
    env = _env()
    names = _names()
    broken = names[BROKEN % len(names)]
    engine = env.targets["default"].engine
    column = f'ALTER TABLE "{broken}".account {{}} COLUMN note'
    assert env.tenants.downgrade("r2", workers=8).ok

    with engine.begin() as conn:
        conn.exec_driver_sql(column.format("ADD") + " varchar(50)")

    try:
        started = time.perf_counter()
        report = env.tenants.upgrade(workers=8)
        seconds = time.perf_counter() - started
        status = {s.tenant: s.current for s in env.tenants.status(workers=8)}
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(column.format("DROP"))

    assert env.tenants.upgrade(workers=8).ok
    at_head = sum(status[n] == ("r3",) for n in names if n != broken)
    problems = []

    if report.failed != [broken]:
        problems.append(f"the report lists {report.failed}, not [{broken!r}]")

    if report.counts() != {"migrated": len(names) - 1, "failed": 1}:
        problems.append(f"the report counts {report.counts()}")

    if at_head != len(names) - 1 or status[broken] != ("r2",):
        problems.append(f"{at_head} others at head, {broken} at {status[broken]}")

    if problems:
        raise SystemExit("; ".join(problems))

    print(
        f"{broken} failed alone: the other {at_head} reached head, the report"
        f" lists exactly it ({seconds:.2f}s, 8 workers)"
    )


def main(argv: list[str]) -> None:
    mode = argv[0]

    if mode == "prepare":
        _prepare()
    elif mode == "prepare-history":
        _prepare_history(int(argv[1]))
    elif mode == "fail-one":
        _fail_one()
    elif mode == "reset":
        report = _env().tenants.downgrade("r2", workers=8)
        assert report.ok, report.to_json()
    elif mode == "current":
        _current()
    elif mode == "current-floor":
        _current_floor()
    elif mode == "upgrade":
        _upgrade(int(argv[1]))
    elif mode in ("create", "create-replay"):
        _create(mode == "create")
    else:
        raise SystemExit(f"unknown mode {mode!r}")


# What run.py uses: the cases and the targets.


def cases(
    root: Path,
    sizes: dict[str, tuple[int, ...]],
    python: str,
    base_env: dict[str, str],
    postgresql: str | None,
    case_type: t.Any,
    command_type: t.Any,
    mariadb: str | None = None,
) -> list[t.Any]:
    """The group's cases: on PostgreSQL (when ``postgresql`` is a reachable
    server URL) with ``sizes["tenant_schemas"]`` schemas, and on SQLite with
    ``sizes["tenant_files"]`` files; then a new tenant from the snapshot of
    a history of ``sizes["tenant_history"]`` revisions on each dialect
    (MariaDB when ``mariadb`` is a reachable server URL). On PostgreSQL, the
    ``fail-one`` check runs once the schemas are prepared; what it found is
    in the upgrade case's ``checks``.
    """
    import subprocess

    import sqlalchemy as sa

    script = str(Path(__file__).resolve())
    found = []
    layouts = [("SQLite files", "tenant_files", None)]

    if postgresql:
        layouts.insert(0, ("PostgreSQL schemas", "tenant_schemas", postgresql))

    for label, key, server in layouts:
        for count in sizes[key]:
            folder = root / f"tenants-{key}-{count}"
            folder.mkdir(parents=True, exist_ok=True)

            if server is not None:
                name = f"bench_tenants_{count}_{os.getpid()}"
                admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")

                with admin.connect() as conn:
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                    conn.exec_driver_sql(f"CREATE DATABASE {name}")

                admin.dispose()
                (folder / "server.txt").write_text(f"{server}\n{name}\n")
                url = sa.make_url(server).set(database=name)
                url_text = url.render_as_string(hide_password=False)
            else:
                url_text = f"sqlite:///{folder / 'primary.sqlite'}"

            env = {**base_env, "BENCH_URL": url_text, "BENCH_TENANTS": str(count)}
            print(f"preparing {count} {label}", file=sys.stderr, flush=True)
            subprocess.run([python, script, "prepare"], cwd=folder, env=env, check=True)
            checks = {}

            if server is not None:
                checked = subprocess.run(
                    [python, script, "fail-one"],
                    cwd=folder,
                    env=env,
                    capture_output=True,
                    text=True,
                )
                text = checked.stdout.strip() or (
                    "FAILED: " + (checked.stderr.strip().splitlines() or ["?"])[-1]
                )
                print(f"  {text}", file=sys.stderr, flush=True)
                checks["fail-one"] = text

            def reset(folder: Path = folder, env: dict[str, str] = env) -> None:
                subprocess.run(
                    [python, script, "reset"],
                    cwd=folder,
                    env=env,
                    check=True,
                    capture_output=True,
                )

            def command(
                *args: str,
                setup: t.Any = None,
                folder: Path = folder,
                env: dict[str, str] = env,
            ) -> t.Any:
                return command_type([python, script, *args], folder, env, setup)

            found += [
                case_type(
                    "tenants",
                    f"current --tenants all ({label})",
                    count,
                    command("current"),
                    "SELECT each version table",
                    command("current-floor"),
                ),
                case_type(
                    "tenants",
                    f"upgrade one revision, 8 workers ({label})",
                    count,
                    command("upgrade", "8", setup=reset),
                    "the same, 1 worker",
                    command("upgrade", "1", setup=reset),
                    checks=checks,
                ),
            ]

    found += _history_cases(
        root, sizes, python, base_env, postgresql, mariadb, case_type, command_type
    )
    return found


def _history_cases(
    root: Path,
    sizes: dict[str, tuple[int, ...]],
    python: str,
    base_env: dict[str, str],
    postgresql: str | None,
    mariadb: str | None,
    case_type: t.Any,
    command_type: t.Any,
) -> list[t.Any]:
    """A new tenant at head from the snapshot of a long generated history,
    against the same replaying every revision, on each dialect reached.
    """
    import subprocess

    import sqlalchemy as sa

    script = str(Path(__file__).resolve())
    layouts = [
        ("PostgreSQL schemas", postgresql),
        ("MariaDB databases", mariadb),
        ("SQLite files", None),
    ]
    found = []

    for count in sizes["tenant_history"]:
        for label, server in layouts:
            if server is None and label != "SQLite files":
                continue

            key = label.split()[0].lower()
            folder = root / f"tenants-history-{key}-{count}"
            folder.mkdir(parents=True, exist_ok=True)
            newcomer = NEW

            if server is not None:
                name = f"bench_tenant_history_{count}_{os.getpid()}"
                url = sa.make_url(server)
                force = (
                    " WITH (FORCE)" if url.get_backend_name() == "postgresql" else ""
                )
                admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")

                with admin.connect() as conn:
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}{force}")
                    conn.exec_driver_sql(f"CREATE DATABASE {name}")

                admin.dispose()
                # MariaDB's tenants are databases of the server: named after
                # this run's, and dropped with it.
                newcomer = f"{name}_new" if not force else NEW
                extra = f"{newcomer}_first {newcomer}" if not force else ""
                (folder / "server.txt").write_text(f"{server}\n{name}\n{extra}\n")
                url_text = url.set(database=name).render_as_string(hide_password=False)
            else:
                url_text = f"sqlite:///{folder / 'primary.sqlite'}"

            env = {
                **base_env,
                "BENCH_URL": url_text,
                "BENCH_TENANTS": "0",
                "BENCH_NEWCOMER": newcomer,
            }
            print(
                f"preparing {count} revisions for new {label}",
                file=sys.stderr,
                flush=True,
            )
            subprocess.run(
                [python, script, "prepare-history", str(count)],
                cwd=folder,
                env=env,
                check=True,
            )
            found.append(
                case_type(
                    "tenants",
                    f"new tenant at head from the snapshot ({label})",
                    count,
                    command_type([python, script, "create"], folder, env),
                    "the same, replaying every revision",
                    command_type([python, script, "create-replay"], folder, env),
                )
            )

    return found


def drop_databases(root: Path) -> None:
    """Drop the server databases :func:`cases` made under ``root``."""
    import sqlalchemy as sa

    for marker in root.glob("tenants-*/server.txt"):
        server, *names = marker.read_text().split()
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        force = " WITH (FORCE)" if admin.dialect.name == "postgresql" else ""

        try:
            with admin.connect() as conn:
                for name in names:
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}{force}")
        finally:
            admin.dispose()


def targets(
    rows: list[dict[str, t.Any]], sizes: dict[str, tuple[int, ...]]
) -> list[tuple[str, str, bool | None]]:
    """The group's targets, from the rows of :func:`cases`."""
    import statistics

    found: list[tuple[str, str, bool | None]] = []
    cores = os.cpu_count() or 1

    for label, key in (
        ("PostgreSQL schemas", "tenant_schemas"),
        ("SQLite files", "tenant_files"),
    ):
        for row in rows:
            if row["group"] != "tenants" or row["size"] not in sizes.get(key, ()):
                continue

            if row["case"].startswith("new tenant"):
                continue  # Below: its size is the history's.

            if not row["case"].endswith(f"({label})"):
                continue

            size = row["size"]
            inner = (
                statistics.median(row["in_process_s"]) if row["in_process_s"] else None
            )

            if row["case"].startswith("current"):
                found.append(
                    (
                        f"current --tenants all [{size} {label}], whole process",
                        f"{row['median_s']:.2f}s (command {inner or 0:.2f}s;"
                        " limit 2 s)",
                        row["median_s"] <= 2,
                    )
                )
            elif row["case"].startswith("upgrade") and inner is not None:
                serial = statistics.median(row["floor_in_process_s"])
                parallel = min(8, cores)
                limit = 1.3 * serial / parallel
                found.append(
                    (
                        f"upgrade one revision [{size} {label}], 8 workers vs serial/"
                        f"{parallel} (cores: {cores})",
                        f"{inner:.2f}s vs serial {serial:.2f}s: limit {limit:.2f}s",
                        inner <= limit,
                    )
                )

            if "fail-one" in row.get("checks", {}):
                text = row["checks"]["fail-one"]
                found.append(
                    (
                        f"one tenant's revision fails among {size} {label}",
                        text,
                        not text.startswith("FAILED"),
                    )
                )

    for row in rows:
        if row["group"] != "tenants" or not row["case"].startswith("new tenant"):
            continue

        if not row["in_process_s"] or not row["floor_in_process_s"]:
            continue

        label = row["case"][row["case"].index("(") + 1 : -1]
        inner = statistics.median(row["in_process_s"])
        replay = statistics.median(row["floor_in_process_s"])
        found.append(
            (
                f"new tenant at head from the snapshot [{row['size']} revisions,"
                f" {label}]",
                f"{inner * 1000:.0f} ms (replay {replay * 1000:.0f} ms; limit 200 ms)",
                inner <= 0.2,
            )
        )

    return found


if __name__ == "__main__":
    # As with ``python -m``: the working directory first on the path.
    sys.path[0] = ""
    main(sys.argv[1:])
