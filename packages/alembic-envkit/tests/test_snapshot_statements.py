"""Reading SQL a token at a time: splitting a dump into statements, the
order views are created in, and the rewrites of MariaDB's ``SHOW CREATE``
statements. No database is needed.
"""

from __future__ import annotations

import pytest

from alembic_envkit.snapshot._dump_mysql import _normalise
from alembic_envkit.snapshot._statements import statements
from alembic_envkit.snapshot._statements import tokens
from alembic_envkit.snapshot._statements import working_order


@pytest.mark.parametrize(
    ("dialect_name", "sql", "expected"),
    [
        pytest.param(
            "sqlite",
            "CREATE TABLE \"a;b\" (x TEXT DEFAULT ';');  -- c; d\n"
            "INSERT INTO [w;x] VALUES ('it''s; -- fine', `q;`)",
            [
                "CREATE TABLE \"a;b\" (x TEXT DEFAULT ';')",
                "INSERT INTO [w;x] VALUES ('it''s; -- fine', `q;`)",
            ],
            id="sqlite-quotes",
        ),
        pytest.param(
            "sqlite",
            "CREATE TRIGGER t AFTER INSERT ON x BEGIN\n"
            "  UPDATE x SET y = CASE WHEN new.z THEN ';' END;\n"
            "  SELECT 1;\nEND;\n/* only a comment; */;\nSELECT 2",
            [
                "CREATE TRIGGER t AFTER INSERT ON x BEGIN\n"
                "  UPDATE x SET y = CASE WHEN new.z THEN ';' END;\n"
                "  SELECT 1;\nEND",
                "SELECT 2",
            ],
            id="sqlite-trigger",
        ),
        pytest.param(
            "postgresql",
            "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
            "BEGIN NEW.x := $$;$$; RETURN NEW; END $f$;\n"
            "SELECT E'a\\';b', $1, 'c\\'; /* a /* nested; */ still; */ SELECT 3;\n"
            "CREATE FUNCTION g() RETURNS int LANGUAGE sql\n"
            'BEGIN ATOMIC SELECT 1; SELECT 2; END;\nSELECT x$y, "q;"""',
            [
                "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
                "BEGIN NEW.x := $$;$$; RETURN NEW; END $f$",
                "SELECT E'a\\';b', $1, 'c\\'",
                "/* a /* nested; */ still; */ SELECT 3",
                "CREATE FUNCTION g() RETURNS int LANGUAGE sql\n"
                "BEGIN ATOMIC SELECT 1; SELECT 2; END",
                'SELECT x$y, "q;"""',
            ],
            id="postgresql-bodies",
        ),
        pytest.param(
            "mariadb",
            "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW lbl: BEGIN\n"
            "  IF NEW.a THEN SET NEW.b = 'x\\';'; END IF;\n"
            "  CASE NEW.c WHEN 1 THEN SET NEW.d = 2; ELSE BEGIN END; END CASE;\n"
            "END lbl;\n"
            "CREATE TRIGGER u BEFORE INSERT ON x FOR EACH ROW\n"
            '  SET NEW.a = CASE WHEN 1 THEN "; \\" ;" END;\n'
            "# a comment; 'quote\nSELECT 1--1\n;SELECT `a;``b`",
            [
                "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW lbl: BEGIN\n"
                "  IF NEW.a THEN SET NEW.b = 'x\\';'; END IF;\n"
                "  CASE NEW.c WHEN 1 THEN SET NEW.d = 2; ELSE BEGIN END; END CASE;\n"
                "END lbl",
                "CREATE TRIGGER u BEFORE INSERT ON x FOR EACH ROW\n"
                '  SET NEW.a = CASE WHEN 1 THEN "; \\" ;" END',
                "SELECT 1--1",
                "SELECT `a;``b`",
            ],
            id="mariadb-bodies",
        ),
        pytest.param(
            "postgresql",
            "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1);"
            " INSERT INTO b VALUES (')'));\nSELECT 1",
            [
                "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1);"
                " INSERT INTO b VALUES (')'))",
                "SELECT 1",
            ],
            id="postgresql-rule",
        ),
        pytest.param("sqlite", " ;\n-- only\n;; ", [], id="nothing"),
        pytest.param(
            "postgresql", "SELECT 'open; -- ", ["SELECT 'open; --"], id="unclosed"
        ),
    ],
)
def test_statements(dialect_name: str, sql: str, expected: list[str]) -> None:
    """Statements end at semicolons outside strings, names, comments and
    bodies; line comments and empty statements are dropped.
    """
    assert statements(sql, dialect_name) == expected


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mariadb"])
def test_tokens_join_back(dialect: str) -> None:
    """The tokens of a text join back into the text, whatever its quoting."""
    sql = "SELECT 'a''b', \"c\", `d`, [e], $$f$$, E'\\'' -- g\n/* h */ # i\n"

    assert "".join(text for _, text in tokens(sql, dialect)) == sql


def test_working_order() -> None:
    """Views come after the views they mention, by name otherwise; a cycle
    of mentions is broken by name.
    """
    views = {
        "c": "CREATE VIEW c AS SELECT * FROM b",
        "b": 'CREATE VIEW b AS SELECT * FROM "A"',
        "A": "CREATE VIEW A AS SELECT 'c' AS x FROM t",
        "d": "CREATE VIEW d AS SELECT e FROM t",
        "e": "CREATE VIEW e AS SELECT d FROM t",
    }

    assert working_order(views, "sqlite", fold=True) == ["A", "b", "c", "d", "e"]


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        pytest.param(
            "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY"
            " DEFINER VIEW `v` AS select `db`.`t`.`a` AS `a` from `db`.`t`",
            "CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS"
            " select `t`.`a` AS `a` from `t`",
            id="view",
        ),
        pytest.param(
            "CREATE DEFINER=`x`@`x` TRIGGER t BEFORE INSERT ON u FOR EACH ROW"
            " SET NEW.a = 'DEFINER=`y`@`y` `db`.'",
            "CREATE TRIGGER t BEFORE INSERT ON u FOR EACH ROW"
            " SET NEW.a = 'DEFINER=`y`@`y` `db`.'",
            id="trigger",
        ),
        pytest.param(
            "CREATE DEFINER=`role` PROCEDURE `p`() SELECT 1 FROM `other`.`t`",
            "CREATE PROCEDURE `p`() SELECT 1 FROM `other`.`t`",
            id="role",
        ),
        pytest.param(
            "CREATE TABLE `t` (\n  `id` int(11) NOT NULL AUTO_INCREMENT\n)"
            " ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE `t` (\n  `id` int(11) NOT NULL AUTO_INCREMENT\n)"
            " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            id="table",
        ),
    ],
)
def test_normalise_mariadb(statement: str, expected: str) -> None:
    """MariaDB's SHOW CREATE statements lose their DEFINER, their
    AUTO_INCREMENT counter and the name of their own database, and nothing
    inside strings.
    """
    assert _normalise(statement, "db") == expected
