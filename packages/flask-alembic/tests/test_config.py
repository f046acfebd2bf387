"""The ALEMBIC and ALEMBIC_CONTEXT config: folders, branches, Alembic
options and sections, context options, and changes after init_app.
"""

from __future__ import annotations

import sys
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from alembic_envkit.settings._server_defaults import compare_server_default
from flask_alembic import Alembic

pytestmark = pytest.mark.usefixtures("app_ctx")


@pytest.fixture
def make_alembic(
    app: Flask, metadata: sa.MetaData, engine: sa.Engine
) -> t.Callable[..., Alembic]:
    """Register the extension after setting ALEMBIC and ALEMBIC_CONTEXT."""

    def make(
        options: dict[str, t.Any] | None = None,
        context: dict[str, t.Any] | None = None,
    ) -> Alembic:
        if options is not None:
            app.config["ALEMBIC"] = options

        if context is not None:
            app.config["ALEMBIC_CONTEXT"] = context

        alembic = Alembic(metadatas=metadata, engines=engine)
        alembic.init_app(app)
        return alembic

    return make


@pytest.fixture
def hook_script(tmp_path: Path) -> Path:
    """A post write hook that appends a marker line to the revision file."""
    path = tmp_path / "mark_hook.py"
    path.write_text(
        "import sys\n"
        "with open(sys.argv[1], 'a') as f:\n"
        "    f.write('# marked by hook\\n')\n"
    )
    return path


@pytest.mark.parametrize(
    "location",
    [
        pytest.param(lambda root: "db/revisions", id="relative"),
        pytest.param(lambda root: str(root / "db" / "revisions"), id="absolute"),
        pytest.param(lambda root: root / "db" / "revisions", id="pathlike"),
    ],
)
def test_script_location(
    app: Flask,
    tmp_path: Path,
    make_alembic: t.Callable[..., Alembic],
    location: t.Callable[[Path], t.Any],
) -> None:
    """script_location is relative to app.root_path unless absolute, and
    revisions are written directly into it.
    """
    alembic = make_alembic({"script_location": location(tmp_path)})
    folder = tmp_path / "db" / "revisions"
    assert (folder / "script.py.mako").is_file()
    (script,) = alembic.revision("init")
    assert script is not None
    assert Path(script.path).parent == folder
    assert alembic.script_directory.dir == str(folder)


def test_script_location_not_cwd(
    app: Flask,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_alembic: t.Callable[..., Alembic],
) -> None:
    """A relative script_location does not depend on the working directory."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    make_alembic({"script_location": "migrations"})
    assert (tmp_path / "migrations" / "script.py.mako").is_file()
    assert list(elsewhere.iterdir()) == []


def test_version_location_plain_path(
    tmp_path: Path, make_alembic: t.Callable[..., Alembic]
) -> None:
    """Revisions written to a plain version location are part of the
    history.
    """
    alembic = make_alembic({"version_locations": ["extra"]})
    (first,) = alembic.revision("one", empty=True)
    (second,) = alembic.revision("two", empty=True, path="extra")
    assert first is not None and second is not None
    assert Path(second.path).parent == tmp_path / "extra"
    assert second.down_revision == first.revision
    assert [s.revision for s in alembic.heads()] == [second.revision]


def test_independent_named_branch(
    tmp_path: Path,
    make_alembic: t.Callable[..., Alembic],
    table_names: t.Callable[[], set[str]],
    versions: t.Callable[[], set[str]],
) -> None:
    """A named branch starts from base, is labelled, lives in its version
    location, and grows independently of the default branch.
    """
    alembic = make_alembic({"version_locations": [("users", "user_versions")]})
    (main,) = alembic.revision("main")
    (users1,) = alembic.revision("users one", empty=True, branch="users")
    (users2,) = alembic.revision("users two", empty=True, branch="users")
    (main2,) = alembic.revision("main two", empty=True)
    assert main is not None and users1 is not None
    assert users2 is not None and main2 is not None

    assert users1.down_revision is None
    assert "users" in users1.branch_labels
    assert Path(users1.path).parent == tmp_path / "user_versions"
    assert Path(users2.path).parent == tmp_path / "user_versions"
    assert users2.down_revision == users1.revision
    assert main2.down_revision == main.revision
    assert Path(main2.path).parent == tmp_path / "migrations"
    assert {s.revision for s in alembic.heads()} == {main2.revision, users2.revision}

    alembic.upgrade()
    assert versions() == {main2.revision, users2.revision}
    assert "user" in table_names()


def test_named_branch_upgrade_alone(
    make_alembic: t.Callable[..., Alembic], versions: t.Callable[[], set[str]]
) -> None:
    """One named branch can be upgraded with branch@head."""
    alembic = make_alembic({"version_locations": [("users", "user_versions")]})
    alembic.revision("main", empty=True)
    (users,) = alembic.revision("users", empty=True, branch="users")
    assert users is not None
    alembic.upgrade("users@head")
    assert versions() == {users.revision}


def test_post_write_hook_runs(
    hook_script: Path, make_alembic: t.Callable[..., Alembic]
) -> None:
    """A dict value becomes an Alembic config section, so a configured
    post_write_hooks hook runs on each new revision.
    """
    alembic = make_alembic(
        {
            "post_write_hooks": {
                "hooks": "mark",
                "mark.type": "exec",
                "mark.executable": sys.executable,
                "mark.options": f"{hook_script} REVISION_SCRIPT_FILENAME",
            }
        }
    )
    section = alembic.config.get_section("post_write_hooks")
    assert section is not None
    assert section["hooks"] == "mark"
    assert section["mark.type"] == "exec"
    assert section["mark.options"] == f"{hook_script} REVISION_SCRIPT_FILENAME"
    (script,) = alembic.revision("hooked")
    assert script is not None
    assert Path(script.path).read_text().endswith("# marked by hook\n")


def test_post_write_hook_prints_nothing(
    hook_script: Path,
    make_alembic: t.Callable[..., Alembic],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Running a post write hook from the API prints nothing to stdout."""
    alembic = make_alembic(
        {
            "post_write_hooks": {
                "hooks": "mark",
                "mark.type": "exec",
                "mark.executable": sys.executable,
                "mark.options": f"{hook_script} REVISION_SCRIPT_FILENAME",
            }
        }
    )
    alembic.revision("hooked")
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, "hello_"), (13, "hello_world_"), (40, "hello_world_message")],
)
def test_int_option(
    make_alembic: t.Callable[..., Alembic], value: int, expected: str
) -> None:
    """An int option is passed to Alembic: truncate_slug_length shortens the
    file name.
    """
    alembic = make_alembic({"truncate_slug_length": value})
    assert alembic.config.get_main_option("truncate_slug_length") == str(value)
    alembic.rev_id = lambda: "abc123"  # type: ignore[method-assign]
    (script,) = alembic.revision("hello world message", empty=True)
    assert script is not None
    assert Path(script.path).name == f"abc123_{expected}.py"


