from __future__ import annotations

import os
import re
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa

from alembic_envkit import ConfigurationError
from alembic_envkit import Environment
from alembic_envkit import EnvkitError
from alembic_envkit import LockError
from alembic_envkit import Settings
from alembic_envkit.history._config import build_config
from alembic_envkit.run.dialects import acquire


def test_defaults(tmp_path: Path) -> None:
    """Without options, revisions live in ``migrations`` under the root."""
    settings = Settings.from_mappings(root=tmp_path)
    assert settings.root == str(tmp_path)
    assert settings.script_location == str(tmp_path / "migrations")
    assert settings.version_locations == (("default", str(tmp_path / "migrations")),)
    assert settings.path_separator == "os"
    assert settings.separator_char == os.pathsep
    assert settings.main_options == {}
    assert settings.sections == {}


def test_root_defaults_to_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a root, paths are relative to the directory at creation."""
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_mappings({"script_location": "migrations"})
    monkeypatch.chdir(tmp_path.parent)
    assert settings.script_location == str(tmp_path / "migrations")


@pytest.mark.parametrize("value", ["db/migrations", Path("db/migrations")])
def test_script_location_relative(tmp_path: Path, value: str | Path) -> None:
    """A relative script location is resolved against the root."""
    settings = Settings.from_mappings({"script_location": value}, root=tmp_path)
    assert settings.script_location == str(tmp_path / "db" / "migrations")


def test_script_location_absolute(tmp_path: Path) -> None:
    """An absolute script location is used as it is, whatever the root."""
    location = tmp_path / "elsewhere"
    settings = Settings.from_mappings(
        {"script_location": str(location)}, root=tmp_path / "root"
    )
    assert settings.script_location == str(location)


def test_script_location_normalized(tmp_path: Path) -> None:
    """``..`` and ``.`` parts are removed from a resolved path."""
    settings = Settings.from_mappings(
        {"script_location": "./a/../migrations"}, root=tmp_path
    )
    assert settings.script_location == str(tmp_path / "migrations")


def test_script_location_resource_spec(tmp_path: Path) -> None:
    """``package:path`` names a folder inside an importable package."""
    import alembic

    settings = Settings.from_mappings(
        {"script_location": "alembic:templates/generic"}, root=tmp_path
    )
    expect = Path(alembic.__file__).parent / "templates" / "generic"
    assert Path(settings.script_location) == expect


@pytest.mark.parametrize("value", [1, ["migrations"], {"a": "b"}])
def test_script_location_not_a_path(tmp_path: Path, value: object) -> None:
    """A script location that is not a path is refused at creation."""
    with pytest.raises(ConfigurationError, match="'script_location' setting must be"):
        Settings.from_mappings({"script_location": value}, root=tmp_path)


@pytest.mark.parametrize(
    "value",
    [
        "extra",
        Path("extra"),
        ["extra"],
        ("extra",),
    ],
)
def test_version_locations_plain_paths(tmp_path: Path, value: object) -> None:
    """A plain path is an extra location without a branch name."""
    settings = Settings.from_mappings({"version_locations": value}, root=tmp_path)
    assert settings.version_locations == (
        ("default", str(tmp_path / "migrations")),
        (None, str(tmp_path / "extra")),
    )


@pytest.mark.parametrize("pair", [("users", "users"), ["users", Path("users")]])
def test_version_locations_branch_pairs(tmp_path: Path, pair: object) -> None:
    """A ``(branch, path)`` pair names the branch living in the folder."""
    settings = Settings.from_mappings(
        {"version_locations": [pair, "plain", ("shop", str(tmp_path / "abs"))]},
        root=tmp_path,
    )
    assert settings.version_locations == (
        ("default", str(tmp_path / "migrations")),
        ("users", str(tmp_path / "users")),
        (None, str(tmp_path / "plain")),
        ("shop", str(tmp_path / "abs")),
    )
    assert settings.branch_location("users") == str(tmp_path / "users")
    assert settings.branch_location("default") == str(tmp_path / "migrations")
    assert settings.branch_location("nope") is None


@pytest.mark.parametrize(
    "item",
    [
        1,
        None,
        ("users",),
        ("users", "a", "b"),
        (1, "path"),
        ("users", 1),
        {"users": "path"},
    ],
)
def test_version_locations_bad_item(tmp_path: Path, item: object) -> None:
    """An item neither path nor pair is refused, naming the item."""
    with pytest.raises(
        ConfigurationError, match=r"Each 'version_locations' item must be a path"
    ) as info:
        Settings.from_mappings({"version_locations": [item]}, root=tmp_path)

    assert repr(item) in str(info.value)


@pytest.mark.parametrize("name", ["", "a b", "a@b", "a/b", "a:b", "ünï"])
def test_version_locations_bad_branch_name(tmp_path: Path, name: str) -> None:
    """A branch name Alembic or the file system could misread is refused."""
    with pytest.raises(ConfigurationError, match="Branch name .* is not allowed"):
        Settings.from_mappings({"version_locations": [(name, "p")]}, root=tmp_path)


def test_errors_are_runtime_errors(tmp_path: Path) -> None:
    """Configuration errors are RuntimeError and EnvkitError."""
    with pytest.raises(RuntimeError, match="version_locations") as info:
        Settings.from_mappings({"version_locations": [1]}, root=tmp_path)

    assert isinstance(info.value, EnvkitError)


def test_dict_option_is_section(tmp_path: Path) -> None:
    """A dict value becomes a config section, other values main options."""
    settings = Settings.from_mappings(
        {
            "post_write_hooks": {"hooks": "fmt", "fmt.type": "exec", "skip": None},
            "file_template": "%%(rev)s_%%(slug)s",
        },
        root=tmp_path,
    )
    assert settings.sections == {
        "post_write_hooks": {"hooks": "fmt", "fmt.type": "exec"}
    }
    assert settings.main_options == {"file_template": "%%(rev)s_%%(slug)s"}
    config = build_config(settings)
    assert config.get_section_option("post_write_hooks", "hooks") == "fmt"
    assert config.get_section_option("post_write_hooks", "fmt.type") == "exec"
    assert config.get_section_option("post_write_hooks", "skip") is None
    assert config.get_main_option("file_template") == "%(rev)s_%(slug)s"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (42, "42"),
        (1.5, "1.5"),
        ("text", "text"),
        (Path("a/b"), os.fspath(Path("a/b"))),
    ],
)
def test_option_values_converted(tmp_path: Path, value: object, text: str) -> None:
    """Bools, numbers and paths become the strings Alembic's parser reads."""
    settings = Settings.from_mappings(
        {"opt": value, "section": {"inner": value}}, root=tmp_path
    )
    assert settings.main_options == {"opt": text}
    config = build_config(settings)
    assert config.get_main_option("opt") == text
    assert config.get_section_option("section", "inner") == text


