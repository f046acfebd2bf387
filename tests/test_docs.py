"""The code in docs/*.md runs as written, so the docs cannot drift from the
code.

How the pages mark their code blocks:

- A ```` ```python ```` block is runnable. Each one runs in a fresh temporary
  folder (the working directory during the run) unless it continues the
  example before it. It must finish without an error or a warning.
- A ```` ```{code-block} python ```` block is a fragment (a function to put
  in your own code, an ``env.py`` excerpt) and is not run.
- A ```` ```sh ```` block is not run by default, but every ``flask db`` and
  ``alembic-envkit`` command line in it must parse: the command exists and
  takes the options and arguments shown.

MyST comment lines (``% key: value``) right above a fence steer the test;
they do not appear on the rendered page:

- ``% file: NAME.py``: write the block to that file in the example's folder
  and import it as a module, so ``Flask(__name__)`` finds the folder and the
  commands (``flask --app NAME``, ``alembic-envkit --env NAME:env``) can
  import it.
- ``% continue``: run in the same folder, and for blocks that are not files
  the same namespace, as the block before it on the page.
- ``% run``: run a ``sh`` block with bash in the folder of the example before
  it (it continues that example). Every command must exit 0.
- ``% expect-files: GLOB ...``: after the block, each pattern matches a file
  in the example's folder.
- ``% expect-tables: FILE TABLE ...``: after the block, the SQLite file has
  these tables (among others).
- ``% expect-stdout: TEXT``: the block's standard output contains the text.

Each example then runs its Python blocks a second time in the same folder,
on fresh databases (its SQLite files removed), as an application runs its
start-up code again on a new server: the second run must succeed and leave
every file as the first run left it (no new revision, no changed one).
Shell blocks are commands a reader types once, and are not run again. So
are examples marked, on their first block:

- ``% once: REASON``: the example shows one action taken from Python, such
  as writing a revision to look at the file it makes, which a reader takes
  once, as they would type a command. The reason says which action.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import re
import shlex
import sqlite3
import subprocess
import sys
import typing as t
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import click
import pytest
import sqlalchemy as sa
from flask import Flask

from alembic_envkit import Environment
from alembic_envkit.cli import main

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
KEYS = {
    "file",
    "continue",
    "run",
    "expect-files",
    "expect-tables",
    "expect-stdout",
    "once",
}
SHELL = {"sh", "bash", "console"}
#: Fence languages that are neither run nor checked.
OTHER = {"text", "toml", "ini", "mako"}
_FENCE = re.compile(r"^(`{3,})(\S*)(.*)$")


@dataclass
class Block:
    """One fenced code block of a page, with the comment lines above it."""

    page: str
    line: int
    lang: str
    code: str
    keys: dict[str, list[str]] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


@dataclass
class Example:
    """Blocks that run one after another in one folder."""

    blocks: list[Block]

    @property
    def id(self) -> str:
        return self.blocks[0].where


def _blocks(path: Path) -> list[Block]:
    """Every top-level fenced block of a page."""
    lines = path.read_text().splitlines()
    result: list[Block] = []
    i = 0

    while i < len(lines):
        match = _FENCE.match(lines[i])

        if not match:
            i += 1
            continue

        fence, lang, rest = match.groups()
        keys: dict[str, list[str]] = {}
        j = i - 1

        while j >= 0 and lines[j].startswith("%"):
            key, _, value = lines[j][1:].strip().partition(":")
            assert key in KEYS, f"{path.name}:{j + 1}: unknown test key {key!r}"
            keys.setdefault(key, []).insert(0, value.strip())
            j -= 1

        end = i + 1

        while not lines[end].startswith(fence):
            end += 1

        if lang == "{code-block}":
            lang = f"{{code-block}} {rest.strip()}"

        code = "\n".join(lines[i + 1 : end]) + "\n"
        result.append(Block(path.name, i + 1, lang, code, keys))
        i = end + 1

    return result


def _all_blocks() -> list[Block]:
    return [b for page in sorted(DOCS.glob("*.md")) for b in _blocks(page)]


def _examples() -> list[Example]:
    examples: list[Example] = []
    previous_page = None

    for block in _all_blocks():
        if block.lang == "python":
            continues = "continue" in block.keys
        elif block.lang in SHELL and "run" in block.keys:
            continues = True
        else:
            assert not block.keys, f"{block.where}: test keys on a block not run"
            continue

        if continues:
            assert examples and previous_page == block.page, (
                f"{block.where}: nothing on this page to continue"
            )
            examples[-1].blocks.append(block)
        else:
            examples.append(Example([block]))

        previous_page = block.page

    return examples


EXAMPLES = _examples()


def test_fences_known() -> None:
    """Every fence is runnable Python, a shell block, a fragment, a directive,
    or plain text, so no example is skipped by a typo in its language.
    """
    for block in _all_blocks():
        lang = block.lang
        assert lang in {"python", *SHELL, *OTHER} or lang.startswith("{"), (
            f"{block.where}: unknown fence language {lang!r}"
        )


def test_examples_found() -> None:
    """The pages hold runnable examples; a broken extractor fails here."""
    assert len(EXAMPLES) >= 15
    assert sum(len(e.blocks) for e in EXAMPLES) >= 20


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_example_runs(
    example: Example,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The example runs in a fresh folder, and leaves the files, tables and
    output its page says it does.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("ALEMBIC_ENVKIT_ENV", raising=False)
    namespace: dict[str, t.Any] = {"__name__": "docs_example"}
    modules: list[str] = []

    try:
        for block in example.blocks:
            if block.lang == "python":
                _run_python(block, tmp_path, namespace, modules)
                stdout = capsys.readouterr().out
            else:
                stdout = _run_shell(block, tmp_path)

            _check(block, tmp_path, stdout)
    finally:
        _clean_up(namespace, modules)

    if "once" in example.blocks[0].keys:
        assert all(example.blocks[0].keys["once"]), f"{example.id}: once: no reason"
        return

    before = _files(tmp_path)
    namespace = {"__name__": "docs_example"}

    for database in [*tmp_path.rglob("*.sqlite"), *tmp_path.rglob("*.db")]:
        database.unlink()

    try:
        for block in example.blocks:
            if block.lang == "python":
                _run_python(block, tmp_path, namespace, modules)
    finally:
        _clean_up(namespace, modules)

    assert _files(tmp_path) == before, f"{example.id}: a second run changed files"


def _files(folder: Path) -> dict[str, bytes]:
    """The files an example leaves, with their content, other than databases
    (removed before the second run) and bytecode.
    """
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and path.suffix not in {".sqlite", ".db"}
        and "__pycache__" not in path.parts
    }


def _run_python(
    block: Block, folder: Path, namespace: dict[str, t.Any], modules: list[str]
) -> None:
    if "file" not in block.keys:
        exec(compile(block.code, block.where, "exec", dont_inherit=True), namespace)
        return

    (name,) = block.keys["file"]
    module = name.removesuffix(".py")
    (folder / name).write_text(block.code)
    importlib.invalidate_caches()
    sys.modules.pop(module, None)
    modules.append(module)
    importlib.import_module(module)


def _run_shell(block: Block, folder: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTHONPATH", None)
    env.pop("ALEMBIC_ENVKIT_ENV", None)
    result = subprocess.run(
        ["bash", "-e", "-c", block.code],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{block.where}:\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


def _check(block: Block, folder: Path, stdout: str) -> None:
    for line in block.keys.get("expect-files", []):
        for pattern in line.split():
            assert list(folder.glob(pattern)), f"{block.where}: no file {pattern}"

    for line in block.keys.get("expect-tables", []):
        file, *names = line.split()
        assert (folder / file).is_file(), f"{block.where}: no database {file}"

        with contextlib.closing(sqlite3.connect(folder / file)) as conn:
            found = {r[0] for r in conn.execute("select name from sqlite_master")}

        assert set(names) <= found, f"{block.where}: {file} has {sorted(found)}"

    for text in block.keys.get("expect-stdout", []):
        assert text in stdout, f"{block.where}: output was {stdout!r}"


def _clean_up(namespace: dict[str, t.Any], modules: list[str]) -> None:
    """Close what the example opened: environments, app engines, engines."""
    values = list(namespace.values())

    for module in modules:
        if (loaded := sys.modules.pop(module, None)) is not None:
            values.extend(vars(loaded).values())

    for value in values:
        if isinstance(value, Environment):
            value.close()
        elif isinstance(value, Flask):
            ext = value.extensions.get("sqlalchemy")

            if ext is not None:
                with value.app_context():
                    for engine in ext.engines.values():
                        engine.dispose()

    for value in values:
        if isinstance(value, sa.Engine):
            value.dispose()

    gc.collect()


# Command lines shown in shell blocks


_SHELL_OPERATORS = {"|", ">", ">>", "<", "2>", "&&", "||", ";"}


def _command_lines() -> list[tuple[str, list[str]]]:
    """``flask db`` and ``alembic-envkit`` command lines in shell blocks, as
    the arguments after the group name.
    """
    result = []

    for block in _all_blocks():
        if block.lang not in SHELL:
            continue

        for offset, line in enumerate(block.code.splitlines(), 1):
            args = shlex.split(line, comments=True)
            where = f"{block.page}:{block.line + offset}"

            # A pipe or redirection ends the command's own arguments.
            for i, arg in enumerate(args):
                if arg in _SHELL_OPERATORS:
                    args = args[:i]
                    break

            if args[:1] == ["flask"]:
                args = args[1:]

                while args and args[0] in ("--app", "-A", "--debug"):
                    args = args[1:] if args[0] == "--debug" else args[2:]

                if args[:1] == ["db"]:
                    result.append((where, args[1:]))
            elif args[:1] == ["alembic-envkit"]:
                result.append((where, args[1:]))

    return result


COMMAND_LINES = _command_lines()


def test_command_lines_found() -> None:
    """The pages show command lines; a broken extractor fails here."""
    assert len(COMMAND_LINES) >= 20


@pytest.mark.parametrize(
    "args", [a for _, a in COMMAND_LINES], ids=[w for w, _ in COMMAND_LINES]
)
def test_command_line_parses(args: list[str]) -> None:
    """Each command line shown names a command that takes those options and
    arguments.
    """
    group_options = {"--env": 1, "-x": 1, "--x-arg": 1, "--db": 1, "--help": 0}

    while args and args[0] in group_options:
        args = args[1 + group_options[args[0]] :]

    assert args, "no command"
    command = main.commands.get(args[0])
    assert command is not None, f"no command {args[0]!r}"

    if "--help" in args:
        return

    with click.Context(main, info_name="alembic-envkit") as parent:
        command.make_context(args[0], args[1:], parent=parent)
