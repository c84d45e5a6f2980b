"""A realistic synthetic staff directory of Dutch municipalities, deterministic by seed.

``generate(contacts=N)`` returns an import document (``POST /api/v1/imports``) plus
initiatives (bodies for ``POST /api/v1/initiatives``): per municipality an area hierarchy
(stadsdelen > wijken > buurten), an organisation (clusters, departments and teams, a district
unit per stadsdeel with an area team per wijk, programmes) and its civil servants, whose job
titles, themes and expertise come from the theme vocabulary in ``matching/data``. Pure standard
library, so it also runs outside the project's virtualenv.

    python bench/generate.py --contacts 20000 --municipalities 3 --out directory.json \\
        --initiatives-out initiatives.json
    wegwijs import directory.json

A directory larger than the request body limit can be loaded through the API in batches:
``structure(document)`` first, then ``contact_batches(document, unit_ids=...)`` with the unit
ids that import returned (each batch holds whole units, so every ``knows`` stays inside it).
"""

import argparse
import json
import math
import random
import sys
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

VOCABULARY = Path(__file__).resolve().parent.parent / "matching" / "data" / "vocabulary_nl.json"
EMAIL_DOMAIN = "gemeente.example"
CONTACTS_PER_WIJK = 400
MAX_WIJKEN = 90  # two-digit wijk numbers in the CBS-style codes
UNIT_SIZE = (15, 30)


def _words(text: str, separator: str = " ") -> list[str]:
    return text.split(separator)


# --- names -----------------------------------------------------------------------------------

FIRST_NAMES = _words(
    "Anna Sanne Lotte Emma Julia Lisa Eva Sophie Fleur Iris Anouk Maaike Marieke Ingrid Petra "
    "Annelies Esther Wendy Linda Monique Karin Miriam Ellen Femke Noor Lieke Roos Merel Hanna "
    "Jan Pieter Kees Bram Daan Thijs Ruben Sander Joost Maarten Wouter Martijn Bas Jeroen Rik "
    "Tom Gijs Niels Erik Hans Frank Mark Arjen Jeroen Sjoerd Koen Dirk Willem Job Stijn Luuk "
    "Fatima Samira Khadija Naima Yasmina Soufiane Mohamed Youssef Hamza Bilal Mustafa Karim "
    "Ayse Elif Zeynep Emre Hakan Mehmet Burak Serkan Priya Shanti Rajesh Sunita Chantal Sharon "
    "Marvin Dwayne Jerry Gloria Natasha Ewa Marta Piotr Tomasz Olga Dmitri Chen Wei Mei Linh "
    "Tuan Amir Dina Rana Ahmed Abdi Hodan Amina Kofi Ama"
)
SURNAMES = _words(
    "de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|Smit|Meijer|de Boer|"
    "Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|Smits|"
    "de Graaf|van der Meer|van der Linden|Kok|Jacobs|de Haan|Vermeulen|van den Heuvel|"
    "van der Veen|van den Broek|de Bruijn|de Bruin|van der Heijden|Schouten|van Beek|Willems|"
    "van Vliet|van de Ven|Hoekstra|Maas|Verhoeven|Koster|van Dam|van der Wal|Prins|Blom|"
    "Huisman|Peeters|de Lange|Kuipers|van Wijk|Postma|Kuiper|Veenstra|Kramer|van den Brink|"
    "Scholten|van Wijngaarden|Koelewijn|Timmermans|Verbeek|Groen|Evers|Hermans|Koning|"
    "El Amrani|Bouzid|El Idrissi|Benali|Aydın|Yılmaz|Demir|Kaya|Çelik|Şahin|Öztürk|Doğan|"
    "Ramdin|Sewnarain|Jagesar|Soekhoe|Pinas|Wijngaarde|Kromodimedjo|Nowak|Kowalski|Wiśniewska|"
    "Nguyen|Tran|Wong|Osei|Mensah|Abdullahi|Haile",
    "|",
)
LANGUAGES = ("en", "en", "en", "de", "fr", "tr", "ar", "pl", "es", "pap", "srn", "so", "zh")

# Parts of generated place names.
PLACE_STEMS = _words(
    "Veen Broek Horst Hoven Rade Loo Dijk Zijl Gouw Meer Burg Stein Haven Wold Hem Berg Bosch "
    "Akker Brink Dam Donk Drecht Eik Enk Esch Gaarde Geest Haar Heide Holt Hove Kamp Kerk Linde "
    "Maar Mond Molen Rijp Schoot Sloot Sluis Tol Veld Vliet Waard Wiel Wijk Zand Zwaan"
)
PLACE_PREFIXES = _words(
    "Oost West Noord Zuid Nieuw Oud Groot Klein Hoog Laag Midden Ooster Wester Noorder Zuider"
)
DISTRICT_NAMES = _words(
    "Centrum Noord Oost Zuid West Nieuw-West Zuidoost Noordoost Zuidwest Binnenstad Haven "
    "Buitenwijken Polder Dorpen Stadshart"
)
NEIGHBOURHOOD_THEMES = _words(
    "Vogel Bloemen Schilders Rivieren Componisten Zeehelden Bomen Dichters Sterren Edelstenen "
    "Vruchten Kruiden Vlinder Planeten Muziek Indische Transvaal Staatslieden Generaals Spoor "
    "Kastelen Eiland Water Molen Tuin"
)
NEIGHBOURHOOD_SUFFIXES = ("buurt", "buurt", "wijk", "kwartier", "park", "dorp")

# --- the organisation --------------------------------------------------------------------------

