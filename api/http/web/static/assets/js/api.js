// A small client for the Wegwijs JSON API. Personal data and free text only ever travel in
// request bodies (POST), never in a URL: query strings carry codes and ids alone.

export const API = "/api/v1";
const MAX_PAGES = 50;

export class ApiError extends Error {
  /** ``retryAfter``: the answer's Retry-After header (429, 503); ``path``: what was called. */
  constructor(status, problem, { retryAfter = null, path = "" } = {}) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status; // 0: no answer at all (network down)
    this.problem = problem || {};
    this.retryAfter = retryAfter;
    this.path = path;
  }
}

async function call(method, path, { body, key, ifMatch, withEtag = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers.Authorization = `Bearer ${key}`;
  if (ifMatch) headers["If-Match"] = ifMatch;
  let response;
  try {
    response = await fetch(API + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch (error) {
    throw new ApiError(0, { title: "Network error", detail: String(error) }, { path });
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const retryAfter = response.headers.get("Retry-After");
    throw new ApiError(response.status, data, { retryAfter, path });
  }
  return withEtag ? { data, etag: response.headers.get("ETag") } : data;
}

export const apiGet = (path, options) => call("GET", path, options);
export const apiPost = (path, body, options) => call("POST", path, { ...options, body });
export const apiPatch = (path, body, options) => call("PATCH", path, { ...options, body });

/** Every item of a paginated collection (pages of at most 100). */
export async function getAll(path, options) {
  const items = [];
  const join = path.includes("?") ? "&" : "?";
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const data = await apiGet(`${path}${join}page=${page}&pageSize=100`, options);
    items.push(...data.items);
    if (data.items.length === 0 || items.length >= data.total) break;
  }
  return items;
}
