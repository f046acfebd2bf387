"""Benchmark: whole-process timings of ``flask db`` commands, each next to a
floor measured in the same run.

    hatch run bench                   # full sizes, 5 runs of each (15 of reads)
    hatch run bench --quick           # small sizes, 1 run (3 of reads): a smoke run
    hatch run bench --repeat 9 --only heads,current --json out.json

Every figure is one fresh process (``sys.executable``, so the workspace's
packages): wall time around the process, its peak memory (``ru_maxrss``
from ``os.wait4``), its CPU time, and for ``flask`` commands the time from
the start of the command to its end (``timed_flask.py``). Each case and its
floor run alternately (ABBA), once untimed first to compile bytecode and
fill caches; the table shows medians and the ratio to the floor. The
benchmark never fails: in a full run, PASS/FAIL only says whether a
performance target is met; a quick run prints the figures alone, as one run
of each cannot support a verdict.
"""

from __future__ import annotations

import argparse
import json
import operator
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import checksums  # noqa: E402
import generate  # noqa: E402
import profiles  # noqa: E402
import tenants  # noqa: E402

FULL = {
    "reads": (10, 300, 3000),
    "upgrades": (300, 3000),
    "tables": (50, 500),
    "checksums": (3000,),
    "snapshots": (3000,),
    "lints": (300,),
    "tenant_schemas": (200,),
    "tenant_files": (500,),
    "tenant_history": (150,),
}
QUICK = {
    "reads": (10, 100),
    "upgrades": (100,),
    "tables": (10,),
    "checksums": (100,),
    "snapshots": (100,),
    "lints": (30,),
    "tenant_schemas": (20,),
    "tenant_files": (20,),
    "tenant_history": (30,),
}
MODES = ("savepoint", "revision", "run")
GROUPS = (
    "help",
    "heads",
    "current",
    "verify",
    "upgrade",
    "autogenerate",
    "check",
    "checksum",
    "snapshot",
    "lint",
    "tenants",
)
READS = ("help", "heads", "current", "verify")
#: Runs ``flask`` and reports the time from its start to the command's end.
TIMED_FLASK = Path(__file__).with_name("timed_flask.py")
IN_PROCESS = b"bench-in-process "
#: The PostgreSQL server of the snapshot case on a server; skipped when it
#: can't be reached.
POSTGRESQL = os.environ.get(
    "BENCH_POSTGRESQL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
#: The MariaDB server of the tenant cases on MariaDB; skipped when it
#: can't be reached.
MARIADB = os.environ.get("BENCH_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test")
#: Brings a fresh database to head in a set-up process, see its docstring.
FRESH_DATABASE = Path(__file__).with_name("fresh_database.py")
#: Runs of a read command for each run of the others.
READ_RUNS = 3


@dataclass
class Command:
    """One process to run: what, where, and what to do before each run."""

    argv: list[str]
    cwd: Path
    env: dict[str, str]
    setup: t.Callable[[], None] | None = None
    codes: tuple[int, ...] = (0,)


@dataclass
class Case:
    """A measured command and the floor it is compared with."""

    group: str
    name: str
    size: int | None
    command: Command
    floor_name: str
    floor: Command
    after_warmup: t.Callable[[], str] | None = None
    #: Figures found before the timing (the checksum case's counts).
    checks: dict[str, t.Any] = field(default_factory=dict)
    times: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    in_process: list[float] = field(default_factory=list)
    floor_in_process: list[float] = field(default_factory=list)
    floor_times: list[float] = field(default_factory=list)
    floor_rss: list[int] = field(default_factory=list)
    floor_cpu: list[float] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name if self.size is None else f"{self.name} [{self.size}]"

    def summary(self) -> dict[str, t.Any]:
        median = statistics.median(self.times)
        floor = statistics.median(self.floor_times)
        return {
            "group": self.group,
            "case": self.name,
            "size": self.size,
            "floor": self.floor_name,
            "median_s": median,
            "floor_median_s": floor,
            "ratio": median / floor,
            "max_rss_mib": max(self.rss) / 2**20,
            "floor_max_rss_mib": max(self.floor_rss) / 2**20,
            "times_s": self.times,
            "floor_times_s": self.floor_times,
            "cpu_median_s": statistics.median(self.cpu),
            "cpu_s": self.cpu,
            "in_process_s": self.in_process,
            "floor_in_process_s": self.floor_in_process,
            "floor_cpu_s": self.floor_cpu,
            **({"checks": self.checks} if self.checks else {}),
        }


def run(command: Command) -> tuple[float, int, float, float | None]:
    """Run one process; return its wall time, peak memory in bytes, CPU
    time (user and system), and the time from the start of a ``flask``
    command to its end as it reports it (``None`` for other commands).
    """
    if command.setup is not None:
        command.setup()

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command.argv, cwd=command.cwd, env=command.env, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)

        err.seek(0)
        errors = err.read()

        if code not in command.codes:
            out.seek(0)
            tail = (out.read() + errors).decode(errors="replace")[-3000:]
            raise SystemExit(
                f"{' '.join(command.argv)} (in {command.cwd}) exited {code}:\n{tail}"
            )

    _, found, seconds = errors.rpartition(IN_PROCESS)
    in_process = float(seconds.split()[0]) if found else None
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, usage.ru_maxrss * scale, cpu, in_process


