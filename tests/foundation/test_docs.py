"""The README and docs/ pages point at things that exist and agree with the code they describe."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from ingestion.core.scoring import PASS_SCORE, POINTS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
README = PROJECT_ROOT / "README.md"
PAGES = sorted((PROJECT_ROOT / "docs").glob("*.md"))
DOCUMENTS = [README, *PAGES]

FENCE = re.compile(r"^```.*?^```", flags=re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\]\(([^)\s]+)\)")
INLINE_CODE = re.compile(r"`([^`\s]+)`")
REPOSITORY_FOLDERS = (
    ".ci/",
    "api/",
    "bench/",
    "deploy/",
    "dev/",
    "docs/",
    "ingestion/",
    "requirements/",
    "schemas/",
    "scripts/",
    "service/",
    "tests/",
)
ROOT_FILES = {
    ".env.example",
    "Dockerfile",
    "Makefile",
    "gunicorn.conf.py",
    "manage.py",
    "pyproject.toml",
}
DOTTED_NAME = re.compile(r"^(?:ingestion|service|api|schemas)(?:\.[A-Za-z_]\w*)+$")
FILE_SUFFIXES = (".py", ".yaml", ".json", ".md", ".sql", ".txt")


def prose(document: Path) -> str:
    """The document without its fenced code blocks."""
    return FENCE.sub("", document.read_text())


def heading_anchors(document: Path) -> set[str]:
    """GitHub's anchors for the headings of `document`."""
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", prose(document), flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


def relative_links(document: Path) -> list[str]:
    return [
        target
        for target in LINK.findall(prose(document))
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target)  # http:, https:, mailto:
    ]


def test_the_documents_are_the_readme_and_the_docs_pages():
    names = {page.name for page in PAGES}
    assert {"architecture.md", "configuration.md", "limits.md", "development.md"} <= names


def test_every_relative_link_points_at_a_file_that_exists():
    broken = []
    for document in DOCUMENTS:
        for target in relative_links(document):
            path_part, _, anchor = target.partition("#")
            linked = (document.parent / path_part).resolve() if path_part else document
            if not linked.exists():
                broken.append(f"{document.name}: {target}")
            elif anchor and anchor not in heading_anchors(linked):
                broken.append(f"{document.name}: {target} (no such heading)")
    assert broken == []


def test_the_link_check_catches_a_missing_file_and_a_missing_heading(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n[a](absent.md) [b](page.md#title) [c](page.md#nowhere)\n")
    assert relative_links(page) == ["absent.md", "page.md#title", "page.md#nowhere"]
    assert not (tmp_path / "absent.md").exists()
    assert "title" in heading_anchors(page)
    assert "nowhere" not in heading_anchors(page)


def test_every_docs_page_is_linked_from_the_readme():
    linked = {(PROJECT_ROOT / target).resolve() for target in relative_links(README)}
    assert [page.name for page in PAGES if page.resolve() not in linked] == []


def test_every_docs_page_opens_with_a_title_and_says_what_it_covers():
    for page in PAGES:
        lines = page.read_text().splitlines()
        assert lines[0].startswith("# "), page.name
        assert lines[1] == "", page.name
        assert lines[2].startswith("This page "), page.name


def test_every_repository_path_the_documents_name_exists():
    missing = []
    for document in DOCUMENTS:
        for token in INLINE_CODE.findall(prose(document)):
            named = token.rstrip(".,;:")
            in_repository = named.startswith(REPOSITORY_FOLDERS) or named in ROOT_FILES
            if in_repository and not (PROJECT_ROOT / named).exists():
                missing.append(f"{document.name}: {named}")
    assert missing == []


def test_every_dotted_python_name_the_documents_name_exists():
    missing = []
    for document in DOCUMENTS:
        for token in INLINE_CODE.findall(prose(document)):
            if token.endswith(FILE_SUFFIXES) or not DOTTED_NAME.match(token):
                continue
            if not python_name_exists(token):
                missing.append(f"{document.name}: {token}")
    assert missing == []


def python_name_exists(dotted: str) -> bool:
    """True when `dotted` is a module, or a module followed by attributes of it."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def scoring_rows(document: Path) -> dict[str, int]:
    rows = re.findall(r"^\| `([a-z_]+)` \| (\d+) \|", document.read_text(), flags=re.MULTILINE)
    return {category: int(points) for category, points in rows}


def test_the_scoring_tables_match_the_code():
    for document in (README, PROJECT_ROOT / "docs" / "definitions-and-scoring.md"):
        text = " ".join(document.read_text().split())
        assert scoring_rows(document) == POINTS, document.name
        assert f"a file passes at {PASS_SCORE} or more" in text, document.name


def test_the_readme_keeps_the_two_commands_ci_runs_one_of():
    blocks = FENCE.findall(README.read_text())
    commands = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    assert "make demo" in commands
    assert "make test" in commands
    ci = (PROJECT_ROOT / ".ci" / "run").read_text().splitlines()
    assert ci[-1] == "make test"
