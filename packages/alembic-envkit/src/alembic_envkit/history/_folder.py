"""The migrations folder and its ``script.py.mako`` template."""

from __future__ import annotations

import importlib.util
import os
import shutil
import typing as t

from .._errors import ConfigurationError
from .._errors import TemplateMismatchError

TEMPLATE_FILE = "script.py.mako"


def template_source(multidb: bool) -> str:
    """Path of Alembic's own ``script.py.mako`` for the ``generic`` (one
    database) or ``multidb`` template.

    :param multidb: Whether several databases are configured.
    """
    # Found without importing Alembic, which creating the folder at start-up
    # does not need.
    spec = importlib.util.find_spec("alembic")
    assert spec is not None and spec.origin is not None
    name = "multidb" if multidb else "generic"
    return os.path.join(os.path.dirname(spec.origin), "templates", name, TEMPLATE_FILE)


def make_directories(
    script_location: str, version_locations: t.Iterable[str], multidb: bool
) -> None:
    """Create the script folder, its template, and every version folder, where
    they do not exist. An existing template is never replaced.

    :param script_location: Folder holding the template.
    :param version_locations: Folders revisions are written to.
    :param multidb: Which of Alembic's templates to copy.
    """
    try:
        os.makedirs(script_location, exist_ok=True)
        dest = os.path.join(script_location, TEMPLATE_FILE)

        if not os.path.exists(dest):
            tmp = f"{dest}.{os.getpid()}.tmp"
            shutil.copyfile(template_source(multidb), tmp)
            os.replace(tmp, dest)

        for path in version_locations:
            os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise ConfigurationError(
            f"Cannot create the migrations folder {e.filename or script_location!r}:"
            f" {e.strerror}. Check 'script_location' and 'version_locations'."
        ) from e


def template_kind(script_location: str) -> str | None:
    """Tell which of Alembic's templates the folder's ``script.py.mako``
    follows: ``"multidb"``, ``"generic"``, or ``None`` when there is no
    template or it is a custom one this cannot tell.

    :param script_location: Folder holding the template.
    """
    try:
        with open(os.path.join(script_location, TEMPLATE_FILE), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None

    if "_upgrades" in text and "engine_name" in text:
        return "multidb"

    if "${upgrades" in text:
        return "generic"

    return None


def check_template(script_location: str, database_names: t.Sequence[str]) -> None:
    """Refuse to work with a template written for a different number of
    databases than are configured: its revisions could not run.

    :param script_location: Folder holding the template.
    :param database_names: Names of the configured databases.
    :raises TemplateMismatchError: If the template does not match.
    """
    kind = template_kind(script_location)
    path = os.path.join(script_location, TEMPLATE_FILE)
    names = ", ".join(repr(n) for n in database_names)

    if kind == "generic" and len(database_names) > 1:
        raise TemplateMismatchError(
            f"{path} is the single-database template, but"
            f" {len(database_names)} databases are configured ({names})."
            " Replace it with Alembic's 'multidb' script.py.mako and give each"
            " existing revision upgrade_<name>()/downgrade_<name>() functions,"
            " or configure one database."
        )

    if kind == "multidb" and len(database_names) == 1:
        raise TemplateMismatchError(
            f"{path} is the multiple-database template, but one database is"
            f" configured ({names}). Replace it with Alembic's 'generic'"
            " script.py.mako and make each existing revision's upgrade() and"
            " downgrade() take no arguments, or configure every database."
        )
