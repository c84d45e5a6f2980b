"""Tables and wire models. Importing this package registers every table on one metadata,
which is what Alembic compares against."""

from sqlmodel import SQLModel

from schemas.api_key import ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, Role
from schemas.area import Area, AreaCreate, AreaKind, AreaPublic, AreaUpdate
from schemas.base import ApiModel, InvalidParam, Page, Problem
from schemas.contact import (
    Contact,
    ContactCreate,
    ContactProfile,
    ContactPublic,
    ContactUpdate,
    NetworkKind,
)
from schemas.imports import ImportDocument, ImportResult
from schemas.initiative import (
    Initiative,
    InitiativeCreate,
    InitiativePublic,
    InitiativeSummary,
    InitiativeUpdate,
    NeedKind,
    Stage,
)
from schemas.introduction import (
    OPEN_STATUSES,
    Introduction,
    IntroductionCreate,
    IntroductionEvent,
    IntroductionEventPublic,
    IntroductionPublic,
    IntroductionStatus,
    IntroductionUpdate,
    Outcome,
)
from schemas.match import (
    ContactInitiatives,
    InitiativeMatchItem,
    MatchItem,
    MatchRequest,
    MatchResult,
)
from schemas.municipality import (
    Municipality,
    MunicipalityCreate,
    MunicipalityPublic,
    MunicipalityUpdate,
)
from schemas.theme import ThemePublic, ThemeTerm, ThemeTermsUpdate
from schemas.unit import Unit, UnitCreate, UnitKind, UnitPublic, UnitTree, UnitUpdate
from schemas.webhook import (
    DeliveryStatus,
    IntroductionStatusChangedData,
    WebhookCreate,
    WebhookCreated,
    WebhookDelivery,
    WebhookDeliveryPublic,
    WebhookEvent,
    WebhookEventType,
    WebhookPublic,
    WebhookSubscription,
    WebhookUpdate,
)

metadata = SQLModel.metadata

__all__ = [
    "OPEN_STATUSES",
    "ApiKey",
    "ApiKeyCreate",
    "ApiKeyCreated",
    "ApiKeyPublic",
    "ApiModel",
    "Area",
    "AreaCreate",
    "AreaKind",
    "AreaPublic",
    "AreaUpdate",
    "Contact",
    "ContactCreate",
    "ContactInitiatives",
    "ContactProfile",
    "ContactPublic",
    "ContactUpdate",
    "DeliveryStatus",
    "ImportDocument",
    "ImportResult",
    "Initiative",
    "InitiativeCreate",
    "InitiativeMatchItem",
    "InitiativePublic",
    "InitiativeSummary",
    "InitiativeUpdate",
    "Introduction",
    "IntroductionCreate",
    "IntroductionEvent",
    "IntroductionEventPublic",
    "IntroductionPublic",
    "IntroductionStatus",
    "IntroductionStatusChangedData",
    "IntroductionUpdate",
    "InvalidParam",
    "MatchItem",
    "MatchRequest",
    "MatchResult",
    "Municipality",
    "MunicipalityCreate",
    "MunicipalityPublic",
    "MunicipalityUpdate",
    "NeedKind",
    "NetworkKind",
    "Outcome",
    "Page",
    "Problem",
    "Role",
    "Stage",
    "ThemePublic",
    "ThemeTerm",
    "ThemeTermsUpdate",
    "Unit",
    "UnitCreate",
    "UnitKind",
    "UnitPublic",
    "UnitTree",
    "UnitUpdate",
    "WebhookCreate",
    "WebhookCreated",
    "WebhookDelivery",
    "WebhookDeliveryPublic",
    "WebhookEvent",
    "WebhookEventType",
    "WebhookPublic",
    "WebhookSubscription",
    "WebhookUpdate",
    "metadata",
]
