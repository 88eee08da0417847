"""`.env.example` and the table of docs/configuration.md must name exactly the variables the code
reads, and the README's short table only variables of the full one, with the same defaults."""

from __future__ import annotations

import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CODE_FOLDERS = ("service", "api", "ingestion", "schemas", "dev")
CODE_FILES = ("gunicorn.conf.py", "tests/settings.py")

# env_str("NAME"), env_int("NAME", ...), os.environ.get("NAME"), os.getenv("NAME"), ...
READ_PATTERN = re.compile(
    r"(?:env_\w+\(|environ\.get\(|getenv\(|environ\[|environ\.setdefault\()"
    r"""\s*["']([A-Z][A-Z0-9_]+)["']"""
)


def variables_read_by_code() -> set[str]:
    files = [p for folder in CODE_FOLDERS for p in (PROJECT_ROOT / folder).rglob("*.py")]
    files += [PROJECT_ROOT / name for name in CODE_FILES if (PROJECT_ROOT / name).exists()]
    names = set()
    for path in files:
        names |= set(READ_PATTERN.findall(path.read_text()))
    return names - {"DJANGO_SETTINGS_MODULE"}


def variables_in_env_example() -> set[str]:
    text = (PROJECT_ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def variable_rows(document: str) -> dict[str, str]:
    """Variable -> default, from the rows of `document`'s tables that start with a variable."""
    text = (PROJECT_ROOT / document).read_text()
    rows = re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \| ([^|]*) \|", text, flags=re.MULTILINE)
    return {name: default.strip() for name, default in rows}


def variables_in_configuration_table() -> set[str]:
    return set(variable_rows("docs/configuration.md"))


def test_the_scan_finds_the_settings_reads():
    assert {"DATABASE_URL", "DJANGO_DEBUG", "LOG_FORMAT"} <= variables_read_by_code()


def test_env_example_lists_every_variable_the_code_reads_and_no_other():
    assert variables_in_env_example() == variables_read_by_code()


def test_every_env_example_variable_has_a_comment():
    lines = (PROJECT_ROOT / ".env.example").read_text().splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^#?\s*[A-Z][A-Z0-9_]+=", line):
            assert index > 0, line
            assert lines[index - 1].startswith("# "), line


def test_the_configuration_table_matches_env_example():
    assert variables_in_configuration_table() == variables_in_env_example()


def test_the_readme_names_only_documented_variables_with_their_documented_defaults():
    essentials = variable_rows("README.md")
    full = variable_rows("docs/configuration.md")
    assert {"DATABASE_URL", "INGESTION_API_TOKEN"} <= set(essentials)
    assert {name: full.get(name) for name in essentials} == essentials