# (cluster, [(department, themes, [team names])]); themes are the vocabulary's slugs.
CLUSTERS: list[tuple[str, list[str], list[tuple[str, list[str], list[str]]]]] = [
    (
        "Sociaal Domein",
        ["zorg", "jeugd", "werk-en-inkomen", "onderwijs"],
        [
            ("Jeugd", ["jeugd", "onderwijs"], ["Jongerenwerk", "Jeugdhulp", "Kansengelijkheid"]),
            ("Zorg en Welzijn", ["zorg", "eenzaamheid"], ["Wmo", "Mantelzorg", "Ouderen"]),
            (
                "Werk, Participatie en Inkomen",
                ["werk-en-inkomen", "armoede-en-schulden"],
                ["Werk en Re-integratie", "Inkomensondersteuning", "Participatiebanen"],
            ),
            (
                "Armoede en Schuldhulp",
                ["armoede-en-schulden"],
                ["Schuldhulpverlening", "Vroegsignalering", "Minimaregelingen"],
            ),
            ("Onderwijs", ["onderwijs", "jeugd"], ["Onderwijshuisvesting", "Voorschool"]),
            ("Sport en Bewegen", ["sport", "gezondheid"], ["Buurtsport", "Sportaccommodaties"]),
            ("Publieke Gezondheid", ["gezondheid", "zorg"], ["Preventie", "Gezond Gewicht"]),
            (
                "Inburgering",
                ["nieuwkomers-en-integratie", "werk-en-inkomen"],
                ["Statushouders", "Taal en Inburgering"],
            ),
        ],
    ),
    (
        "Ruimte en Duurzaamheid",
        ["wonen", "openbare-ruimte-en-groen", "energie-en-duurzaamheid", "mobiliteit"],
        [
            ("Wonen", ["wonen"], ["Woonruimteverdeling", "Wonen en Zorg", "Huurbeleid"]),
            (
                "Openbare Ruimte en Groen",
                ["openbare-ruimte-en-groen"],
                ["Groenbeheer", "Stadslandbouw", "Spelen en Ontmoeten"],
            ),
            (
                "Duurzaamheid en Energietransitie",
                ["energie-en-duurzaamheid"],
                ["Buurtenergie", "Energiearmoede", "Circulaire Economie"],
            ),
            ("Verkeer en Mobiliteit", ["mobiliteit", "openbare-ruimte-en-groen"], ["Fiets"]),
            (
                "Maatschappelijk Vastgoed",
                ["sociale-cohesie", "wonen"],
                ["Accommodaties", "Tijdelijk Gebruik"],
            ),
        ],
    ),
    (
        "Economie en Cultuur",
        ["economie-en-ondernemerschap", "cultuur"],
        [
            (
                "Economische Zaken",
                ["economie-en-ondernemerschap", "werk-en-inkomen"],
                ["Ondernemersloket", "Winkelgebieden"],
            ),
            ("Kunst en Cultuur", ["cultuur"], ["Cultuurparticipatie", "Broedplaatsen"]),
        ],
    ),
    (
        "Dienstverlening en Participatie",
        ["participatie-en-democratie", "veiligheid"],
        [
            (
                "Participatie en Democratie",
                ["participatie-en-democratie", "sociale-cohesie"],
                ["Bewonersinitiatieven", "Buurtrechten"],
            ),
            (
                "Subsidies",
                ["participatie-en-democratie", "sociale-cohesie"],
                ["Subsidieverlening", "Initiatievenfonds"],
            ),
            (
                "Vergunningen, Toezicht en Handhaving",
                ["veiligheid", "openbare-ruimte-en-groen"],
                ["Evenementen", "Handhaving Openbare Ruimte", "Omgevingsvergunningen"],
            ),
            ("Openbare Orde en Veiligheid", ["veiligheid", "jeugd"], ["Buurtveiligheid"]),
            ("Klantcontact", [], ["Contactcentrum", "Informatiepunten"]),
        ],
    ),
    (
        "Bedrijfsvoering",
        [],
        [
            ("Personeel en Organisatie", [], ["HR-advies"]),
            ("Financiën", [], ["Control", "Begroting"]),
            ("Informatievoorziening", [], ["Data en Analyse"]),
            ("Communicatie", ["participatie-en-democratie"], ["Online"]),
            ("Juridische Zaken", [], ["Bezwaar en Beroep"]),
        ],
    ),
]
PROGRAMMES = [
    ("Energietransitie", ["energie-en-duurzaamheid", "wonen"]),
    ("Armoedebestrijding", ["armoede-en-schulden", "jeugd"]),
    ("Kansengelijkheid", ["onderwijs", "jeugd", "werk-en-inkomen"]),
    ("Samen Tegen Eenzaamheid", ["eenzaamheid", "zorg", "sociale-cohesie"]),
    ("Wijkaanpak", ["sociale-cohesie", "veiligheid", "participatie-en-democratie"]),
    ("Gezond Opgroeien", ["gezondheid", "jeugd", "sport"]),
]

