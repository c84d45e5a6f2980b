"""A staff directory as CSV: the layout a municipality's HR export can produce.

Reading turns the rows into the same import document as the JSON (``ImportDocument``), so
there is one validation and one all-or-nothing write path (``api/services/imports.py``);
every problem found on the way, by the CSV reader, the document model or the checks against
the database, is named by spreadsheet row (the header is row 1) and column. Writing
(``wegwijs export --format csv``) produces the same layout, which this module reads back.

One row per civil servant, with the columns of their unit on the same row (each unit's
columns may be repeated on all its rows or given once: rows of one unit must not
contradict each other). ``externalId`` and ``unitExternalId`` carry the HR system's numbers,
by which a directory sync (``wegwijs import FILE --sync``) finds people and units. A row
with every contact column empty describes a unit only: a cluster without staff of its own,
say. Municipalities and areas are not in the CSV: they must be in the database already (a
JSON import, the API or ``wegwijs demo load``).
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from matching import default_vocabulary
from schemas.base import InvalidParam

# CSV column -> import document field, in the order ``wegwijs export`` writes them.
UNIT_COLUMNS = {
    "municipalityCode": "municipalityCode",
    "unitKey": "key",
    "unitExternalId": "externalId",
    "unitName": "name",
    "unitKind": "kind",
    "parentUnitKey": "parentKey",
    "unitDescription": "description",
    "unitThemes": "themes",
    "unitAreaCodes": "areaCodes",
    "unitEmail": "email",
    "unitPhone": "phone",
    "unitUrl": "url",
}
CONTACT_COLUMNS = {
    "contactKey": "key",
    "externalId": "externalId",
    "name": "name",
    "jobTitle": "jobTitle",
    "email": "email",
    "phone": "phone",
    "themes": "themes",
    "areaCodes": "areaCodes",
    "expertise": "expertise",
    "languages": "languages",
    "networks": "networks",
    "knows": "knows",
    "consentAt": "consentAt",
    "publicProfile": "publicProfile",
    "openToInitiatives": "openToInitiatives",
    "capacityPerMonth": "capacityPerMonth",
    "available": "available",
}
COLUMNS = (*UNIT_COLUMNS, *CONTACT_COLUMNS)
REQUIRED_COLUMNS = (
    "municipalityCode",
    "unitKey",
    "unitName",
    "unitKind",
    "name",
    "jobTitle",
    "email",
)
LIST_FIELDS = {"themes", "areaCodes", "languages", "knows"}
# A contact's row is the whole of them: where the header has one of these columns, an empty
# cell means "none" (a directory sync then clears what is stored). Other empty cells leave the
# default, or in a sync the stored value; a unit's columns may be left empty on all but one of
# its rows, so an empty unit cell never clears anything.
CLEARED_WHEN_EMPTY = {"phone": None, "themes": [], "areaCodes": []}
BOOLEAN_FIELDS = {"publicProfile", "openToInitiatives", "available"}
UNIT_FIELD_COLUMNS = {f: c for c, f in UNIT_COLUMNS.items()}
CONTACT_FIELD_COLUMNS = {f: c for c, f in CONTACT_COLUMNS.items()} | {"unitKey": "unitKey"}

ITEM_SEPARATOR = ";"
PART_SEPARATOR = "|"
DUTCH_BOOLEANS = {"ja": "true", "j": "true", "nee": "false", "n": "false"}
# 15-01-2026 or 15-01-2026 09:30: how Dutch spreadsheets write dates.
DUTCH_DATE = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
# A spreadsheet runs a cell starting with one of these as a formula: exports get a leading
# ' (as in the gaps CSV), which the reader removes again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_OTHER_CONTACT = re.compile(r"contacts\[(\d+)\]")
_PATH = re.compile(
    r"^(units|contacts)\[(\d+)\](?:\.([A-Za-z]+))?(?:\[(\d+)\])?(?:\.([A-Za-z]+))?(.*)$"
)


@dataclass(frozen=True)
class CsvProblem:
    """Something wrong (or worth knowing) about the file, where a person can find it."""

    row: int | None  # as a spreadsheet numbers it: the header is row 1; None: the file
    column: str | None
    reason: str
    value: str | None = None
    item: int | None = None  # 1-based position in a multi-valued cell

    def where(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        if self.item is not None:
            parts.append(f"item {self.item}")
        return ", ".join(parts) or "file"

    def message(self) -> str:
        if not self.value:
            return self.reason
        value = self.value if len(self.value) <= 60 else self.value[:57] + "…"
        return f"{self.reason} (got {value!r})"

    def __str__(self) -> str:
        return f"{self.where()}: {self.message()}"

    @property
    def sort_key(self) -> tuple[int, int, int]:
        column = COLUMNS.index(self.column) if self.column in COLUMNS else len(COLUMNS)
        return (self.row or 0, column, self.item or 0)


@dataclass
class CsvDirectory:
    """A CSV file read into an import document (wire form), with where each record came
    from, so the document's JSON paths can be named as rows and columns."""

    document: dict[str, list[dict[str, Any]]]
    problems: list[CsvProblem]
    warnings: list[CsvProblem]
    rows: int = 0
    columns: list[str] = field(default_factory=list)
    cells: dict[int, dict[str, str]] = field(default_factory=dict)  # row -> column -> cell
    contact_rows: list[int] = field(default_factory=list)  # contacts[i] -> row
    unit_rows: list[dict[str, int]] = field(default_factory=list)  # units[i] -> field -> row
    _first_rows: dict[object, int] | None = field(default=None, repr=False)

    def locate(self, param: InvalidParam, error_type: str | None = None) -> CsvProblem:
        """A problem named by JSON path (``contacts[3].email``) as a row and column."""
        match = _PATH.match(param.name)
        if match is None:
            return CsvProblem(None, None, f"{param.name}: {param.reason}")
        section, index, name, item, part, rest = match.groups()
        index = int(index)
        record = self.document[section][index]
        if section == "units":
            rows = self.unit_rows[index]
            row = rows.get(name or "", rows["key"])
            column = UNIT_FIELD_COLUMNS.get(name or "")
        else:
            row = self.contact_rows[index]
            column = CONTACT_FIELD_COLUMNS.get(name or "")
            if name == "key" and not self.cells[row].get("contactKey"):
                column = "email"  # the key is the email when the row gives no contactKey
        reason = _csv_reason(param.reason, error_type, section, name, record)
        # Another record named in the reason ("the same stored contact as contacts[3]"): by
        # its row, as a spreadsheet user knows it.
        reason = _OTHER_CONTACT.sub(lambda m: f"row {self.contact_rows[int(m[1])]}", reason)
        if part:
            reason = f"{part}: {reason}"
        if rest:
            reason = f"{rest.lstrip('.')}: {reason}"
        cell = self.cells.get(row, {}).get(column or "", "") if column else ""
        value = cell or None
        position = None
        if item is not None and column is not None:
            position = int(item) + 1
            items = split_items(cell)
            value = items[int(item)] if int(item) < len(items) else None
        if name == "key" and reason.startswith("Duplicate"):
            first = self._first_row(section, record.get("key"), row)
            if first is not None:
                reason = f"{reason.rstrip('.')} (first on row {first})."
        return CsvProblem(row, column, reason, value, position)

    def _first_row(self, section: str, key: object, row: int) -> int | None:
        if section == "units":
            return None  # a unit's rows are merged: a duplicate unit key cannot occur
        if self._first_rows is None:
            self._first_rows = {}
            for i, contact in enumerate(self.document["contacts"]):
                self._first_rows.setdefault(contact.get("key"), self.contact_rows[i])
        first = self._first_rows.get(key)
        return first if first != row else None