def measure(cases: list[Case], repeat: int, log: t.TextIO) -> None:
    """Warm up every case and floor once, then time them, rounds outermost
    so that each case's runs are spread over the whole benchmark.
    """
    for case in cases:
        print(f"warm-up: {case.label}", file=log, flush=True)
        run(case.command)
        run(case.floor)

        if case.after_warmup is not None:
            print(f"  {case.after_warmup()}", file=log, flush=True)

    # The read commands take well under a second and their marginal cost
    # per revision is the difference of two such medians: they get more
    # runs, spread over the same rounds.
    rounds = repeat * READ_RUNS

    for r in range(rounds):
        print(f"round {r + 1}/{rounds}", file=log, flush=True)

        for case in cases:
            if case.group not in READS and r % READ_RUNS:
                continue

            pair = [(case.command, False), (case.floor, True)]

            for command, is_floor in pair if r % 2 == 0 else pair[::-1]:
                seconds, rss, cpu, in_process = run(command)

                if is_floor:
                    case.floor_times.append(seconds)
                    case.floor_rss.append(rss)
                    case.floor_cpu.append(cpu)

                    if in_process is not None:
                        case.floor_in_process.append(in_process)
                else:
                    case.times.append(seconds)
                    case.rss.append(rss)
                    case.cpu.append(cpu)

                    if in_process is not None:
                        case.in_process.append(in_process)


