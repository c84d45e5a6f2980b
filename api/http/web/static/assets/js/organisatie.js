// "Hoe werkt de gemeente?": the organisation map from GET /api/v1/units/tree, as nested lists
// of <details> a person opens one by one (or all at once).

import { getAll, apiGet } from "./api.js";
import { unitKindLabel } from "./labels.js";
import { clearProblem, el, showProblem } from "./ui.js";

const form = document.getElementById("gemeente-form");
const summary = document.getElementById("gemeente-fouten");
const select = document.getElementById("gemeente");
const status = document.getElementById("boom-status");
const section = document.getElementById("organisatie");
const heading = document.getElementById("organisatie-kop");
const tree = document.getElementById("boom");

function countUnits(units) {
  return units.reduce((sum, unit) => sum + 1 + countUnits(unit.children), 0);
}

function channel(unit) {
  const ways = [];
  const { email, phone, url } = unit.channel;
  if (email) ways.push(el("li", {}, "E-mail: ", el("a", { href: `mailto:${email}` }, email)));
  if (phone) {
    ways.push(el("li", {}, "Telefoon: ", el("a", { href: `tel:${phone.replace(/[^+0-9]/g, "")}` }, phone)));
  }
  if (url) {
    ways.push(el("li", {}, "Website: ", el("a", { href: url, rel: "noopener noreferrer" }, url)));
  }
  return ways;
}

function openText(count) {
  if (count === 0) return "Nu niemand in dit onderdeel zelf; kijk bij de onderdelen eronder.";
  return count === 1
    ? "1 ambtenaar staat nu open voor een initiatief en heeft tijd."
    : `${count} ambtenaren staan nu open voor een initiatief en hebben tijd.`;
}

function parts(count) {
  if (!count) return "";
  return count === 1 ? ", 1 onderdeel" : `, ${count} onderdelen`;
}

function unitNode(unit) {
  const facts = el("dl", { class: "feiten" });
  const fact = (term, value) => facts.append(el("dt", {}, term), el("dd", {}, value));
  if (unit.themes.length) {
    fact("Onderwerpen", unit.themes.map((theme) => theme.label || theme.slug).join(", "));
  }
  fact("Gebied", unit.areas.length ? unit.areas.map((area) => area.name).join(", ") : "De hele gemeente");
  const ways = channel(unit);
  fact("Bereikbaar via", ways.length ? el("ul", { class: "kanalen" }, ways) : "Geen eigen kanaal; via de onderdelen eronder of erboven.");
  fact("Open voor initiatieven", openText(unit.openContacts));
  const body = el("div", { class: "eenheid-inhoud" },
    unit.description ? el("p", {}, unit.description) : null,
    facts,
    unit.children.length
      ? el("ul", { class: "boom", "aria-label": `Onderdelen van ${unit.name}` }, unit.children.map(unitNode))
      : null);
  return el("li", {},
    el("details", { class: "eenheid" },
      el("summary", {},
        el("span", { class: "eenheid-naam" }, unit.name), " ",
        el("span", { class: "soort" }, `(${unitKindLabel(unit.kind)}${parts(unit.children.length)})`)),
      body));
}

async function show(code, { focus }) {
  clearProblem(summary);
  status.textContent = "Organisatie laden…";
  try {
    const map = await apiGet(`/units/tree?municipalityCode=${encodeURIComponent(code)}`);
    tree.replaceChildren(...map.units.map(unitNode));
    heading.textContent = `De organisatie van ${map.municipalityName}`;
    section.hidden = false;
    const count = countUnits(map.units);
    status.textContent = count
      ? `${map.municipalityName}: ${count} onderdelen geladen.`
      : `${map.municipalityName} heeft nog geen organisatie in Wegwijs.`;
    if (focus) heading.focus();
  } catch (error) {
    status.textContent = "";
    showProblem(summary, error);
  }
}

function toggleAll(open) {
  for (const details of tree.querySelectorAll("details")) details.open = open;
}

async function start() {
  try {
    const municipalities = await getAll("/municipalities");
    municipalities.sort((a, b) => a.name.localeCompare(b.name, "nl"));
    select.replaceChildren(...municipalities.map((m) => el("option", { value: m.code }, m.name)));
    if (municipalities.length) await show(select.value, { focus: false });
    else status.textContent = "Er staat nog geen gemeente in Wegwijs.";
  } catch (error) {
    showProblem(summary, error);
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (select.value) show(select.value, { focus: true });
});
document.getElementById("alles-open").addEventListener("click", () => toggleAll(true));
document.getElementById("alles-dicht").addEventListener("click", () => toggleAll(false));
start();
