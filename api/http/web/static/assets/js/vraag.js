// "Wie moet ik hebben bij de gemeente?": the question form and the ranked contacts.
// The question goes to POST /api/v1/matches, which stores nothing.

import { ApiError, apiGet, apiPost, getAll } from "./api.js";
import { Initiator } from "./initiatiefnemer.js";
import { NEEDS, areaKindLabel, fitLabel, needLabel, unitKindLabel } from "./labels.js";
import { clearProblem, el, showProblem } from "./ui.js";

const form = document.getElementById("vraag-form");
const summary = document.getElementById("vraag-fouten");
const municipalitySelect = document.getElementById("gemeente");
const textField = document.getElementById("omschrijving");
const areaSelect = document.getElementById("gebied");
const needsBox = document.getElementById("behoeften");
const themesBox = document.getElementById("themas");
const searchButton = document.getElementById("zoek-knop");
const status = document.getElementById("resultaten-status");
const results = document.getElementById("resultaten");
const resultsHeading = document.getElementById("resultaten-kop");
const cardList = document.getElementById("kaarten");
const understood = document.getElementById("begrepen");
const understoodList = document.getElementById("begrepen-lijst");

const initiator = new Initiator({ readQuestion, onChange: renderCardActions });
let cards = []; // {item, actions: element}
let busy = false;

function checkbox(group, value, label, hint) {
  const id = `${group}-${value}`;
  const hintId = hint ? `${id}-hint` : null;
  return el("div", { class: "vinkje" },
    el("input", { type: "checkbox", id, name: group, value, "aria-describedby": hintId }),
    el("label", { for: id }, label),
    hint ? el("span", { class: "hint-klein", id: hintId }, hint) : null);
}

function renderNeeds() {
  needsBox.replaceChildren(...NEEDS.map((need) => checkbox("behoefte", need.kind, need.label, need.hint)));
}

function checked(group) {
  return [...form.querySelectorAll(`input[name="${group}"]:checked`)].map((input) => input.value);
}

/** The question as the API wants it; the registration reuses it. */
function readQuestion() {
  const area = areaSelect.value;
  return {
    municipalityCode: municipalitySelect.value,
    text: textField.value.trim(),
    areaCodes: area ? [area] : [],
    needs: checked("behoefte").map((kind) => ({ kind })),
    themes: checked("thema"),
  };
}

async function loadMunicipalities() {
  try {
    const municipalities = await getAll("/municipalities");
    municipalities.sort((a, b) => a.name.localeCompare(b.name, "nl"));
    municipalitySelect.replaceChildren(
      ...municipalities.map((m) => el("option", { value: m.code }, m.name)));
    if (!municipalities.length) {
      municipalitySelect.append(el("option", { value: "" }, "Nog geen gemeenten"));
      return;
    }
    await loadMunicipality(municipalitySelect.value);
  } catch (error) {
    showProblem(summary, error);
  }
}

/** The areas of one municipality as a grouped list: each stadsdeel with its wijken and buurten. */
function fillAreas(areas) {
  const byCode = new Map(areas.map((area) => [area.code, area]));
  const children = new Map();
  const roots = [];
  for (const area of areas) {
    if (area.parentCode && byCode.has(area.parentCode)) {
      if (!children.has(area.parentCode)) children.set(area.parentCode, []);
      children.get(area.parentCode).push(area);
    } else {
      roots.push(area);
    }
  }
  const byName = (a, b) => a.name.localeCompare(b.name, "nl");
  const options = (area, depth, seen) => {
    const out = [];
    for (const child of (children.get(area.code) || []).sort(byName)) {
      if (seen.has(child.code)) continue; // a cycle in the data must not hang the page
      seen.add(child.code);
      // A wijk by its name; a buurt (or deeper) says what it is and where it lies.
      const label = depth === 0 ? child.name : `${child.name} (${areaKindLabel(child.kind)} in ${area.name})`;
      out.push(el("option", { value: child.code }, label), ...options(child, depth + 1, seen));
    }
    return out;
  };
  const groups = roots.sort(byName).map((root) => {
    const prefix = root.kind === "stadsdeel" ? "Stadsdeel " : "";
    return el("optgroup", { label: `${prefix}${root.name}` },
      el("option", { value: root.code }, `Heel ${root.name}`),
      options(root, 0, new Set([root.code])));
  });
  areaSelect.replaceChildren(el("option", { value: "" }, "Hele gemeente / weet ik niet"), ...groups);
}

function fillThemes(themes) {
  if (!themes.length) {
    themesBox.replaceChildren(el("p", {}, "Deze gemeente heeft geen onderwerpenlijst."));
    return;
  }
  const sorted = [...themes].sort((a, b) => a.label.localeCompare(b.label, "nl"));
  themesBox.replaceChildren(...sorted.map((theme) => checkbox("thema", theme.slug, theme.label)));
}

async function loadMunicipality(code) {
  if (!code) return;
  const query = `municipalityCode=${encodeURIComponent(code)}`;
  const [areas, themes] = await Promise.all([
    getAll(`/areas?${query}`),
    apiGet(`/themes?${query}`),
  ]);
  fillAreas(areas);
  fillThemes(themes);
}

function person(contact) {
  return contact.name ? `${contact.name} (${contact.jobTitle})` : contact.jobTitle;
}

