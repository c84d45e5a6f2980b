"""Load a whole directory in one transaction: check every record first, then bulk insert.

Municipalities and areas are upserted by code, so a directory can be imported again into an
existing municipality; units and contacts are always new and refer to each other by the
document's own keys. A contact may instead join a stored unit by its id (``unitId``), so a large
directory can be loaded in batches and new staff added to an existing organisation.
"""

from collections import defaultdict

from sqlalchemy import insert, update
from sqlmodel import Session, select

from api.deps import Principal
from api.errors import Forbidden, InvalidInput
from api.persistence import serialize_writers
from api.services.common import dedupe, touch_directory
from api.wording import quantity
from schemas import Area, Contact, ImportDocument, ImportResult, Municipality, Unit
from schemas.area import area_kind_for
from schemas.base import InvalidParam
from schemas.columns import utc_now
from schemas.imports import UnitImport

# Without it the ORM's bulk INSERT starts a new batch wherever a row's None values differ
# from the previous row's (a phone or not, consent or not), and splices every batch's
# RETURNING rows onto all before it: quadratic (20,000 contacts took 15 s to insert, now 3 s).
# No unit or contact column has a server default a NULL could skip.
RENDER_NULLS = {"render_nulls": True}


def directory_problems(document: ImportDocument, session: Session) -> list[InvalidParam]:
    """Every problem with a (well-formed) document against the database, named by JSON path;
    reads only. ``import_directory`` runs it first; ``wegwijs import --dry-run`` on its own."""
    problems: list[InvalidParam] = []

    def bad(name: str, reason: str) -> None:
        problems.append(InvalidParam(name=name, reason=reason))

    municipalities = {m.code for m in document.municipalities}
    seen: set[str] = set()
    for i, municipality in enumerate(document.municipalities):
        if municipality.code in seen:
            bad(f"municipalities[{i}].code", f"Duplicate municipality {municipality.code}.")
        seen.add(municipality.code)
    referenced = {a.municipality_code for a in document.areas} | {
        u.municipality_code for u in document.units
    }
    existing = set(
        session.exec(select(Municipality.code).where(Municipality.code.in_(referenced))).all()
    )
    municipalities |= existing
    # Contacts joining stored units (unitId) belong to those units' municipalities.
    stored_units = stored_unit_municipalities(session, document)

    # Areas: in the document or already stored, and never in another municipality.
    doc_areas = {a.code: a.municipality_code for a in document.areas}
    stored_areas = dict(
        session.exec(
            select(Area.code, Area.municipality_code).where(
                Area.municipality_code.in_(referenced | set(stored_units.values()))
            )
        ).all()
    )
    # An area code in the document may already belong to a municipality the document does not
    # mention; upserting it would silently move it (and everything that refers to it).
    doc_codes = sorted(doc_areas)
    for start in range(0, len(doc_codes), 1000):
        stored_areas.update(
            session.exec(
                select(Area.code, Area.municipality_code).where(
                    Area.code.in_(doc_codes[start : start + 1000])
                )
            ).all()
        )
    area_municipality = {**stored_areas, **doc_areas}
    seen = set()
    for i, area in enumerate(document.areas):
        if area.code in seen:
            bad(f"areas[{i}].code", f"Duplicate area {area.code}.")
        seen.add(area.code)
        if area.municipality_code not in municipalities:
            bad(f"areas[{i}].municipalityCode", f"Unknown municipality {area.municipality_code}.")
        if area.code in stored_areas and stored_areas[area.code] != area.municipality_code:
            bad(f"areas[{i}].code", f"Area {area.code} belongs to {stored_areas[area.code]}.")
        if area.parent_code is not None and (
            area_municipality.get(area.parent_code) != area.municipality_code
        ):
            bad(
                f"areas[{i}].parentCode",
                f"Unknown area {area.parent_code} in {area.municipality_code}.",
            )
    # Name every record on a loop, not just the document part.
    looped_areas = loop_members({a.code: a.parent_code for a in document.areas})
    for i, area in enumerate(document.areas):
        if area.code in looped_areas:
            bad(f"areas[{i}].parentCode", "The parentCode links form a loop.")

    def check_codes(path: str, codes: list[str], municipality_code: str) -> None:
        for j, code in enumerate(codes):
            if area_municipality.get(code) != municipality_code:
                bad(f"{path}[{j}]", f"Unknown area {code} in {municipality_code}.")

    unit_municipality: dict[str, str] = {}
    for i, unit in enumerate(document.units):
        if unit.key in unit_municipality:
            bad(f"units[{i}].key", f"Duplicate unit key {unit.key}.")
        unit_municipality[unit.key] = unit.municipality_code
        if unit.municipality_code not in municipalities:
            bad(f"units[{i}].municipalityCode", f"Unknown municipality {unit.municipality_code}.")
        check_codes(f"units[{i}].areaCodes", unit.area_codes, unit.municipality_code)
    for i, unit in enumerate(document.units):
        if unit.parent_key is not None and (
            unit.parent_key == unit.key
            or unit_municipality.get(unit.parent_key) != unit.municipality_code
        ):
            bad(
                f"units[{i}].parentKey",
                f"Unknown unit key {unit.parent_key} in {unit.municipality_code}.",
            )
    looped_units = loop_members({u.key: u.parent_key for u in document.units})
    for i, unit in enumerate(document.units):
        # A unit that is its own parent was named as an unknown parent above.
        if unit.key in looped_units and unit.parent_key != unit.key:
            bad(f"units[{i}].parentKey", "The parentKey links form a loop.")

    contact_municipality: dict[str, str] = {}
    seen = set()
    for i, contact in enumerate(document.contacts):
        if contact.key in seen:
            bad(f"contacts[{i}].key", f"Duplicate contact key {contact.key}.")
        seen.add(contact.key)
        if contact.unit_id is not None:
            municipality_code = stored_units.get(contact.unit_id)
            if municipality_code is None:
                bad(f"contacts[{i}].unitId", f"Unknown unit {contact.unit_id}.")
                continue
        else:
            municipality_code = unit_municipality.get(contact.unit_key or "")
            if municipality_code is None:
                bad(f"contacts[{i}].unitKey", f"Unknown unit key {contact.unit_key}.")
                continue
        contact_municipality[contact.key] = municipality_code
        check_codes(f"contacts[{i}].areaCodes", contact.area_codes, municipality_code)
    for i, contact in enumerate(document.contacts):
        own = contact_municipality.get(contact.key)
        for j, other in enumerate(contact.knows):
            if other == contact.key:
                bad(f"contacts[{i}].knows[{j}]", "A contact cannot list themself.")
            elif own is not None and contact_municipality.get(other) != own:
                bad(f"contacts[{i}].knows[{j}]", f"Unknown contact key {other} in {own}.")
    return problems


