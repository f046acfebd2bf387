"""Writing new revisions, with independent named branches."""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass

from alembic.autogenerate import RevisionContext
from alembic.runtime.migration import MigrationContext
from alembic.script import Script
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError as AlembicRevisionError
from alembic.util import asbool

from ._errors import RevisionError
from ._errors import translate_alembic_errors
from ._migrate import deferred_write_hooks
from ._revisions import revision_ids
from ._revisions import RevisionArg
from ._settings import check_branch_name
from ._settings import DEFAULT_BRANCH

if t.TYPE_CHECKING:
    from ._environment import Environment


@dataclass
class RevisionPlan:
    """Where a new revision goes and what it descends from."""

    message: str
    parents: list[str]
    labels: list[str]
    depends_on: list[str] | None
    path: str


def plan_revision(
    env: Environment,
    message: str,
    branch: str | None,
    parent: RevisionArg,
    depend: RevisionArg | None,
    label: str | t.Sequence[str] | None,
    path: str | os.PathLike[str] | None,
) -> RevisionPlan:
    """Work out a new revision's parents, labels and folder.

    With a branch name, ``head`` and ``base`` mean that branch's. A branch
    that does not exist yet starts from ``base`` and gets the branch name as
    its label, except that the default branch adopts a history without
    labels (from Flask-Migrate or plain Alembic) instead of starting a second
    root beside it.
    """
    script = env.script_directory
    settings = env.settings
    parents = revision_ids(parent) or ["head"]
    labels = [label] if isinstance(label, str) else list(label or ())

    if branch:
        check_branch_name(branch)

        if path is None:
            path = settings.branch_location(branch)

        if _branch_exists(script, branch):
            parents = [f"{branch}@{p}" if p in ("base", "head") else p for p in parents]
        else:
            labels.insert(0, branch)
            parents = _new_branch_parents(script, branch, parents)

    return RevisionPlan(
        message=message,
        parents=parents,
        labels=labels,
        depends_on=revision_ids(depend) or None,
        path=settings.resolve_path(path) if path else settings.script_location,
    )


def write_revision(
    env: Environment, plan: RevisionPlan, *, empty: bool, splice: bool
) -> list[Script | None]:
    """Render and write a planned revision, autogenerating its operations
    unless ``empty``.
    """
    config = env.config
    context = RevisionContext(
        config,
        env.script_directory,
        {
            "message": plan.message,
            "sql": False,
            "head": plan.parents,
            "splice": splice,
            "branch_label": plan.labels,
            "version_path": plan.path,
            "rev_id": env.rev_id(),
            "depends_on": plan.depends_on,
        },
    )

    def run(heads: t.Any, migration_context: MigrationContext) -> list[t.Any]:
        if empty:
            context.run_no_autogenerate(heads, migration_context)
        else:
            context.run_autogenerate(heads, migration_context)

        return []

    if not empty or asbool(config.get_main_option("revision_environment")):
        env.run_migrations(run)

    with deferred_write_hooks(env.script_directory) as written:
        with translate_alembic_errors():
            scripts = list(context.generate_scripts())

        written.extend(str(s.path) for s in scripts if s is not None)

    return scripts


def _branch_exists(script: ScriptDirectory, branch: str) -> bool:
    with translate_alembic_errors():
        revision_map = script.revision_map

    try:
        return any(r is not None for r in revision_map.get_revisions(branch))
    except AlembicRevisionError:
        return False


def _new_branch_parents(
    script: ScriptDirectory, branch: str, parents: list[str]
) -> list[str]:
    if branch != DEFAULT_BRANCH:
        return ["base"]

    unlabeled = [h for h in script.get_revisions("heads") if not h.branch_labels]

    if not unlabeled:
        return ["base"]

    if len(unlabeled) > 1 and "head" in parents:
        ids = ", ".join(h.revision for h in unlabeled)
        raise RevisionError(
            f"The existing history has {len(unlabeled)} heads ({ids}). Merge them"
            " first with the 'merge' command, or name the parent revision."
        )

    return [unlabeled[0].revision if p == "head" else p for p in parents]
