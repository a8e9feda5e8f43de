from dbfixtures import db_url, pg  # noqa: F401  (fixtures: SQLite and a real PostgreSQL)
