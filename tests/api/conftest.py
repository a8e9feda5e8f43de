import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "calls"))  # recordkit, browserkit
from dbfixtures import db_url, pg  # noqa: F401  (fixtures: SQLite and a real PostgreSQL)
