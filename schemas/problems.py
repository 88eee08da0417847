"""Word a refused definition as one line naming the column (or key) and the problem.

Pydantic validates a definition and collects every error it finds; an admin is told one, the one
the format checks first: the top-level keys, then each column in order (its name, its keys, type,
min, max, required, unique, allowed, pattern), then the reading options. A line reads
`<where>: <problem>`, where `<where>` is `definition`, `column 'name'` or `column #position` (for
a column without a usable name).

Two sources of wording, so that pydantic's own error texts never reach an admin:

- `Problem`, declared beside a field (in `Annotated`), words what pydantic's own check of that
  field refuses: its type, size or length. Its templates are whole lines and may use `{where}`,
  `{input!r}` (the refused value) and `{given}` (the object holding the key, as written).
- `refusal(...)`, raised by a validator, carries its own text; without text, the field's
  `Problem` words it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

REFUSAL = "definition_refusal"
UNKNOWN_KEY_ERRORS = frozenset({"unexpected_keyword_argument", "invalid_key"})
# The order the format checks keys in, per level; unknown keys have their own place in it, and a
# key left out of these is checked last at its level.
UNKNOWN_KEY = "<unknown key>"
TREND_KEY = "trend"
TOP_LEVEL_ORDER = (
    UNKNOWN_KEY,
    "columns",
    "strict",
    "delimiter",
    "encoding",
    "sheet",
    "null_values",
    "primary_key",
    TREND_KEY,
)
COLUMN_ORDER = (
    "name",
    UNKNOWN_KEY,
    "type",
    "min",
    "max",
    "required",
    "unique",
    "allowed",
    "pattern",
)


@dataclass(frozen=True)
class Problem:
    """How a field words what pydantic's own check refuses: the field, or one of its items."""

    text: str
    item: str | None = None


def refusal(text: str | None = None, *, where: str | None = None) -> PydanticCustomError:
    """Return the error a validator raises; without text, the field's `Problem` words it."""
    return PydanticCustomError(REFUSAL, "{text}", {"text": text or "", "where": where or ""})


def describe(error: ValidationError, raw: Any, problems: Mapping[str, Problem]) -> str:
    """Return the one line that tells an admin what to fix first in the definition `raw`."""
    first = min(error.errors(include_url=False), key=_check_order)
    return _line(first, raw, problems)


def _check_order(error: ErrorDetails) -> tuple[Any, ...]:
    """Sort key: the order the format checks in; a list's own problem after its items'."""
    loc = error["loc"]
    key: list[tuple[Any, ...]] = []
    for depth, part in enumerate(loc):
        order = COLUMN_ORDER if _in_column(loc[:depth]) else TOP_LEVEL_ORDER
        if depth == len(loc) - 1 and error["type"] in UNKNOWN_KEY_ERRORS:
            key.append((0, order.index(UNKNOWN_KEY), str(part)))
        elif isinstance(part, int):
            key.append((0, part, ""))
        else:
            key.append((0, order.index(part) if part in order else len(order), ""))
    # A list is checked as a whole (type, emptiness) only after its items: pydantic also reports
    # "too short" when every item failed, which would hide the item's own problem.
    key.append((1,))
    return tuple(key)


def _in_column(path: tuple[Any, ...]) -> bool:
    return len(path) == 2 and path[0] == "columns"


def _line(error: ErrorDetails, raw: Any, problems: Mapping[str, Problem]) -> str:
    loc = error["loc"]
    context = error.get("ctx") or {}
    where = context.get("where") or _where(loc, raw)
    if error["type"] in UNKNOWN_KEY_ERRORS:
        return f"{where}: unknown key {str(loc[-1])!r}"
    if error["type"] == REFUSAL and context.get("text"):
        return f"{where}: {context['text']}"
    field, is_item = _field(loc)
    problem = problems.get(field) if field is not None else None
    if problem is None:
        return f"{where}: {field or 'definition'} is invalid ({error['msg']})"
    template = problem.item if is_item and problem.item else problem.text
    return template.format(where=where, input=error["input"], given=_holder(loc, raw))


def _where(loc: tuple[Any, ...], raw: Any) -> str:
    if len(loc) >= 2 and loc[0] == TREND_KEY:
        # Trend objects nest: name the object holding the key, e.g. `trend.row_count`.
        return ".".join(str(part) for part in loc[:-1])
    if len(loc) < 2 or loc[0] != "columns":
        return "definition"
    name = _get(_get(raw, "columns"), loc[1], "name")
    if isinstance(name, str) and name.strip():
        return f"column {name!r}"
    return f"column #{loc[1] + 1}"


def _field(loc: tuple[Any, ...]) -> tuple[str | None, bool]:
    """Return the innermost field named in `loc` and whether the error is about one of its items."""
    for depth in range(len(loc) - 1, -1, -1):
        if isinstance(loc[depth], str):
            return loc[depth], depth < len(loc) - 1
    return None, False


def _holder(loc: tuple[Any, ...], raw: Any) -> Any:
    """The object, as written, that holds the key the error is about."""
    return _get(raw, *loc[:-1])


def _get(value: Any, *path: Any) -> Any:
    for part in path:
        if isinstance(part, str) and isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(part, int) and _is_list(value) and 0 <= part < len(value):
            value = value[part]
        else:
            return None
    return value


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))