def profile(cases: list[Case], folder: Path, log: t.TextIO) -> str:
    """Run each case and floor once more under cProfile, keep the profiles
    in ``folder``, and summarise each by package.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["", f"self time by package under cProfile (profiles in {folder}):"]

    for case in cases:
        for name, command in (
            (case.label, case.command),
            (f"floor of {case.label}", case.floor),
        ):
            out = folder / f"{profiles.slug(name)}.prof"
            argv = profiles.profiled(command.argv, out)

            if argv is None:
                continue

            print(f"profiling: {name}", file=log, flush=True)
            run(Command(argv, command.cwd, command.env, command.setup, command.codes))
            parts = [
                f"{package} {seconds:.2f}s {share:.0%}"
                for package, seconds, share in profiles.by_package(out)
            ]
            lines.append(f"  {name}: " + ", ".join(parts))

    return "\n".join(lines)


def build(
    root: Path,
    sizes: dict[str, tuple[int, ...]],
    only: set[str],
    modes: t.Sequence[str] = MODES,
) -> list[Case]:
    """Generate the projects and the list of cases."""
    python = sys.executable
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    base_env.pop("PYTHONDONTWRITEBYTECODE", None)
    base_env["FLASK_APP"] = "app"
    cases: list[Case] = []
    startup = "python: " + generate.STARTUP_FLOOR

    def env(**extra: str) -> dict[str, str]:
        return {**base_env, **{f"BENCH_{k.upper()}": v for k, v in extra.items()}}

    def flask(folder: Path, database: Path, *args: str, **extra: str) -> Command:
        return Command(
            [python, str(TIMED_FLASK), "db", *args],
            folder,
            env(database=str(database), **extra),
        )

    def startup_floor(folder: Path) -> Command:
        return Command([python, "-c", generate.STARTUP_FLOOR], folder, base_env)

    history_sizes = sorted(
        set(sizes["reads"] if only & set(READS) else ())
        | set(sizes["upgrades"] if "upgrade" in only else ())
    )

    for count in history_sizes:
        folder = root / f"history-{count}"
        print(f"generating {folder.name}", file=sys.stderr, flush=True)
        generate.write_app(folder, generate.small_models())
        generate.write_history(folder, count)
        upgraded = folder / "upgraded.sqlite"

        if count in sizes["reads"] and only & set(READS):
            run(flask(folder, upgraded, "upgrade", "-q"))

        if count == min(sizes["reads"]) and "help" in only:
            cases.append(
                Case(
                    "help",
                    "flask db --help",
                    None,
                    flask(folder, upgraded, "--help"),
                    startup,
                    startup_floor(folder),
                )
            )

        for command in ("heads", "current", "verify"):
            if count in sizes["reads"] and command in only:
                cases.append(
                    Case(
                        command,
                        f"flask db {command}",
                        count,
                        flask(folder, upgraded, command),
                        startup,
                        startup_floor(folder),
                    )
                )

        if count in sizes["upgrades"] and "upgrade" in only:
            floor_script = generate.write_ddl_floor(folder, count)
            # Every transaction mode at the largest size, the default below.
            largest = count == max(sizes["upgrades"])

            for mode in modes if largest else [m for m in modes if m == MODES[0]]:
                database = folder / f"upgrade-{mode}.sqlite"
                floor_database = folder / f"floor-{mode}.sqlite"
                command = flask(folder, database, "upgrade", transaction_mode=mode)
                command.setup = _remover(database)
                # The floor commits as often as the mode: once per revision
                # in "revision" mode, once per run otherwise.
                commits = "revision" if mode == "revision" else "run"
                floor = Command(
                    [python, floor_script.name],
                    folder,
                    env(database=str(floor_database), floor_commits=commits),
                    _remover(floor_database),
                )
                cases.append(
                    Case(
                        "upgrade",
                        f"flask db upgrade ({mode})",
                        count,
                        command,
                        "plain SQLAlchemy DDL, "
                        + (
                            "a commit per revision"
                            if commits == "revision"
                            else "one commit"
                        ),
                        floor,
                        _same_schema(database, floor_database),
                    )
                )

        if count == max(sizes["upgrades"]) and "upgrade" in only:
            # The ledger's cost: the same upgrade (in the first mode asked
            # for) with it on, against off.
            on, off = folder / "ledger-on.sqlite", folder / "ledger-off.sqlite"
            command = flask(
                folder, on, "upgrade", transaction_mode=modes[0], ledger="1"
            )
            command.setup = _remover(on)
            plain = flask(folder, off, "upgrade", transaction_mode=modes[0])
            plain.setup = _remover(off)
            cases.append(
                Case(
                    "upgrade",
                    "flask db upgrade (ledger)",
                    count,
                    command,
                    "the same upgrade without the ledger",
                    plain,
                )
            )

    for count in sizes["tables"] if only & {"autogenerate", "check"} else ():
        folder = root / f"tables-{count}"
        print(f"generating {folder.name}", file=sys.stderr, flush=True)
        generate.write_app(folder, generate.table_models(count))
        generate.write_compare_floor(folder)
        empty = folder / "empty.sqlite"
        synced = folder / "synced.sqlite"
        run(
            Command(
                [
                    python,
                    "-c",
                    "import sqlalchemy as sa, models, sys;"
                    "engine = sa.create_engine('sqlite:///' + sys.argv[1]);"
                    "models.Model.metadata.create_all(engine)",
                    str(synced),
                ],
                folder,
                base_env,
            )
        )
        floor = "alembic compare_metadata"

        if "autogenerate" in only:
            command = flask(folder, empty, "revision", "--autogenerate", "-m", "x")
            command.setup = lambda folder=folder: generate.clear_revisions(folder)
            cases.append(
                Case(
                    "autogenerate",
                    "flask db revision --autogenerate (empty db)",
                    count,
                    command,
                    floor,
                    Command(
                        [python, "floor_compare.py"], folder, env(database=str(empty))
                    ),
                    _written_tables(folder, count),
                )
            )

        if "check" in only:
            command = flask(folder, synced, "check")
            # An autogenerate run leaves a revision in the shared folder.
            command.setup = lambda folder=folder: generate.clear_revisions(folder)
            cases.append(
                Case(
                    "check",
                    "flask db check (in sync)",
                    count,
                    command,
                    floor,
                    Command(
                        [python, "floor_compare.py"], folder, env(database=str(synced))
                    ),
                )
            )

    for count in sizes["checksums"] if "checksum" in only else ():
        folder = root / f"checksums-{count}"
        print(f"generating {folder.name}", file=sys.stderr, flush=True)
        generate.write_history(folder, count)
        script, floor_script = checksums.write_scripts(folder)
        print(f"checking checksums in {folder.name}", file=sys.stderr, flush=True)
        found = checksums.check(folder)
        print(checksums.describe(found), file=sys.stderr, flush=True)
        cases.append(
            Case(
                "checksum",
                "checksum every revision file",
                count,
                Command([python, script.name], folder, base_env),
                "read and ast.parse every file",
                Command([python, floor_script.name], folder, base_env),
                checks=found,
            )
        )

    for count in sizes["lints"] if "lint" in only else ():
        folder = root / f"lint-{count}"
        print(f"generating {folder.name}", file=sys.stderr, flush=True)
        generate.write_app(folder, generate.small_models())
        generate.write_history(folder, count)
        command = flask(folder, folder / "unused.sqlite", "lint", "--all")
        # Exit 1 is a finding, which the benchmark history may have.
        command.codes = (0, 1)
        cases.append(
            Case(
                "lint",
                "flask db lint --all",
                count,
                command,
                "python: import flask, sqlalchemy, alembic",
                startup_floor(folder),
            )
        )

    for count in sizes["snapshots"] if "snapshot" in only else ():
        folder = root / f"snapshot-{count}"
        print(f"generating {folder.name}", file=sys.stderr, flush=True)
        generate.write_app(folder, generate.small_models())
        generate.write_history(folder, count)
        run(flask(folder, folder / "scratch.sqlite", "snapshot"))
        database = folder / "fresh.sqlite"
        # A database at every 100th revision (every tenth of a quick run's)
        # reaches head by replay, the snapshot at head notwithstanding.
        step = 100 if count >= 1000 else 10
        print(f"checking every {step}th revision", file=sys.stderr, flush=True)
        checked = subprocess.run(
            [python, str(FRESH_DATABASE), "every", str(step)],
            cwd=folder,
            env=env(database=str(database)),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(checked, file=sys.stderr, flush=True)

        if POSTGRESQL and _reachable(POSTGRESQL):
            # The same history's snapshot on PostgreSQL, beside SQLite's.
            pg = root / f"snapshot-postgresql-{count}"
            generate.write_app(pg, generate.small_models())
            shutil.rmtree(pg / "migrations", ignore_errors=True)
            shutil.copytree(folder / "migrations", pg / "migrations")
            shutil.rmtree(pg / "migrations" / "snapshots")
            run(flask(pg, pg / "unused", "snapshot", url=POSTGRESQL))
            server = env(database=str(database), server=POSTGRESQL)
            cases.append(
                Case(
                    "snapshot",
                    "fresh PostgreSQL database at head from the snapshot",
                    count,
                    Command([python, str(FRESH_DATABASE), "snapshot"], pg, server),
                    "the same, replaying every revision",
                    Command([python, str(FRESH_DATABASE), "replay"], pg, server),
                )
            )

        cases.append(
            Case(
                "snapshot",
                "fresh database at head from the snapshot",
                count,
                Command(
                    [python, str(FRESH_DATABASE), "snapshot"],
                    folder,
                    env(database=str(database)),
                ),
                "the same, replaying every revision",
                Command(
                    [python, str(FRESH_DATABASE), "replay"],
                    folder,
                    env(database=str(database)),
                ),
                checks={"every": checked},
            )
        )

    if "tenants" in only:
        server = POSTGRESQL if POSTGRESQL and _reachable(POSTGRESQL) else None
        mariadb = MARIADB if MARIADB and _reachable(MARIADB) else None
        cases += tenants.cases(
            root, sizes, python, base_env, server, Case, Command, mariadb=mariadb
        )

    return cases


def _drop_templates(root: Path) -> None:
    """Drop the PostgreSQL template databases the snapshot cases made: one
    per snapshot file of theirs, named after its hash.
    """
    import hashlib

    import sqlalchemy as sa

    files = list(root.glob("snapshot-postgresql-*/migrations/snapshots/*.sql"))

    if not files:
        return

    engine = sa.create_engine(POSTGRESQL, isolation_level="AUTOCOMMIT")

    try:
        with engine.connect() as connection:
            for path in files:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:24]
                name = f"envkit_template_{digest}"
                connection.exec_driver_sql(
                    f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )
    finally:
        engine.dispose()


def _reachable(url: str) -> bool:
    """Whether a database server answers, said on stderr when it does not."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)

    try:
        with engine.connect():
            return True
    except sa.exc.DBAPIError as e:
        what = sa.make_url(url).get_backend_name()
        print(f"no {what} case: {url} unreachable ({e.orig})", file=sys.stderr)
        return False
    finally:
        engine.dispose()


