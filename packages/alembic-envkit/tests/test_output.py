"""Machine-readable output: --format json documents and the revision graph
as Mermaid and DOT.
"""

from __future__ import annotations

import json
import re
import threading
import typing as t
from pathlib import Path

import pydot
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from alembic_envkit import DatabaseUnavailableError
from alembic_envkit import Environment
from alembic_envkit import make_group

REVISION = '''\
"""{message}"""
import sqlalchemy as sa
from alembic import op

revision = {rev!r}
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = {depends!r}


def upgrade():
    op.create_table("t_{rev}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("t_{rev}")
'''


@pytest.fixture
def graph_env(
    make_env: t.Callable[..., Environment], engine: sa.Engine, migrations: Path
) -> Environment:
    """a -> (b, c) -> m, with label "core" on a, and d, a second root that
    depends on b.
    """
    metadata = sa.MetaData()

    for rev in "abcmd":
        sa.Table(f"t_{rev}", metadata, sa.Column("id", sa.Integer, primary_key=True))

    env = make_env(metadata, engine)
    env.mkdir()
    revisions = [
        ("a", None, ("core",), None, 'first "one" step'),
        ("b", "a", None, None, "left"),
        ("c", "a", None, None, "right"),
        ("m", ("b", "c"), None, None, "merge"),
        ("d", None, ("extra",), "b", "needs b"),
    ]

    for rev, down, labels, depends, message in revisions:
        (migrations / f"{rev}_x.py").write_text(
            REVISION.format(
                rev=rev, down=down, labels=labels, depends=depends, message=message
            )
        )

    return env


def _invoke(env: Environment, *args: str) -> t.Any:
    result = CliRunner().invoke(make_group(lambda: env), list(args))
    return result


def _json(env: Environment, *args: str) -> dict[str, t.Any]:
    result = _invoke(env, *args)
    assert result.exit_code in (0, 1), result.output
    data: dict[str, t.Any] = json.loads(result.stdout)
    return data


REVISION_KEYS = {
    "revision",
    "down_revisions",
    "dependencies",
    "branch_labels",
    "message",
    "path",
    "is_head",
    "is_base",
    "is_branch_point",
    "is_merge_point",
}


def _check_revision(item: dict[str, t.Any]) -> None:
    assert set(item) >= REVISION_KEYS
    assert isinstance(item["revision"], str)
    assert all(isinstance(x, str) for x in item["down_revisions"])
    assert all(isinstance(x, bool) for k, x in item.items() if k.startswith("is_"))


def test_heads_json(graph_env: Environment) -> None:
    """heads --format json lists the heads with the documented keys."""
    data = _json(graph_env, "heads", "--format", "json")
    assert data["command"] == "heads" and data["schema_version"] == 1
    assert sorted(r["revision"] for r in data["revisions"]) == ["d", "m"]

    for item in data["revisions"]:
        _check_revision(item)


def test_log_json(graph_env: Environment) -> None:
    """log --format json has every revision with parents, labels and
    dependencies.
    """
    data = _json(graph_env, "log", "--format", "json")
    by_id = {r["revision"]: r for r in data["revisions"]}
    assert set(by_id) == {"a", "b", "c", "m", "d"}
    assert sorted(by_id["m"]["down_revisions"]) == ["b", "c"]
    assert by_id["m"]["is_merge_point"] and by_id["a"]["is_branch_point"]
    assert by_id["d"]["dependencies"] == ["b"]
    assert by_id["a"]["branch_labels"] == ["core"]
    assert by_id["a"]["message"] == 'first "one" step'


def test_current_json(graph_env: Environment) -> None:
    """current --format json reports each database and whether it is at
    head; --check-heads exits 1 when it is not.
    """
    graph_env.upgrade("m")
    data = _json(graph_env, "current", "--format", "json")
    assert list(data["databases"]) == ["default"]
    entry = data["databases"]["default"]
    assert [r["revision"] for r in entry["revisions"]] == ["m"]
    assert entry["at_head"] is False
    result = _invoke(graph_env, "current", "--format", "json", "--check-heads")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["databases"]["default"]["at_head"] is False


