"""Broken connections: initiatives that find no good contact, introductions that stall, and
civil servants who are asked more than they can take.

**Gaps.** Every initiative of the municipality is matched as its initiator would see it
(``match_initiative``, top ``overload_top_n``); when its best score is below
``gap_score_threshold`` it is a gap. The default, 0.40, was read off the demo municipality
(GM0363, 97 civil servants, 28 initiatives):

- the demo initiatives, each written with a fitting civil servant in mind, score 0.52 to 0.85
  (median 0.64) on their best match;
- initiatives nobody covers (a natural burial ground, an angling club) score 0.16 to 0.21,
  and a vague one whose only link is generic words ("iets leuks doen in de buurt") 0.36;
- by the formula, a contact whose capacity is used up scores at most 0.25 (the capacity
  floor) and one closed to initiatives at most 0.35 (the openness floor), so an initiative
  whose only fitting people are full or closed is a gap, as it should be;
- one free slot left still scores 0.50 for a good specialist: no gap.

0.40 sits in the empty band between those groups, with room on both sides; raise it to be
warned earlier (``WEGWIJS_GAP_SCORE_THRESHOLD``). Scores are the engine's own fit, so the
threshold means the same in a small and a large municipality.

**Stalled introductions** are every declined one and every one still ``requested`` after
``stalled_introduction_days`` (14: two working weeks without an answer).

**Overloaded contacts** have open introductions reaching their capacityPerMonth (and at least
one), or are *in demand*: among the top ``overload_top_n`` (3) matches, with a score of at
least the gap threshold, of at least as many initiatives as their capacityPerMonth and of at
least ``overload_min_top_matches`` (3) — if every initiative asked its good top three, they
would be full.

**Ranking corrections** count brokers' standing match overrides per theme (the initiative's
own themes, or else the themes its text is mainly about): "brokers corrected the ranking for
4 of 11 initiatives about eenzaamheid; most often by pinning …", the clearest signal of where
the ranking is wrong. **Answers** count the official answers by status, the initiatives
still without one, and the median days from registration to the first answer.

The report costs a few bulk queries plus one match per initiative (each a handful of small
queries against the prepared index: about 20 ms); it is meant for a broker's periodic look,
not for every page view.
"""

import csv
import io
import math
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from api.core.identity import Principal
from api.core.settings import Settings
from api.services.common import require_municipality
from api.services.match_overrides import standing_by_initiative
from api.services.matching import match_initiative
from api.services.workload import open_introduction_counts
from matching import default_vocabulary
from matching.vocabulary import theme_label
from schemas import (
    Area,
    Contact,
    Initiative,
    InitiativeEvent,
    InitiativeEventKind,
    Introduction,
    IntroductionStatus,
    OverrideAction,
    ResponseStatus,
    Unit,
)
from schemas.base import _as_utc
from schemas.columns import utc_now
from schemas.insight import (
    AnswerCount,
    Correction,
    GapGroup,
    GapInitiative,
    GapReport,
    OfficialAnswers,
    OverloadedContact,
    OverloadedContacts,
    OverloadReason,
    RankingCorrections,
    StalledIntroduction,
    StalledIntroductions,
    StalledUnit,
    ThemeCorrections,
    UnmatchedInitiatives,
)

CSV_COLUMNS = (
    "section",
    "key",
    "label",
    "unit",
    "initiatives",
    "gaps",
    "declined",
    "unanswered",
    "status",
    "initiativeId",
    "contactId",
    "daysWaiting",
    "openIntroductions",
    "capacityPerMonth",
    "topMatches",
    "score",
    "detail",
    "corrected",
    "pins",
    "exclusions",
)


def gap_report(
    *, session: Session, settings: Settings, principal: Principal, municipality_code: str
) -> GapReport:
    require_municipality(session, municipality_code, field="municipalityCode")
    now = utc_now()
    unit_names = dict(
        session.exec(
            select(Unit.id, Unit.name).where(Unit.municipality_code == municipality_code)
        ).all()
    )
    unmatched, top_matches, themes_of = _unmatched(
        session=session,
        settings=settings,
        principal=principal,
        municipality_code=municipality_code,
    )
    return GapReport(
        municipality_code=municipality_code,
        generated_at=now,
        unmatched_initiatives=unmatched,
        stalled_introductions=_stalled(
            session=session, settings=settings, municipality_code=municipality_code, now=now
        ),
        overloaded_contacts=_overloaded(
            session=session,
            settings=settings,
            municipality_code=municipality_code,
            unit_names=unit_names,
            top_matches=top_matches,
        ),
        ranking_corrections=_corrections(
            session=session, municipality_code=municipality_code, themes_of=themes_of
        ),
        answers=_answers(session=session, municipality_code=municipality_code),
    )


