import type { Harness } from './harness.js';

export const ADMIN = { username: 'ops-admin', password: 'admin-password-0001' };
export const VIEWER = { username: 'ops-viewer', password: 'viewer-password-0001' };

/** Environment that enables /admin with both roles. */
export const ADMIN_ENV: Record<string, string> = {
  ADMIN_USERNAME: ADMIN.username,
  ADMIN_PASSWORD: ADMIN.password,
  ADMIN_VIEWER_USERNAME: VIEWER.username,
  ADMIN_VIEWER_PASSWORD: VIEWER.password,
};

/** Returns an `Authorization: Basic` header value. */
export function basicAuth(user: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${user.username}:${user.password}`, 'utf8').toString('base64')}`;
}

/** Posts the login form without following the redirect. */
export async function postLogin(h: Harness, user: { username: string; password: string }, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${h.baseUrl}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ username: user.username, password: user.password, next: '/admin' }),
  });
}

/** Logs in through the form and returns the `name=value` pair of the session cookie. */
export async function loginCookie(h: Harness, user: { username: string; password: string }): Promise<string> {
  const response = await postLogin(h, user);
  if (response.status !== 303) throw new Error(`Login as ${user.username} returned ${response.status}`);
  const cookie = response.headers.getSetCookie()[0];
  if (cookie === undefined) throw new Error('Login set no cookie');
  return cookie.split(';')[0] as string;
}

/** Reads the first synchronizer token from a rendered admin page. */
export function csrfTokenIn(page: string): string {
  const match = /name="csrf_token" value="([^"]+)"/.exec(page);
  if (match?.[1] === undefined) throw new Error('The page has no csrf_token field');
  return match[1];
}