def _remover(path: Path) -> t.Callable[[], None]:
    return lambda: generate.remove_database(path)


def _same_schema(a: Path, b: Path) -> t.Callable[[], str]:
    def check() -> str:
        left, right = generate.schema(a), generate.schema(b)

        if left != right:
            raise SystemExit(f"The upgrade and its floor made other schemas: {a} {b}")

        return f"upgrade and floor made the same schema ({len(left)} objects)"

    return check


def _written_tables(folder: Path, count: int) -> t.Callable[[], str]:
    def check() -> str:
        (path,) = (folder / "migrations").glob("*_x.py")
        tables = path.read_text().count("op.create_table(")

        if tables != count:
            raise SystemExit(f"{path} creates {tables} tables, not {count}")

        return f"autogenerate wrote {tables} create_table operations"

    return check


def targets(
    rows: list[dict[str, t.Any]], sizes: dict[str, tuple[int, ...]]
) -> list[tuple[str, str, bool | None]]:
    """Each target with the measured figure and whether it is met, for the
    largest sizes measured.
    """
    found: list[tuple[str, str, bool | None]] = []

    def row(case: str, size: int | None) -> dict[str, t.Any] | None:
        return next((r for r in rows if r["case"] == case and r["size"] == size), None)

    def ratio(description: str, case: str, size: int | None, limit: float) -> None:
        r = row(case, size)

        if r is not None:
            low, high = _interval(r["times_s"], r["floor_times_s"], operator.truediv)
            text = f"{r['ratio']:.2f}x, 90% {low:.2f} to {high:.2f} (limit {limit}x)"
            found.append((description, text, r["ratio"] <= limit))

    big_read, small_read = max(sizes["reads"]), min(sizes["reads"])
    ratio("--help vs start-up floor", "flask db --help", None, 1.05)

    def per_revision(big_s: float, small_s: float) -> float:
        """Milliseconds per revision between the two read sizes."""
        return (big_s - small_s) / (big_read - small_read) * 1000

    ratio(
        f"verify [{big_read}] vs start-up floor, warm cache",
        "flask db verify",
        big_read,
        1.2,
    )

    for command in ("heads", "current"):
        ratio(
            f"{command} [{big_read}] vs start-up floor",
            f"flask db {command}",
            big_read,
            1.2,
        )
        big, small = (
            row(f"flask db {command}", big_read),
            row(f"flask db {command}", small_read),
        )

        if big is not None and small is not None and big_read > small_read:
            marginal = per_revision(big["median_s"], small["median_s"])
            low, high = _interval(big["times_s"], small["times_s"], per_revision)
            found.append(
                (
                    f"{command} marginal cost per revision",
                    f"{marginal:.4f} ms, 90% {low:.4f} to {high:.4f} (limit 0.017)",
                    marginal < 0.017,
                )
            )
            # CPU time leaves out the waits of a loaded machine, and the time
            # in the process leaves out the interpreter's start and exit:
            # steadier estimates of the same cost.
            cpu = per_revision(big["cpu_median_s"], small["cpu_median_s"])
            low, high = _interval(big["cpu_s"], small["cpu_s"], per_revision)
            found.append(
                (
                    f"{command} marginal cost per revision, CPU time",
                    f"{cpu:.4f} ms, 90% {low:.4f} to {high:.4f}",
                    None,
                )
            )
            inner = per_revision(
                statistics.median(big["in_process_s"]),
                statistics.median(small["in_process_s"]),
            )
            low, high = _interval(
                big["in_process_s"], small["in_process_s"], per_revision
            )
            found.append(
                (
                    f"{command} marginal cost per revision, in the process",
                    f"{inner:.4f} ms, 90% {low:.4f} to {high:.4f}",
                    None,
                )
            )

    ratio(
        f"upgrade [{max(sizes['upgrades'])}] (savepoint) vs DDL floor, one commit",
        "flask db upgrade (savepoint)",
        max(sizes["upgrades"]),
        2.0,
    )
    ratio(
        f"upgrade [{max(sizes['upgrades'])}] (revision, default on SQLite) vs DDL"
        " floor, a commit per revision",
        "flask db upgrade (revision)",
        max(sizes["upgrades"]),
        2.0,
    )
    ratio(
        f"upgrade [{max(sizes['upgrades'])}] with the ledger vs without",
        "flask db upgrade (ledger)",
        max(sizes["upgrades"]),
        1.05,
    )
    linted = row("flask db lint --all", max(sizes["lints"]))

    if linted is not None:
        # What the lint adds to the start-up, per revision linted.
        per = (linted["median_s"] - linted["floor_median_s"]) / max(sizes["lints"])
        found.append(
            (
                f"lint --all [{max(sizes['lints'])}], per revision beyond start-up",
                f"{per * 1000:.2f} ms (limit 50 ms)",
                per <= 0.050,
            )
        )

    every = row("fresh database at head from the snapshot", max(sizes["snapshots"]))

    if every is not None and "every" in every.get("checks", {}):
        text = every["checks"]["every"]
        found.append(
            (
                f"a database at each step of [{max(sizes['snapshots'])}] reaches"
                " head by replay",
                text,
                text.endswith(" 0 did not"),
            )
        )

    for dialect, limit in (("", 0.01), ("PostgreSQL ", 0.05)):
        size = max(sizes["snapshots"])
        fresh = row(f"fresh {dialect}database at head from the snapshot", size)

        if (
            fresh is None
            or not fresh["in_process_s"]
            or not fresh["floor_in_process_s"]
        ):
            continue

        # The call alone: each process's start-up is the same in both.
        times, floor = fresh["in_process_s"], fresh["floor_in_process_s"]
        share = statistics.median(times) / statistics.median(floor)
        low, high = _interval(times, floor, operator.truediv)
        found.append(
            (
                f"fresh {dialect or 'SQLite '}database at head [{size}] from the"
                " snapshot vs replay, in the process",
                f"{share * 100:.2f}%, 90% {low * 100:.2f} to {high * 100:.2f}"
                f" (limit {limit * 100:.0f}%)",
                share <= limit,
            )
        )

    big_upgrade, small_upgrade = max(sizes["upgrades"]), min(sizes["upgrades"])
    big = row("flask db upgrade (savepoint)", big_upgrade)
    small = row("flask db upgrade (savepoint)", small_upgrade)

    if big is not None and small is not None and big_upgrade > small_upgrade:
        # Time beyond the floor, per revision, without what every run pays
        # once (start-up): the slope between the two sizes.
        per = (
            (big["median_s"] - big["floor_median_s"])
            - (small["median_s"] - small["floor_median_s"])
        ) / (big_upgrade - small_upgrade)
        found.append(
            (
                f"upgrade time beyond the DDL, {small_upgrade} to {big_upgrade}",
                f"{per * 1000:.2f} ms/revision (Flask-Alembic 3.3: about 3)",
                None,
            )
        )

    for mode in MODES[1:]:
        r = row(f"flask db upgrade ({mode})", big_upgrade)

        if r is not None and big is not None:
            per = (r["median_s"] - big["median_s"]) / big_upgrade
            found.append(
                (
                    f"upgrade [{big_upgrade}] in {mode} mode vs savepoint mode",
                    f"{r['median_s'] / big['median_s']:.2f}x,"
                    f" {per * 1000:+.2f} ms/revision",
                    None,
                )
            )

    big_tables = max(sizes["tables"])
    ratio(
        f"autogenerate [{big_tables}] vs compare_metadata",
        "flask db revision --autogenerate (empty db)",
        big_tables,
        1.1,
    )
    ratio(
        f"check [{big_tables}] vs compare_metadata",
        "flask db check (in sync)",
        big_tables,
        1.1,
    )
    checksum = row("checksum every revision file", max(sizes["checksums"]))

    if checksum is not None:
        found.extend(checksums.targets(checksum))

    found.extend(tenants.targets(rows, sizes))

    heads = row("flask db heads", big_read)

    if heads is not None:
        extra = heads["max_rss_mib"] - heads["floor_max_rss_mib"]
        found.append(
            (
                f"heads [{big_read}] peak memory vs start-up floor",
                f"+{extra:.1f} MiB (limit +10 MiB)",
                extra <= 10,
            )
        )

    return found