# Job titles: "{}" is a topic of the unit's themes.
THEME_ROLES = {
    "zorg": ["Wmo-consulent", "Beleidsadviseur mantelzorg", "Adviseur welzijn"],
    "jeugd": ["Jongerenwerker", "Coördinator jongerenwerk", "Beleidsadviseur jeugd"],
    "werk-en-inkomen": ["Werkcoach", "Klantmanager werk", "Accountmanager werkgevers"],
    "armoede-en-schulden": ["Beleidsadviseur armoede", "Schuldhulpverlener", "Consulent minima"],
    "eenzaamheid": ["Kwartiermaker eenzaamheid", "Ouderenadviseur"],
    "gezondheid": ["Adviseur publieke gezondheid", "Preventiemedewerker"],
    "onderwijs": ["Onderwijsadviseur", "Adviseur onderwijshuisvesting"],
    "wonen": ["Woonconsulent", "Beleidsadviseur wonen", "Adviseur wonen en zorg"],
    "openbare-ruimte-en-groen": [
        "Wijkbeheerder",
        "Adviseur groen",
        "Projectleider openbare ruimte",
    ],
    "veiligheid": ["Adviseur openbare orde en veiligheid", "Wijkhandhaver", "Toezichthouder"],
    "energie-en-duurzaamheid": ["Programmamanager energietransitie", "Energiecoach"],
    "cultuur": ["Cultuurmakelaar", "Beleidsadviseur kunst en cultuur"],
    "sport": ["Buurtsportcoach", "Adviseur sport en bewegen"],
    "economie-en-ondernemerschap": ["Accountmanager ondernemers", "Adviseur economie"],
    "nieuwkomers-en-integratie": ["Casemanager inburgering", "Adviseur statushouders"],
    "participatie-en-democratie": ["Participatieadviseur", "Adviseur bewonersinitiatieven"],
    "sociale-cohesie": ["Buurtverbinder", "Opbouwwerker"],
    "mobiliteit": ["Verkeerskundige", "Adviseur fietsbeleid"],
}
GENERIC_ROLES = [
    "Beleidsadviseur {}",
    "Senior beleidsmedewerker {}",
    "Strategisch adviseur {}",
    "Projectleider {}",
    "Programmamanager {}",
    "Accountmanager subsidies {}",
    "Coördinator {}",
    "Kwartiermaker {}",
]
AREA_ROLES = ["Gebiedsmakelaar {}", "Wijkregisseur {}", "Gebiedsadviseur {}", "Wijkcoördinator {}"]
DISTRICT_ROLES = [
    "Gebiedsmanager {}",
    "Adviseur gebiedsgericht werken {}",
    "Accountmanager ondernemers {}",
    "Coördinator subsidies {}",
]
SUPPORT_ROLES = [
    "HR-adviseur",
    "Financieel adviseur",
    "Controller",
    "Informatieadviseur",
    "Data-analist",
    "Communicatieadviseur",
    "Jurist",
    "Medewerker klantcontact",
    "Secretaresse",
    "Teamleider",
]
SPECIAL_ROLES = {
    "Subsidies": ["Accountmanager subsidies", "Subsidieadviseur"],
    "Vergunningen, Toezicht en Handhaving": [
        "Vergunningverlener evenementen",
        "Vergunningverlener",
        "Handhaver openbare ruimte",
    ],
    "Maatschappelijk Vastgoed": ["Adviseur maatschappelijk vastgoed", "Ruimtemakelaar"],
}

# Network partners by kind: name patterns, "{}" is a generated place-like name.
NETWORK_NAMES = {
    "housing": ["Woningcorporatie {}", "Woonstichting {}", "Huurdersvereniging {}"],
    "education": ["Basisschool De {}", "{} College", "ROC {}", "Openbare Bibliotheek {}"],
    "care_welfare": ["Zorggroep {}", "Welzijn {}", "Buurtteam {}", "Stichting Thuiszorg {}"],
    "fund": ["{}fonds", "Stichting {} Fonds", "Buurtfonds {}"],
    "community": ["Bewonersvereniging {}", "Buurthuis De {}", "Stichting Buurtkracht {}"],
    "business": ["Ondernemersvereniging {}", "Winkeliersvereniging {}"],
    "research": ["Hogeschool {}", "Kenniscentrum {}"],
    "government": ["GGD Regio {}", "Politie basisteam {}", "Veiligheidsregio {}"],
}
NETWORK_KINDS = list(NETWORK_NAMES)
NETWORK_WEIGHTS = [4, 3, 4, 2, 5, 2, 1, 2]
NETWORK_NOTES = [
    "Vast overleg over de buurt",
    "Samen een project gedaan",
    "Contact met het bestuur",
    "Kent de mensen op de werkvloer",
    "",
    "",
]

# --- initiatives -------------------------------------------------------------------------------

