// The signed-in person of this tab: the key from a sign-in link (or a pasted one), its role,
// and for a civil servant their contact id. Kept in sessionStorage (this tab only, gone when it
// closes) and sent only in the Authorization header.

const STORE = {
  key: "wegwijs.sleutel",
  role: "wegwijs.rol",
  email: "wegwijs.email",
  contact: "wegwijs.contact",
};

function write(name, value) {
  try {
    if (value === null || value === undefined) sessionStorage.removeItem(name);
    else sessionStorage.setItem(name, String(value));
  } catch {
    // Storage refused (private mode): the session then lasts until the page is left.
  }
}

function read(name) {
  try {
    return sessionStorage.getItem(name);
  } catch {
    return null;
  }
}

/** What POST /api/v1/sessions answered, kept for this tab. */
export function remember({ token, role, email, contactId }) {
  write(STORE.key, token);
  write(STORE.role, role);
  write(STORE.email, email);
  write(STORE.contact, contactId ?? null);
}

/** {key, role, email, contactId}; role is null for a pasted key. */
export function current() {
  const key = read(STORE.key);
  if (!key) return null;
  const contact = Number(read(STORE.contact));
  return {
    key,
    role: read(STORE.role),
    email: read(STORE.email),
    contactId: Number.isInteger(contact) && contact > 0 ? contact : null,
  };
}

export function rememberKey(key) {
  write(STORE.key, key);
}

export function forget() {
  for (const name of Object.values(STORE)) write(name, null);
}