def test_list_option_joined_with_separator(tmp_path: Path) -> None:
    """A list value is joined with the configured path separator."""
    settings = Settings.from_mappings(
        {"prepend_sys_path": ["a", "b"], "path_separator": ";"}, root=tmp_path
    )
    assert settings.main_options == {"prepend_sys_path": "a;b"}
    assert build_config(settings).get_prepend_sys_paths_list() == ["a", "b"]


def test_none_option_left_out(tmp_path: Path) -> None:
    """An option set to ``None`` is not passed to Alembic."""
    settings = Settings.from_mappings({"opt": None}, root=tmp_path)
    assert settings.main_options == {}
    assert build_config(settings).get_main_option("opt") is None


@pytest.mark.parametrize("value", [object(), {1, 2}, b"bytes"])
def test_option_bad_type(tmp_path: Path, value: object) -> None:
    """An option value of another type is an error naming the key."""
    settings = Settings.from_mappings({"opt": value}, root=tmp_path)

    with pytest.raises(ConfigurationError, match="The 'opt' setting must be"):
        settings.main_options  # noqa: B018


def test_section_option_bad_type_names_key(tmp_path: Path) -> None:
    """A bad value inside a section names the section and the key."""
    settings = Settings.from_mappings({"hooks": {"x": object()}}, root=tmp_path)

    with pytest.raises(ConfigurationError, match="The 'hooks.x' setting must be"):
        settings.sections  # noqa: B018


@pytest.mark.parametrize(
    ("value", "escaped", "read"),
    [
        ("50%", "50%%", "50%"),
        ("100%% sure", "100%% sure", "100% sure"),
        ("a % b %% c", "a %% b %% c", "a % b % c"),
        ("%(here)s/x", "%(here)s/x", "%(here)s/x"),
        ("%", "%%", "%"),
    ],
)
def test_percent_escaped(tmp_path: Path, value: str, escaped: str, read: str) -> None:
    """A lone ``%`` is escaped for Alembic's parser; ``%%`` is kept."""
    settings = Settings.from_mappings({"opt": value}, root=tmp_path)
    assert settings.main_options == {"opt": escaped}

    if "%(" not in value:
        assert build_config(settings).get_main_option("opt") == read


def test_percent_in_paths(tmp_path: Path) -> None:
    """A ``%`` in a folder name reaches Alembic unchanged."""
    settings = Settings.from_mappings(
        {"script_location": "100%", "version_locations": [("b", "5%")]},
        root=tmp_path,
    )
    config = build_config(settings)
    assert config.get_main_option("script_location") == str(tmp_path / "100%")
    assert config.get_version_locations_list() == [
        str(tmp_path / "100%"),
        str(tmp_path / "5%"),
    ]