def _csv_reason(
    reason: str, error_type: str | None, section: str, name: str | None, record: dict
) -> str:
    if error_type in {"bool_parsing", "bool_type"}:
        return "Must be true or false (also ja/nee, yes/no, 1/0)."
    if error_type and error_type.startswith("datetime"):
        detail = reason.split(", ", 1)[1] if ", " in reason else reason
        return (
            "Must be a date such as 2026-01-15 or 15-01-2026, or an ISO 8601 time such as "
            f"2026-01-15T09:00:00Z ({detail.rstrip('.')})."
        )
    if error_type == "int_parsing":
        return "Must be a whole number."
    if error_type == "missing":
        if section == "units":
            return f"Required on at least one row of unit {record.get('key')}."
        if name == "key":
            return "Required: give a contactKey or an email."
    return reason


def split_escaped(text: str, separator: str) -> list[str]:
    """Split on ``separator`` except where a backslash escapes it; escapes stay in place."""
    if "\\" not in text:
        return text.split(separator)
    parts, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def escape(text: str) -> str:
    return re.sub(r"([\\;|])", r"\\\1", text)


def split_items(cell: str) -> list[str]:
    """The items of a multi-valued cell: ``a; b;`` is ``["a", "b"]``."""
    items = (unescape(part).strip() for part in split_escaped(cell, ITEM_SEPARATOR))
    return [item for item in items if item]


