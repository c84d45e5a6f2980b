// Dutch words for the API's codes, and Dutch explanations of its problem answers.

/** What an initiator may need, in everyday words, with the API's need kind. */
export const NEEDS = [
  { kind: "space", label: "Ruimte", hint: "een plek, zaal of stukje grond" },
  { kind: "permit", label: "Vergunning", hint: "toestemming van de gemeente" },
  { kind: "funding", label: "Geld", hint: "subsidie of een bijdrage" },
  { kind: "knowledge", label: "Kennis", hint: "advies of uitleg" },
  { kind: "network", label: "Netwerk", hint: "contact met de juiste mensen" },
  { kind: "partnership", label: "Samenwerking", hint: "een organisatie om mee samen te werken" },
  { kind: "recognition", label: "Erkenning", hint: "dat de gemeente uw werk ziet en steunt" },
  { kind: "scaling", label: "Opschalen", hint: "groter worden, of ook in andere buurten" },
  { kind: "volunteers", label: "Vrijwilligers", hint: "mensen die meehelpen" },
  { kind: "visibility", label: "Zichtbaarheid", hint: "bekendheid in de buurt" },
];

const NEED_LABELS = Object.fromEntries(NEEDS.map((need) => [need.kind, need.label.toLowerCase()]));
NEED_LABELS.other = "iets anders";

export const needLabel = (kind) => NEED_LABELS[kind] || kind;

const STATUS_LABELS = {
  requested: "aangevraagd",
  accepted: "geaccepteerd",
  declined: "afgewezen",
  completed: "afgerond",
  cancelled: "geannuleerd",
};

export const statusLabel = (status) => STATUS_LABELS[status] || status;

const STAGE_LABELS = {
  idea: "idee",
  starting: "van start",
  running: "loopt",
  scaling: "groeit",
  closed: "afgesloten",
};

export const stageLabel = (stage) => STAGE_LABELS[stage] || stage;

const UNIT_KINDS = {
  cluster: "cluster",
  department: "directie of afdeling",
  district: "stadsdeel",
  area_team: "gebiedsteam",
  programme: "programma",
  team: "team",
};

export const unitKindLabel = (kind) => UNIT_KINDS[kind] || kind;

const AREA_KINDS = { stadsdeel: "stadsdeel", wijk: "wijk", buurt: "buurt", other: "gebied" };
export const areaKindLabel = (kind) => AREA_KINDS[kind] || "gebied";

/** How well a contact fits, from the score (0–1), in words. */
export function fitLabel(score) {
  if (score >= 0.6) return "goed";
  if (score >= 0.4) return "redelijk";
  return "matig";
}