@pytest.mark.parametrize(
    ("value", "char"),
    [
        ("os", os.pathsep),
        ("space", " "),
        ("newline", "\n"),
        (":", ":"),
        (";", ";"),
        (None, os.pathsep),
        ("", os.pathsep),
    ],
)
def test_path_separator(tmp_path: Path, value: str | None, char: str) -> None:
    """Each separator name works and Alembic splits the folders back."""
    settings = Settings.from_mappings(
        {"path_separator": value, "version_locations": ["a", "b"]}, root=tmp_path
    )
    assert settings.separator_char == char
    assert "path_separator" not in settings.main_options
    config = build_config(settings)
    assert config.get_version_locations_list() == [
        str(tmp_path / "migrations"),
        str(tmp_path / "a"),
        str(tmp_path / "b"),
    ]


@pytest.mark.parametrize("value", [",", "tab", "OS"])
def test_path_separator_bad(tmp_path: Path, value: str) -> None:
    """An unknown separator names the setting and the choices."""
    settings = Settings.from_mappings({"path_separator": value}, root=tmp_path)

    with pytest.raises(
        ConfigurationError, match=r"'path_separator' setting is .*; use one of 'space'"
    ):
        settings.separator_char  # noqa: B018


def test_context_defaults(tmp_path: Path) -> None:
    """``compare_server_default`` defaults to True; others pass through."""
    settings = Settings.from_mappings(None, {"render_as_batch": True}, root=tmp_path)
    assert settings.context_options == {
        "render_as_batch": True,
        "compare_server_default": True,
    }


def test_context_compare_server_default_override(tmp_path: Path) -> None:
    """An explicit ``compare_server_default`` is kept."""
    settings = Settings.from_mappings(
        None, {"compare_server_default": False}, root=tmp_path
    )
    assert settings.context_options == {"compare_server_default": False}


def test_mappings_copied(tmp_path: Path) -> None:
    """Changing the mappings after creating the settings changes nothing."""
    options = {"script_location": "a", "hooks": {"x": "1"}}
    context = {"compare_type": False}
    settings = Settings.from_mappings(options, context, root=tmp_path)
    options["script_location"] = "b"
    options["hooks"]["x"] = "2"  # type: ignore[index]
    context["compare_type"] = True
    assert settings.script_location == str(tmp_path / "a")
    assert settings.sections == {"hooks": {"x": "1"}}
    assert settings.context_options["compare_type"] is False


def test_settings_immutable(tmp_path: Path) -> None:
    """Settings and their mappings, nested ones too, cannot be changed."""
    settings = Settings(
        options={"hooks": {"x": "1"}}, context={"a": 1}, root=str(tmp_path)
    )

    with pytest.raises(AttributeError, match="cannot assign to field 'root'"):
        settings.root = "x"  # type: ignore[misc]

    with pytest.raises(TypeError, match="does not support item assignment"):
        settings.options["script_location"] = "x"  # type: ignore[index]

    with pytest.raises(TypeError, match="does not support item assignment"):
        settings.options["hooks"]["x"] = "2"

    with pytest.raises(TypeError, match="does not support item assignment"):
        settings.context["a"] = 2  # type: ignore[index]


def test_settings_equal(tmp_path: Path) -> None:
    """Settings built from equal mappings are equal."""
    a = Settings.from_mappings({"x": "1"}, root=tmp_path)
    b = Settings.from_mappings({"x": "1"}, root=tmp_path)
    c = Settings.from_mappings({"x": "2"}, root=tmp_path)
    assert a == b
    assert a != c


def test_config_multidb_databases(tmp_path: Path) -> None:
    """The ``databases`` option lists several databases, else is unset."""
    settings = Settings.from_mappings(root=tmp_path)
    assert build_config(settings, ["default"]).get_main_option("databases") is None
    config = build_config(settings, ["default", "auth"])
    assert config.get_main_option("databases") == "default, auth"


def test_config_x_arguments(tmp_path: Path) -> None:
    """``x_arguments`` are visible the way ``-x`` arguments are."""
    config = build_config(Settings.from_mappings(root=tmp_path), x_arguments=["a=1"])
    assert config.cmd_opts is not None
    assert config.cmd_opts.x == ["a=1"]


@pytest.mark.parametrize("value", ["false", "0", "no", "off", " Off ", False])
def test_lock_turned_off(tmp_path: Path, value: object) -> None:
    """``lock`` given as false, 0, no or off, in any case, turns it off."""
    settings = Settings.from_mappings({"lock": value}, root=tmp_path)
    assert settings.lock is False


