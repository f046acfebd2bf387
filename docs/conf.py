"""Sphinx configuration for the Flask-Alembic and alembic-envkit docs.

Build with ``hatch run docs:build``, which treats warnings as errors. Every
runnable example in these pages is run by ``tests/test_docs.py``.
"""

project = "Flask-Alembic"
copyright = "Flask-Alembic contributors"
release = "4.0.0"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx_click",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

# Headings get anchors for in-page links; "deflist" is for term/definition
# lists.
myst_heading_anchors = 3
myst_enable_extensions = ["deflist"]

autodoc_member_order = "bysource"
# Types go into the parameter lists, which keeps signatures readable. There
# is no intersphinx (the build needs no network), so references to Alembic,
# SQLAlchemy and Flask objects stay plain text; nitpicky stays off for that
# reason, and no warning is suppressed.
autodoc_typehints = "description"
# alembic_envkit.testing is a pytest plugin, and the docs build does not
# install pytest: autodoc imports it with pytest stubbed out.
autodoc_mock_imports = ["pytest"]

html_theme = "furo"
html_title = "Flask-Alembic and alembic-envkit"
