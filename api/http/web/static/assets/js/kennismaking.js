// /kennismaking#<token>: the page behind "Accepteren" and "Afwijzen" in a request mail.
// Opening it changes nothing (mail scanners open every link): it reads the request with a POST
// that changes nothing, shows it and asks. Only "Antwoord versturen" answers
// (POST /api/v1/introduction-responses). The token stays out of every URL the page calls.

import { ApiError, apiPost } from "./api.js";
import { needLabel, statusLabel, tokenProblemText } from "./labels.js";
import { clearProblem, el, formatDateTime, showProblem } from "./ui.js";

const $ = (id) => document.getElementById(id);
const [token, choice] = decodeURIComponent(location.hash.slice(1)).split(".");
history.replaceState(null, "", location.pathname);
let busy = false;

function say(text) {
  $("verzoek-status").textContent = text;
}

function refuse(text) {
  say("");
  const summary = $("verzoek-fouten");
  summary.replaceChildren(el("p", { class: "foutoverzicht-titel" }, text));
  summary.hidden = false;
  summary.focus();
}

function facts(list, rows) {
  list.replaceChildren(...rows.filter(([, value]) => value).flatMap(([label, value]) =>
    [el("dt", {}, label), el("dd", {}, value)]));
}

function showRequest(request) {
  const initiative = request.initiative;
  $("verzoek-kop").textContent = initiative.title;
  $("verzoek-inleiding").textContent =
    `Een bewonersinitiatief in ${initiative.municipalityName} wil graag met u kennismaken, als ${request.contactJobTitle}.`;
  const needs = initiative.needs.map((need) =>
    need.description ? `${need.label}: ${need.description}` : need.label);
  facts($("verzoek-feiten"), [
    ["Wat ze willen doen", initiative.description],
    ["Wat ze nodig hebben", needs.length ? el("ul", {}, needs.map((need) => el("li", {}, need))) : null],
    ["Waar", initiative.areas.join(", ") || `heel ${initiative.municipalityName}`],
    ["Hun bericht aan u", request.message],
    ["Gevraagd op", formatDateTime(request.requestedAt)],
    ["Antwoorden kan tot", formatDateTime(request.answerBefore)],
  ]);
  $("verzoek").hidden = false;
}

function showOutcome(introduction) {
  const initiative = introduction.initiative;
  const outcome = $("uitkomst");
  if (introduction.status === "accepted") {
    $("uitkomst-kop").textContent = "U heeft de kennismaking geaccepteerd";
    $("uitkomst-tekst").textContent =
      "Dank u wel. De initiatiefnemer krijgt uw gegevens per e-mail. U kunt ook zelf contact opnemen:";
    const reach = [];
    if (initiative.initiatorEmail) reach.push(["E-mail", el("a", { href: `mailto:${initiative.initiatorEmail}` }, initiative.initiatorEmail)]);
    if (initiative.initiatorPhone) reach.push(["Telefoon", initiative.initiatorPhone]);
    facts($("uitkomst-feiten"), [["Naam", initiative.initiatorName], ...reach]);
  } else {
    $("uitkomst-kop").textContent = "U heeft het verzoek afgewezen";
    $("uitkomst-tekst").textContent =
      "De initiatiefnemer krijgt daarvan bericht, met andere mensen die misschien wel kunnen helpen.";
    facts($("uitkomst-feiten"), []);
  }
  $("antwoord-form").hidden = true;
  outcome.hidden = false;
  $("uitkomst-kop").focus();
}

function showReason() {
  $("reden-veld").hidden = !$("keuze-afwijzen").checked;
}

async function answer(event) {
  event.preventDefault();
  if (busy) return;
  const summary = $("antwoord-fouten");
  clearProblem(summary);
  const picked = document.querySelector('input[name="keuze"]:checked');
  if (!picked) {
    showProblem(summary, new ApiError(400, {}), { params: [{ name: "status", reason: "Required." }] });
    return;
  }
  const body = { token, status: picked.value };
  const reason = $("reden").value.trim();
  if (picked.value === "declined" && reason) body.reason = reason;
  busy = true;
  $("antwoord-knop").setAttribute("aria-disabled", "true");
  say("Uw antwoord wordt verstuurd…");
  try {
    const introduction = await apiPost("/introduction-responses", body);
    say(`Uw antwoord is verstuurd: ${statusLabel(introduction.status)}.`);
    showOutcome(introduction);
  } catch (error) {
    say("");
    const text = tokenProblemText(error);
    if (text) refuse(text);
    else showProblem(summary, error);
  } finally {
    busy = false;
    $("antwoord-knop").removeAttribute("aria-disabled");
  }
}

async function load() {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token || "")) {
    refuse("Deze link is niet compleet. Kopieer de hele link uit de e-mail.");
    return;
  }
  let request;
  try {
    request = await apiPost("/introduction-responses/preview", { token });
  } catch (error) {
    const text = tokenProblemText(error);
    if (text) refuse(`${text} Heeft u het verzoek al beantwoord? Dan hoeft u niets meer te doen.`);
    else {
      say("");
      showProblem($("verzoek-fouten"), error);
    }
    return;
  }
  showRequest(request);
  if (request.status !== "requested") {
    say(request.status === "cancelled"
      ? "Dit verzoek is ingetrokken. U hoeft niets meer te doen."
      : `Dit verzoek is al beantwoord: ${statusLabel(request.status)}.`);
    return;
  }
  say("");
  $("antwoord-form").hidden = false;
  const preselect = choice === "afwijzen" ? "keuze-afwijzen" : "keuze-accepteren";
  $(preselect).checked = true;
  showReason();
}

for (const radio of document.querySelectorAll('input[name="keuze"]')) {
  radio.addEventListener("change", showReason);
}
$("antwoord-form").addEventListener("submit", answer);
load();
