/**
 * The inspector page: one HTML document with its style and script inline,
 * allowed by a strict Content-Security-Policy that names their hashes (no
 * other script, style, image, frame or form target can load). The script
 * builds every element with `textContent`, never with HTML, so session
 * content always shows as text.
 *
 * @module
 */

const STYLE = `
body { font: 14px system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
header { display: flex; gap: 1em; align-items: baseline; padding: .8em 1.2em; background: #233047; color: #fff; }
header h1 { font-size: 1.2em; margin: 0; }
#where { opacity: .8; font-family: ui-monospace, monospace; font-size: .9em; }
#search { display: flex; gap: .5em; padding: .8em 1.2em; }
#q { flex: 1; padding: .4em; font-size: 1em; }
main { display: grid; grid-template-columns: minmax(18em, 1fr) 2fr; gap: 1em; padding: 0 1.2em 1.2em; }
ul { list-style: none; padding: 0; margin: 0; }
li { background: #fff; border: 1px solid #d7dbe2; border-radius: 6px; margin-bottom: .6em; padding: .5em .7em; }
li.selected { border-color: #3867d6; box-shadow: 0 0 0 2px #3867d633; }
.key { font-weight: 600; font-family: ui-monospace, monospace; background: none; border: 0; padding: 0; cursor: pointer; color: #1e4fb4; text-align: left; word-break: break-all; }
.meta { color: #5b6474; font-size: .85em; margin: .2em 0; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; font: 12px ui-monospace, monospace; }
.preview { max-height: 9em; overflow: hidden; color: #39424f; }
.note { color: #a4161a; font-size: .9em; }
#detail { background: #fff; border: 1px solid #d7dbe2; border-radius: 6px; padding: .8em 1em; align-self: start; }
#detail h2 { font-family: ui-monospace, monospace; font-size: 1.05em; margin: 0 0 .3em; word-break: break-all; }
#d-view { max-height: 70vh; overflow: auto; background: #f8f9fb; padding: .6em; border-radius: 4px; }
textarea { width: 100%; box-sizing: border-box; min-height: 24em; font: 12px ui-monospace, monospace; }
.buttons { display: flex; gap: .5em; margin-top: .6em; }
#d-error { color: #a4161a; font-weight: 600; margin: .5em 0; white-space: pre-wrap; }
#status { padding: 0 1.2em .5em; color: #5b6474; }
nav { display: flex; gap: .8em; align-items: center; }
`;

