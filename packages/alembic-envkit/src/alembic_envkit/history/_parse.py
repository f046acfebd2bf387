"""Python source parsed to a syntax tree, one parse at a time in the
process.

CPython 3.11 and 3.12 keep the depth of the tree being built in state
shared by every thread, so ``ast.parse`` in two threads at once can fail
with ``SystemError: AST constructor recursion depth mismatch`` (CPython
issue 106905). A fan-out's threads each read revision files; every parse
here goes through :func:`parse`, which takes the lock the checksums'
parses take too.
"""

from __future__ import annotations

import ast

from ._checksum import PARSE_LOCK


def parse(source: str | bytes, path: str) -> ast.Module:
    """``ast.parse(source, path)``, alone in the process.

    :raises SyntaxError: As ``ast.parse`` does.
    """
    with PARSE_LOCK:
        return ast.parse(source, path)
