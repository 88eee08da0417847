"""The unmanaged models must mirror bms-admin's tables column for column."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

# Django field class -> the PostgreSQL data_type its column has in information_schema.
TYPE_FAMILIES = {
    "AutoField": "integer",
    "IntegerField": "integer",
    "BigIntegerField": "bigint",
    "ForeignKey": "integer",
    "OneToOneField": "integer",
    "CharField": "character varying",
    "TextField": "text",
    "JSONField": "jsonb",
    "BooleanField": "boolean",
    "DateField": "date",
    "DateTimeField": "timestamp with time zone",
}

pytestmark = pytest.mark.django_db


def table_columns(db_table: str) -> dict[str, tuple[str, bool, int | None]]:
    schema, table = (part.strip('"') for part in db_table.split("."))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, is_nullable = 'YES', character_maximum_length "
            "FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
            [schema, table],
        )
        return {name: (kind, nullable, length) for name, kind, nullable, length in cursor}


def model_columns(model) -> dict[str, tuple[str, bool, int | None]]:
    columns = {}
    for field in model._meta.concrete_fields:
        kind = TYPE_FAMILIES[field.get_internal_type()]
        length = field.max_length if kind == "character varying" else None
        columns[field.column] = (kind, field.null, length)
    return columns


def ingestion_models():
    return list(apps.get_app_config("ingestion").get_models())


def test_every_model_is_an_unmanaged_mirror_of_a_reporting_table():
    for model in ingestion_models():
        assert model._meta.managed is False, model.__name__
        assert model._meta.db_table.startswith('"reporting".'), model.__name__


@pytest.mark.parametrize("model", ingestion_models(), ids=lambda m: m.__name__)
def test_model_columns_match_the_bms_admin_ddl(model):
    in_database = table_columns(model._meta.db_table)
    assert in_database, f"{model._meta.db_table} is not in the DDL"
    assert model_columns(model) == in_database


def test_the_ddl_has_no_table_without_a_model():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'reporting'"
        )
        tables = {row[0] for row in cursor}
    mirrored = {m._meta.db_table.split(".")[1].strip('"') for m in ingestion_models()}
    assert tables == mirrored