const SCRIPT = `
"use strict";
const token = new URL(location.href).searchParams.get("token") || "";
const $ = (id) => document.getElementById(id);
const state = { q: "", offset: 0, pageSize: 20, selected: null };

async function api(path, body) {
  const init = { headers: { "x-inspector-token": token } };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({ error: response.statusText }));
  return { status: response.status, data };
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function size(bytes) {
  if (bytes < 1024) return bytes + " B";
  if (bytes < 1048576) return (bytes / 1024).toFixed(1) + " KiB";
  return (bytes / 1048576).toFixed(1) + " MiB";
}

function expiry(item) {
  if (item.expiresAt !== null) return "expires " + new Date(item.expiresAt).toISOString();
  return item.expiryKnown ? "no expiry" : "expiry unknown";
}

function status(text) { $("status").textContent = text; }

async function loadList() {
  const params = new URLSearchParams({ q: state.q, offset: String(state.offset) });
  const { status: code, data } = await api("/api/sessions?" + params);
  if (code !== 200) { status("Error: " + data.error); return; }
  state.pageSize = data.pageSize;
  const list = $("items");
  list.replaceChildren();
  for (const item of data.items) {
    const li = el("li");
    li.dataset.key = item.key;
    if (item.key === state.selected) li.classList.add("selected");
    const button = el("button", "key", item.key);
    button.type = "button";
    button.addEventListener("click", () => openSession(item.key));
    const preview = item.preview === null ? el("div", "note", item.note) : el("pre", "preview", item.preview);
    li.append(button, el("div", "meta", size(item.bytes) + " · " + expiry(item)), preview);
    list.append(li);
  }
  const first = data.items.length === 0 ? 0 : data.offset + 1;
  $("page").textContent = first + "–" + (data.offset + data.items.length);
  $("prev").disabled = data.offset === 0;
  $("next").disabled = !data.more;
  status(data.items.length === 0 ? "No sessions match." : "");
}

let current = null;

function showSession(data) {
  current = data;
  state.selected = data.key;
  $("detail").hidden = false;
  $("d-key").textContent = data.key;
  $("d-meta").textContent = size(data.bytes) + " · " + expiry(data);
  $("d-view").textContent = data.text === null ? data.note : data.text;
  editing(false);
  $("edit").hidden = data.text === null;
  for (const li of $("items").children) li.classList.toggle("selected", li.dataset.key === data.key);
}

function editing(on) {
  $("d-view").hidden = on;
  $("d-edit").hidden = !on;
  $("edit").hidden = on;
  $("save").hidden = !on;
  $("cancel").hidden = !on;
}

async function openSession(key) {
  $("d-error").textContent = "";
  const { status: code, data } = await api("/api/session?" + new URLSearchParams({ key }));
  if (code !== 200) { $("d-error").textContent = data.error; return; }
  showSession(data);
}

$("edit").addEventListener("click", () => {
  $("d-edit").value = current.text;
  $("d-error").textContent = "";
  editing(true);
  $("d-edit").focus();
});
$("cancel").addEventListener("click", () => { $("d-error").textContent = ""; editing(false); });
$("save").addEventListener("click", async () => {
  const { status: code, data } = await api("/api/save", { key: current.key, version: current.version, text: $("d-edit").value });
  if (code === 200) {
    const key = current.key;
    await openSession(key);
    await loadList();
    status("Saved " + key);
    return;
  }
  if (code === 409) {
    $("d-error").textContent = "Conflict: " + data.error + " The current value is shown; your text is still in the editor. Save again to replace it.";
    if (data.current) { current.version = data.current.version; current.text = data.current.text; $("d-view").textContent = data.current.text ?? data.current.note; $("d-view").hidden = false; }
    return;
  }
  $("d-error").textContent = "Not saved: " + data.error;
});
$("delete").addEventListener("click", async () => {
  if (!confirm("Delete session " + current.key + "? This cannot be undone.")) return;
  const { status: code, data } = await api("/api/delete", { key: current.key, version: current.version });
  if (code !== 200) { $("d-error").textContent = "Not deleted: " + data.error; return; }
  $("detail").hidden = true;
  state.selected = null;
  await loadList();
  status("Deleted " + current.key);
});
$("search").addEventListener("submit", (event) => {
  event.preventDefault();
  state.q = $("q").value;
  state.offset = 0;
  loadList();
});
$("prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - state.pageSize); loadList(); });
$("next").addEventListener("click", () => { state.offset += state.pageSize; loadList(); });
loadList();
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

/** The inspector page and the headers it is served with. */
export interface InspectorPage {
  /** The HTML document. */
  html: string;
  /** Its response headers, with the Content-Security-Policy. */
  headers: Record<string, string>;
}

/**
 * Builds the inspector page for a KV location and prefix (shown escaped in
 * its header).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inspectorPage } from "./inspector_page.ts";
 *
 * const page = await inspectorPage({ location: "<bot>.kv", prefix: '["s"]' });
 * assert(page.html.includes("&#60;bot&#62;.kv"));
 * assert.match(page.headers["content-security-policy"]!, /default-src 'none'/);
 * ```
 */
export async function inspectorPage(
  where: { location: string; prefix: string },
): Promise<InspectorPage> {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sessions</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>Sessions</h1><span id="where">${escapeHtml(where.location)} ${
    escapeHtml(where.prefix)
  }</span></header>
<form id="search"><input id="q" type="search" placeholder="Search keys and content" aria-label="Search"><button>Search</button></form>
<div id="status" role="status"></div>
<main>
<section id="list"><ul id="items"></ul>
<nav><button id="prev" type="button">Previous</button><span id="page"></span><button id="next" type="button">Next</button></nav></section>
<section id="detail" hidden>
<h2 id="d-key"></h2><div id="d-meta" class="meta"></div>
<div id="d-error" role="alert"></div>
<pre id="d-view"></pre>
<textarea id="d-edit" hidden spellcheck="false" aria-label="Session JSON"></textarea>
<div class="buttons"><button id="edit" type="button">Edit</button><button id="save" type="button" hidden>Save</button><button id="cancel" type="button" hidden>Cancel</button><button id="delete" type="button">Delete</button></div>
</section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${await sha256(SCRIPT)}'`,
    `style-src 'sha256-${await sha256(STYLE)}'`,
    "connect-src 'self'",
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  return {
    html,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": csp,
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
    },
  };
}
