"""Moving a PostgreSQL snapshot to a tenant's schema: its statements are
rewritten a token at a time, or refused where a name of the home schema
cannot be moved. No database is needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alembic_envkit.snapshot import read_header
from alembic_envkit.snapshot import Refused
from alembic_envkit.snapshot import rehome
from alembic_envkit.snapshot import rehomed
from alembic_envkit.snapshot import render
from alembic_envkit.snapshot import Snapshot


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param(
            "CREATE TABLE public.account (id integer NOT NULL)",
            'CREATE TABLE "Shop_1".account (id integer NOT NULL)',
            id="table",
        ),
        pytest.param(
            "ALTER SEQUENCE public.a_id_seq OWNED BY public.account.id",
            'ALTER SEQUENCE "Shop_1".a_id_seq OWNED BY "Shop_1".account.id',
            id="owned-by",
        ),
        pytest.param(
            "ALTER TABLE ONLY public.a ALTER COLUMN id SET DEFAULT"
            " nextval('public.a_id_seq'::regclass)",
            'ALTER TABLE ONLY "Shop_1".a ALTER COLUMN id SET DEFAULT'
            " nextval('\"Shop_1\".a_id_seq'::regclass)",
            id="regclass",
        ),
        pytest.param(
            'SELECT pg_catalog.setval(\'public."Odd""Seq"\', 1, false)',
            'SELECT pg_catalog.setval(\'"Shop_1"."Odd""Seq"\', 1, false)',
            id="setval",
        ),
        pytest.param(
            'CREATE INDEX ix ON "public".t USING btree (x)',
            'CREATE INDEX ix ON "Shop_1".t USING btree (x)',
            id="quoted-home",
        ),
        pytest.param(
            "INSERT INTO public.note (id, body) VALUES (1, 'public.account')",
            "INSERT INTO \"Shop_1\".note (id, body) VALUES (1, 'public.account')",
            id="data-left-alone",
        ),
        pytest.param(
            "COMMENT ON TABLE public.t IS 'see public.t'",
            "COMMENT ON TABLE \"Shop_1\".t IS 'see public.t'",
            id="comment-left-alone",
        ),
        pytest.param(
            "CREATE FUNCTION public.f() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$",
            'CREATE FUNCTION "Shop_1".f() RETURNS integer LANGUAGE sql'
            " AS $$ SELECT 1 $$",
            id="function-body-without-the-schema",
        ),
        pytest.param(
            "CREATE TABLE other.t (public integer)",
            None,
            id="column-named-like-the-schema",
        ),
    ],
)
def test_statements_name_the_tenant(sql: str, expected: str | None) -> None:
    """Every name qualified by the home schema, in SQL or in a string read
    as a name, names the tenant's schema; data, comments and other names
    stay as written; a name of the schema used otherwise is refused.
    """
    found = rehome(sql + ";\n", "public")

    if expected is None:
        assert found.refused is not None
        assert "public" in found.refused
        return

    assert found.refused is None
    assert found.render('"Shop_1"') == [expected]


def test_statements_of_the_home_schema_itself_are_dropped() -> None:
    """CREATE and COMMENT ON SCHEMA of the home schema are left out: the
    tenant's schema is made before the load.
    """
    sql = (
        "CREATE SCHEMA IF NOT EXISTS app;\n"
        "COMMENT ON SCHEMA app IS 'the app';\n"
        "CREATE TABLE app.t (id integer);\n"
    )
    found = rehome(sql, "app")
    assert found.render('"t1"') == ['CREATE TABLE "t1".t (id integer)']


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        pytest.param(
            "CREATE FUNCTION public.f() RETURNS bigint LANGUAGE plpgsql AS"
            " $body$ BEGIN RETURN (SELECT count(*) FROM public.t); END $body$",
            "a body in dollar quotes names schema 'public'",
            id="function-body",
        ),
        pytest.param(
            "CREATE FUNCTION public.f() RETURNS regclass LANGUAGE sql AS"
            " $$ SELECT 'public.t'::regclass $$",
            "a body in dollar quotes names schema 'public'",
            id="function-body-string",
        ),
        pytest.param(
            "CREATE TABLE public.public (id integer)",
            "it names public other than as the schema of an object",
            id="object-named-like-the-schema",
        ),
        pytest.param(
            "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public",
            "it names public other than as the schema of an object",
            id="extension",
        ),
        pytest.param(
            "CREATE SCHEMA audit",
            "it makes schema audit too, which tenants would share",
            id="other-schema",
        ),
    ],
)
def test_statements_that_cannot_move_are_refused(sql: str, reason: str) -> None:
    """A snapshot naming the home schema where the rewrite cannot follow is
    refused, with the reason, rather than loaded wrong.
    """
    found = rehome(sql + ";\n", "public")
    assert found.refused is not None
    assert found.refused.startswith(reason)

    with pytest.raises(Refused, match="public|audit"):
        found.render('"t1"')


def test_header_records_the_schema_and_old_files_still_read(tmp_path: Path) -> None:
    """A PostgreSQL snapshot's header says its schema; a file written before
    it did is read without one, and is not moved to a tenant.
    """
    path = tmp_path / "r1.default.sql"
    body = "CREATE TABLE public.t (id integer);\n"
    snapshot = Snapshot(str(path), "default", "postgresql", ("r1",), "abc", "public")
    path.write_text(render(snapshot, body))
    assert "\n-- schema: public\n" in path.read_text()
    assert read_header(str(path)) == snapshot
    assert rehomed(read_header(str(path))).render('"t1"') == [
        'CREATE TABLE "t1".t (id integer)'
    ]
    old = tmp_path / "old.default.sql"
    old.write_text(
        render(Snapshot(str(old), "default", "postgresql", ("r1",), "abc"), body)
    )
    assert "schema" not in old.read_text()
    found = read_header(str(old))
    assert found.schema is None

    with pytest.raises(Refused, match="rebuild it with 'snapshot'"):
        rehomed(found).render('"t1"')