function viaText(chain) {
  if (chain.length === 1) {
    return `${person(chain[0])} kent deze persoon en kan u voorstellen.`;
  }
  const steps = chain.map(person);
  const links = steps.slice(1).map((step, i) => `${steps[i]} kent ${step}`);
  return `${links.join(", ")}, en ${steps[steps.length - 1]} kent deze persoon. Vraag ${steps[0]} om u voor te stellen.`;
}

// A reason is a reason to go to this person when its signal is strong; the rest is worth knowing.
// The need signal is shown as the list of needs covered, or else among the things to know.
function isStrong(reason) {
  if (reason.signal === "need") return false;
  if (reason.signal === "experience") return reason.value > 0.5;
  return reason.value >= 0.5 || (reason.signal === "text" && reason.value > 0);
}

function card(item, askedNeeds) {
  const contact = item.contact;
  const headingId = `kaart-${item.rank}-kop`;
  const strong = item.reasons.filter(isStrong);
  // The needs covered get their own list below; the need sentence would only repeat it.
  const weak = item.reasons.filter(
    (reason) => !isStrong(reason) && !(reason.signal === "need" && item.needsCovered.length));
  let needs = null;
  if (item.needsCovered.length) {
    needs = [el("h4", {}, "Kan helpen met"),
      el("ul", { class: "labels" }, item.needsCovered.map((kind) => el("li", {}, needLabel(kind))))];
  } else if (askedNeeds) {
    needs = [el("h4", {}, "Kan helpen met"),
      el("p", {}, "Niet met wat u nodig heeft, wel met uw onderwerp.")];
  }
  const actions = el("div", { class: "kaart-actie" });
  const article = el("article", { "aria-labelledby": headingId },
    el("h3", { id: headingId }, el("span", { class: "rang" }, `${item.rank}. `), contact.jobTitle),
    el("p", { class: "eenheid" }, contact.unit.name, " ",
      el("span", { class: "soort" }, `(${unitKindLabel(contact.unit.kind)})`)),
    el("p", { class: "naam" }, contact.name
      ? ["Naam: ", el("strong", {}, contact.name)]
      : "Naam niet openbaar: u ziet de functie en de afdeling."),
    el("p", { class: "past" }, "Past bij uw vraag: ", el("strong", {}, fitLabel(item.score))),
    el("h4", {}, "Waarom deze persoon?"),
    el("ul", { class: "redenen" }, strong.map((reason) => el("li", {}, reason.detail))),
    needs,
    item.introduceVia.length
      ? [el("h4", {}, "Via wie?"), el("p", { class: "via" }, viaText(item.introduceVia))]
      : null,
    weak.length
      ? [el("h4", {}, "Goed om te weten"),
        el("ul", { class: "redenen redenen-zwak" }, weak.map((reason) => el("li", {}, reason.detail)))]
      : null,
    actions);
  cards.push({ item, actions });
  return el("li", { class: "kaart" }, article);
}

/** What the service read from the resident's own words: the place, the needs, the language. */
function showUnderstood(reading) {
  const notes = (reading && reading.notes) || [];
  understoodList.replaceChildren(...notes.map((note) => el("li", {}, note)));
  understood.hidden = notes.length === 0;
}

function renderCardActions() {
  for (const { item, actions } of cards) actions.replaceChildren(initiator.cardActions(item));
}

async function search(event) {
  event.preventDefault();
  if (busy) return;
  clearProblem(summary);
  const question = readQuestion();
  const missing = [];
  if (!question.municipalityCode) missing.push({ name: "municipalityCode", reason: "Required." });
  if (!question.text) missing.push({ name: "text", reason: "Required." });
  if (missing.length) {
    showProblem(summary, new ApiError(400, {}), { params: missing });
    return;
  }
  busy = true;
  searchButton.setAttribute("aria-disabled", "true");
  status.textContent = "Bezig met zoeken…";
  try {
    const result = await apiPost("/matches", { ...question, limit: 5 });
    showUnderstood(result.understood);
    cards = [];
    const askedNeeds = question.needs.length > 0;
    cardList.replaceChildren(...result.items.map((item) => card(item, askedNeeds)));
    renderCardActions();
    results.hidden = false;
    if (result.items.length) {
      resultsHeading.textContent = "Deze mensen kunnen u verder helpen";
      status.textContent = `${result.items.length} ${result.items.length === 1 ? "persoon" : "mensen"} gevonden die u verder kunnen helpen.`;
    } else {
      resultsHeading.textContent = "We hebben nog niemand gevonden";
      cardList.replaceChildren(el("li", { class: "kaart" },
        el("p", {}, "Niemand past goed bij uw vraag. Probeer het in andere woorden, kies een groter gebied, of kijk bij ",
          el("a", { href: "/organisatie" }, "Hoe werkt de gemeente?"), ".")));
      status.textContent = "Niemand gevonden voor uw vraag.";
    }
    resultsHeading.focus();
  } catch (error) {
    status.textContent = "";
    showProblem(summary, error);
  } finally {
    busy = false;
    searchButton.removeAttribute("aria-disabled");
  }
}

form.addEventListener("submit", search);
municipalitySelect.addEventListener("change", () => {
  clearProblem(summary);
  loadMunicipality(municipalitySelect.value).catch((error) => showProblem(summary, error));
});
renderNeeds();
loadMunicipalities();
initiator.start();