def confine_import(*, session: Session, document: ImportDocument, principal: Principal) -> None:
    """403 unless the caller acts for every municipality the document touches: its own
    municipalities, areas and units, and the stored units its contacts join by ``unitId``."""
    if principal.municipality_codes is None:
        return
    touched = (
        {m.code for m in document.municipalities}
        | {a.municipality_code for a in document.areas}
        | {u.municipality_code for u in document.units}
        | set(stored_unit_municipalities(session, document).values())
    )
    elsewhere = sorted(code for code in touched if not principal.acts_for(code))
    if elsewhere:
        raise Forbidden(f"This key does not act for municipality {', '.join(elsewhere)}.")


def stored_unit_municipalities(session: Session, document: ImportDocument) -> dict[int, str]:
    """The stored units the document's contacts name by ``unitId``, with their municipality."""
    ids = sorted({c.unit_id for c in document.contacts if c.unit_id is not None})
    found: dict[int, str] = {}
    for start in range(0, len(ids), 1000):
        found.update(
            session.exec(
                select(Unit.id, Unit.municipality_code).where(
                    Unit.id.in_(ids[start : start + 1000])
                )
            ).all()
        )
    return found


def loop_members(parent_of: dict[str, str | None]) -> set[str]:
    """The nodes whose parent links lead back to themselves."""
    looped: set[str] = set()
    done: set[str] = set()
    for key in parent_of:
        path: dict[str, int] = {}
        node: str | None = key
        while node is not None and node in parent_of and node not in done and node not in path:
            path[node] = len(path)
            node = parent_of[node]
        if node is not None and node in path:
            looped.update(list(path)[path[node] :])
        done.update(path)
    return looped


def tree_depths(parent_of: dict[str, str | None]) -> dict[str, int] | None:
    """Depth of every node below its root (parents outside the mapping count as roots),
    or None when the parent links form a loop."""
    depths: dict[str, int] = {}
    for key in parent_of:
        chain: list[str] = []
        node: str | None = key
        while node is not None and node in parent_of and node not in depths:
            if node in chain:
                return None
            chain.append(node)
            node = parent_of[node]
        base = depths[node] + 1 if node in depths else 0
        for offset, member in enumerate(reversed(chain)):
            depths[member] = base + offset
    return depths