def join_items(items: Iterable[str]) -> str:
    return ITEM_SEPARATOR.join(escape(item) for item in items)


def _network(item: str) -> dict[str, str]:
    parts = [unescape(p).strip() for p in split_escaped(item, PART_SEPARATOR)]
    network = {"name": parts[0]} if parts[0] else {}
    if len(parts) > 1 and parts[1]:
        network["kind"] = parts[1]
    if len(parts) > 2:
        network["note"] = PART_SEPARATOR.join(parts[2:])
    return network


def _networks(cell: str) -> list[dict[str, str]]:
    return [_network(item) for item in split_escaped(cell, ITEM_SEPARATOR) if item.strip()]


def _timestamp(cell: str) -> str:
    found = DUTCH_DATE.match(cell)
    if found is None:
        return cell
    day, month, year, hour, minute, second = found.groups()
    text = f"{year}-{int(month):02d}-{int(day):02d}"
    if hour is not None:
        text += f"T{int(hour):02d}:{minute}:{second or '00'}"
    return text


def unquote_formula(cell: str) -> str:
    if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_START):
        return cell[1:]
    return cell


def quote_formula(cell: str) -> str:
    return "'" + cell if cell.lstrip("'").startswith(FORMULA_START) else cell


def theme_slugs() -> dict[str, str]:
    """Every way a theme may be written in a cell (slug, Dutch or English label, any case)
    → its slug."""
    names: dict[str, str] = {}
    for theme in default_vocabulary().themes.values():
        for name in (theme.slug, theme.label, theme.label_en):
            names[name.casefold()] = theme.slug
    return names


def detect_delimiter(header_line: str) -> str:
    """``,`` unless the header has more ``;`` (Dutch Excel) or tabs."""
    return max((",", ";", "\t"), key=header_line.count)


def read_staff_csv(text: str, *, on_row: Callable[[int], None] | None = None) -> CsvDirectory:
    """Read a staff directory CSV into an import document; nothing is checked against the
    database here. ``on_row`` is called with each data row's number (for progress)."""
    result = CsvDirectory(document={"units": [], "contacts": []}, problems=[], warnings=[])
    problems = result.problems
    header_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(header_line))
    columns = _read_header(reader, result)
    if columns is None:
        return result
    rows = _Rows(result, columns)
    width = len(columns)
    for row_number, cells in enumerate(reader, start=2):
        if on_row is not None:
            on_row(row_number)
        if not any(cell.strip() for cell in cells):
            continue  # blank lines and rows of empty cells (;;;;) that spreadsheets leave
        result.rows += 1
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            problems.append(
                CsvProblem(row_number, None, f"{len(cells)} cells, but the header has {width}.")
            )
            continue
        row = {
            name: unquote_formula(cell.strip())
            for name, cell in zip(columns, cells, strict=False)
            if cell.strip()
        }
        result.cells[row_number] = row
        unit_key = row.get("unitKey", "")
        if unit_key:
            rows.add_unit_cells(unit_key, row, row_number)
        if not any(column in row for column in CONTACT_COLUMNS):
            if not unit_key:
                problems.append(
                    CsvProblem(row_number, "unitKey", "A row without a contact needs a unitKey.")
                )
            continue
        rows.add_contact(unit_key, row, row_number)

    _resolve_knows(result)
    for theme, theme_rows in rows.unknown_themes.items():
        result.warnings.append(
            CsvProblem(
                theme_rows[0],
                None,
                f"Theme {theme!r} is not in the vocabulary (GET /api/v1/themes): stored as a "
                f"theme of the municipality's own{_also(theme_rows)}.",
            )
        )
    return result


