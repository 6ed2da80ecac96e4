import type { Request, Response } from 'express';
import { sendError } from '../http/error-body.js';
import type { AdminIdentity } from './auth.js';
import { html, type SafeHtml } from './html.js';

/** Path of the stylesheet, served without authentication because the login page uses it too. */
export const STYLESHEET_PATH = '/admin/admin.css';

/**
 * Policy for the server-rendered pages: no scripts at all, styles only from
 * the stylesheet, forms only to this origin, no framing. Bull Board serves
 * its own script bundle and does not get this header.
 */
const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const STYLESHEET = `
:root { --fg: #1f2933; --muted: #616e7c; --border: #e4e7eb; --bg: #f5f7fa; --accent: #2f6fde;
  --green: #2f9e44; --amber: #f08c00; --red: #e03131; --grey: #adb5bd; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
header.top { display: flex; align-items: center; gap: 22px; padding: 10px 24px; background: #1f2933; color: #fff; }
header.top .brand { font-weight: 600; letter-spacing: .01em; }
header.top nav { display: flex; gap: 16px; flex: 1; }
header.top nav a { color: #cbd2d9; text-decoration: none; }
header.top nav a.current { color: #fff; border-bottom: 2px solid #fff; }
header.top .user { color: #cbd2d9; display: flex; align-items: center; gap: 10px; }
header.top .user form { margin: 0; }
header.top .user button { background: transparent; border-color: #616e7c; color: #e4e7eb; padding: 2px 10px; }
main { margin: 0 auto; padding: 20px 24px 48px; max-width: 1600px; }
h1 { font-size: 20px; margin: 4px 0 16px; }
h2 { font-size: 16px; margin: 28px 0 10px; display: flex; align-items: baseline; gap: 12px; }
h2 small { font-weight: 400; color: var(--muted); font-size: 13px; }
.card { background: #fff; border: 1px solid var(--border); border-radius: 8px; overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th, td { padding: 7px 10px; border-bottom: 1px solid var(--border); text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; background: #fafbfc; white-space: nowrap; }
tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
th.counts { white-space: normal; max-width: 120px; }
td.nowrap { white-space: nowrap; }
td.empty { color: var(--muted); text-align: center; padding: 18px; }
code, .mono, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.muted { color: var(--muted); }
.light { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
.light::before { content: ""; width: 10px; height: 10px; border-radius: 50%; background: var(--grey); }
.light.active::before { background: var(--green); }
.light.degraded::before { background: var(--amber); }
.light.error::before { background: var(--red); }
.summary { display: flex; gap: 18px; margin: 0 0 10px; color: var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; background: #e4e7eb; color: #3e4c59; white-space: nowrap; }
.badge.processed { background: #d3f9d8; color: #2b8a3e; }
.badge.failed, .badge.rejected { background: #ffe3e3; color: #c92a2a; }
.badge.received, .badge.queued, .badge.processing { background: #e7f5ff; color: #1971c2; }
.badge.role-admin { background: #fff3bf; color: #8f5b00; }
form.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-end; padding: 12px; margin-bottom: 12px; }
label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 3px; }
input, select { font: inherit; padding: 5px 8px; border: 1px solid #cbd2d9; border-radius: 5px; background: #fff; color: var(--fg); }
input[name="q"] { width: 210px; }
input[name="type"] { width: 180px; }
input[type="datetime-local"] { width: 200px; }
button, a.button { font: inherit; padding: 5px 12px; border-radius: 5px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
a.button.secondary, button.secondary { background: #fff; color: var(--accent); }
form.inline { display: inline; margin: 0; }
form.inline button { padding: 2px 10px; font-size: 12.5px; }
.notice { padding: 10px 14px; border-radius: 6px; margin: 0 0 16px; background: #e7f5ff; border: 1px solid #a5d8ff; }
.notice.error { background: #fff5f5; border-color: #ffc9c9; color: #c92a2a; }
.last-error { color: #c92a2a; max-width: 280px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.pager { display: flex; gap: 12px; padding: 10px 0; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; padding: 14px; margin: 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; word-break: break-all; }
pre.payload { background: #fff; padding: 14px; margin: 0; overflow: auto; max-height: 70vh; }
.login { max-width: 360px; margin: 12vh auto; padding: 24px; }
.login form { display: flex; flex-direction: column; gap: 12px; }
.login h1 { margin-top: 0; }
`;

/** Renders a whole admin page; `identity` undefined leaves out the navigation (login and error pages). */
export function renderPage(options: { title: string; body: SafeHtml; identity?: AdminIdentity | undefined; current?: 'webhooks' }): string {
  const identity = options.identity;
  const header =
    identity === undefined
      ? ''
      : html`<header class="top">
  <span class="brand">EventHex operations</span>
  <nav>
    <a href="/admin" class="${options.current === 'webhooks' ? 'current' : ''}">Webhooks</a>
    <a href="/admin/queues">Queues</a>
  </nav>
  <span class="user">
    <span>${identity.username}</span>
    <span class="badge role-${identity.role}">${identity.role}</span>
    ${identity.method === 'session'
      ? html`<form method="post" action="/admin/logout"><input type="hidden" name="csrf_token" value="${identity.csrfToken}"><button type="submit">Log out</button></form>`
      : ''}
  </span>
</header>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · EventHex operations</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
${header}
<main>
${options.body}
</main>
</body>
</html>
`.value;
}

/** Sends a rendered admin page with the headers every server-rendered admin page gets. */
export function sendPage(res: Response, status: number, page: string): void {
  res.status(status);
  res.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.set('Cache-Control', 'no-store');
  res.type('html').send(page);
}

/** Sends a short page with a heading and one message, for errors and refusals. */
export function sendMessagePage(res: Response, status: number, title: string, message: string, identity?: AdminIdentity): void {
  sendPage(res, status, renderPage({ title, identity, body: html`<h1>${title}</h1><div class="notice error">${message}</div>` }));
}

const ERROR_TITLES: Record<number, string> = {
  400: 'Invalid request',
  401: 'Login required',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Request too large',
  429: 'Too many attempts',
  503: 'Service unavailable',
};

/** Sends an error as a page to browsers (Accept includes text/html) and in the API's JSON error shape to everything else. */
export function sendAdminError(req: Request, res: Response, status: number, code: string, message: string, identity?: AdminIdentity): void {
  if ((req.headers.accept ?? '').includes('text/html')) return sendMessagePage(res, status, ERROR_TITLES[status] ?? 'Error', message, identity);
  sendError(res, status, code, message);
}