@pytest.mark.parametrize(("value", "found"), [(True, True), (False, False)])
def test_bool_option(
    tmp_path: Path,
    make_alembic: t.Callable[..., Alembic],
    value: bool,
    found: bool,
) -> None:
    """A bool option is passed to Alembic: recursive_version_locations
    decides whether revisions in sub-folders are found.
    """
    alembic = make_alembic({"recursive_version_locations": value})
    expected = "true" if value else "false"
    assert alembic.config.get_main_option("recursive_version_locations") == expected
    (script,) = alembic.revision("nested", empty=True)
    assert script is not None
    assert len(alembic.heads()) == 1
    sub = tmp_path / "migrations" / "sub"
    sub.mkdir()
    Path(script.path).rename(sub / Path(script.path).name)
    assert bool(alembic.heads()) is found


def test_context_version_table(
    make_alembic: t.Callable[..., Alembic],
    table_names: t.Callable[[], set[str]],
    versions: t.Callable[[str], set[str]],
) -> None:
    """ALEMBIC_CONTEXT options configure the migration context:
    version_table names the table revisions are recorded in.
    """
    alembic = make_alembic(context={"version_table": "my_versions"})
    (script,) = alembic.revision("init")
    assert script is not None
    alembic.upgrade()
    assert table_names() == {"my_versions", "user"}
    assert versions("my_versions") == {script.revision}
    assert alembic.migration_context.version_table == "my_versions"


@pytest.mark.parametrize(("value", "expected"), [(None, True), (False, False)])
def test_context_compare_server_default(
    app: Flask,
    make_alembic: t.Callable[..., Alembic],
    value: bool | None,
    expected: bool,
) -> None:
    """compare_server_default is on unless configured off."""
    context = {} if value is None else {"compare_server_default": value}
    alembic = make_alembic(context=context)
    option = alembic.migration_context.opts["compare_server_default"]
    assert (option is compare_server_default) is expected
    assert bool(option) is expected


def test_context_options_every_database(
    app: Flask,
    metadata: sa.MetaData,
    engine: sa.Engine,
    make_engine: t.Callable[..., sa.Engine],
    sqlite_url: t.Callable[[str], str],
) -> None:
    """ALEMBIC_CONTEXT reaches the migration context of every database."""
    app.config["ALEMBIC_CONTEXT"] = {"version_table": "my_versions"}
    auth = make_engine(sqlite_url("auth"))
    alembic = Alembic(
        metadatas={"default": metadata, "auth": sa.MetaData()},
        engines={"default": engine, "auth": auth},
    )
    alembic.init_app(app)
    alembic.revision("init", empty=True)
    alembic.upgrade()

    for name, context in alembic.migration_contexts.items():
        assert context.version_table == "my_versions", name

    assert sa.inspect(engine).get_table_names() == ["my_versions"]
    assert sa.inspect(auth).get_table_names() == ["my_versions"]


def test_context_change_after_init_app(
    app: Flask,
    make_alembic: t.Callable[..., Alembic],
    table_names: t.Callable[[], set[str]],
) -> None:
    """A change to ALEMBIC_CONTEXT after init_app is used by the next call,
    even in the same app context.
    """
    alembic = make_alembic()
    alembic.revision("init", empty=True)
    alembic.stamp()
    app.config["ALEMBIC_CONTEXT"]["version_table"] = "other_versions"
    assert alembic.migration_context.version_table == "other_versions"
    alembic.stamp()
    assert table_names() == {"alembic_version", "other_versions"}


def test_script_location_change_after_init_app(
    app: Flask, tmp_path: Path, make_alembic: t.Callable[..., Alembic]
) -> None:
    """A change to script_location after init_app is used by the next call."""
    alembic = make_alembic()
    alembic.revision("first", empty=True)
    app.config["ALEMBIC"]["script_location"] = "moved"
    alembic.mkdir()
    assert alembic.heads() == ()
    (script,) = alembic.revision("second", empty=True)
    assert script is not None
    assert Path(script.path).parent == tmp_path / "moved"
    assert script.down_revision is None


def test_bad_version_location_error(make_alembic: t.Callable[..., Alembic]) -> None:
    """A version_locations item that is neither a path nor a pair is
    refused at first use, not in init_app, with an error naming the setting.
    """
    alembic = make_alembic({"version_locations": [("users", "a", "b")]})

    with pytest.raises(RuntimeError, match="Each 'version_locations' item"):
        alembic.heads()