def _read_header(reader: Iterator[list[str]], result: CsvDirectory) -> list[str] | None:
    """The columns of the header row, or None (with the problems noted) when it is unusable:
    missing, an unknown, unnamed or repeated column, a required one missing."""
    problems = result.problems
    try:
        header = next(reader)
    except StopIteration:
        problems.append(CsvProblem(None, None, "The file is empty: it needs a header row."))
        return None
    canonical = {name.casefold(): name for name in COLUMNS}
    columns: list[str] = []
    for raw in header:
        name = canonical.get(raw.strip().casefold())
        if name is None:
            problems.append(
                CsvProblem(1, raw.strip() or "(empty)", "Unknown column.", None)
                if raw.strip()
                else CsvProblem(1, None, "A column has no name.")
            )
        elif name in columns:
            problems.append(CsvProblem(1, name, "The column appears twice."))
        columns.append(name or "")
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems.append(CsvProblem(1, name, "Missing column."))
    result.columns = columns
    if problems:
        if any(p.reason == "Unknown column." for p in problems):
            problems.append(CsvProblem(1, None, f"The columns are: {', '.join(COLUMNS)}."))
        return None
    return columns


class _Rows:
    """The data rows read so far: each unit from the first row that names it (later rows must
    agree), each contact from its own row, and the themes not in the vocabulary."""

    def __init__(self, result: CsvDirectory, columns: list[str]) -> None:
        self.result = result
        self.columns = columns
        self.themes = theme_slugs()
        self.unknown_themes: dict[str, list[int]] = {}
        self.units: dict[str, dict[str, Any]] = {}  # unit key -> its record in the document
        self.unit_rows: dict[str, dict[str, int]] = {}  # unit key -> field -> its row
        self.unit_raw: dict[str, dict[str, str]] = {}  # unit key -> field -> its cell

    def theme_list(self, cells: list[str], row: int) -> list[str]:
        slugs = []
        for cell in cells:
            slug = self.themes.get(cell.casefold())
            if slug is None:
                self.unknown_themes.setdefault(cell, []).append(row)
            slugs.append(slug or cell)
        return slugs

    def value_of(self, field_name: str, cell: str, row: int) -> Any:
        if field_name == "themes":
            return self.theme_list(split_items(cell), row)
        if field_name in LIST_FIELDS:
            return split_items(cell)
        if field_name == "networks":
            return _networks(cell)
        if field_name in BOOLEAN_FIELDS:
            return DUTCH_BOOLEANS.get(cell.casefold(), cell)
        if field_name == "consentAt":
            return _timestamp(cell)
        if field_name == "municipalityCode":
            return cell.upper()
        return cell

    def add_unit_cells(self, unit_key: str, row: dict[str, str], row_number: int) -> None:
        unit = self.units.get(unit_key)
        if unit is None:
            unit = self.units[unit_key] = {"key": unit_key}
            self.unit_rows[unit_key] = {"key": row_number}
            self.unit_raw[unit_key] = {}
            self.result.document["units"].append(unit)
            self.result.unit_rows.append(self.unit_rows[unit_key])
        rows = self.unit_rows[unit_key]
        raw = self.unit_raw[unit_key]
        for column, field_name in UNIT_COLUMNS.items():
            cell = row.get(column)
            if field_name == "key" or not cell or raw.get(field_name) == cell:
                continue  # nothing new: the cell repeats what an earlier row gave
            value = self.value_of(field_name, cell, row_number)
            if field_name not in unit:
                unit[field_name] = value
                rows[field_name] = row_number
                raw[field_name] = cell
            elif _differs(unit[field_name], value):
                self.result.problems.append(
                    CsvProblem(
                        row_number,
                        column,
                        f"Differs from row {rows[field_name]} "
                        f"({raw[field_name]!r}): the rows of unit "
                        f"{unit_key} must agree.",
                        cell,
                    )
                )

    def add_contact(self, unit_key: str, row: dict[str, str], row_number: int) -> None:
        contact: dict[str, Any] = {}
        key = row.get("contactKey") or row.get("email")
        if key:
            contact["key"] = key
        if unit_key:
            contact["unitKey"] = unit_key
        for column, field_name in CONTACT_COLUMNS.items():
            if field_name != "key" and column in row:
                contact[field_name] = self.value_of(field_name, row[column], row_number)
            elif column in CLEARED_WHEN_EMPTY and column in self.columns:
                contact[field_name] = CLEARED_WHEN_EMPTY[column]
        self.result.document["contacts"].append(contact)
        self.result.contact_rows.append(row_number)