# (title, description, problem, target group, themes, needs); "{b}" is the buurt's name.
INITIATIVES = [
    (
        "Taalcafé voor nieuwkomers in {b}",
        "Wij zijn een paar buren die elke week koffie willen drinken met mensen die net in "
        "Nederland wonen. Gewoon praten en Nederlands oefenen, zonder lesboek. We hebben al "
        "een paar vrijwilligers maar nog geen plek.",
        "Nieuwkomers in de buurt spreken weinig Nederlands en kennen niemand.",
        "Statushouders en andere nieuwkomers in {b}",
        ["nieuwkomers-en-integratie"],
        [("space", "Een zaaltje op dinsdagmiddag"), ("volunteers", "Nog een paar taalmaatjes")],
    ),
    (
        "Moestuin achter de flat in {b}",
        "Achter onze flat ligt een stuk gras waar niemand iets mee doet. Wij willen er samen "
        "groente kweken, met de kinderen erbij. Mag dat eigenlijk en wie gaat daarover?",
        "Er is weinig groen en buren kennen elkaar nauwelijks.",
        "Bewoners van de flats en hun kinderen",
        ["openbare-ruimte-en-groen", "sociale-cohesie"],
        [("permit", "Toestemming om de grond te gebruiken"), ("funding", "Geld voor bakken")],
    ),
    (
        "Huiswerkklas voor kinderen uit {b}",
        "Veel kinderen hier krijgen thuis geen hulp met hun huiswerk omdat hun ouders het zelf "
        "niet snappen of geen tijd hebben. Wij zijn studenten en willen twee middagen per week "
        "helpen, maar hebben een lokaal nodig.",
        "Kinderen lopen achter op school.",
        "Kinderen van 8 tot 14 jaar",
        ["onderwijs", "jeugd"],
        [("space", "Een lokaal na schooltijd"), ("network", "Contact met de scholen")],
    ),
    (
        "Koffieochtend tegen eenzaamheid in {b}",
        "Mijn buurvrouw is 84 en zit de hele dag alleen. Ze is niet de enige. Ik wil een "
        "koffieochtend beginnen in het buurthuis, met af en toe een spelletje of een uitje.",
        "Oudere buurtbewoners zijn eenzaam en komen de deur niet uit.",
        "Alleenstaande ouderen",
        ["eenzaamheid"],
        [("space", "Het buurthuis op woensdagochtend"), ("funding", "Koffie en vervoer")],
    ),
    (
        "Samen zonnepanelen op de daken van {b}",
        "Wij willen met de hele straat zonnepanelen kopen, dan is het goedkoper. Maar de helft "
        "huurt van de corporatie en we weten niet hoe dat zit. Ook willen we mensen met een "
        "hoge energierekening helpen.",
        "Hoge energierekeningen en oude huizen.",
        "Huurders en kopers in de straat",
        ["energie-en-duurzaamheid", "wonen"],
        [("knowledge", "Uitleg over subsidie en regels"), ("partnership", "De corporatie")],
    ),
    (
        "Geldzorgen-spreekuur in {b}",
        "Veel mensen in de buurt hebben schulden maar schamen zich om hulp te vragen. Wij "
        "willen een inloopochtend waar je met je brieven en rekeningen terechtkunt.",
        "Mensen komen pas als de schulden te hoog zijn opgelopen.",
        "Bewoners met geldzorgen",
        ["armoede-en-schulden"],
        [("knowledge", "Hoe werkt de schuldhulp van de gemeente"), ("space", "Een ruimte")],
    ),
    (
        "Voetbaltoernooi voor de jongeren van {b}",
        "De jongens en meiden hier hangen op straat omdat er niks te doen is. Wij willen in de "
        "zomer een toernooi op het pleintje, met muziek en eten van de buurt.",
        "Jongeren vervelen zich en er is overlast.",
        "Jongeren van 12 tot 18 jaar",
        ["sport", "jeugd"],
        [("permit", "Vergunning voor het plein"), ("funding", "Prijzen en materiaal")],
    ),
    (
        "Buurtfeest op het plein in {b}",
        "Elk jaar willen we een straatfeest houden zodat nieuwe en oude bewoners elkaar leren "
        "kennen. We willen de straat afsluiten en een podium neerzetten.",
        "Mensen in de buurt kennen elkaar niet meer.",
        "Alle bewoners van de buurt",
        ["sociale-cohesie", "cultuur"],
        [("permit", "Evenementenvergunning"), ("funding", "Een bijdrage uit het buurtbudget")],
    ),
    (
        "Fietsles voor vrouwen in {b}",
        "Veel vrouwen uit onze buurt hebben nooit leren fietsen. Wij willen lessen geven op "
        "zaterdag, met fietsen die we gekregen hebben. We zoeken een veilige plek om te oefenen.",
        "Zonder fiets kom je moeilijk naar werk of school.",
        "Vrouwen die willen leren fietsen",
        ["mobiliteit", "nieuwkomers-en-integratie"],
        [("space", "Een afgesloten schoolplein"), ("volunteers", "Mensen die lesgeven")],
    ),
    (
        "Werkplaats voor werkzoekenden in {b}",
        "Wij willen een werkplaats waar mensen zonder baan fietsen en meubels opknappen en "
        "zo weer ritme krijgen. Een paar ondernemers willen meedoen.",
        "Mensen zitten al lang thuis zonder werk.",
        "Werkzoekenden en mensen met een uitkering",
        ["werk-en-inkomen", "economie-en-ondernemerschap"],
        [("space", "Een leeg pand"), ("partnership", "Samenwerken met het werkgeversservicepunt")],
    ),
    (
        "Veilige oversteek bij de school in {b}",
        "Bij de school rijden auto's veel te hard. Ouders willen een zebrapad en klaar-overs. "
        "We hebben handtekeningen verzameld maar weten niet bij wie we moeten zijn.",
        "Kinderen steken over op een gevaarlijke plek.",
        "Ouders en kinderen van de basisschool",
        [],
        [("network", "Wie gaat over verkeer"), ("recognition", "Dat de gemeente het oppakt")],
    ),
    (
        "Mantelzorgcafé in {b}",
        "Ik zorg al jaren voor mijn moeder en ik merk dat andere mantelzorgers ook vastlopen. "
        "Ik wil een avond per maand waar we ervaringen delen en iemand iets kan uitleggen.",
        "Mantelzorgers zijn overbelast en weten niet waar ze hulp vinden.",
        "Mantelzorgers in de wijk",
        ["zorg"],
        [("knowledge", "Iemand die uitleg geeft over hulp"), ("visibility", "Bekendheid")],
    ),
    (
        "Buurtpreventie-app voor {b}",
        "Na een paar inbraken willen we met de straat een app-groep beginnen en samen "
        "rondlopen. We willen dat graag samen met de wijkagent doen.",
        "Bewoners voelen zich onveilig na inbraken.",
        "Bewoners van de buurt",
        ["veiligheid"],
        [("network", "Contact met de wijkagent en handhaving")],
    ),
    (
        "Kunstproject in de onderdoorgang van {b}",
        "De tunnel naar het station is donker en vies. Kunstenaars uit de buurt willen hem met "
        "kinderen beschilderen zodat het er vrolijker en veiliger uitziet.",
        "Een donkere plek waar mensen niet graag komen.",
        "Kinderen en kunstenaars uit de buurt",
        ["cultuur", "openbare-ruimte-en-groen"],
        [("permit", "Toestemming voor de muur"), ("funding", "Verf en materiaal")],
    ),
    (
        "Wandelgroep voor een gezonder {b}",
        "Wij willen drie keer per week samen wandelen, vooral voor mensen die weinig bewegen "
        "of overgewicht hebben. Een fysiotherapeut wil meelopen.",
        "Veel buurtbewoners bewegen te weinig.",
        "Volwassenen en ouderen",
        ["gezondheid", "sport"],
        [("visibility", "Mensen bereiken die niet uit zichzelf komen")],
    ),
    (
        "Bewonerspanel voor de vernieuwing van {b}",
        "Onze buurt wordt opgeknapt maar we horen er pas van als alles al besloten is. We "
        "willen een panel van bewoners dat vanaf het begin mag meedenken.",
        "Bewoners worden niet betrokken bij plannen voor hun buurt.",
        "Bewoners van de buurt",
        ["participatie-en-democratie", "wonen"],
        [("recognition", "Een vaste plek aan tafel"), ("network", "Contact met de projectleider")],
    ),
]
STAGES = ["idea", "idea", "starting", "starting", "running", "scaling"]


