"""What apps bring along from Flask-Alembic 3.x and Flask-Migrate: 3.x's
per-app cache for subclasses, and a Flask-Migrate folder that the configured
``script_location`` misses.
"""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass

import sqlalchemy as sa

from alembic_envkit import ConfigurationError

if t.TYPE_CHECKING:
    from alembic.config import Config
    from alembic.operations import Operations
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import Flask

    from alembic_envkit import Settings


@dataclass
class _Cache:
    """Flask-Alembic 3.x's per-app cache, in its shape, for subclasses."""

    engines: dict[str, sa.Engine] | None = None
    metadatas: dict[str, sa.MetaData | list[sa.MetaData]] | None = None
    config: Config | None = None
    script: ScriptDirectory | None = None
    env: EnvironmentContext | None = None
    contexts: dict[str, MigrationContext] | None = None
    ops: dict[str, Operations] | None = None

    def clear(self, exc: BaseException | None = None) -> None:
        """Forget what holds connections, at the end of an app context."""
        self.contexts = None
        self.ops = None


def check_flask_migrate_folder(app: Flask, settings: Settings) -> None:
    """Refuse to stand in an empty folder for a Flask-Migrate one: when the
    configured ``script_location`` does not exist but a folder laid out by
    Flask-Migrate (an ``env.py`` and a ``versions`` folder) does, in the
    working directory or beside the app's package, name it and the setting.
    """
    location = settings.script_location

    if os.path.exists(location):
        return

    names = dict.fromkeys([os.path.basename(location), "migrations"])
    places = dict.fromkeys([os.getcwd(), os.path.dirname(app.root_path)])

    for place in places:
        for name in names:
            found = os.path.join(place, name)

            if os.path.isfile(os.path.join(found, "env.py")) and os.path.isdir(
                os.path.join(found, "versions")
            ):
                relative = os.path.relpath(found, app.root_path)
                raise ConfigurationError(
                    f"The 'script_location' folder {location} does not exist,"
                    f" but a Flask-Migrate folder does: {found}. Set"
                    f" app.config['ALEMBIC']['script_location'] = {relative!r}"
                    " (relative to app.root_path) or its absolute path."
                )