@pytest.mark.parametrize("value", ["true", "1", "yes", "on", True])
def test_lock_left_on(tmp_path: Path, value: object) -> None:
    """Other values of ``lock`` leave it on."""
    settings = Settings.from_mappings({"lock": value}, root=tmp_path)
    assert settings.lock is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("1", True),
        (" Yes ", True),
        ("on", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_two_phase_strings(tmp_path: Path, value: str, expected: bool) -> None:
    """``two_phase`` given as a string is on for true, 1, yes or on."""
    settings = Settings.from_mappings({"two_phase": value}, root=tmp_path)
    assert settings.two_phase is expected


@pytest.mark.parametrize("value", ["soon", -1, None, [5]])
def test_lock_timeout_bad(tmp_path: Path, value: object) -> None:
    """A ``lock_timeout`` that is not a number of seconds is an error naming
    the setting and the value.
    """
    settings = Settings.from_mappings({"lock_timeout": value}, root=tmp_path)

    shown = re.escape(repr(value))

    with pytest.raises(
        ConfigurationError,
        match=f"'lock_timeout' setting must be a number of seconds, not {shown}",
    ):
        settings.lock_timeout  # noqa: B018


@pytest.mark.parametrize("value", ["per-revision", "", "Savepoint"])
def test_transaction_mode_bad(tmp_path: Path, value: object) -> None:
    """An unknown ``transaction_mode`` is an error listing the modes."""
    settings = Settings.from_mappings({"transaction_mode": value}, root=tmp_path)

    with pytest.raises(
        ConfigurationError,
        match=rf"'transaction_mode' setting is {value!r}; use one of 'savepoint'",
    ):
        settings.transaction_mode  # noqa: B018


@pytest.mark.parametrize("value", [["auth"], "auth"])
def test_databases_not_a_mapping(tmp_path: Path, value: object) -> None:
    """A ``databases`` context option that is not a mapping is an error."""
    settings = Settings.from_mappings(context={"databases": value}, root=tmp_path)

    with pytest.raises(
        ConfigurationError,
        match=r"'databases' context option must map database names to options",
    ):
        settings.context_options_for("auth")


@pytest.mark.parametrize(
    ("options", "context", "message"),
    [
        ({"lock_timeout": "soon"}, None, "'lock_timeout' setting must be"),
        ({"transaction_mode": "each"}, None, "'transaction_mode' setting is 'each'"),
        ({}, {"databases": ["default"]}, "'databases' context option must map"),
    ],
)
def test_bad_setting_changes_nothing(
    env: Environment,
    make_env: t.Callable[..., Environment],
    metadata: sa.MetaData,
    engine: sa.Engine,
    tables: t.Callable[[sa.Engine], set[str]],
    options: dict[str, t.Any],
    context: dict[str, t.Any] | None,
    message: str,
) -> None:
    """An upgrade with a bad setting stops with the error before it creates
    anything in the database.
    """
    env.revision("create user")
    bad = make_env(metadata, engine, options, context)

    with pytest.raises(ConfigurationError, match=message):
        bad.upgrade()

    assert tables(engine) == set()


@pytest.mark.parametrize("value", ["false", "0", "no", "off"])
def test_lock_off_does_not_wait(
    env: Environment,
    make_env: t.Callable[..., Environment],
    metadata: sa.MetaData,
    engine: sa.Engine,
    tables: t.Callable[[sa.Engine], set[str]],
    value: str,
) -> None:
    """With ``lock`` turned off by a string, an upgrade runs while another
    runner holds the lock; with it on, the same upgrade is refused.
    """
    env.revision("create user")
    held = acquire("default", engine, "alembic_version", None, 5)
    assert held is not None

    try:
        locked = make_env(metadata, engine, {"lock": "on", "lock_timeout": 0})

        with pytest.raises(LockError, match="Timed out after 0s"):
            locked.upgrade()

        make_env(metadata, engine, {"lock": value, "lock_timeout": 0}).upgrade()
    finally:
        held.release()

    assert tables(engine) == {"alembic_version", "user"}


@pytest.mark.parametrize(
    ("mode", "dialect", "expected"),
    [
        (None, "sqlite", "revision"),
        (None, "postgresql", "savepoint"),
        (None, "mariadb", "savepoint"),
        ("savepoint", "sqlite", "savepoint"),
        ("run", "sqlite", "run"),
        ("revision", "postgresql", "revision"),
    ],
)
def test_transaction_mode_per_dialect(
    tmp_path: Path, mode: str | None, dialect: str, expected: str
) -> None:
    """Unset, the transaction mode is "revision" on SQLite and "savepoint"
    elsewhere; a mode that is set applies to every dialect.
    """
    options = {} if mode is None else {"transaction_mode": mode}
    settings = Settings.from_mappings(options, root=tmp_path)
    assert settings.transaction_mode_for(dialect) == expected
