"""Run the quickstart: copy the example app into a fresh folder, then use the
real ``flask db`` commands to create a revision and upgrade an SQLite file.

    hatch run example [FOLDER]
"""

import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent


def flask(folder: Path, *args: str) -> str:
    cmd = [sys.executable, "-m", "flask", "--app", "app", "db", *args]
    print("$ flask db", " ".join(args), flush=True)
    result = subprocess.run(cmd, cwd=folder, capture_output=True, text=True)
    sys.stderr.write(result.stderr)
    sys.stdout.write(result.stdout)

    if result.returncode != 0:
        sys.exit(
            f"'flask db {' '.join(args)}' failed with exit code {result.returncode}"
        )

    return result.stdout


def main() -> None:
    folder = Path(
        sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="quickstart-")
    )
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "app.py", folder / "app.py")
    flask(folder, "revision", "create user table")
    flask(folder, "upgrade")
    current = flask(folder, "current")
    flask(folder, "check")
    database = folder / "instance" / "quickstart.sqlite"

    with sqlite3.connect(database) as conn:
        tables = sorted(
            r[0]
            for r in conn.execute("select name from sqlite_master where type='table'")
        )
        (version,) = conn.execute("select version_num from alembic_version").fetchone()

    print(f"\n{database}: tables {tables}, at revision {version}")
    assert "user" in tables and version in current, "the upgrade did not reach head"
    print("Quickstart done: the revision is in", folder / "migrations")


if __name__ == "__main__":
    main()
