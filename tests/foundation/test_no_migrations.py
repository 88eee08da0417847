"""bms-admin owns the tables: this repository never creates migrations for them."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_makemigrations_has_nothing_to_create():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_the_repository_has_no_migrations_package():
    found = [p for p in PROJECT_ROOT.rglob("migrations") if ".venv" not in p.parts and p.is_dir()]
    assert found == []
