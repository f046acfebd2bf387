"""Turn Settings into an in-memory Alembic Config: no ini file, no env.py."""

from __future__ import annotations

import typing as t
from argparse import Namespace

from alembic.config import Config

from ..settings import Settings


def build_config(
    settings: Settings,
    database_names: t.Sequence[str] = (),
    *,
    x_arguments: t.Sequence[str] = (),
) -> Config:
    """Build the Alembic :class:`~alembic.config.Config` for some settings.

    :param settings: Where revisions live and which options to pass.
    :param database_names: Names of the configured databases. With more than
        one, the ``databases`` option the ``multidb`` template reads is set.
    :param x_arguments: ``key=value`` strings, readable in revision files with
        ``context.get_x_argument()``.
    """
    # quiet: Alembic would print "Generating ..." to stdout; the API only
    # returns data, and the command line reports for itself.
    config = Config(cmd_opts=Namespace(x=list(x_arguments), quiet=True))
    config.set_main_option("script_location", _escape(settings.script_location))
    config.set_main_option("path_separator", settings.path_separator)
    locations = [path for _, path in settings.version_locations]
    config.set_main_option(
        "version_locations", settings.separator_char.join(_escape(p) for p in locations)
    )

    for key, value in settings.main_options.items():
        config.set_main_option(key, value)

    for section, values in settings.sections.items():
        for key, value in values.items():
            config.set_section_option(section, key, value)

    if len(database_names) > 1:
        config.set_main_option("databases", ", ".join(database_names))

    return config


def _escape(path: str) -> str:
    # Paths come from the file system, not from a user writing ini syntax.
    return path.replace("%", "%%")
