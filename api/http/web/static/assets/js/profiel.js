// "Mijn profiel": what a civil servant signed in by e-mail may change about themself with
// PATCH /api/v1/contacts/{id}: consent, open to initiatives, available, capacity per month,
// public profile and expertise. The change is sent with If-Match, so it never overwrites a
// broker's change made meanwhile (412: the page reloads the profile and says so).

import { ApiError, apiGet, apiPatch } from "./api.js";
import { clearProblem, showProblem } from "./ui.js";

const $ = (id) => document.getElementById(id);

export class Profile {
  constructor(session) {
    this.session = session;
    this.etag = null;
    this.contact = null;
    this.busy = false;
  }

  async start() {
    $("mijn-profiel").hidden = false;
    $("profiel-form").addEventListener("submit", (event) => this.save(event));
    await this.load();
    if (location.hash === "#mijn-profiel") $("profiel-kop").focus();
  }

  async load() {
    const { key, contactId } = this.session;
    try {
      const { data, etag } = await apiGet(`/contacts/${contactId}`, { key, withEtag: true });
      this.contact = data;
      this.etag = etag;
    } catch (error) {
      showProblem($("profiel-fouten"), error);
      $("profiel-form").hidden = false;
      return;
    }
    this.fill();
  }

  fill() {
    const contact = this.contact;
    $("profiel-wie").textContent = `${contact.name}, ${contact.jobTitle}. Uw e-mailadres: ${contact.email}.`;
    $("profiel-toestemming").checked = Boolean(contact.consentAt);
    $("profiel-open").checked = contact.openToInitiatives;
    $("profiel-beschikbaar").checked = contact.available;
    $("profiel-openbaar").checked = contact.publicProfile;
    $("profiel-capaciteit").value = String(contact.capacityPerMonth);
    $("profiel-expertise").value = contact.expertise;
    $("profiel-form").hidden = false;
  }

  async save(event) {
    event.preventDefault();
    if (this.busy || !this.contact) return;
    const summary = $("profiel-fouten");
    const status = $("profiel-status");
    clearProblem(summary);
    const capacity = $("profiel-capaciteit").value.trim();
    if (!/^\d{1,4}$/.test(capacity) || Number(capacity) > 1000) {
      showProblem(summary, new ApiError(400, {}), {
        params: [{ name: "capacityPerMonth", reason: "Must be a whole number from 0 to 1000." }],
      });
      return;
    }
    const consent = $("profiel-toestemming").checked;
    const change = {
      openToInitiatives: $("profiel-open").checked,
      available: $("profiel-beschikbaar").checked,
      publicProfile: $("profiel-openbaar").checked,
      capacityPerMonth: Number(capacity),
      expertise: $("profiel-expertise").value.trim(),
    };
    // Consent keeps the moment it was first given; withdrawing it clears it.
    if (consent && !this.contact.consentAt) change.consentAt = new Date().toISOString();
    if (!consent && this.contact.consentAt) change.consentAt = null;
    this.busy = true;
    status.textContent = "Uw profiel wordt opgeslagen…";
    try {
      const { data, etag } = await apiPatch(`/contacts/${this.contact.id}`, change, {
        key: this.session.key,
        ifMatch: this.etag,
        withEtag: true,
      });
      this.contact = data;
      this.etag = etag;
      this.fill();
      status.textContent = "Uw profiel is opgeslagen.";
    } catch (error) {
      status.textContent = "";
      showProblem(summary, error, { scope: $("profiel-form") });
      if (error.status === 412) await this.load();
    } finally {
      this.busy = false;
    }
  }
}