// The API answers in English; these turn its reasons into Dutch a resident can act on.
const REASONS = [
  [/^Required\.?$/, () => "Dit is verplicht."],
  [/at least 1 (character|item)/, () => "Dit is verplicht."],
  [/at most (\d+) characters?/, (m) => `Dit is te lang: hoogstens ${m[1]} tekens.`],
  [/at most (\d+) items?/, (m) => `Kies er hoogstens ${m[1]}.`],
  [/^Must be an email address/, () => "Vul een e-mailadres in, zoals naam@voorbeeld.nl."],
  [/^Must be a phone number/, () => "Vul een telefoonnummer in, zoals 06 1234 5678."],
  [/^Must be a whole number from 0 to 1000/, () => "Vul een heel getal in, van 0 tot 1000."],
  [/greater than or equal to 0|less than or equal to 1000/, () => "Vul een heel getal in, van 0 tot 1000."],
  [/^Must not contain control characters/, () => "Gebruik geen onzichtbare tekens of regeleinden."],
  [/^Must be a CBS municipality code/, () => "Kies een gemeente."],
  [/^Unknown area/, () => "Dit gebied hoort niet bij de gekozen gemeente."],
  [/^Unknown initiative/, () => "Dit initiatief is onbekend, of het is niet van u."],
  [/^Unknown contact/, () => "Deze persoon is niet (meer) te vinden bij deze gemeente."],
  [/^Unknown (municipality|theme)/i, () => "Kies een waarde uit de lijst."],
  [/must be your key's/, () => "Gebruik het e-mailadres waarvoor uw sleutel is gemaakt."],
  [/API key is unknown or revoked/, () => "Deze sleutel wordt niet herkend, of is ingetrokken."],
  [/valid API key is required/, () => "Vul uw sleutel in."],
];

export function reasonText(reason) {
  for (const [pattern, text] of REASONS) {
    const match = pattern.exec(reason || "");
    if (match) return text(match);
  }
  return `Dit is niet goed ingevuld (${reason}).`;
}

const CONFLICTS = [
  [/does not take new introductions/, "Deze persoon neemt op dit moment geen nieuwe kennismakingen aan. Kies iemand anders, of vraag het via iemand die deze persoon kent."],
  [/no room for new introductions/, "Deze persoon heeft deze maand geen ruimte meer voor kennismakingen. Kies iemand anders of probeer het volgende maand."],
  [/already has an open introduction/, "U heeft al een kennismaking met deze persoon aangevraagd. Kijk bij ‘Uw kennismakingen’ hoe het ervoor staat."],
];

// The API's problem types (api/core/exceptions.py) are told apart by the last part of `type`.
// This 409 is a limit of the initiative (wait for answers); a 429 is always a rate limit.
const TOO_MANY_OPEN_INTRODUCTIONS = "too-many-open-introductions";

function problemType(error) {
  const type = (error.problem && error.problem.type) || "";
  return type.slice(type.lastIndexOf("/") + 1);
}

/**
 * How long to wait, from a Retry-After header (seconds, or an HTTP date): "30 seconden",
 * "1 minuut", "2 uur"; null when the header is missing or makes no sense.
 */
export function waitText(retryAfter, now = Date.now()) {
  if (retryAfter === null || retryAfter === undefined || String(retryAfter).trim() === "") {
    return null;
  }
  let seconds = Number(retryAfter);
  if (!Number.isFinite(seconds)) {
    const date = Date.parse(retryAfter);
    if (Number.isNaN(date)) return null;
    seconds = (date - now) / 1000;
  }
  seconds = Math.ceil(seconds);
  if (seconds <= 0) return null;
  if (seconds < 90) return seconds === 1 ? "1 seconde" : `${seconds} seconden`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `${minutes} minuten`;
  const hours = Math.ceil(minutes / 60);
  return `${hours} uur`;
}

function tryAgain(error) {
  const wait = waitText(error.retryAfter);
  return wait ? `Probeer het over ${wait} opnieuw.` : "Wacht even en probeer het dan opnieuw.";
}

// A rate limit counts calls per internet connection (address), or per key: many people can
// share one connection (a library, a school), so the page does not say "you".
function rateLimitText(error) {
  const detail = (error.problem && error.problem.detail) || "";
  if (/unknown or revoked keys/.test(detail)) {
    return `Er is in korte tijd vaak een onbekende sleutel gebruikt via deze internetverbinding. ${tryAgain(error)}`;
  }
  if (/with this key/.test(detail)) {
    return `Er is in korte tijd veel gevraagd met deze sleutel. ${tryAgain(error)}`;
  }
  if (error.path.startsWith("/matches")) {
    return `Er is in korte tijd veel gezocht via deze internetverbinding. ${tryAgain(error)}`;
  }
  return `Er is in korte tijd veel gevraagd via deze internetverbinding. ${tryAgain(error)}`;
}

/** One Dutch sentence that says what went wrong and what to do: by status and problem type. */
export function problemText(error) {
  const detail = (error.problem && error.problem.detail) || "";
  switch (error.status) {
    case 0:
      return "Wegwijs is niet bereikbaar. Controleer uw internetverbinding en probeer het opnieuw.";
    case 400:
      return "Niet alles is goed ingevuld. Kijk bij de gemarkeerde velden.";
    case 401:
      return "Uw sleutel wordt niet herkend. Controleer of u hem helemaal heeft geplakt, of vraag de gemeente om een nieuwe.";
    case 403:
      if (/must be your key's/.test(detail)) {
        return "Gebruik het e-mailadres waarvoor uw sleutel is gemaakt.";
      }
      return "Met deze sleutel mag u dit niet doen. Is het wel een sleutel voor initiatiefnemers?";
    case 404:
      return "Dat hebben we niet gevonden. Misschien is het intussen verwijderd.";
    case 409:
      if (problemType(error) === TOO_MANY_OPEN_INTRODUCTIONS) {
        return "U heeft voor dit initiatief al het hoogste aantal open aanvragen. Wacht tot iemand heeft gereageerd.";
      }
      for (const [pattern, text] of CONFLICTS) if (pattern.test(detail)) return text;
      return "Dat kan op dit moment niet. Laad de pagina opnieuw en probeer het nog eens.";
    case 412:
      return "Iemand heeft dit intussen veranderd. Laad de pagina opnieuw en probeer het nog eens.";
    case 413:
      return "Uw tekst is te lang om te versturen. Maak hem wat korter.";
    case 429:
      return rateLimitText(error); // too-many-requests, and any 429 we do not know yet
    case 503:
      return `Wegwijs is even niet bereikbaar. ${tryAgain(error)}`;
    default:
      if (error.status >= 500) {
        return "Er ging bij ons iets mis. Probeer het over een paar minuten opnieuw.";
      }
      return "Er ging iets mis. Probeer het opnieuw.";
  }
}

/** What to say about a refused token from a link in a mail (400 token-…), or null. */
export function tokenProblemText(error) {
  switch (problemType(error)) {
    case "token-used":
      return "Deze link is al gebruikt. Een link werkt maar één keer.";
    case "token-expired":
      return "Deze link is verlopen.";
    case "token-unknown":
      return "Deze link kennen we niet. Kopieer de hele link uit de e-mail.";
    default:
      return null;
  }
}
