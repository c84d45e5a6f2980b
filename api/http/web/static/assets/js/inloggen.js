// /inloggen#<token>: the page a sign-in link opens. Opening it changes nothing (mail scanners
// open every link); only the button exchanges the token for a key (POST /api/v1/sessions).
// The token is taken from the fragment, which never reaches a server, and removed from the
// address bar and the history at once.

import { ApiError, apiPost } from "./api.js";
import { remember } from "./sessie.js";
import { tokenProblemText } from "./labels.js";
import { clearProblem, showProblem } from "./ui.js";

const form = document.getElementById("inloggen-form");
const summary = document.getElementById("inloggen-fouten");
const status = document.getElementById("inloggen-status");
const button = document.getElementById("inloggen-knop");
const again = document.getElementById("nieuwe-link");

const token = decodeURIComponent(location.hash.slice(1));
history.replaceState(null, "", location.pathname);
let busy = false;

function refuse(text) {
  form.hidden = true;
  status.textContent = "";
  summary.hidden = false;
  summary.replaceChildren();
  const line = document.createElement("p");
  line.className = "foutoverzicht-titel";
  line.textContent = text;
  summary.append(line);
  again.hidden = false;
  summary.focus();
}

if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) {
  refuse("Deze link is niet compleet. Kopieer de hele link uit de e-mail, of vraag een nieuwe link aan.");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (busy) return;
  busy = true;
  clearProblem(summary);
  button.setAttribute("aria-disabled", "true");
  status.textContent = "U wordt ingelogd…";
  try {
    const session = await apiPost("/sessions", { token });
    remember(session);
    status.textContent = "U bent ingelogd.";
    location.replace(session.role === "contact" ? "/#mijn-profiel" : "/#mijn-initiatieven");
  } catch (error) {
    const text = tokenProblemText(error);
    if (text) refuse(text);
    else showProblem(summary, error instanceof ApiError ? error : new ApiError(0, {}));
    status.textContent = "";
  } finally {
    busy = false;
    button.removeAttribute("aria-disabled");
  }
});