def _unmatched(
    *, session: Session, settings: Settings, principal: Principal, municipality_code: str
) -> tuple[UnmatchedInitiatives, Counter[int], dict[int, list[str]]]:
    """Match every initiative; returns the gaps, per contact the number of initiatives that
    have them in their top ``overload_top_n``, and per initiative its themes (its own, or
    else those its text is mainly about)."""
    initiatives = session.exec(
        select(Initiative)
        .where(Initiative.municipality_code == municipality_code)
        .order_by(Initiative.id)
    ).all()
    threshold = settings.gap_score_threshold
    top_matches: Counter[int] = Counter()
    gaps: list[GapInitiative] = []
    gap_ids: set[int] = set()
    themes_of: dict[int, list[str]] = {}
    for initiative in initiatives:
        result = match_initiative(
            session=session,
            initiative=initiative,
            principal=principal,
            settings=settings,
            limit=settings.overload_top_n,
        )
        themes_of[initiative.id] = list(initiative.themes or result.understood.themes)
        # Only matches worth following make someone in demand, not the zero-score fillers
        # of a short list.
        top_matches.update(item.contact.id for item in result.items if item.score >= threshold)
        best = max(result.items, key=lambda item: item.score, default=None)
        if best is not None and best.score >= threshold:
            continue
        if best is not None and best.score <= 0:
            best = None
        gap_ids.add(initiative.id)
        gaps.append(
            GapInitiative(
                id=initiative.id,
                title=initiative.title,
                stage=initiative.stage,
                best_score=best.score if best else 0.0,
                best_contact_id=best.contact.id if best else None,
                themes=initiative.themes,
                area_codes=initiative.area_codes,
                needs=list(dict.fromkeys(need["kind"] for need in initiative.needs)),
            )
        )
    vocabulary = default_vocabulary()
    area_names = dict(
        session.exec(
            select(Area.code, Area.name).where(Area.municipality_code == municipality_code)
        ).all()
    )

    def need_label(kind: str) -> str:
        entry = vocabulary.needs.get(kind)
        return entry[0] if entry else kind

    def groups(
        keys_of: Callable[[Initiative], Iterable[str]], label_of: Callable[[str], str]
    ) -> list[GapGroup]:
        members: dict[str, list[Initiative]] = {}
        for initiative in initiatives:
            for key in dict.fromkeys(keys_of(initiative)):
                members.setdefault(key, []).append(initiative)
        rows = [
            GapGroup(
                key=key,
                label=label_of(key),
                initiatives=len(group),
                gaps=sum(i.id in gap_ids for i in group),
                gap_initiatives=[{"id": i.id, "title": i.title} for i in group if i.id in gap_ids],
            )
            for key, group in members.items()
        ]
        return sorted(rows, key=lambda g: (-g.gaps, -g.initiatives, g.key))

    report = UnmatchedInitiatives(
        threshold=threshold,
        initiatives=len(initiatives),
        gaps=len(gaps),
        items=sorted(gaps, key=lambda g: (g.best_score, g.id)),
        by_theme=groups(lambda i: i.themes, lambda slug: theme_label(vocabulary, slug)),
        by_need=groups(lambda i: (n["kind"] for n in i.needs), need_label),
        by_area=groups(lambda i: i.area_codes, lambda code: area_names.get(code, code)),
    )
    return report, top_matches, themes_of


def _corrections(
    *, session: Session, municipality_code: str, themes_of: dict[int, list[str]]
) -> RankingCorrections:
    overrides = standing_by_initiative(session, municipality_code)
    titles = dict(
        session.exec(
            select(Initiative.id, Initiative.title).where(
                Initiative.municipality_code == municipality_code
            )
        ).all()
    )
    people = {
        row.id: row
        for row in session.exec(
            select(Contact.id, Contact.name, Contact.job_title).where(
                Contact.id.in_({o.contact_id for group in overrides.values() for o in group})
            )
        ).all()
    }
    vocabulary = default_vocabulary()
    members: dict[str, list[int]] = {}
    for initiative_id, themes in themes_of.items():
        for theme in dict.fromkeys(themes):
            members.setdefault(theme, []).append(initiative_id)
    rows = []
    for theme, initiative_ids in members.items():
        corrected = [i for i in initiative_ids if overrides.get(i)]
        made = [o for i in corrected for o in overrides[i]]
        tally = Counter((o.action, o.contact_id) for o in made)
        most_common = None
        if tally:
            (action, contact_id), times = min(
                tally.items(), key=lambda item: (-item[1], item[0][0] != "pin", item[0][1])
            )
            person = people.get(contact_id)
            most_common = Correction(
                action=action,
                contact={
                    "id": contact_id,
                    "name": person.name if person else "",
                    "job_title": person.job_title if person else "",
                },
                initiatives=times,
            )
        label = theme_label(vocabulary, theme)
        detail = (
            f"Brokers corrected the ranking for {len(corrected)} of {len(initiative_ids)} "
            f"initiatives about {label}"
        )
        if most_common is not None:
            verb = "pinning" if most_common.action is OverrideAction.pin else "excluding"
            who = most_common.contact.name or f"contact {most_common.contact.id}"
            role = f" ({most_common.contact.job_title})" if most_common.contact.job_title else ""
            detail += f"; most often by {verb} {who}{role}"
        rows.append(
            ThemeCorrections(
                key=theme,
                label=label,
                initiatives=len(initiative_ids),
                corrected=len(corrected),
                pins=sum(o.action == OverrideAction.pin for o in made),
                exclusions=sum(o.action == OverrideAction.exclude for o in made),
                most_common=most_common,
                corrected_initiatives=[{"id": i, "title": titles.get(i, "")} for i in corrected],
                detail=detail + ".",
            )
        )
    every = [o for group in overrides.values() for o in group]
    return RankingCorrections(
        initiatives=len(themes_of),
        corrected=sum(1 for i in themes_of if overrides.get(i)),
        pins=sum(o.action == OverrideAction.pin for o in every),
        exclusions=sum(o.action == OverrideAction.exclude for o in every),
        by_theme=sorted(
            rows, key=lambda r: (-r.corrected, -r.corrected / r.initiatives, -r.initiatives, r.key)
        ),
    )


