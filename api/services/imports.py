"""Load a whole directory in one transaction: check every record first, then write in bulk.

Municipalities and areas are upserted by code, so a directory can be imported again into an
existing municipality. In ``add`` mode units and contacts are always new and refer to each
other by the document's own keys; a contact may instead join a stored unit by its id
(``unitId``), so a large directory can be loaded in batches and new staff added to an
existing organisation.

**Sync** (``mode: sync``): the document is the whole staff directory of every municipality
it holds units of (an HR or Active Directory export, every night), and the stored directory
follows it:

- A record is the stored one with the same ``externalId`` in its municipality; failing that,
  a contact is the stored one with the same email (any case) and a unit the stored one with
  the same name, when exactly one such record has no ``externalId`` yet (or, for a record
  without one, exactly one such record at all); it then takes the document's ``externalId``.
  Otherwise it is new. Two records may not claim one stored record, nor may a record fit
  several: both are named problems, and nothing is stored.
- Found records get the fields the feed owns (``FEED_CONTACT_FIELDS``, ``FEED_UNIT_FIELDS``)
  where the document gives them; the fields a civil servant keeps up themself
  (``OWN_CONTACT_FIELDS``: openness, capacity, expertise, consent, public profile, languages,
  networks, the colleagues they know, availability) are set only when the feed creates them.
- Stored contacts of those municipalities missing from the document are **withdrawn**: made
  unavailable and unlisted (``withdrawnAt``; staff and themself still see them), never
  deleted, so their introductions, history and track record stay. Stored units missing from
  it with nobody left in them (no listed contact, no unit that stays) are withdrawn likewise.
  A withdrawn record that comes back in a later feed is restored.
- Nothing that is the same is written: a second import of the same document changes no row,
  no ``updatedAt``, no ``directory_version`` and no index. The index learns just the contacts
  that changed (``directory_change`` rows), not a new build.

``dryRun`` runs every check and the whole comparison, and writes nothing.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic.alias_generators import to_camel
from sqlalchemy import insert, update
from sqlmodel import Session, select

from api.core.exceptions import Conflict, Forbidden, InvalidInput
from api.core.identity import Principal
from api.core.persistence import serialize_writers
from api.core.wording import quantity
from api.services import audit
from api.services.common import dedupe, touch_directory
from schemas import (
    Area,
    AuditAction,
    AuditObjectType,
    ChangeCounts,
    Contact,
    ImportChanges,
    ImportDocument,
    ImportedRecord,
    ImportMode,
    ImportResult,
    Municipality,
    RecordChanges,
    Unit,
)
from schemas.area import area_kind_for
from schemas.base import InvalidParam
from schemas.columns import utc_now
from schemas.imports import ContactImport, UnitImport

# Who keeps which field of a contact (docs/cli.md, "Directory sync"). The feed (HR) owns where
# someone works and how to reach them; the civil servant owns what they offer.
FEED_CONTACT_FIELDS = (
    "external_id",
    "name",
    "job_title",
    "email",
    "phone",
    "themes",
    "area_codes",
)
OWN_CONTACT_FIELDS = (
    "expertise",
    "languages",
    "networks",
    "knows",
    "open_to_initiatives",
    "capacity_per_month",
    "available",
    "consent_at",
    "public_profile",
)
# A unit is the organisation's: the feed owns all of it (its parent too).
FEED_UNIT_FIELDS = (
    "external_id",
    "name",
    "kind",
    "description",
    "themes",
    "area_codes",
    "email",
    "phone",
    "url",
)
LIST_FIELDS = frozenset({"themes", "area_codes", "languages"})
# A sync withdrawing at most this many people of a municipality is never a mass withdrawal.
MASS_WITHDRAWAL_MINIMUM = 10

# Without it the ORM's bulk INSERT starts a new batch wherever a row's None values differ
# from the previous row's (a phone or not, consent or not), and splices every batch's
# RETURNING rows onto all before it: quadratic (20,000 contacts took 15 s to insert, now 3 s).
# No unit or contact column has a server default a NULL could skip.
RENDER_NULLS = {"render_nulls": True}


def directory_problems(
    document: ImportDocument, session: Session, *, mode: ImportMode = ImportMode.add
) -> list[InvalidParam]:
    """Every problem with a (well-formed) document against the database, named by JSON path;
    reads only. ``import_directory`` runs it first; ``wegwijs import --dry-run`` on its own.
    (A sync's own problems, records that fit several stored ones, are found by its plan.)"""
    problems: list[InvalidParam] = []
    municipalities = {m.code for m in document.municipalities}
    seen: set[str] = set()
    for i, municipality in enumerate(document.municipalities):
        if municipality.code in seen:
            problems.append(
                InvalidParam(
                    name=f"municipalities[{i}].code",
                    reason=f"Duplicate municipality {municipality.code}.",
                )
            )
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
    area_municipality = _area_problems(
        document, session, problems, municipalities, referenced | set(stored_units.values())
    )
    unit_municipality = _unit_problems(document, problems, municipalities, area_municipality)
    contact_municipality = _contact_problems(
        document, problems, stored_units, unit_municipality, area_municipality
    )
    # In a sync ``knows`` counts only for the people it creates: checked by its plan.
    if mode is ImportMode.add:
        problems += knows_problems(document, contact_municipality)
    problems += _external_id_problems(
        session,
        "units",
        Unit,
        [(u.external_id, unit_municipality.get(u.key)) for u in document.units],
        mode=mode,
    )
    problems += _external_id_problems(
        session,
        "contacts",
        Contact,
        [(c.external_id, contact_municipality.get(c.key)) for c in document.contacts],
        mode=mode,
    )
    return problems


def _area_problems(
    document: ImportDocument,
    session: Session,
    problems: list[InvalidParam],
    municipalities: set[str],
    concerned: set[str],
) -> dict[str, str]:
    """Areas: in the document or already stored, and never in another municipality. Adds
    the document's area problems; returns every known area's municipality (the document's
    over the stored, of the ``concerned`` municipalities and of the document's codes)."""

    def bad(name: str, reason: str) -> None:
        problems.append(InvalidParam(name=name, reason=reason))

    doc_areas = {a.code: a.municipality_code for a in document.areas}
    stored_areas = dict(
        session.exec(
            select(Area.code, Area.municipality_code).where(Area.municipality_code.in_(concerned))
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
    seen: set[str] = set()
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
    return area_municipality


def _area_code_problems(
    path: str, codes: list[str], municipality_code: str, area_municipality: dict[str, str]
) -> list[InvalidParam]:
    """A unit's or contact's area codes name areas of its own municipality."""
    return [
        InvalidParam(name=f"{path}[{j}]", reason=f"Unknown area {code} in {municipality_code}.")
        for j, code in enumerate(codes)
        if area_municipality.get(code) != municipality_code
    ]


def _unit_problems(
    document: ImportDocument,
    problems: list[InvalidParam],
    municipalities: set[str],
    area_municipality: dict[str, str],
) -> dict[str, str]:
    """Adds the document's unit problems; returns each unit key's municipality."""

    def bad(name: str, reason: str) -> None:
        problems.append(InvalidParam(name=name, reason=reason))

    unit_municipality: dict[str, str] = {}
    for i, unit in enumerate(document.units):
        if unit.key in unit_municipality:
            bad(f"units[{i}].key", f"Duplicate unit key {unit.key}.")
        unit_municipality[unit.key] = unit.municipality_code
        if unit.municipality_code not in municipalities:
            bad(f"units[{i}].municipalityCode", f"Unknown municipality {unit.municipality_code}.")
        problems += _area_code_problems(
            f"units[{i}].areaCodes", unit.area_codes, unit.municipality_code, area_municipality
        )
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
    return unit_municipality


def _contact_problems(
    document: ImportDocument,
    problems: list[InvalidParam],
    stored_units: dict[int, str],
    unit_municipality: dict[str, str],
    area_municipality: dict[str, str],
) -> dict[str, str]:
    """Adds the document's contact problems (but ``knows``); returns each contact key's
    municipality, for the contacts whose unit is known."""

    def bad(name: str, reason: str) -> None:
        problems.append(InvalidParam(name=name, reason=reason))

    contact_municipality: dict[str, str] = {}
    seen: set[str] = set()
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
        problems += _area_code_problems(
            f"contacts[{i}].areaCodes", contact.area_codes, municipality_code, area_municipality
        )
    return contact_municipality


def knows_problems(
    document: ImportDocument,
    contact_municipality: dict[str, str],
    only: Iterable[int] | None = None,
) -> list[InvalidParam]:
    """``knows`` names other contacts of the document in the same municipality (of the
    contacts at positions ``only``, or all)."""
    problems = []
    for i in range(len(document.contacts)) if only is None else only:
        contact = document.contacts[i]
        own = contact_municipality.get(contact.key)
        for j, other in enumerate(contact.knows):
            if other == contact.key:
                reason = "A contact cannot list themself."
            elif own is not None and contact_municipality.get(other) != own:
                reason = f"Unknown contact key {other} in {own}."
            else:
                continue
            problems.append(InvalidParam(name=f"contacts[{i}].knows[{j}]", reason=reason))
    return problems


def _external_id_problems(
    session: Session,
    section: str,
    table: Any,
    records: list[tuple[str | None, str | None]],
    *,
    mode: ImportMode,
) -> list[InvalidParam]:
    """An externalId is unique within its municipality: twice in the document is a problem;
    in ``add`` mode so is one a stored record has (a sync finds that record instead)."""
    problems: list[InvalidParam] = []
    first: dict[tuple[str, str], int] = {}
    for i, (external_id, municipality_code) in enumerate(records):
        if external_id is None or municipality_code is None:
            continue
        if (municipality_code, external_id) in first:
            problems.append(
                InvalidParam(
                    name=f"{section}[{i}].externalId",
                    reason=f"Duplicate externalId {external_id} in {municipality_code} (also "
                    f"{section}[{first[municipality_code, external_id]}]).",
                )
            )
        else:
            first[municipality_code, external_id] = i
    if mode is ImportMode.sync or not first:
        return problems
    stored: dict[tuple[str, str], int] = {}
    wanted = sorted({external_id for _, external_id in first})
    for start in range(0, len(wanted), 1000):
        for row in session.execute(
            select(table.id, table.municipality_code, table.external_id).where(
                table.external_id.in_(wanted[start : start + 1000])
            )
        ):
            stored[row.municipality_code, row.external_id] = row.id
    noun = section.removesuffix("s")
    for (municipality_code, external_id), i in sorted(first.items(), key=lambda item: item[1]):
        if (municipality_code, external_id) in stored:
            problems.append(
                InvalidParam(
                    name=f"{section}[{i}].externalId",
                    reason=f"Stored {noun} {stored[municipality_code, external_id]} of "
                    f"{municipality_code} has externalId {external_id}; import with mode "
                    "sync to update it.",
                )
            )
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


def wire_name(column: str) -> str:
    return to_camel(column)


@dataclass
class _Change:
    """One unit or contact of the document (or, withdrawn, of the database) and what taking
    the document in does to it."""

    key: str | None
    id: int | None  # the stored record's; None until a new one is written
    external_id: str | None
    municipality_code: str
    values: dict[str, Any] = field(default_factory=dict)  # column -> new value

    def record(self) -> ImportedRecord:
        return ImportedRecord(
            key=self.key,
            id=self.id,
            external_id=self.values.get("external_id", self.external_id),
            fields=sorted(wire_name(column) for column in self.values),
        )


@dataclass
class _Plan:
    """What taking a document in does, computed before anything is written (a dry run stops
    here). Units' and contacts' ``created`` hold the document's records to insert."""

    created_units: list[int] = field(default_factory=list)  # indexes into document.units
    unit_ids: dict[str, int | None] = field(default_factory=dict)  # key -> stored id
    unit_changes: list[_Change] = field(default_factory=list)
    unit_parents: dict[int, str | None] = field(default_factory=dict)  # stored id -> parent key
    unchanged_units: list[_Change] = field(default_factory=list)
    withdrawn_units: list[_Change] = field(default_factory=list)
    restored_units: list[_Change] = field(default_factory=list)  # kept for a unitId contact
    created_contacts: list[int] = field(default_factory=list)  # indexes into document.contacts
    contact_ids: dict[str, int | None] = field(default_factory=dict)
    contact_changes: list[_Change] = field(default_factory=list)
    unchanged_contacts: list[_Change] = field(default_factory=list)
    withdrawn_contacts: list[_Change] = field(default_factory=list)
    # Stored contacts whose unit changes (its profile reaches the matcher): re-read too.
    unit_members: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    problems: list[InvalidParam] = field(default_factory=list)
    # Listed (not withdrawn) people per municipality before the sync.
    listed: dict[str, int] = field(default_factory=dict)


def import_directory(
    *,
    session: Session,
    document: ImportDocument,
    mode: ImportMode = ImportMode.add,
    dry_run: bool = False,
    principal: Principal | None = None,
    on_contact: Callable[[int], None] | None = None,
    max_withdrawn_share: float | None = None,
) -> ImportResult:
    """Take the document in (see the module docstring), all or nothing; with ``dry_run``
    only say what would change. ``on_contact`` is called with each contact's position as the
    comparison passes it (a progress bar); ``principal`` is the audit log's actor (None: the
    command line). A sync that would withdraw more than ``max_withdrawn_share`` of a
    municipality's listed people (and more than ``MASS_WITHDRAWAL_MINIMUM``) is refused with
    a 409, as a likely truncated export; None: no such check. A dry run reports it anyway."""
    if not dry_run:
        # One import at a time: two overlapping directories would otherwise both insert the
        # same new municipality or area (one failing half-way) or check against each other's
        # stale state.
        serialize_writers(session, "directory-import")
    problems = directory_problems(document, session, mode=mode)
    plan = _Plan()
    if not problems:
        if mode is ImportMode.sync:
            plan = _plan_sync(session, document, on_contact)
        else:
            plan = _plan_add(document, on_contact)
        problems = plan.problems
    if problems:
        raise InvalidInput(
            problems, detail=f"{quantity(len(problems), 'problem')}; nothing was stored."
        )
    if dry_run:
        session.rollback()  # nothing was written; end the reading transaction
        return _result(document, plan, mode=mode, dry_run=True)
    if max_withdrawn_share is not None:
        _refuse_mass_withdrawal(plan, max_withdrawn_share)
    _write(session, document, plan, principal)
    session.commit()
    return _result(document, plan, mode=mode, dry_run=False)


def _refuse_mass_withdrawal(plan: _Plan, share: float) -> None:
    withdrawn: Counter[str] = Counter(c.municipality_code for c in plan.withdrawn_contacts)
    for code, count in sorted(withdrawn.items()):
        listed = plan.listed.get(code, 0)
        if count > MASS_WITHDRAWAL_MINIMUM and count > share * listed:
            raise Conflict(
                f"The document would withdraw {count} of the {listed} people of {code} "
                f"({count / listed:.0%}); more than {share:.0%} at once looks like an incomplete "
                "export, so nothing was stored. Check it with a dry run, and send "
                "allowMassWithdrawal: true (wegwijs import --allow-mass-withdrawal) to take it in."
            )


def _plan_add(document: ImportDocument, on_contact: Callable[[int], None] | None) -> _Plan:
    plan = _Plan()
    plan.created_units = list(range(len(document.units)))
    plan.unit_ids = {unit.key: None for unit in document.units}
    plan.created_contacts = list(range(len(document.contacts)))
    plan.contact_ids = {contact.key: None for contact in document.contacts}
    if on_contact is not None:
        for i in range(len(document.contacts)):
            on_contact(i + 1)
    return plan


def _scope(session: Session, document: ImportDocument) -> set[str]:
    """The municipalities a sync document is the whole directory of: those it holds units
    of, and those of the stored units its contacts join by ``unitId``."""
    return {u.municipality_code for u in document.units} | set(
        stored_unit_municipalities(session, document).values()
    )


def _match(
    section: str,
    noun: str,
    records: Sequence[tuple[str | None, str | None, str]],
    stored: Iterable[Any],
    *,
    natural_of: Callable[[Any], str],
    natural_field: str,
    natural_name: str,
    problems: list[InvalidParam],
) -> list[int | None]:
    """The stored id each document record is (None: new), by externalId, else by its natural
    key (a contact's email, a unit's name; see the module docstring). ``records``: (external
    id, natural key, municipality) per record; ``stored``: rows with id, municipality_code,
    external_id and what ``natural_of`` reads."""
    by_external: dict[tuple[str, str], int] = {}
    by_natural: dict[tuple[str, str], list[int]] = defaultdict(list)
    free: dict[tuple[str, str], list[int]] = defaultdict(list)  # the same, without externalId
    for row in stored:
        natural = (row.municipality_code, natural_of(row))
        by_natural[natural].append(row.id)
        if row.external_id is None:
            free[natural].append(row.id)
        else:
            by_external[row.municipality_code, row.external_id] = row.id
    claimed: dict[int, int] = {}
    found: list[int | None] = []
    for i, (external_id, natural_key, municipality_code) in enumerate(records):
        natural = (municipality_code, natural_key) if natural_key is not None else None
        if external_id is not None and (municipality_code, external_id) in by_external:
            candidates = [by_external[municipality_code, external_id]]
        elif natural is None:
            candidates = []
        elif external_id is not None:
            candidates = free.get(natural, [])
        else:
            candidates = by_natural.get(natural, [])
        if len(candidates) > 1:
            ids = ", ".join(str(c) for c in candidates[:5])
            problems.append(
                InvalidParam(
                    name=f"{section}[{i}].{natural_field}",
                    reason=f"Fits {len(candidates)} stored {noun}s of {municipality_code} with "
                    f"this {natural_name} ({ids}); give them an externalId first, or give "
                    "this record theirs.",
                )
            )
            found.append(None)
            continue
        if candidates and candidates[0] in claimed:
            problems.append(
                InvalidParam(
                    name=f"{section}[{i}]",
                    reason=f"Is the same stored {noun} ({candidates[0]}) as "
                    f"{section}[{claimed[candidates[0]]}].",
                )
            )
            found.append(None)
            continue
        if candidates:
            claimed[candidates[0]] = i
        found.append(candidates[0] if candidates else None)
    return found


def _normalised(column: str, value: Any) -> Any:
    return dedupe(value) if column in LIST_FIELDS else value


def _plan_sync(
    session: Session, document: ImportDocument, on_contact: Callable[[int], None] | None
) -> _Plan:
    plan = _Plan()
    problems = plan.problems
    scope = sorted(_scope(session, document))
    unit_columns = (
        Unit.id,
        Unit.municipality_code,
        Unit.parent_id,
        Unit.withdrawn_at,
        *(getattr(Unit, column) for column in FEED_UNIT_FIELDS),
    )
    stored_units = {
        row.id: row
        for row in session.execute(
            select(*unit_columns).where(Unit.municipality_code.in_(scope))
        ).all()
    }
    unit_found = _match(
        "units",
        "unit",
        [(u.external_id, u.name, u.municipality_code) for u in document.units],
        stored_units.values(),
        natural_of=lambda row: row.name,
        natural_field="name",
        natural_name="name",
        problems=problems,
    )
    contact_columns = (
        Contact.id,
        Contact.municipality_code,
        Contact.unit_id,
        Contact.external_id,
        Contact.name,
        Contact.job_title,
        Contact.email,
        Contact.phone,
        Contact.themes,
        Contact.area_codes,
        Contact.withdrawn_at,
    )
    stored_contacts = {
        row.id: row
        for row in session.execute(
            select(*contact_columns)
            .where(Contact.municipality_code.in_(scope))
            # An erased contact is nobody: never found again, never withdrawn.
            .where(Contact.erased_at.is_(None))
        ).all()
    }
    unit_municipality = {u.key: u.municipality_code for u in document.units}
    joined_units = stored_unit_municipalities(session, document)

    def municipality_of(contact: ContactImport) -> str:
        if contact.unit_id is not None:
            return joined_units[contact.unit_id]
        return unit_municipality[contact.unit_key]

    contact_found = _match(
        "contacts",
        "contact",
        [(c.external_id, c.email.casefold(), municipality_of(c)) for c in document.contacts],
        stored_contacts.values(),
        natural_of=lambda row: row.email.casefold(),
        natural_field="email",
        natural_name="email",
        problems=problems,
    )
    if problems:
        return plan

    # Units: found ones compared field by field, the rest created.
    for i, (unit, stored_id) in enumerate(zip(document.units, unit_found, strict=True)):
        plan.unit_ids[unit.key] = stored_id
        if stored_id is None:
            plan.created_units.append(i)
    for unit, stored_id in zip(document.units, unit_found, strict=True):
        if stored_id is None:
            continue
        stored = stored_units[stored_id]
        change = _Change(unit.key, stored_id, stored.external_id, unit.municipality_code)
        given = unit.model_fields_set
        for column in FEED_UNIT_FIELDS:
            if column in given:
                value = _normalised(column, getattr(unit, column))
                if getattr(stored, column) != value:
                    change.values[column] = value
        # The feed describes the whole tree: a unit without parentKey is at the top.
        parent = unit.parent_key
        parent_id = plan.unit_ids.get(parent) if parent is not None else None
        if (parent is not None and parent_id is None) or parent_id != stored.parent_id:
            change.values["parent_id"] = parent
            plan.unit_parents[stored_id] = parent
        if stored.withdrawn_at is not None:
            change.values["withdrawn_at"] = None
        (plan.unit_changes if change.values else plan.unchanged_units).append(change)

    # Contacts.
    final_unit: dict[int, int | str] = {}  # stored contact id -> its unit (id, or new key)
    for i, (contact, stored_id) in enumerate(zip(document.contacts, contact_found, strict=True)):
        if on_contact is not None:
            on_contact(i + 1)
        plan.contact_ids[contact.key] = stored_id
        if stored_id is None:
            plan.created_contacts.append(i)
            continue
        stored = stored_contacts[stored_id]
        change = _Change(contact.key, stored_id, stored.external_id, stored.municipality_code)
        given = contact.model_fields_set
        for column in FEED_CONTACT_FIELDS:
            if column in given:
                value = _normalised(column, getattr(contact, column))
                if getattr(stored, column) != value:
                    change.values[column] = value
        if contact.unit_id is not None:
            unit: int | str = contact.unit_id
        else:
            unit = plan.unit_ids[contact.unit_key] or contact.unit_key
        final_unit[stored_id] = unit
        if unit != stored.unit_id:
            change.values["unit_id"] = unit
        if stored.withdrawn_at is not None:
            change.values["withdrawn_at"] = None
            change.values["available"] = True
        (plan.contact_changes if change.values else plan.unchanged_contacts).append(change)
    # ``knows`` is the civil servant's own: it counts (and must hold) only for new people.
    problems += knows_problems(
        document,
        {c.key: municipality_of(c) for c in document.contacts},
        only=plan.created_contacts,
    )
    claimed = {stored_id for stored_id in contact_found if stored_id is not None}
    plan.listed = dict(
        Counter(c.municipality_code for c in stored_contacts.values() if c.withdrawn_at is None)
    )
    for stored_id, stored in sorted(stored_contacts.items()):
        if stored_id in claimed or stored.withdrawn_at is not None:
            continue
        plan.withdrawn_contacts.append(
            _Change(None, stored_id, stored.external_id, stored.municipality_code)
        )

    # Units missing from the document stay while someone is left in them: a contact of the
    # document, or a unit that stays.
    claimed_units = {stored_id for stored_id in unit_found if stored_id is not None}
    occupied = {unit for unit in final_unit.values() if isinstance(unit, int)} | {
        c.unit_id for c in document.contacts if c.unit_id is not None
    }
    parent_of = {
        unit_id: (
            plan.unit_ids.get(plan.unit_parents[unit_id] or "")
            if unit_id in plan.unit_parents
            else row.parent_id
        )
        for unit_id, row in stored_units.items()
    }
    children: dict[int, list[int]] = defaultdict(list)
    for unit_id, parent_id in parent_of.items():
        if parent_id is not None:
            children[parent_id].append(unit_id)
    staying: dict[int, bool] = {}

    def stays(unit_id: int, seen: frozenset[int] = frozenset()) -> bool:
        if unit_id not in staying:
            if unit_id in claimed_units or unit_id in occupied:
                staying[unit_id] = True
            else:
                staying[unit_id] = any(
                    stays(child, seen | {unit_id})
                    for child in children.get(unit_id, [])
                    if child not in seen
                )
        return staying[unit_id]

    for unit_id, row in sorted(stored_units.items()):
        if unit_id in claimed_units:
            continue
        change = _Change(None, unit_id, row.external_id, row.municipality_code)
        if stays(unit_id):
            if row.withdrawn_at is not None:  # a contact of the document joined it again
                change.values["withdrawn_at"] = None
                plan.restored_units.append(change)
        elif row.withdrawn_at is None:
            plan.withdrawn_units.append(change)

    # The matcher reads a contact with its unit's profile: members of changed units too.
    changed_units = {c.id for c in plan.unit_changes} | {c.id for c in plan.restored_units}
    for stored_id, stored in stored_contacts.items():
        unit = final_unit.get(stored_id, stored.unit_id)
        if unit in changed_units:
            plan.unit_members.setdefault(unit, []).append((stored_id, stored.municipality_code))
    return plan


def _upsert_municipalities_and_areas(session: Session, document: ImportDocument) -> set[str]:
    """Create or change the document's municipalities and areas where they differ from the
    stored ones; the municipalities whose index must be built anew (a name or an area
    changed)."""
    rebuild: set[str] = set()
    for municipality in document.municipalities:
        stored = session.get(Municipality, municipality.code)
        if stored is None:
            session.add(Municipality(code=municipality.code, name=municipality.name))
            rebuild.add(municipality.code)
        elif stored.name != municipality.name:
            # Keep its directory_version: it must only ever go up.
            stored.name = municipality.name
            rebuild.add(municipality.code)
    session.flush()
    # Parents before children, so each foreign key points at a row that exists.
    area_depths = tree_depths({a.code: a.parent_code for a in document.areas}) or {}
    for area in sorted(document.areas, key=lambda a: area_depths[a.code]):
        row = Area.model_validate(area.model_dump())
        # A former kind ("neighbourhood") becomes a level by its parent's, which is stored
        # already: the document's own parents come first.
        parent = session.get(Area, area.parent_code) if area.parent_code else None
        row.kind = area_kind_for(area.kind, parent.kind if parent is not None else None)
        stored = session.get(Area, area.code)
        if stored is not None and all(
            getattr(stored, column) == getattr(row, column)
            for column in ("name", "municipality_code", "kind", "parent_code", "aliases")
        ):
            continue
        session.merge(row)
        session.flush()
        rebuild.add(area.municipality_code)
    return rebuild


def _update_rows(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """UPDATE by primary key, one executemany per set of columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    for group in groups.values():
        session.execute(update(table), group)


def _write(
    session: Session, document: ImportDocument, plan: _Plan, principal: Principal | None
) -> None:
    now = utc_now()
    rebuild = _upsert_municipalities_and_areas(session, document)

    # Units: the new ones parents first, so each parent id exists.
    unit_ids = dict(plan.unit_ids)
    new_units = [document.units[i] for i in plan.created_units]
    unit_depths = tree_depths({u.key: u.parent_key for u in document.units}) or {}
    levels: dict[int, list[UnitImport]] = defaultdict(list)
    for unit in new_units:
        levels[unit_depths[unit.key]].append(unit)
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
    plan.unit_ids = unit_ids
    unit_rows = []
    for change in plan.unit_changes:
        values = dict(change.values)
        if "parent_id" in values:
            parent = values["parent_id"]
            values["parent_id"] = unit_ids[parent] if parent is not None else None
        unit_rows.append({"id": change.id, **values})
    unit_rows += [{"id": c.id, "withdrawn_at": None} for c in plan.restored_units]
    unit_rows += [{"id": c.id, "withdrawn_at": now} for c in plan.withdrawn_units]
    if unit_rows:
        _update_rows(session, Unit, unit_rows)

    # Contacts go in without their colleagues first: ``knows`` needs every contact's id.
    stored_units = stored_unit_municipalities(session, document)
    unit_municipality = {u.key: u.municipality_code for u in document.units}
    new_contacts = [document.contacts[i] for i in plan.created_contacts]
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
        for contact in new_contacts
    ]
    contact_ids = dict(plan.contact_ids)
    created_ids: list[int] = []
    if contact_rows:
        created_ids = list(
            session.scalars(
                insert(Contact).returning(Contact.id, sort_by_parameter_order=True),
                contact_rows,
                execution_options=RENDER_NULLS,
            )
        )
        contact_ids.update(zip((c.key for c in new_contacts), created_ids, strict=True))
    plan.contact_ids = contact_ids
    # ``knows`` is the civil servant's own: the feed sets it only for those it creates.
    knows_rows = [
        {"id": contact_ids[c.key], "knows": dedupe(contact_ids[k] for k in c.knows)}
        for c in new_contacts
        if c.knows
    ]
    if knows_rows:
        session.execute(update(Contact), knows_rows)
    contact_updates = []
    for change in plan.contact_changes:
        values = dict(change.values)
        if isinstance(values.get("unit_id"), str):  # a unit this document creates
            values["unit_id"] = unit_ids[values["unit_id"]]
        contact_updates.append({"id": change.id, **values, "updated_at": now})
    contact_updates += [
        {"id": c.id, "available": False, "withdrawn_at": now, "updated_at": now}
        for c in plan.withdrawn_contacts
    ]
    if contact_updates:
        _update_rows(session, Contact, contact_updates)

    # What the matcher must learn, per municipality: just the contacts that changed (a
    # process applies them to the index it holds), or a new build where areas changed.
    changed: dict[str, set[int]] = defaultdict(set)
    for row, contact_id in zip(contact_rows, created_ids, strict=True):
        changed[row["municipality_code"]].add(contact_id)
    for change in (*plan.contact_changes, *plan.withdrawn_contacts):
        changed[change.municipality_code].add(change.id)
    for members in plan.unit_members.values():
        for contact_id, code in members:
            changed[code].add(contact_id)
    touched = set(changed) | rebuild
    touched |= {document.units[i].municipality_code for i in plan.created_units}
    touched |= {
        c.municipality_code
        for c in (*plan.unit_changes, *plan.restored_units, *plan.withdrawn_units)
    }
    for code in sorted(touched):
        touch_directory(session, code, None if code in rebuild else changed.get(code, set()))
    audit.note_many(session, principal, AuditAction.create, AuditObjectType.contact, created_ids)
    audit.note_many(
        session,
        principal,
        AuditAction.update,
        AuditObjectType.contact,
        [c.id for c in (*plan.contact_changes, *plan.withdrawn_contacts)],
    )


def _result(
    document: ImportDocument, plan: _Plan, *, mode: ImportMode, dry_run: bool
) -> ImportResult:
    def created(records: Sequence[Any], ids: dict[str, int | None]) -> list[ImportedRecord]:
        return [
            ImportedRecord(key=r.key, id=ids.get(r.key), external_id=r.external_id) for r in records
        ]

    def changes(
        created_records: list[ImportedRecord],
        updated: Sequence[_Change],
        unchanged: Sequence[_Change],
        withdrawn: Sequence[_Change],
    ) -> RecordChanges:
        return RecordChanges(
            counts=ChangeCounts(
                created=len(created_records),
                updated=len(updated),
                unchanged=len(unchanged),
                withdrawn=len(withdrawn),
            ),
            created=created_records,
            updated=[c.record() for c in updated],
            unchanged=[c.record() for c in unchanged],
            withdrawn=[c.record() for c in withdrawn],
        )

    return ImportResult(
        mode=mode,
        dry_run=dry_run,
        municipalities=len(document.municipalities),
        areas=len(document.areas),
        units={key: i for key, i in plan.unit_ids.items() if i is not None},
        contacts={key: i for key, i in plan.contact_ids.items() if i is not None},
        changes=ImportChanges(
            units=changes(
                created([document.units[i] for i in plan.created_units], plan.unit_ids),
                [*plan.unit_changes, *plan.restored_units],
                plan.unchanged_units,
                plan.withdrawn_units,
            ),
            contacts=changes(
                created([document.contacts[i] for i in plan.created_contacts], plan.contact_ids),
                plan.contact_changes,
                plan.unchanged_contacts,
                plan.withdrawn_contacts,
            ),
        ),
    )
