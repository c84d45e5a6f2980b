// DOM helpers: elements built from text (never from HTML strings), and problem messages shown
// next to the fields they are about, with a summary that links to each field.

import { problemText, reasonText } from "./labels.js";

/** el("p", {class: "x"}, "text", child, [more, children]) — null/false children are skipped. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

const shown = new WeakMap(); // summary element → what it changed, to undo on the next try

// How closely a field's data-param names cover a problem's name ("initiator.email" is closer
// to "initiator.email" than "initiator" is); 0 when not at all.
function closeness(element, name) {
  const tokens = (element.dataset.param || "").split(/\s+/).filter(Boolean);
  let best = 0;
  for (const token of tokens) {
    if (name === token) best = Math.max(best, token.length + 1);
    else if (name.startsWith(`${token}[`) || name.startsWith(`${token}.`)) {
      best = Math.max(best, token.length);
    }
  }
  return best;
}

function fieldFor(name, scope) {
  for (const root of [scope, document]) {
    if (!root) continue;
    let found = null;
    let best = 0;
    for (const element of root.querySelectorAll("[data-param]")) {
      const score = closeness(element, name);
      if (score > best) [found, best] = [element, score];
    }
    if (found) return found;
  }
  return null;
}

function focusTarget(field) {
  if (field.tagName === "FIELDSET") return field.querySelector("input, select, textarea");
  return field;
}

function labelOf(field) {
  if (field.tagName === "FIELDSET") {
    const legend = field.querySelector("legend");
    return legend ? legend.firstChild.textContent.trim() : "";
  }
  const label = document.querySelector(`label[for="${field.id}"]`);
  return label ? label.firstChild.textContent.trim() : "";
}

function describe(element, id) {
  const ids = (element.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  if (!ids.includes(id)) element.setAttribute("aria-describedby", [id, ...ids].join(" "));
}

function undescribe(element, id) {
  const ids = (element.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  const rest = ids.filter((other) => other !== id);
  if (rest.length) element.setAttribute("aria-describedby", rest.join(" "));
  else element.removeAttribute("aria-describedby");
}

/** Remove the messages an earlier showProblem(summary, …) put on the page. */
export function clearProblem(summary) {
  for (const { field, message } of shown.get(summary) || []) {
    message.remove();
    undescribe(field, message.id);
    field.removeAttribute("aria-invalid");
    field.classList.remove("veld-fout");
  }
  shown.set(summary, []);
  summary.replaceChildren();
  summary.hidden = true;
}

let messageCount = 0;

/**
 * Show an ApiError: a summary (role=alert, focused) with one line per problem, each linking to
 * its field, and the same message beside the field itself (aria-describedby, aria-invalid).
 * ``params`` replaces the problem's own invalidParams (for problems found before sending).
 */
export function showProblem(summary, error, { scope = null, params = null } = {}) {
  clearProblem(summary);
  const problems = params || (error.problem && error.problem.invalidParams) || [];
  const changed = [];
  const lines = [];
  for (const param of problems) {
    const text = reasonText(param.reason);
    const field = fieldFor(param.name, scope);
    if (!field) {
      lines.push(el("li", {}, text));
      continue;
    }
    if (changed.some((entry) => entry.field === field)) continue;
    messageCount += 1;
    const message = el("p", { class: "fout-bericht", id: `fout-${messageCount}` },
      el("span", { class: "visueel-verborgen" }, "Fout: "), text);
    if (field.tagName === "FIELDSET") field.querySelector("legend").after(message);
    else field.before(message);
    describe(field, message.id);
    field.setAttribute("aria-invalid", "true");
    field.classList.add("veld-fout");
    changed.push({ field, message });
    const target = focusTarget(field);
    const link = el("a", { href: `#${target.id}` }, `${labelOf(field)}: ${text}`);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const details = target.closest("details");
      if (details) details.open = true;
      target.focus();
    });
    lines.push(el("li", {}, link));
  }
  shown.set(summary, changed);
  summary.append(el("p", { class: "foutoverzicht-titel" }, problemText(error)));
  if (lines.length) summary.append(el("ul", {}, lines));
  for (const { field } of changed) {
    const details = field.closest("details");
    if (details) details.open = true;
  }
  summary.hidden = false;
  summary.focus();
}

/** Dutch date and time, e.g. "3 maart 2026, 14:05". */
export function formatDateTime(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString("nl-NL", { dateStyle: "long", timeStyle: "short" });
}