def _answers(*, session: Session, municipality_code: str) -> OfficialAnswers:
    initiatives = session.exec(
        select(Initiative.id, Initiative.response_status, Initiative.created_at).where(
            Initiative.municipality_code == municipality_code
        )
    ).all()
    first_answers = dict(
        session.exec(
            select(InitiativeEvent.initiative_id, sa.func.min(InitiativeEvent.at))
            .join(Initiative, Initiative.id == InitiativeEvent.initiative_id)
            .where(Initiative.municipality_code == municipality_code)
            .where(InitiativeEvent.kind == InitiativeEventKind.response_changed)
            .group_by(InitiativeEvent.initiative_id)
        ).all()
    )
    statuses = Counter(status for _, status, _ in initiatives if status is not None)
    days = [
        (_as_utc(first_answers[i]) - _as_utc(created)).total_seconds() / 86400
        for i, _, created in initiatives
        if i in first_answers
    ]
    answered = sum(statuses.values())
    return OfficialAnswers(
        initiatives=len(initiatives),
        answered=answered,
        unanswered=len(initiatives) - answered,
        by_status=[
            AnswerCount(status=status, initiatives=statuses.get(status, 0))
            for status in ResponseStatus
        ],
        median_days_to_first_answer=round(statistics.median(days), 1) if days else None,
    )


def _stalled(
    *, session: Session, settings: Settings, municipality_code: str, now: datetime
) -> StalledIntroductions:
    cutoff = now - timedelta(days=settings.stalled_introduction_days)
    rows = session.exec(
        select(
            Introduction.id,
            Introduction.initiative_id,
            Introduction.contact_id,
            Introduction.status,
            Introduction.created_at,
            Unit.id,
            Unit.name,
        )
        .join(Contact, Contact.id == Introduction.contact_id)
        .join(Unit, Unit.id == Contact.unit_id)
        .where(Contact.municipality_code == municipality_code)
        .where(
            sa.or_(
                Introduction.status == IntroductionStatus.declined,
                sa.and_(
                    Introduction.status == IntroductionStatus.requested,
                    Introduction.created_at < cutoff,
                ),
            )
        )
        .order_by(Introduction.created_at, Introduction.id)
    ).all()
    items = []
    for id_, initiative_id, contact_id, status, created_at, unit_id, unit_name in rows:
        item = StalledIntroduction(
            id=id_,
            initiative_id=initiative_id,
            contact_id=contact_id,
            status=status,
            created_at=created_at,
            days_waiting=0,
            unit={"id": unit_id, "name": unit_name},
        )
        # Counted on the validated timestamp, which is UTC-aware on every database.
        item.days_waiting = max(0, (now - item.created_at).days)
        items.append(item)
    per_unit: dict[int, StalledUnit] = {}
    for item in items:
        row = per_unit.setdefault(
            item.unit.id, StalledUnit(unit=item.unit, declined=0, unanswered=0)
        )
        if item.status is IntroductionStatus.declined:
            row.declined += 1
        else:
            row.unanswered += 1
    return StalledIntroductions(
        after_days=settings.stalled_introduction_days,
        items=items,
        by_unit=sorted(per_unit.values(), key=lambda u: (-(u.declined + u.unanswered), u.unit.id)),
    )


