"""Checksums of a revision's upgrade and downgrade: unchanged by Ruff
format, Black, line endings, comments, docstrings and re-parenting;
changed, in the right direction only, by any edit to what runs.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import tokenize
import typing as t
from pathlib import Path

import black
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from alembic_envkit import history
from alembic_envkit.history import _checksum
from alembic_envkit.history._checksum import ALGORITHM
from alembic_envkit.history._checksum import file_checksums
from alembic_envkit.history._checksum import normal_form
from alembic_envkit.history._checksum import revision_checksums

REVISIONS = Path(__file__).with_name("checksum_revisions")
NAMES = sorted(p.stem for p in REVISIONS.glob("*.py"))


def _source(name: str) -> str:
    return (REVISIONS / f"{name}.py").read_text(encoding="utf-8")


def _ruff(source: str, line_length: int = 88) -> str:
    args = ["format", "--isolated", f"--line-length={line_length}", "-"]
    ruff = [sys.executable, "-m", "ruff", *args]
    done = subprocess.run(ruff, input=source, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _black(source: str, **options: t.Any) -> str:
    return black.format_str(source, mode=black.Mode(**options))


def _comments(source: str, replace: str | None, add: bool = False) -> str:
    """Replace every comment with ``replace`` (``None``: remove it), and with
    ``add``, also follow every logical line with a comment of its own.
    """
    lines = source.splitlines(keepends=True)
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))

    for tok in reversed(tokens):
        (row, col), line = tok.start, tok.line

        if tok.type == tokenize.COMMENT:
            lines[row - 1] = line[:col] + (replace or "") + line[tok.end[1] :]
        elif add and tok.type == tokenize.NEWLINE:
            lines[row - 1] = line[:col] + "  # added" + line[col:] + "# added\n"

    return "".join(lines)


def _docstrings(source: str, replacement: str) -> str:
    """Replace every docstring (module, class, function) with
    ``replacement``, ``pass`` to remove it.
    """
    tree = ast.parse(source)
    found = [
        node.body[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
        and ast.get_docstring(node, clean=False) is not None
    ]
    lines = [line.encode() for line in source.splitlines(keepends=True)]

    for doc in sorted(found, key=lambda n: (n.lineno, n.col_offset), reverse=True):
        first, last = lines[doc.lineno - 1][: doc.col_offset], lines[doc.end_lineno - 1]
        lines[doc.lineno - 1 : doc.end_lineno] = [
            first + replacement.encode() + last[doc.end_col_offset :]
        ]

    return b"".join(lines).decode()


def _reparent(source: str) -> str:
    pattern = r"(\bdown_revision\b[^=\n]*=\s*)[^;\n]+"
    changed, count = re.subn(pattern, r"\1'0123456789ab'", source)
    assert count == 1
    return changed


#: Edits that change the text but never what runs. Each returns text.
UNCHANGED: dict[str, t.Callable[[str], str]] = {
    "ruff format": _ruff,
    "ruff format, 40 columns": lambda s: _ruff(s, line_length=40),
    "black": _black,
    "black, 40 columns, preview": lambda s: _black(s, line_length=40, preview=True),
    "CRLF": lambda s: s.replace("\n", "\r\n"),
    "ruff format then CRLF": lambda s: _ruff(s).replace("\n", "\r\n"),
    "comments removed": lambda s: _comments(s, None),
    "comments edited": lambda s: _comments(s, "# edited, and longer"),
    "comments added": lambda s: _comments(s, "# kept", add=True),
    "docstrings edited": lambda s: _docstrings(s, '"""Edited.\n\n    More."""'),
    "docstrings removed": lambda s: _docstrings(s, "pass"),
    "down_revision changed": _reparent,
}


@pytest.mark.parametrize("edit", UNCHANGED)
@pytest.mark.parametrize("name", NAMES)
def test_unchanged(name: str, edit: str) -> None:
    """Reformatting, line endings, comments, docstrings and the parent leave
    both checksums as they were.
    """
    source = _source(name)
    edited = UNCHANGED[edit](source)
    assert edited != source
    assert revision_checksums(edited) == revision_checksums(source)


def test_file_equals_text(tmp_path: Path) -> None:
    """A file's checksums are those of its text, whatever its line endings,
    byte order mark or declared encoding.
    """
    source = _source("legacy")
    expected = revision_checksums(source)
    variants = {
        "lf.py": source.encode(),
        "crlf.py": source.replace("\n", "\r\n").encode(),
        "cr.py": source.replace("\n", "\r").encode(),
        "bom.py": b"\xef\xbb\xbf" + source.replace("utf-8", "utf-8-sig").encode(),
        "latin.py": source.replace("utf-8", "latin-1").encode("latin-1"),
    }

    for file_name, data in variants.items():
        path = tmp_path / file_name
        path.write_bytes(data)
        assert file_checksums(path) == expected, file_name

    assert revision_checksums("\ufeff" + source) == expected


#: (revision, text in it, replacement, the checksums that change).
CHANGED = [
    ("autogenerate", "sa.String(length=40)", "sa.Text()", "upgrade"),
    ("autogenerate", "create_table('order_item'", "create_table('items'", "upgrade"),
    ("autogenerate", "scale=2), nullable=True", "scale=2), nullable=False", "upgrade"),
    ("autogenerate", "server_default='1'", "server_default=1", "upgrade"),
    ("autogenerate", "precision=10,", "precision=10.0,", "upgrade"),
    ("autogenerate", "id'], unique=False", "id'], unique=0", "upgrade"),
    ("autogenerate", "ondelete='CASCADE'", "ondelete='cascade'", "upgrade"),
    ("autogenerate", "ondelete='CASCADE'", "onupdate='CASCADE'", "upgrade"),
    ("autogenerate", "timezone=True", "timezone=False", "upgrade"),
    ("autogenerate", "def upgrade() -> None:", "def upgrade():", "upgrade"),
    ("autogenerate", "import Sequence, Union", "import Union", "both"),
    # Remove a statement, add one, swap two.
    ("autogenerate", "    op.drop_table('order_item')\n", "", "downgrade"),
    (
        "autogenerate",
        "op.drop_table('order')",
        "op.drop_table('order'); f()",
        "downgrade",
    ),
    (
        "autogenerate",
        "    op.drop_table('order_item')\n"
        "    op.drop_index(op.f('ix_order_customer_id'), table_name='order')\n",
        "    op.drop_index(op.f('ix_order_customer_id'), table_name='order')\n"
        "    op.drop_table('order_item')\n",
        "downgrade",
    ),
    ("batch", "True)\n        batch_op.add", "False)\n        batch_op.add", "upgrade"),
    ("batch", "type_='unique'", "type_='foreignkey'", "upgrade"),
    ("batch", "['username']", "['handle']", "downgrade"),
    ("execute_sql", "BATCH_SIZE = 500", "BATCH_SIZE = 50", "both"),
    ("execute_sql", "if done < BATCH_SIZE:", "if done <= BATCH_SIZE:", "both"),
    ("execute_sql", "SUM(price * quantity)", "SUM(price)", "both"),
    ("execute_sql", "WHERE status = 'new' AND", "WHERE status = 'new'  AND", "upgrade"),
    ("execute_sql", ".bindparams(q=0)", ".bindparams(q=1)", "upgrade"),
    ("execute_sql", "% (STATUSES,)", "% STATUSES", "downgrade"),
    ("multidb", "'at', sa.DateTime()", "'at', sa.Date()", "upgrade"),
    ("multidb", "'audit_log', 'audit_log_moved'", "'audit_log', 'gone'", "upgrade"),
    ("multidb", "'audit_log_moved', 'audit_log'", "'gone', 'audit_log'", "downgrade"),
    ("multidb", '"downgrade_%s" %', '"downgrade_%s_x" %', "downgrade"),
    ("helpers", "'pro': 12.5", "'pro': 12.50001", "both"),
    ("helpers", "self.names = sorted(names)", "self.names = list(names)", "both"),
    ("helpers", "include_free=False", "include_free=True", "downgrade"),
    ("helpers", "import datetime as dt", "import datetime as dt\nimport os", "both"),
    ("legacy", "0XFF", "0XFE", "both"),
    ("legacy", "RATE = 1E3", "RATE = 1000", "both"),
    ("legacy", "u'caf\\xe9", "u'cafe", "both"),
    ("legacy", "== 'postgresql' :", "!= 'postgresql' :", "upgrade"),
    ("legacy", "\\\n\t\t'rate')", "'rates')", "downgrade"),
]


@pytest.mark.parametrize(("name", "old", "new", "changed"), CHANGED)
def test_changed(name: str, old: str, new: str, changed: str) -> None:
    """An edit to what runs changes the checksum of each direction that runs
    it, and only those.
    """
    source = _source(name)
    assert source.count(old) == 1
    before = revision_checksums(source)
    after = revision_checksums(source.replace(old, new))
    assert (before[0] != after[0], before[1] != after[1]) == {
        "upgrade": (True, False),
        "downgrade": (False, True),
        "both": (True, True),
    }[changed]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("x = 1", "x = 1.0"),
        ("x = 1", "x = True"),
        ("x = 1", "x = '1'"),
        ("x = '1'", "x = b'1'"),
        ("x = 0", "x = False"),
        ("x = None", "x = ..."),
        ("x = 1j", "x = 1.0"),
        ("f(a, b)", "f(b, a)"),
        ("f(a=1)", "f(1)"),
        ("f(x)", "f((x,))"),
        ("f(*a)", "f(a)"),
        ("x = {**a}", "x = {a: None}"),
        ("a = b", "a = (b, )"),
        ("if a:\n    f()\n", "if a:\n    pass\nf()\n"),
        ("def f(a, /, b): pass", "def f(a, b): pass"),
        ("def f(*, a=1, b): pass", "def f(*, a, b=1): pass"),
    ],
)
def test_distinct_forms(a: str, b: str) -> None:
    """Code that runs differently has a different normal form."""
    assert normal_form(a) != normal_form(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("def f():\n    'doc'\n", "def f():\n    pass\n"),
        ("def f():\n    ...\n", "def f():\n    pass\n"),
        ("if a:\n    f()\nelse:\n    pass\n", "if a:\n    f()\n"),
        ("x = u'a'", "x = 'a'"),
        ("x = f'a' 'b'", "x = 'ab'"),
        ("x = f'{a}' 'b' f''", "x = f'{a}b'"),
        ("x = f'{a}' f'{b}'", "x = f'{a}{b}'"),
        ("f()\n'a string used as a comment'\ng()", "f()\ng()"),
    ],
)
def test_same_forms(a: str, b: str) -> None:
    """Spellings of the same code, and statements that compile to nothing,
    have one normal form.
    """
    assert normal_form(a) == normal_form(b)


#: Touches most kinds of node, for the digests below.
SNIPPET = '''\
"""Module docstring."""
from __future__ import annotations
import a.b as c
from .. import d
revision = "x"
down_revision: str | None = None
X = (1, 1.5, 2j, True, None, ..., b"\\x00", "caf\\xe9 \\U0001f600", 10**40, -1)
Y = {**m, "k": [i async for i in g() if i], 0: {s for s in ()}}
@dec(1)
class C(B, metaclass=M):
    """Doc."""
    n: int = 0
    async def f(self, a, /, b=2, *args, c, d=3, **kw) -> None:
        global G
        async with x as (y, z):
            del y[1:2, ::3]
        try:
            yield (w := lambda q=1: q)
        except ValueError as e:
            raise E from e
        finally:
            assert a, f"{a!r:>{b}} {c=} {d:{e}}" u"\N{BULLET}"
        match b:
            case [1, *rest] | {"k": _} if rest:
                pass
            case Point(x=0) as p:
                return p
def upgrade():
    op.execute(f"{T}" "")
def downgrade_db2():
    op.drop_table("t")
'''
#: The digests of SNIPPET on every Python the packages support. A change
#: here is a change in every stored checksum: raise ALGORITHM with it.
SNIPPET_DIGESTS = (
    "cc14c376c366b075d993edf85de95b9d6fcdb2fde1173a3200bbf1c7e84aff44",
    "e90ea6e8688c772fe2b1e5794ae4ff0cf8f8f88103c889b8f2571a54bb40b2c5",
)


def test_stored_digests() -> None:
    """The snippet's checksums are the same on every supported Python, as
    stored here under this algorithm's version.
    """
    assert ALGORITHM == history.CHECKSUM_ALGORITHM == 1
    assert revision_checksums(SNIPPET) == SNIPPET_DIGESTS


def test_syntax_error(tmp_path: Path) -> None:
    """A file that is not Python raises SyntaxError naming the file."""
    path = tmp_path / "broken.py"

    for data in (b"def upgrade(:\n", b"x = 1\x00\n", b"x = '\xe9'\n"):
        path.write_bytes(data)

        with pytest.raises(SyntaxError, match="broken.py"):
            file_checksums(path)


def test_standard_library_only() -> None:
    """The module loads on its own, with the standard library alone: reading
    a history never imports Alembic or SQLAlchemy.
    """
    code = (
        "import importlib.util, sys;"
        f" spec = importlib.util.spec_from_file_location('c', {_checksum.__file__!r});"
        " m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m);"
        " print(m.revision_checksums('def upgrade(): pass'));"
        " bad = {'alembic', 'sqlalchemy', 'alembic_envkit'} & set(sys.modules);"
        " assert not bad, bad"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


_names = st.sampled_from(["users", "orders", "order_item", "plan", "audit_log"])
_literals = st.one_of(
    st.integers(-5, 500),
    st.booleans(),
    st.none(),
    st.text("abcdefghij _'\"\\\n%é", max_size=12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
_calls = st.lists(
    st.tuples(
        st.sampled_from(["add_column", "drop_column", "execute", "create_index"]),
        _names,
        st.lists(_literals, min_size=1, max_size=4),
    ),
    min_size=1,
    max_size=6,
)


def _render(calls: list[tuple[str, str, list[t.Any]]], quote: str) -> str:
    def literal(value: t.Any) -> str:
        if isinstance(value, str) and quote not in value:
            return quote + repr(value)[1:-1] + quote

        return repr(value)

    body = "".join(
        f"    op.{op}( {literal(table)},{', '.join(map(literal, args))} )\n"
        for op, table, args in calls
    )
    return f"def upgrade():\n{body}\ndef downgrade():\n    op.drop_table('x')\n"


@settings(max_examples=60, deadline=None, database=None)
@given(_calls, st.sampled_from(["'", '"']), st.data())
def test_generated_revisions(
    calls: list[tuple[str, str, list[t.Any]]], quote: str, data: st.DataObject
) -> None:
    """Generated revisions keep their checksums through Black, and a change
    to any one literal changes the upgrade's checksum alone.
    """
    source = _render(calls, quote)
    before = revision_checksums(source)
    assert revision_checksums(_black(source, line_length=30)) == before

    i = data.draw(st.integers(0, len(calls) - 1))
    op, table, args = calls[i]
    j = data.draw(st.integers(0, len(args) - 1))
    # Another literal: of another type, or another value (0.0 is not -0.0).
    key = (type(args[j]), repr(args[j]))
    new = data.draw(_literals.filter(lambda v: (type(v), repr(v)) != key))
    mutated = list(calls)
    mutated[i] = (op, table, [*args[:j], new, *args[j + 1 :]])
    after = revision_checksums(_render(mutated, quote))
    assert after[0] != before[0]
    assert after[1] == before[1]
