// Signed in (by e-mail, or with a pasted key): an initiator registers the initiative, asks for
// introductions and follows them under "Mijn initiatieven"; a civil servant gets "Mijn profiel"
// (profiel.js). The key stays in sessionStorage (this tab only) and travels in the
// Authorization header only.

import { ApiError, apiPost, getAll } from "./api.js";
import { stageLabel, statusLabel } from "./labels.js";
import { Profile } from "./profiel.js";
import { current, forget as forgetSession, rememberKey } from "./sessie.js";
import { clearProblem, el, formatDateTime, showProblem } from "./ui.js";

const INITIATIVE_STORE = "wegwijs.initiatief";
const OPEN = new Set(["requested", "accepted"]);

const $ = (id) => document.getElementById(id);

/**
 * The municipality's official answer to an initiative, when the API gives one (`response`:
 * a text, or an object with its text and when it was given). Shown under the initiative in
 * "Mijn initiatieven"; nothing when there is none.
 */
const ANSWER_STATUS = {
  received: "ontvangen",
  in_progress: "in behandeling",
  referred: "doorgestuurd naar de juiste plek",
  supported: "de gemeente steunt het",
  declined: "de gemeente steunt het niet",
};

/** The municipality's official answer to an initiative (`response`: status, text, answeredAt). */
export function officialAnswer(initiative) {
  const response = initiative.response;
  if (!response || !response.status) return null;
  const status = ANSWER_STATUS[response.status] || response.status;
  return el("div", { class: "officieel-antwoord" },
    el("p", {}, el("strong", {}, "Antwoord van de gemeente"),
      response.answeredAt ? ` (${formatDateTime(response.answeredAt)})` : null, ": ", status, "."),
    response.text ? el("p", {}, response.text) : null);
}

function remember(name, value) {
  try {
    if (value === null) sessionStorage.removeItem(name);
    else sessionStorage.setItem(name, value);
  } catch {
    // Storage refused (private mode): the key then lasts until the page is left.
  }
}

function recall(name) {
  try {
    return sessionStorage.getItem(name);
  } catch {
    return null;
  }
}

export class Initiator {
  constructor({ readQuestion, onChange }) {
    this.readQuestion = readQuestion;
    this.onChange = onChange;
    this.key = null;
    this.initiatives = [];
    this.activeId = null;
    this.introductions = [];
    this.busy = false;
  }

