"""The bundled demo: a Dutch municipality with areas, units, civil servants and initiatives,
one of them with a broker's pin and the municipality's official answer (the broker's desk)."""

import json
from pathlib import Path

from sqlmodel import Session, select

from api.core.identity import Principal
from api.services.imports import import_directory
from api.services.initiatives import create_initiative
from api.services.match_overrides import create_override
from api.services.responses import set_response
from schemas import (
    ImportDocument,
    InitiativeCreate,
    InitiativeResponseUpdate,
    MatchOverrideCreate,
    Municipality,
    Role,
    Unit,
)

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo" / "demo.json"


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
    imported = import_directory(session=session, document=ImportDocument.model_validate(document))
    broker = Principal(role=Role.broker, subject="demo")
    for initiative in initiatives:
        # The broker's desk of an initiative: contacts by their key in the document.
        overrides = initiative.pop("matchOverrides", [])
        response = initiative.pop("response", None)
        created = create_initiative(
            session=session,
            initiative_in=InitiativeCreate.model_validate(initiative),
            principal=broker,
        )
        for override in overrides:
            create_override(
                session=session,
                initiative=created,
                override_in=MatchOverrideCreate(
                    contact_id=imported.contacts[override["contactKey"]],
                    action=override["action"],
                    reason=override["reason"],
                ),
                principal=broker,
            )
        if response is not None:
            set_response(
                session=session,
                initiative=created,
                response_in=InitiativeResponseUpdate.model_validate(response),
                principal=broker,
            )
    return True
