"""Every mail Wegwijs sends, in plain Dutch (B1): its subject and its blocks of text, rendered
as plain text and as an HTML alternative from the same blocks.

No tracking pixel, no remote image, no web font: the HTML is a few paragraphs, lists and links
with inline styles, readable in any mail program and with images off. Links go to
``WEGWIJS_PUBLIC_URL`` only. Personal details appear only where the introduction rules allow
them: the contact's e-mail and phone reach the initiator once the contact accepted, never
before; a civil servant's name only when their profile is public or after acceptance.
"""

import html
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    AMSTERDAM = ZoneInfo("Europe/Amsterdam")
except ZoneInfoNotFoundError:  # a container without time zone data: dates in UTC
    AMSTERDAM = UTC
MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
WIDTH = 72

NEED_LABELS = {
    "space": "ruimte (een plek, zaal of stukje grond)",
    "permit": "een vergunning",
    "funding": "geld (subsidie of een bijdrage)",
    "knowledge": "kennis of advies",
    "network": "contact met de juiste mensen",
    "partnership": "een organisatie om mee samen te werken",
    "recognition": "erkenning en steun van de gemeente",
    "scaling": "groter worden, of ook in andere buurten",
    "volunteers": "vrijwilligers",
    "visibility": "bekendheid in de buurt",
    "other": "iets anders",
}


def need_label(kind: str) -> str:
    return NEED_LABELS.get(kind, kind)


def date_text(moment: datetime) -> str:
    """``3 maart 2026`` in Dutch time."""
    local = moment.astimezone(AMSTERDAM)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Items:
    items: Sequence[str]


@dataclass(frozen=True)
class Facts:
    """Label–value lines: ``E-mail: a@b.nl``."""

    rows: Sequence[tuple[str, str]]


Block = Paragraph | Heading | Link | Items | Facts


