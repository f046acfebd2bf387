"""Code written for Flask-Alembic 3.x, whose read methods returned Alembic
Scripts, runs unchanged: the revisions they return are Scripts.
"""

from __future__ import annotations

import typing as t

import pytest
from alembic.script import Script
from alembic.script import ScriptDirectory

from flask_alembic import Alembic

pytestmark = pytest.mark.usefixtures("app_ctx")


def test_heads_module_doc_down_revision(alembic: Alembic) -> None:
    """3.x-style code reads a head's module and its upgrade function, its
    doc and down_revision, and its text is Alembic's.
    """
    (first,) = alembic.revision("first", empty=True)
    (second,) = alembic.revision("add things", empty=True)
    assert first is not None and second is not None
    head = alembic.heads()[0]

    assert isinstance(head, Script)
    assert head.revision == second.revision
    assert head.doc == "add things"
    assert head.down_revision == first.revision
    assert head.module.upgrade is not None
    assert head.module.revision == second.revision
    assert head.path == second.path
    # As Alembic describes it when it loads the folder itself.
    loaded = ScriptDirectory.from_config(alembic.config).get_revision(head.revision)
    assert head.cmd_format(True) == loaded.cmd_format(True)
    assert str(head) == str(loaded) == str(second)


def test_every_read_returns_scripts(alembic: Alembic) -> None:
    """current, current_by_database, heads, branches, log and show return
    Scripts, the same objects as the script directory's.
    """
    (root,) = alembic.revision("root", empty=True)
    (left,) = alembic.revision("left", empty=True)
    assert root is not None and left is not None
    (right,) = alembic.revision("right", empty=True, parent=root.revision, splice=True)
    assert right is not None
    alembic.upgrade(left.revision)
    reads: dict[str, t.Sequence[t.Any]] = {
        "current": alembic.current(),
        "current_by_database": alembic.current_by_database()["default"],
        "heads": alembic.heads(),
        "branches": alembic.branches(),
        "log": alembic.log(),
        "show": alembic.show("heads"),
    }

    for method, scripts in reads.items():
        assert scripts, method

        for script in scripts:
            assert isinstance(script, Script), method
            assert alembic.script_directory.get_revision(script.revision) is script

    assert [s.revision for s in reads["branches"]] == [root.revision]
    assert reads["branches"][0].is_branch_point