  start() {
    $("inlog-form").addEventListener("submit", (event) => this.askForLink(event));
    $("sleutel-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.useKey($("sleutel").value.trim());
    });
    $("sleutel-wissen").addEventListener("click", () => this.forget());
    $("registratie-form").addEventListener("submit", (event) => this.register(event));
    $("mijn-initiatief").addEventListener("change", () => {
      this.choose(Number($("mijn-initiatief").value));
    });
    $("vernieuw-knop").addEventListener("click", () => this.refreshIntroductions());
    const session = current();
    if (!session) return;
    if (session.role === "contact" && session.contactId) {
      this.signedIn(`U bent ingelogd als ${session.email}.`);
      new Profile(session).start();
      return;
    }
    this.session = session;
    this.useKey(session.key, { restoring: true });
  }

  /** POST /sign-in-links: a link by e-mail, whatever the address (the answer is always 202). */
  async askForLink(event) {
    event.preventDefault();
    if (this.busy) return;
    const summary = $("inlog-fouten");
    const status = $("inlog-status");
    clearProblem(summary);
    const email = $("inlog-email").value.trim();
    if (!email) {
      showProblem(summary, new ApiError(400, {}), { params: [{ name: "email", reason: "Required." }] });
      return;
    }
    this.busy = true;
    status.textContent = "De e-mail wordt verstuurd…";
    try {
      const sent = await apiPost("/sign-in-links", { email });
      status.textContent = `We hebben een e-mail gestuurd naar ${email}. Klik op de link in die e-mail. `
        + `De link werkt ${sent.expiresInMinutes} minuten. Geen e-mail gekregen? Kijk ook bij uw ongewenste e-mail.`;
    } catch (error) {
      status.textContent = "";
      showProblem(summary, error, { scope: $("inlog-form") });
    } finally {
      this.busy = false;
    }
  }

  signedIn(text) {
    $("inloggen-blok").hidden = true;
    $("uitloggen-blok").hidden = false;
    $("sleutel-status").textContent = text;
  }

  get active() {
    return this.initiatives.find((initiative) => initiative.id === this.activeId) || null;
  }

  async useKey(key, { restoring = false } = {}) {
    const summary = $("sleutel-fouten");
    const status = $("sleutel-status");
    clearProblem(summary);
    if (!key) {
      showProblem(summary, new ApiError(400, {}), { params: [{ name: "key", reason: "Required." }] });
      return;
    }
    const email = restoring && this.session ? this.session.email : null;
    status.textContent = email ? "U wordt ingelogd…" : "Uw sleutel wordt gecontroleerd…";
    let initiatives;
    try {
      initiatives = await getAll("/initiatives", { key });
    } catch (error) {
      status.textContent = "";
      if (restoring) forgetSession();
      if (email) {
        $("inlog-status").textContent = "U bent niet meer ingelogd. Vraag een nieuwe inloglink aan.";
        return;
      }
      $("sleutel-blok").open = true;
      const params = error.status === 401 ? [{ name: "key", reason: error.problem.detail }] : null;
      showProblem(summary, error, { params });
      return;
    }
    this.key = key;
    if (!restoring) rememberKey(key);
    this.initiatives = initiatives.sort((a, b) => b.id - a.id);
    const stored = Number(recall(INITIATIVE_STORE));
    const known = this.initiatives.some((initiative) => initiative.id === stored);
    this.activeId = known ? stored : this.initiatives[0]?.id ?? null;
    $("sleutel").value = "";
    if (email && !$("email").value) $("email").value = email;
    $("met-sleutel").hidden = false;
    this.fillInitiatives();
    const count = this.initiatives.length;
    const who = email ? `U bent ingelogd als ${email}.` : "Uw sleutel werkt.";
    this.signedIn(count
      ? `${who} U heeft ${count} ${count === 1 ? "initiatief" : "initiatieven"} geregistreerd.`
      : `${who} Registreer hieronder uw initiatief.`);
    await this.refreshIntroductions({ quiet: true });
    this.onChange();
    if (location.hash === "#mijn-initiatieven") $("mijn-initiatieven").focus();
  }

  forget() {
    forgetSession();
    remember(INITIATIVE_STORE, null);
    this.key = null;
    this.session = null;
    this.initiatives = [];
    this.activeId = null;
    this.introductions = [];
    $("inloggen-blok").hidden = false;
    $("uitloggen-blok").hidden = true;
    $("met-sleutel").hidden = true;
    $("mijn-profiel").hidden = true;
    $("kennismakingen").hidden = true;
    $("sleutel-status").textContent = "U bent uitgelogd.";
    this.onChange();
    $("inlog-email").focus();
  }

  fillInitiatives() {
    const select = $("mijn-initiatief");
    select.replaceChildren(...this.initiatives.map((initiative) =>
      el("option", { value: initiative.id, selected: initiative.id === this.activeId }, initiative.title)));
    $("mijn-initiatieven-veld").hidden = this.initiatives.length === 0;
    $("mijn-initiatieven-leeg").hidden = this.initiatives.length > 0;
    $("mijn-initiatieven-lijst").replaceChildren(...this.initiatives.map((initiative) =>
      el("li", { class: "kennismaking" },
        el("p", { class: "kennismaking-wie" }, el("strong", {}, initiative.title)),
        el("p", {}, `Fase: ${stageLabel(initiative.stage)}. Geregistreerd op ${formatDateTime(initiative.createdAt)}.`),
        officialAnswer(initiative))));
    remember(INITIATIVE_STORE, this.activeId === null ? null : String(this.activeId));
  }

  async choose(id) {
    this.activeId = id;
    remember(INITIATIVE_STORE, String(id));
    await this.refreshIntroductions();
    this.onChange();
  }

  async register(event) {
    event.preventDefault();
    if (this.busy) return;
    const form = $("registratie-form");
    const summary = $("registratie-fouten");
    const status = $("registratie-status");
    clearProblem(summary);
    const question = this.readQuestion();
    const title = $("titel").value.trim();
    const name = $("naam").value.trim();
    const email = $("email").value.trim();
    const phone = $("telefoon").value.trim();
    const missing = [];
    if (!question.municipalityCode) missing.push({ name: "municipalityCode", reason: "Required." });
    if (!question.text) missing.push({ name: "description", reason: "Required." });
    if (!title) missing.push({ name: "title", reason: "Required." });
    if (!name) missing.push({ name: "initiator.name", reason: "Required." });
    if (!email) missing.push({ name: "initiator.email", reason: "Required." });
    if (missing.length) {
      showProblem(summary, new ApiError(400, {}), { scope: form, params: missing });
      return;
    }
    const initiator = { name, email };
    if (phone) initiator.phone = phone;
    const body = {
      municipalityCode: question.municipalityCode,
      title,
      description: question.text,
      themes: question.themes,
      areaCodes: question.areaCodes,
      needs: question.needs,
      initiator,
    };
    this.busy = true;
    status.textContent = "Uw initiatief wordt geregistreerd…";
    try {
      const created = await apiPost("/initiatives", body, { key: this.key });
      this.initiatives.unshift(created);
      this.activeId = created.id;
      this.fillInitiatives();
      status.textContent = `Uw initiatief “${created.title}” is geregistreerd. Vraag nu bij een van de mensen hierboven een kennismaking aan.`;
      await this.refreshIntroductions({ quiet: true });
      this.onChange();
    } catch (error) {
      status.textContent = "";
      let params = null;
      if (error.status === 403 && /initiator\.email/.test(error.problem.detail || "")) {
        params = [{ name: "initiator.email", reason: error.problem.detail }];
      }
      showProblem(summary, error, { scope: form, params });
    } finally {
      this.busy = false;
    }
  }

  /** What a result card offers: a request form, the open request, or how to get there. */
  cardActions(item) {
    const contact = item.contact;
    if (!this.key || !this.active) {
      return el("p", { class: "hint" }, "Wilt u kennismaken met deze persoon? ",
        el("a", { href: "#registreren" }, "Log in en registreer uw initiatief"), ".");
    }
    const open = this.introductions.find(
      (introduction) => introduction.contact.id === contact.id && OPEN.has(introduction.status));
    if (open) {
      return el("p", { class: "melding melding-ok" },
        `Kennismaking ${statusLabel(open.status)} voor “${this.active.title}”.`);
    }
    const id = `bericht-${contact.id}`;
    const summary = el("div", { class: "foutoverzicht", role: "alert", tabindex: "-1", hidden: true });
    const message = el("textarea", { id, name: "message", rows: 2, maxlength: 2000, "data-param": "message" });
    const form = el("form", { class: "kennismaking-form", method: "post", action: "/", novalidate: true },
      summary,
      el("div", { class: "veld" },
        el("label", { for: id }, "Bericht voor deze persoon ",
          el("span", { class: "niet-verplicht" }, "(niet verplicht)")),
        message),
      el("div", { class: "knoppen" },
        el("button", { type: "submit", class: "knop knop-hoofd" }, "Vraag een kennismaking aan",
          el("span", { class: "visueel-verborgen" }, ` met ${contact.jobTitle}`))));
    form.addEventListener("submit", (event) => this.requestIntroduction(event, form, summary, contact));
    return form;
  }

  async requestIntroduction(event, form, summary, contact) {
    event.preventDefault();
    if (this.busy) return;
    clearProblem(summary);
    this.busy = true;
    const text = form.querySelector("textarea").value.trim();
    try {
      const introduction = await apiPost(
        "/introductions",
        { initiativeId: this.activeId, contactId: contact.id, message: text },
        { key: this.key },
      );
      const done = el("p", { class: "melding melding-ok", tabindex: "-1" },
        `Kennismaking ${statusLabel(introduction.status)}. U ziet hieronder bij ‘Uw kennismakingen’ hoe het ervoor staat.`);
      form.replaceWith(done);
      done.focus();
      await this.refreshIntroductions({ quiet: true });
    } catch (error) {
      showProblem(summary, error, { scope: form });
    } finally {
      this.busy = false;
    }
  }

  async refreshIntroductions({ quiet = false } = {}) {
    const section = $("kennismakingen");
    const status = $("kennismakingen-status");
    const list = $("kennismakingen-lijst");
    const initiative = this.active;
    if (!this.key || !initiative) {
      section.hidden = true;
      this.introductions = [];
      return;
    }
    section.hidden = false;
    if (!quiet) status.textContent = "Bezig met bijwerken…";
    try {
      const query = `initiativeId=${encodeURIComponent(initiative.id)}`;
      this.introductions = await getAll(`/introductions?${query}`, { key: this.key });
    } catch (error) {
      status.textContent = "";
      list.replaceChildren(el("li", { class: "melding melding-fout" }, error.status
        ? "De kennismakingen konden niet worden geladen. Probeer het opnieuw."
        : "Wegwijs is niet bereikbaar. Probeer het opnieuw."));
      return;
    }
    this.introductions.sort((a, b) => b.id - a.id);
    list.replaceChildren(...this.introductions.map((introduction) => {
      const contact = introduction.contact;
      const reach = [];
      if (contact.email) reach.push(el("a", { href: `mailto:${contact.email}` }, contact.email));
      if (contact.phone) reach.push(reach.length ? " of " : "", el("a", { href: `tel:${contact.phone.replace(/[^+0-9]/g, "")}` }, contact.phone));
      return el("li", { class: "kennismaking" },
        el("p", { class: "kennismaking-wie" }, el("strong", {}, contact.jobTitle),
          contact.name ? ` – ${contact.name}` : null),
        el("p", {}, "Status: ",
          el("strong", { class: `status-label status-${introduction.status}` }, statusLabel(introduction.status))),
        el("p", { class: "hint" }, `Aangevraagd op ${formatDateTime(introduction.createdAt)}`),
        introduction.reason ? el("p", {}, `Toelichting: ${introduction.reason}`) : null,
        reach.length ? el("p", {}, "U kunt nu contact opnemen: ", reach) : null);
    }));
    const count = this.introductions.length;
    const time = new Date().toLocaleTimeString("nl-NL", { hour: "2-digit", minute: "2-digit" });
    status.textContent = count
      ? `${count} ${count === 1 ? "kennismaking" : "kennismakingen"} voor “${initiative.title}”, bijgewerkt om ${time}.`
      : `Nog geen kennismakingen aangevraagd voor “${initiative.title}”.`;
  }
}
