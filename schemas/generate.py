"""Write the published JSON Schema of the definition format from its models.

python -m schemas.generate          # rewrite schemas/definition.schema.json
python -m schemas.generate --check  # exit 1 when the committed file is out of date
"""

from __future__ import annotations

import argparse
import sys

from schemas.definition import SCHEMA_PATH, definition_json_schema
from schemas.publish import json_schema_text

REGENERATE = "python -m schemas.generate"


def generated_text() -> str:
    """Return the text `definition.schema.json` must have."""
    return json_schema_text(definition_json_schema())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=REGENERATE, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether it is current")
    check = parser.parse_args(argv).check
    text = generated_text()
    current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else None
    if check:
        if current != text:
            print(f"{SCHEMA_PATH.name} is out of date: run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        SCHEMA_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