def _interval(
    a: list[float], b: list[float], combine: t.Callable[[float, float], float]
) -> tuple[float, float]:
    """A 90% bootstrap interval for ``combine(median(a), median(b))``: how
    much of a ratio or a marginal cost is noise.
    """
    rng = random.Random(0)
    values = sorted(
        combine(
            statistics.median(rng.choices(a, k=len(a))),
            statistics.median(rng.choices(b, k=len(b))),
        )
        for _ in range(2000)
    )
    return values[len(values) // 20], values[-len(values) // 20 - 1]


def report(
    rows: list[dict[str, t.Any]],
    found: list[tuple[str, str, bool | None]],
    verdicts: bool = True,
) -> str:
    """The results as a compact text table. Without ``verdicts`` (a quick
    run), the targets' figures are listed without PASS or FAIL.
    """
    lines = [
        f"{'case':<46} {'size':>5} {'median':>8} {'floor':>8} {'ratio':>6}"
        f" {'MiB':>6} {'floor':>6}  floor is",
    ]

    for r in rows:
        size = "" if r["size"] is None else str(r["size"])
        lines.append(
            f"{r['case']:<46} {size:>5} {r['median_s']:>7.3f}s"
            f" {r['floor_median_s']:>7.3f}s {r['ratio']:>5.2f}x"
            f" {r['max_rss_mib']:>6.1f} {r['floor_max_rss_mib']:>6.1f}  {r['floor']}"
        )

    if found and verdicts:
        lines.append("")
        lines.append("targets:")

        for description, text, ok in found:
            status = "info" if ok is None else "PASS" if ok else "FAIL"
            lines.append(f"  {status:<4}  {description:<52} {text}")
    elif found:
        lines.append("")
        lines.append("figures (a quick run: no verdicts, see a full run):")

        for description, text, _ in found:
            lines.append(f"  {description:<52} {text}")

    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="Small sizes, one run each: a smoke run."
    )
    parser.add_argument(
        "--repeat", type=int, help="Timed runs of each case and floor (default 5)."
    )
    parser.add_argument(
        "--only",
        default=",".join(GROUPS),
        help=f"Comma-separated groups to run, from {', '.join(GROUPS)}.",
    )
    parser.add_argument(
        "--modes",
        default=",".join(MODES),
        help="Comma-separated transaction modes to upgrade with at the largest"
        " size (the default mode, savepoint, at every size).",
    )
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="After timing, run each case and floor once under cProfile, keep"
        " the profiles in DIR and print where the time goes.",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="Generate the projects in this folder and keep them (default: a"
        " temporary folder, removed after).",
    )
    args = parser.parse_args(argv)
    only = {g.strip() for g in args.only.split(",") if g.strip()}

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]

    if unknown := only - set(GROUPS):
        parser.error(f"unknown groups: {', '.join(sorted(unknown))}")

    if unknown_modes := set(modes) - set(MODES):
        parser.error(f"unknown modes: {', '.join(sorted(unknown_modes))}")

    sizes = QUICK if args.quick else FULL
    repeat = args.repeat or (1 if args.quick else 5)
    # Before anything runs: the commit the code was measured at.
    environment = _environment(repeat)

    with tempfile.TemporaryDirectory(prefix="envkit-bench-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        cases = build(root.resolve(), sizes, only, modes)

        try:
            measure(cases, repeat, sys.stderr)
        finally:
            _drop_templates(root.resolve())
            tenants.drop_databases(root.resolve())
        profile_text = (
            profile(cases, args.profile.resolve(), sys.stderr)
            if args.profile is not None
            else ""
        )

    rows = [case.summary() for case in cases]
    found = targets(rows, sizes)
    print(_header(environment, time.monotonic() - started))
    print(report(rows, found, verdicts=not args.quick))

    if profile_text:
        print(profile_text)

    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "environment": environment,
                    "results": rows,
                    "targets": [
                        {
                            "target": d,
                            "measured": m,
                            "pass": None if args.quick else ok,
                        }
                        for d, m, ok in found
                    ],
                },
                indent=2,
            )
        )


def _environment(repeat: int) -> dict[str, t.Any]:
    from importlib.metadata import version
    from importlib.util import find_spec

    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.abspath(__file__)),
    ).stdout.strip()
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load": os.getloadavg(),
        "commit": commit,
        "repeat": repeat,
        "alembic_envkit": getattr(find_spec("alembic_envkit"), "origin", None),
        "versions": {
            name: version(name)
            for name in ("alembic", "sqlalchemy", "flask", "flask-sqlalchemy-lite")
        },
    }


def _header(e: dict[str, t.Any], seconds: float) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in e["versions"].items())
    return (
        f"Python {e['python']}, {versions}; {e['cpus']} CPUs, load"
        f" {e['load'][0]:.2f} at the start, {os.getloadavg()[0]:.2f} at the end;"
        f" commit {e['commit']}\n"
        f"alembic_envkit from {e['alembic_envkit']}\n"
        f"medians of {e['repeat']} runs per figure ({e['repeat'] * READ_RUNS} for"
        f" the read commands), each a fresh process, case and"
        f" floor interleaved, after one untimed warm-up run each (bytecode"
        f" compiled, caches filled); {seconds:.0f}s in all\n"
    )


if __name__ == "__main__":
    main()