def _overloaded(
    *,
    session: Session,
    settings: Settings,
    municipality_code: str,
    unit_names: dict[int, str],
    top_matches: Counter[int],
) -> OverloadedContacts:
    open_counts = open_introduction_counts(
        session, settings=settings, municipality_code=municipality_code
    )
    contacts = session.exec(
        select(
            Contact.id, Contact.name, Contact.job_title, Contact.unit_id, Contact.capacity_per_month
        )
        .where(Contact.municipality_code == municipality_code, Contact.erased_at.is_(None))
        .order_by(Contact.id)
    ).all()
    items = []
    for contact_id, name, job_title, unit_id, capacity in contacts:
        open_now = open_counts.get(contact_id, 0)
        top = top_matches.get(contact_id, 0)
        reasons = []
        if open_now > 0 and open_now >= capacity:
            reasons.append(OverloadReason.at_capacity)
        if top >= max(settings.overload_min_top_matches, capacity):
            reasons.append(OverloadReason.in_demand)
        if reasons:
            items.append(
                OverloadedContact(
                    id=contact_id,
                    name=name,
                    job_title=job_title,
                    unit={"id": unit_id, "name": unit_names.get(unit_id, "")},
                    open_introductions=open_now,
                    capacity_per_month=capacity,
                    top_matches=top,
                    reasons=reasons,
                )
            )

    def load(item: OverloadedContact) -> float:
        if item.capacity_per_month:
            return item.open_introductions / item.capacity_per_month
        return math.inf if item.open_introductions else 0.0

    items.sort(key=lambda c: (-load(c), -c.top_matches, c.id))
    return OverloadedContacts(
        top_n=settings.overload_top_n,
        min_top_matches=settings.overload_min_top_matches,
        items=items,
    )


def _cell(value: object) -> object:
    """Text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) gets a
    leading apostrophe (OWASP CSV injection); titles come from residents."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _rows(report: GapReport) -> Iterable[dict[str, object]]:
    gaps = report.unmatched_initiatives
    for section, groups in (
        ("theme", gaps.by_theme),
        ("need", gaps.by_need),
        ("area", gaps.by_area),
    ):
        for group in groups:
            yield {
                "section": section,
                "key": group.key,
                "label": group.label,
                "initiatives": group.initiatives,
                "gaps": group.gaps,
                "detail": "; ".join(f"{i.id}: {i.title}" for i in group.gap_initiatives),
            }
    for item in gaps.items:
        yield {
            "section": "unmatched-initiative",
            "key": item.id,
            "label": item.title,
            "contactId": item.best_contact_id,
            "score": item.best_score,
            "detail": item.stage.value,
        }
    stalled = report.stalled_introductions
    for item in stalled.items:
        yield {
            "section": "stalled-introduction",
            "key": item.id,
            "unit": item.unit.name,
            "status": item.status.value,
            "initiativeId": item.initiative_id,
            "contactId": item.contact_id,
            "daysWaiting": item.days_waiting,
        }
    for unit in stalled.by_unit:
        yield {
            "section": "stalled-unit",
            "key": unit.unit.id,
            "label": unit.unit.name,
            "declined": unit.declined,
            "unanswered": unit.unanswered,
        }
    for theme in report.ranking_corrections.by_theme:
        yield {
            "section": "correction-theme",
            "key": theme.key,
            "label": theme.label,
            "initiatives": theme.initiatives,
            "corrected": theme.corrected,
            "pins": theme.pins,
            "exclusions": theme.exclusions,
            "contactId": theme.most_common.contact.id if theme.most_common else None,
            "status": theme.most_common.action.value if theme.most_common else None,
            "detail": theme.detail,
        }
    answers = report.answers
    for count in answers.by_status:
        yield {
            "section": "answer-status",
            "key": count.status.value,
            "initiatives": count.initiatives,
        }
    yield {"section": "answer-status", "key": "unanswered", "initiatives": answers.unanswered}
    yield {
        "section": "answer-days",
        "key": "median-to-first-answer",
        "initiatives": answers.answered,
        "daysWaiting": answers.median_days_to_first_answer,
    }
    for contact in report.overloaded_contacts.items:
        yield {
            "section": "overloaded-contact",
            "key": contact.id,
            "label": contact.name,
            "unit": contact.unit.name,
            "status": " ".join(reason.value for reason in contact.reasons),
            "openIntroductions": contact.open_introductions,
            "capacityPerMonth": contact.capacity_per_month,
            "topMatches": contact.top_matches,
            "detail": contact.job_title,
        }


def gap_report_csv(report: GapReport) -> str:
    """The report as RFC 4180 CSV: one row per line of the report, its kind in ``section``
    (theme, need, area, unmatched-initiative, stalled-introduction, stalled-unit,
    correction-theme, answer-status, answer-days, overloaded-contact); columns a section does
    not use are empty."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in _rows(report):
        writer.writerow({key: _cell(value) for key, value in row.items() if value is not None})
    return out.getvalue()