def import_directory(*, session: Session, document: ImportDocument) -> ImportResult:
    # One import at a time: two overlapping directories would otherwise both insert the same
    # new municipality or area (one failing half-way) or check against each other's stale state.
    serialize_writers(session, "directory-import")
    problems = directory_problems(document, session)
    if problems:
        raise InvalidInput(
            problems, detail=f"{quantity(len(problems), 'problem')}; nothing was stored."
        )

    for municipality in document.municipalities:
        stored = session.get(Municipality, municipality.code)
        if stored is None:
            session.add(Municipality(code=municipality.code, name=municipality.name))
        else:  # keep its directory_version: it must only ever go up
            stored.name = municipality.name
    session.flush()
    # Parents before children, so each foreign key points at a row that exists.
    area_depths = tree_depths({a.code: a.parent_code for a in document.areas}) or {}
    for area in sorted(document.areas, key=lambda a: area_depths[a.code]):
        row = Area.model_validate(area.model_dump())
        # A former kind ("neighbourhood") becomes a level by its parent's, which is stored
        # already: the document's own parents come first.
        parent = session.get(Area, area.parent_code) if area.parent_code else None
        row.kind = area_kind_for(area.kind, parent.kind if parent is not None else None)
        session.merge(row)
    session.flush()

    unit_depths = tree_depths({u.key: u.parent_key for u in document.units}) or {}
    levels: dict[int, list[UnitImport]] = defaultdict(list)
    for unit in document.units:
        levels[unit_depths[unit.key]].append(unit)
    unit_ids: dict[str, int] = {}
    for depth in sorted(levels):
        rows = [
            {
                **unit.model_dump(exclude={"key", "parent_key"}),
                "themes": dedupe(unit.themes),
                "area_codes": dedupe(unit.area_codes),
                "parent_id": unit_ids[unit.parent_key] if unit.parent_key else None,
            }
            for unit in levels[depth]
        ]
        ids = session.scalars(
            insert(Unit).returning(Unit.id, sort_by_parameter_order=True),
            rows,
            execution_options=RENDER_NULLS,
        )
        unit_ids.update(zip((u.key for u in levels[depth]), ids, strict=True))

    # Contacts go in without their colleagues first: ``knows`` needs every contact's id.
    now = utc_now()
    unit_municipality = {u.key: u.municipality_code for u in document.units}
    stored_units = stored_unit_municipalities(session, document)
    contact_rows = [
        {
            **contact.model_dump(exclude={"key", "unit_key", "unit_id", "knows"}),
            "themes": dedupe(contact.themes),
            "area_codes": dedupe(contact.area_codes),
            "languages": dedupe(contact.languages),
            **(
                {"unit_id": contact.unit_id, "municipality_code": stored_units[contact.unit_id]}
                if contact.unit_id is not None
                else {
                    "unit_id": unit_ids[contact.unit_key],
                    "municipality_code": unit_municipality[contact.unit_key],
                }
            ),
            "knows": [],
            "created_at": now,
            "updated_at": now,
        }
        for contact in document.contacts
    ]
    contact_ids: dict[str, int] = {}
    if contact_rows:
        ids = session.scalars(
            insert(Contact).returning(Contact.id, sort_by_parameter_order=True),
            contact_rows,
            execution_options=RENDER_NULLS,
        )
        contact_ids = dict(zip((c.key for c in document.contacts), ids, strict=True))
    knows_rows = [
        {"id": contact_ids[c.key], "knows": dedupe(contact_ids[k] for k in c.knows)}
        for c in document.contacts
        if c.knows
    ]
    if knows_rows:
        session.execute(update(Contact), knows_rows)
    # What the matcher must learn: new contacts, by municipality (a process applies them to
    # the index it holds, or builds anew when they are many); changed areas need a new build.
    new_contacts: dict[str, list[int]] = defaultdict(list)
    for row, contact_id in zip(contact_rows, contact_ids.values(), strict=True):
        new_contacts[row["municipality_code"]].append(contact_id)
    rebuild = {m.code for m in document.municipalities} | {
        a.municipality_code for a in document.areas
    }
    touched = rebuild | set(unit_municipality.values()) | set(new_contacts)
    for code in sorted(touched):
        touch_directory(session, code, None if code in rebuild else new_contacts[code])
    session.commit()
    return ImportResult(
        municipalities=len(document.municipalities),
        areas=len(document.areas),
        units=unit_ids,
        contacts=contact_ids,
    )
