/** Origin used only to parse relative paths; it never appears in output. */
const PARSE_BASE = 'http://admin.invalid';

/**
 * Returns `value` when it is a path under /admin (with its query), else
 * `fallback`. Redirect targets taken from forms and query strings pass
 * through this, so a crafted link cannot send an operator to another site.
 */
export function safeAdminPath(value: unknown, fallback = '/admin'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\') || value.length > 2048) return fallback;
  let url: URL;
  try {
    url = new URL(value, PARSE_BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== PARSE_BASE || (url.pathname !== '/admin' && !url.pathname.startsWith('/admin/'))) return fallback;
  return `${url.pathname}${url.search}`;
}

/** Builds `path?query` from the non-empty values of `params`, in their order. */
export function pathWithQuery(path: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') query.set(key, value);
  }
  const search = query.toString();
  return search === '' ? path : `${path}?${search}`;
}
