"""The bundled demo: a Dutch municipality with areas, units, civil servants and initiatives."""

import json
from pathlib import Path

from sqlmodel import Session, select

from api.deps import Principal
from api.services.imports import import_directory
from api.services.initiatives import create_initiative
from schemas import ImportDocument, InitiativeCreate, Municipality, Role, Unit

DEMO_FILE = Path(__file__).parent / "demo" / "demo.json"


def demo_is_loaded(*, session: Session) -> bool:
    """Whether the demo is in the database: its municipality with the demo's first unit."""
    document = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    first = document["units"][0]
    query = select(Unit.id).where(
        Unit.municipality_code == first["municipalityCode"], Unit.name == first["name"]
    )
    return session.exec(query.limit(1)).first() is not None


def load_demo(*, session: Session, only_if_empty: bool = True) -> bool:
    """Load the demo; returns False (and changes nothing) when data already exists."""
    if only_if_empty and session.exec(select(Municipality).limit(1)).first() is not None:
        return False
    document = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    initiatives = document.pop("initiatives", [])
    import_directory(session=session, document=ImportDocument.model_validate(document))
    broker = Principal(role=Role.broker, subject="demo")
    for initiative in initiatives:
        create_initiative(
            session=session,
            initiative_in=InitiativeCreate.model_validate(initiative),
            principal=broker,
        )
    return True
