"""The two engines' schemas agree: the same tables, each with the same columns in the same order (SQLite's
migrated schema beside PostgreSQL's final form, :data:`desktop_app.store.postgres.SCHEMA` and its steps)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop_app.store import Store


def sqlite_columns(store: Store) -> dict[str, list[str]]:
    tables = [
        name
        for (name,) in store.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {table: [row[1] for row in store.db.execute(f"PRAGMA table_info({table})")] for table in tables}


def test_every_table_has_the_same_columns_in_the_same_order_on_both_engines(tmp_path: Path, pg_server: Any) -> None:
    from desktop_app.store import postgres

    with Store(tmp_path / "lc.db") as lite, Store(pg_server.new_database()) as team:
        on_sqlite = sqlite_columns(lite)
        on_postgres = postgres.table_columns(team.conn)  # type: ignore[arg-type]
    on_postgres.pop("leadcheck_meta")  # PostgreSQL's schema version (SQLite keeps it in PRAGMA user_version)
    assert sorted(on_postgres) == sorted(on_sqlite)
    for table, columns in on_sqlite.items():
        assert on_postgres[table] == columns, table