def _vocabulary() -> dict[str, Any]:
    return json.loads(VOCABULARY.read_text(encoding="utf-8"))


def _ascii(text: str) -> str:
    """``"Çelik"`` → ``"celik"``: an email-safe lower-case word."""
    flat = unicodedata.normalize("NFKD", text.replace("ı", "i")).encode("ascii", "ignore")
    return "".join(ch for ch in flat.decode().lower() if ch.isalnum())


class _Names:
    """Dutch-sounding place names, each used once per generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, name: str) -> str:
        candidate, n = name, 2
        while candidate in self.used:
            candidate = f"{name} {('II', 'III', 'IV', 'V')[n - 2] if n < 6 else n}"
            n += 1
        self.used.add(candidate)
        return candidate

    def place(self) -> str:
        rng = self.rng
        first, second = rng.sample(PLACE_STEMS, 2)
        name = first + second.lower()
        if rng.random() < 0.3:
            name = f"{rng.choice(PLACE_PREFIXES)}{name.lower()}"
        return self._unique(name)

    def neighbourhood(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            name = rng.choice(NEIGHBOURHOOD_THEMES) + rng.choice(NEIGHBOURHOOD_SUFFIXES)
        elif roll < 0.7:
            name = "De " + rng.choice(PLACE_STEMS) + rng.choice(("hof", "weide", "gaarde", ""))
        else:
            first, second = rng.sample(PLACE_STEMS, 2)
            name = ("" if roll < 0.85 else "Oud-") + first + second.lower()
        return self._unique(name)


def _topics(vocabulary: dict[str, Any]) -> dict[str, list[str]]:
    """Per theme: its label and the vocabulary's single-word policy terms (job-title topics)."""
    endings = (
        "beleid",
        "zorg",
        "hulp",
        "ing",
        "werk",
        "transitie",
        "preventie",
        "participatie",
        "integratie",
        "veiligheid",
        "ontwikkeling",
        "bestrijding",
    )
    topics = {}
    for theme in vocabulary["themes"]:
        words = [t for t in theme["terms"] if " " not in t and len(t) >= 7 and t.endswith(endings)]
        topics[theme["slug"]] = [theme["label"].lower(), *words[:10]]
    return topics


