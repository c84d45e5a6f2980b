"""The stored directory written back out as an import document (``wegwijs export``).

Importing the result into an empty database gives the same directory: the same
municipalities, areas, units (tree included) and contacts (``knows`` included). Units and
contacts get document keys made from their ids (``unit-12``, ``contact-34``): the import
stores no keys of its own; the HR system's ``externalId``s are kept. Initiatives,
introductions, theme terms and API keys are no part of a directory and are not exported, nor
are units and people a directory sync withdrew.
"""

from sqlmodel import Session, select

from api.core.exceptions import InvalidInput
from api.services.imports import tree_depths
from schemas import Area, Contact, ImportDocument, Municipality, Unit


def unit_key(unit_id: int) -> str:
    return f"unit-{unit_id}"


def contact_key(contact_id: int) -> str:
    return f"contact-{contact_id}"


def export_directory(*, session: Session, municipality_code: str | None = None) -> dict:
    """The directory (of one municipality, or all) as an import document in wire form
    (lowerCamelCase, JSON-ready). Units come parents first, so the document also reads
    top-down; ``knows`` links to contacts outside the export are left out."""
    municipalities = select(Municipality).order_by(Municipality.code)
    areas = select(Area).order_by(Area.municipality_code, Area.code)
    # Withdrawn units and people (gone from the HR feed) are no longer part of the directory.
    units = select(Unit).where(Unit.withdrawn_at.is_(None)).order_by(Unit.id)
    contacts = (
        select(Contact)
        .where(Contact.erased_at.is_(None), Contact.withdrawn_at.is_(None))
        .order_by(Contact.id)
    )
    if municipality_code is not None:
        if session.get(Municipality, municipality_code) is None:
            raise InvalidInput.field(
                "municipalityCode", f"Unknown municipality {municipality_code}."
            )
        municipalities = municipalities.where(Municipality.code == municipality_code)
        areas = areas.where(Area.municipality_code == municipality_code)
        units = units.where(Unit.municipality_code == municipality_code)
        contacts = contacts.where(Contact.municipality_code == municipality_code)

    unit_rows = session.exec(units).all()
    depths = tree_depths({u.id: u.parent_id for u in unit_rows}) or {}
    unit_rows = sorted(unit_rows, key=lambda u: (depths.get(u.id, 0), u.id))
    contact_rows = session.exec(contacts).all()
    exported = {c.id for c in contact_rows}
    document = {
        "municipalities": [
            {"code": m.code, "name": m.name} for m in session.exec(municipalities).all()
        ],
        "areas": [
            {
                "code": a.code,
                "name": a.name,
                "municipalityCode": a.municipality_code,
                "kind": a.kind,
                "parentCode": a.parent_code,
            }
            for a in session.exec(areas).all()
        ],
        "units": [
            {
                "key": unit_key(u.id),
                "externalId": u.external_id,
                "parentKey": unit_key(u.parent_id) if u.parent_id is not None else None,
                "municipalityCode": u.municipality_code,
                "name": u.name,
                "kind": u.kind,
                "description": u.description,
                "themes": list(u.themes),
                "areaCodes": list(u.area_codes),
                "email": u.email,
                "phone": u.phone,
                "url": u.url,
            }
            for u in unit_rows
        ],
        "contacts": [
            {
                "key": contact_key(c.id),
                "externalId": c.external_id,
                "unitKey": unit_key(c.unit_id),
                "name": c.name,
                "jobTitle": c.job_title,
                "email": c.email,
                "phone": c.phone,
                "themes": list(c.themes),
                "areaCodes": list(c.area_codes),
                "expertise": c.expertise,
                "languages": list(c.languages),
                "networks": [
                    {"name": n["name"], "kind": n["kind"], "note": n.get("note", "")}
                    for n in c.networks
                ],
                "knows": [contact_key(k) for k in c.knows if k in exported],
                "openToInitiatives": c.open_to_initiatives,
                "capacityPerMonth": c.capacity_per_month,
                "available": c.available,
                "consentAt": c.consent_at,
                "publicProfile": c.public_profile,
            }
            for c in contact_rows
        ],
    }
    # Through the import model and back: what is written is exactly what the import reads
    # (timestamps in UTC with a Z, defaults spelled out).
    return ImportDocument.model_validate(document).model_dump(by_alias=True, mode="json")
