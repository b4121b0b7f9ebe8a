"""Database triggers that make tables append-only, on SQLite and PostgreSQL.

Used from migrations (`append_only(...)`). A row in `core_maintenancewindow` opens a window in which
deletes are allowed (the demo reset); nothing ever allows UPDATE of a sealed row.
"""

from __future__ import annotations

from django.db import migrations

MAINTENANCE = "EXISTS (SELECT 1 FROM core_maintenancewindow)"


def _sqlite(table: str, *, sealable: bool, seal_check: str | None) -> list[str]:
    statements = [
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        WHEN NOT {MAINTENANCE}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be deleted'); END;""",
    ]
    if sealable:
        statements.append(
            f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            WHEN OLD.sealed = 1
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: a sealed row cannot change'); END;"""
        )
        if seal_check:
            statements.append(
                f"""CREATE TRIGGER {table}_seal_balanced BEFORE UPDATE OF sealed ON {table}
                WHEN NEW.sealed = 1 AND ({seal_check})
                BEGIN SELECT RAISE(ABORT, '{table}: an unbalanced journal cannot be sealed');
                END;"""
            )
    else:
        statements.append(
            f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot change'); END;"""
        )
    return statements


def _postgres(table: str, *, sealable: bool, seal_check: str | None) -> list[str]:
    update_rule = "OLD.sealed" if sealable else "TRUE"
    seal_rule = (
        f"IF TG_OP = 'UPDATE' AND NEW.sealed AND NOT OLD.sealed AND ({seal_check}) THEN "
        f"RAISE EXCEPTION '{table}: an unbalanced journal cannot be sealed'; END IF;"
        if seal_check
        else ""
    )
    return [
        f"""CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'DELETE' THEN
            IF {MAINTENANCE} THEN RETURN OLD; END IF;
            RAISE EXCEPTION '{table} is append-only: rows cannot be deleted';
          END IF;
          IF {update_rule} THEN
            RAISE EXCEPTION '{table} is append-only: rows cannot change';
          END IF;
          {seal_rule}
          RETURN NEW;
        END $$ LANGUAGE plpgsql;""",
        f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {table}_append_only();""",
    ]


def _drop(table: str, vendor: str, sealable: bool, seal_check: str | None) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
            f"DROP FUNCTION IF EXISTS {table}_append_only();",
        ]
    names = [f"{table}_no_delete", f"{table}_no_update"] + (
        [f"{table}_seal_balanced"] if seal_check else []
    )
    return [f"DROP TRIGGER IF EXISTS {name};" for name in names]


def append_only(
    table: str, *, sealable: bool = False, seal_check: str | None = None
) -> migrations.RunPython:
    """A migration operation installing the triggers for `table` on the current database."""

    def forward(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        build = _postgres if vendor == "postgresql" else _sqlite
        for statement in build(table, sealable=sealable, seal_check=seal_check):
            schema_editor.execute(statement)

    def backward(apps, schema_editor):
        for statement in _drop(table, schema_editor.connection.vendor, sealable, seal_check):
            schema_editor.execute(statement)

    return migrations.RunPython(forward, backward)


def insert_guard(table: str, *, parent: str, fk: str) -> migrations.RunPython:
    """Refuse rows added to a parent (journal) that is already sealed."""

    def forward(apps, schema_editor):
        message = f"{table}: legs cannot be added to a sealed journal"
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"""CREATE FUNCTION {table}_sealed_parent() RETURNS trigger AS $$
                BEGIN
                  IF (SELECT sealed FROM {parent} WHERE id = NEW.{fk}) THEN
                    RAISE EXCEPTION '{message}';
                  END IF;
                  RETURN NEW;
                END $$ LANGUAGE plpgsql;"""
            )
            schema_editor.execute(
                f"""CREATE TRIGGER {table}_sealed_parent BEFORE INSERT ON {table}
                FOR EACH ROW EXECUTE FUNCTION {table}_sealed_parent();"""
            )
        else:
            schema_editor.execute(
                f"""CREATE TRIGGER {table}_sealed_parent BEFORE INSERT ON {table}
                WHEN (SELECT sealed FROM {parent} WHERE id = NEW.{fk}) = 1
                BEGIN SELECT RAISE(ABORT, '{message}'); END;"""
            )

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_sealed_parent ON {table};")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_sealed_parent();")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_sealed_parent;")

    return migrations.RunPython(forward, backward)