def _also(rows: Sequence[int]) -> str:
    if len(rows) == 1:
        return ""
    shown = ", ".join(str(r) for r in rows[1:6])
    more = f" and {len(rows) - 6} more" if len(rows) > 6 else ""
    return f"; also on rows {shown}{more}"


def _differs(first: Any, second: Any) -> bool:
    if isinstance(first, list) and isinstance(second, list):
        return sorted(map(str, first)) != sorted(map(str, second))
    return first != second


def _resolve_knows(result: CsvDirectory) -> None:
    """``knows`` items are contact keys or emails (any case); emails become keys. An item
    that is neither stays as it is, for the import's check to name."""
    contacts = result.document["contacts"]
    keys = {c["key"] for c in contacts if "key" in c}
    by_email: dict[str, list[int]] = {}
    for i, contact in enumerate(contacts):
        if contact.get("email"):
            by_email.setdefault(contact["email"].casefold(), []).append(i)
    for i, contact in enumerate(contacts):
        resolved = []
        for j, item in enumerate(contact.get("knows", [])):
            found = by_email.get(item.casefold(), []) if item not in keys else []
            if len(found) > 1:
                rows = ", ".join(str(result.contact_rows[k]) for k in found)
                result.problems.append(
                    CsvProblem(
                        result.contact_rows[i],
                        "knows",
                        f"The email is on several rows ({rows}); use their contactKey.",
                        item,
                        j + 1,
                    )
                )
            resolved.append(contacts[found[0]].get("key", item) if len(found) == 1 else item)
        if "knows" in contact:
            contact["knows"] = resolved


def write_staff_csv(document: dict[str, Any]) -> str:
    """An import document (wire form) as a staff directory CSV: a unit's contacts under it,
    with the unit's columns on each of their rows; a unit without contacts gets a row of its
    own. Municipalities' names and areas are not written: the CSV has no place for them."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    members: dict[str, list[dict[str, Any]]] = {}
    for contact in document.get("contacts", []):
        members.setdefault(contact["unitKey"], []).append(contact)
    for unit in document.get("units", []):
        unit_cells = [
            _cell(field_name, unit.get(field_name)) for field_name in UNIT_COLUMNS.values()
        ]
        for contact in members.get(unit["key"], []) or [None]:
            if contact is None:
                writer.writerow([*unit_cells, *([""] * len(CONTACT_COLUMNS))])
                continue
            writer.writerow(
                [
                    *unit_cells,
                    *(_cell(f, contact.get(f)) for f in CONTACT_COLUMNS.values()),
                ]
            )
    return out.getvalue()


def _cell(field_name: str, value: Any) -> str:
    if value is None:
        return ""
    if field_name == "networks":
        # Each part escaped once; join_items would escape the parts' escapes again.
        text = ITEM_SEPARATOR.join(
            PART_SEPARATOR.join(
                escape(part)
                for part in [n["name"], n["kind"], *([n["note"]] if n.get("note") else [])]
            )
            for n in value
        )
        return quote_formula(text)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return quote_formula(join_items(str(v) for v in value))
    return quote_formula(str(value))
