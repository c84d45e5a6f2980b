"""A tiny municipality, built by hand: two stadsdelen, their wijken and buurten, and ten civil
servants with realistic Dutch job titles. Scenario tests vary these with ``replace``."""

from collections.abc import Iterable
from dataclasses import replace
from functools import cache

from matching import (
    AreaProfile,
    ContactProfile,
    Directory,
    NetworkLink,
    UnitProfile,
    default_vocabulary,
)

OOST, WEST = "SD-OOST", "SD-WEST"
INDISCHE_BUURT, WATERGRAAFSMEER, BOS_EN_LOMMER = "WK-INDISCHE", "WK-WATERGRAAFSMEER", "WK-BOSLOM"
JAVAPLEIN, SUMATRA, BETONDORP, KOLENKIT = "BU-JAVA", "BU-SUMATRA", "BU-BETONDORP", "BU-KOLENKIT"

AREAS = (
    AreaProfile(OOST, "Oost"),
    AreaProfile(INDISCHE_BUURT, "Indische Buurt", OOST),
    AreaProfile(JAVAPLEIN, "Javaplein", INDISCHE_BUURT),
    AreaProfile(SUMATRA, "Sumatraplantsoen", INDISCHE_BUURT),
    AreaProfile(WATERGRAAFSMEER, "Watergraafsmeer", OOST),
    AreaProfile(BETONDORP, "Betondorp", WATERGRAAFSMEER),
    AreaProfile(WEST, "West"),
    AreaProfile(BOS_EN_LOMMER, "Bos en Lommer", WEST),
    AreaProfile(KOLENKIT, "Kolenkit", BOS_EN_LOMMER),
)

VASTGOED = UnitProfile(
    "vastgoed",
    "Maatschappelijk vastgoed",
    "team",
    "Beheert en verhuurt de panden van de gemeente voor maatschappelijke doelen.",
)
SUBSIDIES = UnitProfile(
    "subsidies", "Subsidies", "team", "Subsidieregelingen voor bewoners en organisaties."
)
VERGUNNINGEN = UnitProfile(
    "vth", "Vergunningen, toezicht en handhaving", "team", "Verleent vergunningen en ontheffingen."
)
WONEN = UnitProfile("wonen", "Wonen", "department", "Woonbeleid en volkshuisvesting.", ("wonen",))
SOCIAAL = UnitProfile(
    "sociaal", "Sociaal domein", "department", "Beleid voor zorg, jeugd en inkomen."
)
GEBIEDSTEAM_OOST = UnitProfile(
    "gebiedsteam-oost", "Gebiedsteam Oost", "area_team", "Werkt met bewoners in Oost.", (), (OOST,)
)
GEBIEDSTEAM_WEST = UnitProfile(
    "gebiedsteam-west", "Gebiedsteam West", "area_team", "Werkt met bewoners in West.", (), (WEST,)
)

CONTACTS = (
    ContactProfile(
        "vastgoed",
        "Adviseur maatschappelijk vastgoed",
        VASTGOED,
        themes=("sociale-cohesie",),
        expertise=(
            "Verhuur van buurthuizen en leegstaande panden, ruimte en accommodatie voor "
            "bewonersinitiatieven, maatschappelijke huur en tijdelijk gebruik van een pand."
        ),
    ),
    ContactProfile(
        "subsidie",
        "Subsidieadviseur bewonersinitiatieven",
        SUBSIDIES,
        themes=("participatie-en-democratie",),
        expertise="Subsidieaanvraag, bewonersbudget, initiatievenfonds en cofinanciering.",
        networks=(NetworkLink("Oranje Fonds", "fund"),),
    ),
    ContactProfile(
        "vergunning",
        "Vergunningverlener evenementen",
        VERGUNNINGEN,
        themes=("veiligheid",),
        expertise="Evenementenvergunning, ontheffing, straat afsluiten, terras en brandveiligheid.",
    ),
    ContactProfile(
        "wonen",
        "Beleidsadviseur wonen",
        WONEN,
        themes=("wonen",),
        expertise="Sociale huurwoningen, huurders en bewonerscommissies, woningdelen.",
        networks=(
            NetworkLink("Woningcorporatie Ymere", "housing"),
            NetworkLink("Huurdersvereniging Oost", "community"),
        ),
    ),
    ContactProfile(
        "gebiedsmakelaar",
        "Gebiedsmakelaar Indische Buurt",
        GEBIEDSTEAM_OOST,
        themes=("sociale-cohesie", "participatie-en-democratie"),
        area_codes=(INDISCHE_BUURT,),
        expertise="Buurtactiviteiten, bewonersgroepen en het buurthuis in de Indische Buurt.",
        networks=(
            NetworkLink("Dynamo", "care_welfare"),
            NetworkLink("Moskee Javaplein", "community"),
        ),
    ),
    ContactProfile(
        "jeugd",
        "Programmamanager jeugd",
        SOCIAAL,
        themes=("jeugd",),
        expertise="Jongerenwerk, hangjongeren, talentontwikkeling en jeugdwerkloosheid.",
    ),
    ContactProfile(
        "armoede",
        "Beleidsadviseur armoede en schuldhulpverlening",
        SOCIAAL,
        themes=("armoede-en-schulden",),
        expertise="Schuldhulpverlening, vroegsignalering, voedselbank en stadspas.",
        networks=(NetworkLink("Voedselbank Amsterdam", "community"),),
    ),
    ContactProfile(
        "eenzaamheid",
        "Beleidsmedewerker ouderen en eenzaamheid",
        SOCIAAL,
        themes=("eenzaamheid",),
        expertise="Eenzame ouderen, maatjesprojecten, koffieochtenden, de week tegen eenzaamheid.",
    ),
    ContactProfile(
        "energie",
        "Adviseur duurzaamheid en energietransitie",
        SOCIAAL,
        themes=("energie-en-duurzaamheid",),
        expertise="Zonnepanelen op daken, energiecoöperaties, isolatie en energiearmoede.",
    ),
    ContactProfile(
        "groen",
        "Beheerder openbare ruimte en groen",
        GEBIEDSTEAM_WEST,
        themes=("openbare-ruimte-en-groen",),
        expertise="Buurtmoestuinen, geveltuinen, boomspiegels en groen zelfbeheer.",
    ),
)

BY_KEY = {contact.key: contact for contact in CONTACTS}


def contact(base: str, /, **changes: object) -> ContactProfile:
    """One of the town's contacts, optionally changed (``key=`` gives it a new key)."""
    return replace(BY_KEY[base], **changes)


def build(contacts: Iterable[ContactProfile], areas: Iterable[AreaProfile] = AREAS) -> Directory:
    return Directory.build(list(contacts), areas, default_vocabulary())


@cache
def directory() -> Directory:
    return build(CONTACTS)