def _skewed_counts(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` split over ``parts``: a few large municipalities, many smaller ones."""
    weights = [1 / (i + 1) ** 0.8 * rng.uniform(0.8, 1.2) for i in range(parts)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % parts] += 1
    return counts


def _proportional(capacities: list[int], total: int) -> list[int]:
    """``total`` spread over slots in proportion to their capacities (largest remainders)."""
    whole = sum(capacities)
    if not whole:
        return [0] * len(capacities)
    shares = [c * total / whole for c in capacities]
    counts = [int(s) for s in shares]
    order = sorted(range(len(shares)), key=lambda i: counts[i] - shares[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not a secret
        self.names = _Names(self.rng)
        vocabulary = _vocabulary()
        self.topics = _topics(vocabulary)
        self.terms = {t["slug"]: t["terms"] for t in vocabulary["themes"]}
        self.related = {t["slug"]: t.get("related", []) for t in vocabulary["themes"]}
        self.need_terms = {k: (n["label"], n["terms"]) for k, n in vocabulary["needs"].items()}
        self.slugs = list(self.terms)
        self.contact_number = 0
        self.unit_number = 0
        self.document: dict[str, list[dict[str, Any]]] = {
            k: [] for k in ("municipalities", "areas", "units", "contacts", "initiatives")
        }

    # -- municipalities and areas --

    def municipality(self, code: str, contacts: int) -> dict[str, Any]:
        rng = self.rng
        name = self.names.place()
        self.document["municipalities"].append({"code": code, "name": name})
        # Neighbourhood names are unique within a municipality; towns may share them.
        self.area_names = _Names(rng)
        number = code[2:]
        wijken = max(2, min(MAX_WIJKEN, round(contacts / CONTACTS_PER_WIJK)))
        districts = max(1, min(len(DISTRICT_NAMES), math.ceil(wijken / 7)))
        per_district = _proportional([1] * districts, wijken)
        district_names = rng.sample(DISTRICT_NAMES, districts)
        areas = self.document["areas"]
        town = {"code": code, "name": name, "slug": _ascii(name), "districts": []}
        wijk_number = 0
        for d, count in enumerate(per_district):
            sd_code = f"SD{number}{chr(ord('A') + d)}"
            sd_name = district_names[d] if districts > 1 else name
            areas.append(
                {
                    "code": sd_code,
                    "name": sd_name,
                    "municipalityCode": code,
                    "kind": "stadsdeel",
                    "parentCode": None,
                }
            )
            district = {"code": sd_code, "name": sd_name, "wijken": []}
            for _ in range(count):
                wijk_number += 1
                wk_code = f"WK{number}{wijk_number:02d}"
                wk_name = self.area_names.neighbourhood()
                areas.append(
                    {
                        "code": wk_code,
                        "name": wk_name,
                        "municipalityCode": code,
                        "kind": "wijk",
                        "parentCode": sd_code,
                    }
                )
                buurten = []
                for b in range(rng.randint(3, 8)):
                    bu = {
                        "code": f"BU{number}{wijk_number:02d}{b:02d}",
                        "name": self.area_names.neighbourhood(),
                        "municipalityCode": code,
                        "kind": "buurt",
                        "parentCode": wk_code,
                    }
                    areas.append(bu)
                    buurten.append(bu)
                district["wijken"].append({"code": wk_code, "name": wk_name, "buurten": buurten})
            town["districts"].append(district)
        return town

    # -- units --

    def unit(
        self,
        town: dict[str, Any],
        name: str,
        kind: str,
        parent: dict[str, Any] | None,
        themes: list[str],
        area_codes: list[str],
        description: str,
    ) -> dict[str, Any]:
        self.unit_number += 1
        rng = self.rng
        slug = _ascii(name)[:40] or "unit"
        unit = {
            "key": f"{town['code']}-u{self.unit_number}",
            # The HR system's own number, by which a directory sync finds the unit.
            "externalId": f"ORG-{self.unit_number:05d}",
            "parentKey": parent["key"] if parent else None,
            "municipalityCode": town["code"],
            "name": name,
            "kind": kind,
            "description": description,
            "themes": themes,
            "areaCodes": area_codes,
            "email": f"{slug}@{town['slug']}.example" if rng.random() < 0.7 else None,
            "phone": f"+31 {rng.randint(10, 79)} 555 {rng.randint(1000, 9999)}"
            if rng.random() < 0.5
            else None,
            "url": f"https://www.{town['slug']}.example/{slug}" if rng.random() < 0.6 else None,
        }
        self.document["units"].append(unit)
        return unit

    def organisation(
        self, town: dict[str, Any], contacts: int
    ) -> list[tuple[dict[str, Any], str, Any, int]]:
        """The units of one municipality, with room for at least ``contacts`` people: each
        staffed unit with the kind of roles in it, their context and its usual size."""
        rng = self.rng
        staffed: list[tuple[dict[str, Any], str, Any, int]] = []
        teams_to_add: list[tuple[dict[str, Any], str, list[str], str, str]] = []
        for cluster_name, cluster_themes, departments in CLUSTERS:
            cluster = self.unit(
                town,
                f"Cluster {cluster_name}",
                "cluster",
                None,
                cluster_themes,
                [],
                f"Het cluster {cluster_name} van de gemeente {town['name']} bundelt de "
                f"directies voor {', '.join(d[0].lower() for d in departments)}.",
            )
            staffed.append((cluster, "management", cluster_name, rng.randint(3, 6)))
            for department_name, themes, teams in departments:
                department = self.unit(
                    town,
                    f"Afdeling {department_name}",
                    "department",
                    cluster,
                    themes,
                    [],
                    self.description(department_name, themes),
                )
                support = not themes or cluster_name == "Bedrijfsvoering"
                role = "support" if support else "policy"
                staffed.append((department, role, department_name, rng.randint(*UNIT_SIZE)))
                for team in teams:
                    teams_to_add.append((department, team, themes, role, department_name))
        for programme_name, themes in rng.sample(PROGRAMMES, rng.randint(3, len(PROGRAMMES))):
            programme = self.unit(
                town,
                f"Programma {programme_name}",
                "programme",
                None,
                themes,
                [],
                self.description(programme_name, themes),
            )
            staffed.append((programme, "programme", programme_name, rng.randint(8, 20)))
        for district in town["districts"]:
            focus = rng.sample(self.slugs, 2)
            unit = self.unit(
                town,
                f"Stadsdeel {district['name']}",
                "district",
                None,
                list(dict.fromkeys(["sociale-cohesie", *focus])),
                [district["code"]],
                f"Stadsdeel {district['name']} is het aanspreekpunt voor bewoners, "
                f"ondernemers en initiatieven in {district['name']}.",
            )
            staffed.append((unit, "district", district, rng.randint(*UNIT_SIZE)))
            for wijk in district["wijken"]:
                themes = ["sociale-cohesie", *rng.sample(self.slugs, 2)]
                area_team = self.unit(
                    town,
                    f"Gebiedsteam {wijk['name']}",
                    "area_team",
                    unit,
                    list(dict.fromkeys(themes)),
                    [wijk["code"]],
                    f"Het gebiedsteam werkt in {wijk['name']} samen met bewoners, "
                    "welzijnswerk, scholen en corporaties aan wat de wijk nodig heeft.",
                )
                staffed.append((area_team, "area", wijk, rng.randint(*UNIT_SIZE)))
        # Teams under the departments until the organisation can hold everyone (a small
        # municipality has none: its departments are its teams).
        capacity = sum(s[3] for s in staffed)
        round_number = 0
        while teams_to_add and capacity < contacts:
            round_number += 1
            for department, team, themes, role, department_name in teams_to_add:
                if capacity >= contacts:
                    break
                # More of the same team: one per stadsdeel, then numbered.
                extra = round_number - 2
                districts = town["districts"]
                if round_number == 1:
                    suffix = ""
                elif extra < len(districts) and len(districts) > 1:
                    suffix = f" {districts[extra]['name']}"
                else:
                    suffix = f" {round_number}"
                name = f"Team {team}{suffix}"
                unit = self.unit(
                    town, name, "team", department, themes, [], self.description(team, themes)
                )
                size = rng.randint(*UNIT_SIZE)
                staffed.append((unit, role, department_name, size))
                capacity += size
        return staffed

    def description(self, name: str, themes: list[str]) -> str:
        if not themes:
            return f"{name} ondersteunt de organisatie."
        terms = [self.rng.choice(self.terms[t]) for t in themes[:3]]
        return f"{name}: beleid en uitvoering rond {', '.join(terms)}."

    # -- contacts --

    def person(self) -> tuple[str, str]:
        rng = self.rng
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(SURNAMES)
        self.contact_number += 1
        local = f"{_ascii(first)}.{_ascii(last)}.{self.contact_number}"
        return f"{first} {last}", f"{local}@{EMAIL_DOMAIN}"

    def job(self, unit: dict[str, Any], role: str, context: Any) -> tuple[str, list[str]]:
        """A job title and the contact's themes, varied within the unit's portfolio."""
        rng = self.rng
        unit_themes = unit["themes"]
        if role == "support" or (role == "management" and not unit_themes):
            return rng.choice(SUPPORT_ROLES), []
        theme = rng.choice(unit_themes)
        themes = [theme]
        if len(unit_themes) > 1 and rng.random() < 0.6:
            themes.append(rng.choice(unit_themes))
        if rng.random() < 0.3 and self.related[theme]:
            themes.append(rng.choice(self.related[theme]))
        themes = list(dict.fromkeys(themes))
        if role == "management":
            return f"Clustermanager {context}" if rng.random() < 0.3 else "Directieadviseur", themes
        if role == "area":
            roll = rng.random()
            if roll < 0.5:
                return rng.choice(AREA_ROLES).format(context["name"]), themes
            return rng.choice(THEME_ROLES[theme]), themes
        if role == "district":
            if rng.random() < 0.5:
                return rng.choice(DISTRICT_ROLES).format(context["name"]), themes
            return rng.choice(THEME_ROLES[theme]), themes
        special = SPECIAL_ROLES.get(context)
        if special and rng.random() < 0.6:
            return rng.choice(special), themes
        if rng.random() < 0.5:
            return rng.choice(THEME_ROLES[theme]), themes
        return rng.choice(GENERIC_ROLES).format(rng.choice(self.topics[theme])), themes

    def expertise(self, themes: list[str], where: str | None) -> str:
        rng = self.rng
        if not themes:
            return ""
        first = rng.sample(self.terms[themes[0]], 2)
        parts = [f"Werkt aan {first[0]} en {first[1]}" + (f" in {where}." if where else ".")]
        if len(themes) > 1:
            parts.append(f"Denkt mee over {rng.choice(self.terms[themes[1]])}.")
        kind = rng.choice(("funding", "space", "permit", "knowledge", "network"))
        label, terms = self.need_terms[kind]
        parts.append(f"Helpt initiatieven verder bij {label} ({rng.choice(terms)}).")
        if rng.random() < 0.4:
            parts.append(f"Kent de partners rond {rng.choice(self.terms[themes[-1]])}.")
        return " ".join(parts)

    def networks(self) -> list[dict[str, str]]:
        rng = self.rng
        count = rng.choices((0, 1, 2, 3, 4), weights=(3, 3, 3, 2, 1))[0]
        links = []
        for kind in rng.choices(NETWORK_KINDS, weights=NETWORK_WEIGHTS, k=count):
            first, second = rng.sample(PLACE_STEMS, 2)
            stem = first + second.lower()
            name = rng.choice(NETWORK_NAMES[kind]).format(stem)
            links.append({"name": name, "kind": kind, "note": rng.choice(NETWORK_NOTES)})
        return links

    def staff(self, unit: dict[str, Any], role: str, context: Any, count: int) -> None:
        rng = self.rng
        if role == "area":
            where = context["name"]
        elif role == "district":
            where = f"stadsdeel {context['name']}"
        else:
            where = None
        area_codes = unit["areaCodes"]
        members = []
        for _ in range(count):
            name, email = self.person()
            job_title, themes = self.job(unit, role, context)
            languages = ["nl"]
            if rng.random() < 0.45:
                languages += rng.sample(LANGUAGES, rng.randint(1, 2))
            consent = rng.random() < 0.9
            contact = {
                "key": f"c{self.contact_number}",
                "externalId": f"P{self.contact_number:07d}",  # the HR system's personnel number
                "unitKey": unit["key"],
                "name": name,
                "jobTitle": job_title,
                "email": email,
                "phone": f"+31 6 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
                if rng.random() < 0.6
                else None,
                "themes": themes,
                "areaCodes": list(area_codes),
                "expertise": self.expertise(themes, where),
                "languages": list(dict.fromkeys(languages)),
                "networks": self.networks() if role != "support" else [],
                "knows": [],
                "openToInitiatives": rng.random() < (0.3 if role == "support" else 0.8),
                "capacityPerMonth": rng.randint(1, 8),
                "available": rng.random() < 0.92,
                "consentAt": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                f"T{rng.randint(8, 17):02d}:00:00Z"
                if consent
                else None,
                "publicProfile": rng.random() < 0.5,
            }
            members.append(contact)
        keys = [c["key"] for c in members]
        if len(keys) > 1:
            for contact in members:
                known = rng.sample(keys, min(len(keys), rng.randint(0, 7)))
                contact["knows"] = [k for k in known if k != contact["key"]][:6]
        self.document["contacts"].extend(members)

    # -- initiatives --

    def initiative(self, town: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        title, description, problem, target, themes, needs = rng.choice(INITIATIVES)
        district = rng.choice(town["districts"])
        wijk = rng.choice(district["wijken"])
        buurt = rng.choice(wijk["buurten"])
        area = buurt if rng.random() < 0.7 else wijk
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(SURNAMES)
        initiator = {
            "name": f"{first} {last}",
            "email": f"{_ascii(first)}.{_ascii(last)}@example.org",
        }
        if rng.random() < 0.5:
            initiator["phone"] = f"+31 6 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
        return {
            "municipalityCode": town["code"],
            "title": title.format(b=area["name"]),
            "description": description,
            "problem": problem,
            "targetGroup": target.format(b=area["name"]),
            # Residents often leave the themes to the matcher.
            "themes": list(themes) if rng.random() < 0.6 else [],
            "areaCodes": [area["code"]],
            "stage": rng.choice(STAGES),
            "needs": [{"kind": kind, "description": text} for kind, text in needs],
            "initiator": initiator,
        }


def generate(
    *, contacts: int, municipalities: int = 1, seed: int = 2026, initiatives: int = 40
) -> dict:
    """A synthetic directory: ``municipalities``, ``areas``, ``units`` and ``contacts`` as the
    import document (``POST /api/v1/imports``) has them, plus ``initiatives``: bodies for
    ``POST /api/v1/initiatives``. The same arguments always give the same document."""
    if contacts < 0 or municipalities < 1 or initiatives < 0:
        raise ValueError("contacts and initiatives must be >= 0, municipalities >= 1")
    generator = _Generator(seed)
    rng = generator.rng
    codes = [f"GM{n:04d}" for n in sorted(rng.sample(range(1, 10_000), municipalities))]
    counts = _skewed_counts(rng, contacts, municipalities)
    towns = []
    for code, count in zip(codes, counts, strict=True):
        town = generator.municipality(code, count)
        staffed = generator.organisation(town, count)
        sizes = _proportional([s[3] for s in staffed], count)
        for (unit, role, context, _), size in zip(staffed, sizes, strict=True):
            generator.staff(unit, role, context, size)
        towns.append((town, count))
    # Initiatives follow the people: a larger municipality gets more of them.
    per_town = _proportional([max(count, 1) for _, count in towns], initiatives)
    for (town, _), number in zip(towns, per_town, strict=True):
        generator.document["initiatives"].extend(generator.initiative(town) for _ in range(number))
    return generator.document


def structure(document: dict) -> dict:
    """The first import of a batched load: municipalities, areas and units, no contacts."""
    return {key: document[key] for key in ("municipalities", "areas", "units")}


def contact_batches(
    document: dict, *, unit_ids: dict[str, int], size: int = 2000
) -> Iterator[dict]:
    """Import documents ``{"contacts": [...]}`` of about ``size`` contacts each, for units
    already stored: each contact's ``unitKey`` becomes ``unitId`` (``unit_ids``: what the
    structure import returned). A unit's contacts are never split over two batches, so every
    ``knows`` stays within its batch; a unit larger than ``size`` is a batch of its own."""
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for contact in document["contacts"]:
        by_unit.setdefault(contact["unitKey"], []).append(contact)
    batch: list[dict[str, Any]] = []
    for unit_key, members in by_unit.items():
        if batch and len(batch) + len(members) > size:
            yield {"contacts": batch}
            batch = []
        unit_id = unit_ids[unit_key]
        batch.extend(
            {**{k: v for k, v in c.items() if k != "unitKey"}, "unitId": unit_id} for c in members
        )
    if batch:
        yield {"contacts": batch}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, required=True)
    parser.add_argument("--municipalities", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--initiatives", type=int, default=40)
    parser.add_argument("--out", type=Path, required=True, help="the import document (JSON)")
    parser.add_argument("--initiatives-out", type=Path, help="the initiatives (a JSON list)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    document = generate(
        contacts=args.contacts,
        municipalities=args.municipalities,
        seed=args.seed,
        initiatives=args.initiatives,
    )
    elapsed = time.perf_counter() - started
    initiatives = document.pop("initiatives")
    args.out.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    counts = ", ".join(f"{len(v)} {k}" for k, v in document.items())
    print(f"{args.out}: {counts}; {args.out.stat().st_size / 1e6:.1f} MB ({elapsed:.1f} s)")
    if args.initiatives_out:
        args.initiatives_out.write_text(
            json.dumps(initiatives, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        size = args.initiatives_out.stat().st_size / 1e3
        print(f"{args.initiatives_out}: {len(initiatives)} initiatives; {size:.1f} kB")


if __name__ == "__main__":
    sys.exit(main())