def test_history_show_branches_json(graph_env: Environment) -> None:
    """history, show and branches print one document each."""
    graph_env.upgrade("b")
    history = _json(graph_env, "history", "-i", "--format", "json")
    marked = {r["revision"]: r["current"] for r in history["revisions"]}
    assert marked["b"] is True and marked["c"] is False
    show = _json(graph_env, "show", "current", "--format", "json")
    assert [r["revision"] for r in show["revisions"]] == ["b"]
    branches = _json(graph_env, "branches", "--format", "json")
    (point,) = branches["revisions"]
    assert point["revision"] == "a"
    assert point["next_revisions"] == ["b", "c"]


def test_check_json(graph_env: Environment) -> None:
    """check --format json says whether anything changed, per database."""
    graph_env.upgrade("heads")
    data = _json(graph_env, "check", "--format", "json")
    assert data == {
        "command": "check",
        "schema_version": 1,
        "changed": False,
        "databases": {"default": {"at_head": True, "differences": []}},
    }


def test_check_json_behind(graph_env: Environment) -> None:
    """A database behind head is reported as such, with exit code 1."""
    result = _invoke(graph_env, "check", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["changed"] is True
    assert data["databases"]["default"]["at_head"] is False


# pydot's parser still calls pyparsing's old camelCase names.
@pytest.mark.filterwarnings("ignore:.* deprecated - use .*:DeprecationWarning")
def test_graph_dot_parses(graph_env: Environment) -> None:
    """graph --format dot is a DOT graph with every revision, each parent
    edge, the dependency dashed and the current revision filled.
    """
    graph_env.upgrade("b")
    result = _invoke(graph_env, "graph", "--format", "dot")
    assert result.exit_code == 0, result.output
    (graph,) = pydot.graph_from_dot_data(result.stdout)
    nodes = {n.get_name().strip('"') for n in graph.get_nodes()} - {"node"}
    assert nodes == {"a", "b", "c", "m", "d"}
    edges = {
        (e.get_source().strip('"'), e.get_destination().strip('"'), e.get("style"))
        for e in graph.get_edges()
    }
    assert edges == {
        ("a", "b", None),
        ("a", "c", None),
        ("b", "m", None),
        ("c", "m", None),
        ("b", "d", "dashed"),
    }
    (b,) = graph.get_node('"b"')
    assert b.get("style") == "filled"
    assert "current: default" in b.get("label")


MERMAID_LINE = re.compile(
    r"^    (?:"
    r'(?P<node>r_\w+)\["(?P<label>[^"]*)"\]'
    r"|(?P<src>r_\w+) (?P<arrow>-->|-\.->\|depends on\|) (?P<dst>r_\w+)"
    r"|classDef current [\w:#,-]+(?: [\w:#,-]+)*"
    r"|class (?P<marked>r_\w+(?:,r_\w+)*) current"
    r")$"
)


def test_graph_mermaid_structure(graph_env: Environment) -> None:
    """graph prints a raw Mermaid flowchart (no fence) whose every line is a
    node, an edge or the current-revision style, and whose edges join known
    nodes.
    """
    graph_env.upgrade("c")
    result = _invoke(graph_env, "graph")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "flowchart TD"
    assert "```" not in result.stdout
    nodes: dict[str, str] = {}
    edges = set()
    marked: list[str] = []

    for line in lines[1:]:
        match = MERMAID_LINE.match(line)
        assert match, line

        if match["node"]:
            nodes[match["node"]] = match["label"]
        elif match["src"]:
            edges.add((match["src"], match["arrow"], match["dst"]))
        elif match["marked"]:
            marked = match["marked"].split(",")

    assert set(nodes) == {"r_a", "r_b", "r_c", "r_m", "r_d"}
    assert {(s, d) for s, _, d in edges} <= {(s, d) for s in nodes for d in nodes}
    assert ("r_b", "-.->|depends on|", "r_d") in edges
    assert ("r_c", "-->", "r_m") in edges
    assert marked == ["r_c"]
    assert "first #quot;one#quot; step" in nodes["r_a"]
    assert "(core)" in nodes["r_a"]


def test_graph_without_database(
    make_env: t.Callable[..., Environment], migrations: Path, tmp_path: Path
) -> None:
    """With the database unreachable, the graph is printed without marks and
    a note goes to stderr.
    """
    engine = sa.create_engine(f"sqlite:///{tmp_path}/missing/dir/x.sqlite")
    env = make_env(sa.MetaData(), engine)
    env.mkdir()
    (migrations / "a_x.py").write_text(
        REVISION.format(rev="a", down=None, labels=None, depends=None, message="m")
    )
    result = _invoke(env, "graph")
    engine.dispose()
    assert result.exit_code == 0, result.output
    assert "class " not in result.stdout
    assert "Not marking current revisions" in result.stderr


def _ran(stderr: str) -> list[str]:
    return re.findall(r"Running (?:upgrade|downgrade) .*?-> ?(\w*),", stderr)


def test_upgrade_plan_matches_upgrade(
    graph_env: Environment, engine: sa.Engine
) -> None:
    """upgrade --plan lists, without changing anything, the revisions that
    upgrade then runs, in the same order.
    """
    graph_env.upgrade("b")
    result = _invoke(graph_env, "upgrade", "--plan")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "default:"
    planned = [line.split()[1].rstrip(",") for line in lines[1:]]
    assert sorted(planned) == ["c", "d", "m"]
    assert [s.revision for s in graph_env.current()] == ["b"]

    data = _json(graph_env, "upgrade", "--plan", "--format", "json")
    assert data["direction"] == "upgrade"
    assert [r["revision"] for r in data["databases"]["default"]] == planned

    result = _invoke(graph_env, "upgrade")
    assert result.exit_code == 0, result.output
    assert _ran(result.stderr) == planned


def test_downgrade_plan(graph_env: Environment) -> None:
    """downgrade --plan lists the revisions a downgrade would undo."""
    graph_env.upgrade("m")
    data = _json(graph_env, "downgrade", "a", "--plan", "--format", "json")
    assert data["direction"] == "downgrade"
    assert sorted(r["revision"] for r in data["databases"]["default"]) == [
        "b",
        "c",
        "m",
    ]
    assert [s.revision for s in graph_env.current()] == ["m"]


def test_wait_at_head_and_behind(graph_env: Environment) -> None:
    """wait exits 0 at head, and 1 with where each database stands when the
    time runs out.
    """
    result = _invoke(graph_env, "wait", "--timeout", "0.3", "--interval", "0.1")
    assert result.exit_code == 1
    assert "Not at head after 0.3s: default at <base>." in result.stderr
    graph_env.upgrade("heads")
    result = _invoke(graph_env, "wait", "--timeout", "5")
    assert result.exit_code == 0
    assert result.stdout == ""


def _watch_checks(env: Environment) -> tuple[list[object], threading.Event]:
    """Record what each of ``env``'s checks for head saw (the databases
    behind, or the error), and set the returned event after the first one.
    """
    seen: list[object] = []
    checked = threading.Event()
    behind_heads = env.behind_heads

    def watched() -> dict[str, t.Any]:
        try:
            result = behind_heads()
        except Exception as e:
            seen.append(e)
            raise
        else:
            seen.append(result)
            return result
        finally:
            checked.set()

    env.behind_heads = watched  # type: ignore[method-assign]
    return seen, checked


def _in_thread(
    work: t.Callable[[], None], after: threading.Event
) -> tuple[threading.Thread, list[BaseException]]:
    """Run ``work`` in a thread once ``after`` is set; collect its error."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            assert after.wait(120), "wait_for_head never checked the database"
            work()
        except BaseException as e:
            errors.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_wait_while_another_upgrades(
    graph_env: Environment, make_env: t.Callable[..., Environment], engine: sa.Engine
) -> None:
    """wait_for_head returns once another runner has upgraded, and does not
    hold that runner up.
    """
    other = make_env(graph_env.targets["default"].metadatas[0], engine)
    seen, checked = _watch_checks(graph_env)
    # The other runner starts only after a check found the database behind.
    thread, errors = _in_thread(lambda: other.upgrade("heads"), checked)

    try:
        assert graph_env.wait_for_head(120, interval=0.05)
    finally:
        thread.join()

    assert errors == []
    assert seen[0] and not seen[-1]
    assert {s.revision for s in graph_env.current()} == {"m", "d"}


def test_wait_while_the_database_appears(
    graph_env: Environment,
    make_env: t.Callable[..., Environment],
    make_engine: t.Callable[..., sa.Engine],
    tmp_path: Path,
) -> None:
    """wait_for_head keeps waiting while the database cannot be opened yet,
    and returns once it exists and is at head.
    """
    folder = tmp_path / "later"
    metadata = graph_env.targets["default"].metadatas[0]
    engine = make_engine(f"sqlite:///{folder / 'app.sqlite'}")
    waiting = make_env(metadata, engine)
    other = make_env(metadata, engine)
    seen, checked = _watch_checks(waiting)

    def appear() -> None:
        folder.mkdir()
        other.upgrade("heads")

    thread, errors = _in_thread(appear, checked)

    try:
        assert waiting.wait_for_head(120, interval=0.05)
    finally:
        thread.join()

    assert errors == []
    assert isinstance(seen[0], DatabaseUnavailableError)
    assert seen[-1] == {}
    assert {s.revision for s in waiting.current()} == {"m", "d"}


def test_progress_and_total(graph_env: Environment) -> None:
    """upgrade shows how long each revision took and the total on stderr,
    with stdout empty; -q shows nothing.
    """
    result = _invoke(graph_env, "upgrade", "m")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    took = re.findall(r"^  upgrade (\w+) took \d+\.\d\ds$", result.stderr, re.M)
    assert took == _ran(result.stderr)
    assert len(took) == 4
    assert re.search(r"^Ran 4 revisions in \d+\.\d\ds\.$", result.stderr, re.M)

    result = _invoke(graph_env, "downgrade", "a", "-q")
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and result.stderr == ""
    assert [s.revision for s in graph_env.current()] == ["a"]


def test_progress_events(graph_env: Environment) -> None:
    """Python callers get an event as each revision starts and when it is
    done, while upgrade() still returns None.
    """
    from alembic_envkit import MigrationEvent

    events: list[MigrationEvent] = []
    graph_env.progress = events.append
    assert graph_env.upgrade("b") is None
    assert [(e.revision, e.seconds is None) for e in events] == [
        ("a", True),
        ("a", False),
        ("b", True),
        ("b", False),
    ]
    assert events[0].message == 'first "one" step'
    assert all(e.direction == "upgrade" and e.database == "default" for e in events)
    assert all(e.seconds >= 0 for e in events if e.seconds is not None)


def test_db_option_limits_databases(
    multi_env: Environment,
    engine: sa.Engine,
    auth_engine: sa.Engine,
    versions: t.Callable[[sa.Engine], set[str]],
) -> None:
    """--db runs a command on the named databases only; an unknown name and
    a revision with --db are refused with one line.
    """
    (script,) = multi_env.revision("initial")
    assert script is not None
    result = _invoke(multi_env, "--db", "auth", "upgrade")
    assert result.exit_code == 0, result.output
    assert versions(auth_engine) == {script.revision}
    assert "alembic_version" not in sa.inspect(engine).get_table_names()

    data = _json(multi_env, "--db", "auth", "current", "--format", "json")
    assert list(data["databases"]) == ["auth"]
    data = _json(multi_env, "--db", "default", "check", "--format", "json")
    assert list(data["databases"]) == ["default"]
    assert data["databases"]["default"]["at_head"] is False

    result = _invoke(multi_env, "--db", "nope", "current")
    assert result.exit_code == 1
    assert (
        result.stderr
        == "Error: No database named 'nope'; the databases are 'default', 'auth'.\n"
    )
    result = _invoke(multi_env, "--db", "auth", "revision", "x")
    assert result.exit_code == 1
    assert "choosing databases does not apply" in result.stderr