@dataclass(frozen=True)
class Message:
    subject: str
    blocks: Sequence[Block]
    footer: Sequence[str] = field(
        default=(
            "Dit bericht is automatisch verstuurd door Wegwijs. U kunt er niet op antwoorden.",
        )
    )

    def text(self) -> str:
        lines: list[str] = []
        for block in self.blocks:
            match block:
                case Paragraph(text):
                    lines += [*_wrap(text), ""]
                case Heading(text):
                    lines += [text, "-" * len(text), ""]
                case Link(label, url):
                    lines += [f"{label}:", url, ""]
                case Items(items):
                    for item in items:
                        lines += _wrap(item, first="- ", rest="  ")
                    lines.append("")
                case Facts(rows):
                    for label, value in rows:
                        lines += _wrap(value, first=f"{label}: ", rest="  ")
                    lines.append("")
        # "-- " (with its space) is the signature separator mail programs know.
        lines += ["-- ", *[line for note in self.footer for line in _wrap(note)]]
        return "\n".join(lines) + "\n"

    def html(self) -> str:
        parts: list[str] = []
        for block in self.blocks:
            match block:
                case Paragraph(text):
                    parts.append(f"<p>{_h(text)}</p>")
                case Heading(text):
                    parts.append(
                        f'<h2 style="font-size:1.15em;margin:1.2em 0 0.4em">{_h(text)}</h2>'
                    )
                case Link(label, url):
                    parts.append(
                        f'<p><a href="{_h(url)}" style="display:inline-block;padding:0.5em 1em;'
                        "background:#0b4f8a;color:#ffffff;text-decoration:none;border-radius:4px;"
                        f'font-weight:bold">{_h(label)}</a></p>'
                    )
                case Items(items):
                    parts.append("<ul>" + "".join(f"<li>{_h(i)}</li>" for i in items) + "</ul>")
                case Facts(rows):
                    cells = "".join(
                        f'<tr><th scope="row" style="text-align:left;padding:0.2em 1em 0.2em 0;'
                        f'vertical-align:top">{_h(label)}</th><td>{_h(value)}</td></tr>'
                        for label, value in rows
                    )
                    parts.append(f"<table>{cells}</table>")
        footer = "".join(f"<p>{_h(note)}</p>" for note in self.footer)
        return (
            '<!doctype html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{_h(self.subject)}</title>\n</head>\n"
            '<body style="font-family:Arial,Helvetica,sans-serif;font-size:16px;'
            'line-height:1.5;color:#1a1a1a;max-width:40em">\n'
            + "\n".join(parts)
            + f'\n<hr>\n<div style="font-size:0.9em;color:#4a4a4a">{footer}</div>\n'
            "</body>\n</html>\n"
        )


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _wrap(text: str, first: str = "", rest: str = "") -> list[str]:
    lines: list[str] = []
    for number, paragraph in enumerate(text.splitlines() or [""]):
        lines += textwrap.wrap(
            paragraph,
            WIDTH,
            initial_indent=first if number == 0 else rest,
            subsequent_indent=rest,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [first.rstrip() if number == 0 else ""]
    return lines


def greeting(name: str | None) -> Paragraph:
    return Paragraph(f"Beste {name}," if name else "Hallo,")


# --- the mails -----------------------------------------------------------------------------


def sign_in(*, url: str, minutes: int) -> Message:
    return Message(
        subject="Uw link om in te loggen bij Wegwijs",
        blocks=[
            Paragraph("Hallo,"),
            Paragraph(
                "U wilt inloggen bij Wegwijs. Klik op de link hieronder. U komt dan op de "
                "website van Wegwijs. Klik daar op ‘Inloggen’."
            ),
            Link("Inloggen bij Wegwijs", url),
            Paragraph(f"De link werkt {minutes} minuten, en maar één keer."),
            Paragraph(
                "Heeft u dit niet zelf gevraagd? Dan hoeft u niets te doen. Zonder deze link "
                "kan niemand met uw e-mailadres inloggen."
            ),
        ],
    )


@dataclass(frozen=True)
class InitiativeFacts:
    title: str
    description: str
    needs: Sequence[str]  # Dutch labels, with the initiator's own words
    areas: Sequence[str]
    municipality_name: str


def introduction_requested(
    *,
    contact_name: str | None,
    initiative: InitiativeFacts,
    message: str,
    accept_url: str,
    decline_url: str,
    answer_before: datetime,
    reminder: bool,
) -> Message:
    if reminder:
        subject = f"Herinnering: verzoek om kennismaking – {initiative.title}"
        opening = (
            "Een tijd geleden vroeg een bewonersinitiatief of het met u mag kennismaken. "
            "U heeft nog niet geantwoord. Wilt u dat nu doen? Dan weten ze waar ze aan toe zijn."
        )
    else:
        subject = f"Verzoek om kennismaking – {initiative.title}"
        opening = (
            f"Een bewonersinitiatief in {initiative.municipality_name} wil graag met u "
            "kennismaken. Ze vonden u via Wegwijs, omdat uw werk past bij hun plan."
        )
    facts = [("Naam", initiative.title)]
    if initiative.description:
        facts.append(("Wat ze willen doen", initiative.description))
    if initiative.needs:
        facts.append(("Wat ze nodig hebben", "; ".join(initiative.needs)))
    facts.append(("Waar", ", ".join(initiative.areas) or f"heel {initiative.municipality_name}"))
    blocks: list[Block] = [greeting(contact_name), Paragraph(opening), Heading("Het initiatief")]
    blocks.append(Facts(facts))
    if message:
        blocks += [Heading("Hun bericht aan u"), Paragraph(message)]
    blocks += [
        Heading("Wat wilt u doen?"),
        Paragraph(
            "Kies hieronder. U ziet het verzoek dan nog een keer op de website, en bevestigt "
            "daar uw keuze. Alleen de link openen verandert niets."
        ),
        Link("Accepteren", accept_url),
        Link("Afwijzen", decline_url),
        Paragraph(
            "Als u accepteert, krijgt de initiatiefnemer uw e-mailadres en telefoonnummer. U "
            "krijgt dan ook die van de initiatiefnemer. Als u afwijst, mag u zeggen waarom; "
            "Wegwijs stelt de initiatiefnemer dan andere mensen voor."
        ),
        Paragraph(f"U kunt antwoorden tot en met {date_text(answer_before)}."),
    ]
    return Message(subject=subject, blocks=blocks)


def introduction_accepted(
    *,
    initiator_name: str,
    title: str,
    contact_name: str,
    job_title: str,
    unit_name: str,
    email: str,
    phone: str | None,
    page_url: str,
) -> Message:
    facts = [("Naam", contact_name), ("Functie", job_title), ("Afdeling", unit_name)]
    facts.append(("E-mail", email))
    if phone:
        facts.append(("Telefoon", phone))
    return Message(
        subject=f"Kennismaking geaccepteerd – {title}",
        blocks=[
            greeting(initiator_name),
            Paragraph(
                f"Goed nieuws! {contact_name} wil graag met u kennismaken over uw initiatief "
                f"‘{title}’."
            ),
            Facts(facts),
            Paragraph(
                "Neem zelf contact op en maak een afspraak. Vertel kort wie u bent en waarover "
                "u het wilt hebben."
            ),
            Link("Bekijk uw kennismakingen op Wegwijs", page_url),
        ],
    )


def introduction_declined(
    *,
    initiator_name: str,
    title: str,
    who: str,
    reason: str | None,
    suggestions: Sequence[str],
    page_url: str,
) -> Message:
    blocks: list[Block] = [
        greeting(initiator_name),
        Paragraph(f"{who} kan helaas niet met u kennismaken over uw initiatief ‘{title}’."),
    ]
    if reason:
        blocks += [Paragraph("Dit is de reden:"), Paragraph(reason)]
    if suggestions:
        blocks += [
            Paragraph("Misschien kunnen deze mensen u wel verder helpen:"),
            Items(suggestions),
            Paragraph("Op Wegwijs kunt u bij hen een kennismaking aanvragen."),
        ]
    else:
        blocks.append(Paragraph("Zoek op Wegwijs naar iemand anders die u verder kan helpen."))
    blocks.append(Link("Naar Wegwijs", page_url))
    return Message(subject=f"Kennismaking afgewezen – {title}", blocks=blocks)


def introduction_cancelled(*, contact_name: str | None, title: str) -> Message:
    return Message(
        subject=f"Verzoek ingetrokken – {title}",
        blocks=[
            greeting(contact_name),
            Paragraph(
                f"Het initiatief ‘{title}’ heeft het verzoek om kennismaking met u ingetrokken. "
                "U hoeft niets meer te doen."
            ),
        ],
    )


@dataclass(frozen=True)
class DigestFacts:
    municipality_name: str
    stalled: Sequence[str]
    stalled_total: int
    unmatched: Sequence[str]
    unmatched_total: int
    initiatives_total: int
    overloaded: Sequence[str]
    overloaded_total: int
    report_url: str
    stalled_after_days: int


def digest(facts: DigestFacts, *, shown: int) -> Message:
    def more(total: int) -> list[Block]:
        return (
            [Paragraph(f"En nog {total - shown} meer in het overzicht.")] if total > shown else []
        )

    blocks: list[Block] = [
        Paragraph("Hallo,"),
        Paragraph(
            f"Dit is het overzicht van deze week voor {facts.municipality_name}: waar "
            "initiatieven vastlopen, wie niemand vinden, en wie het te druk heeft."
        ),
        Heading(f"Kennismakingen die vastlopen ({facts.stalled_total})"),
    ]
    if facts.stalled:
        blocks += [
            Paragraph(
                f"Afgewezen, of al meer dan {facts.stalled_after_days} dagen zonder antwoord:"
            ),
            Items(facts.stalled),
            *more(facts.stalled_total),
        ]
    else:
        blocks.append(Paragraph("Geen. Alle verzoeken krijgen op tijd antwoord."))
    blocks.append(
        Heading(
            f"Initiatieven zonder goede match ({facts.unmatched_total} van "
            f"{facts.initiatives_total})"
        )
    )
    if facts.unmatched:
        blocks += [Items(facts.unmatched), *more(facts.unmatched_total)]
    else:
        blocks.append(Paragraph("Geen. Elk initiatief vindt iemand die past."))
    blocks.append(Heading(f"Ambtenaren met te veel vragen ({facts.overloaded_total})"))
    if facts.overloaded:
        blocks += [Items(facts.overloaded), *more(facts.overloaded_total)]
    else:
        blocks.append(Paragraph("Geen."))
    blocks += [
        Paragraph(
            "Het hele overzicht (ook als CSV) staat in Wegwijs. U opent het met uw "
            "makelaarssleutel:"
        ),
        Link("Overzicht van gebroken verbindingen", facts.report_url),
    ]
    return Message(
        subject=f"Wegwijs: overzicht van de week – {facts.municipality_name}", blocks=blocks
    )
