/**
 * The HTTP side of the inspector page: the token and host checks that every
 * request passes, the page itself, and the JSON API it calls (list with
 * search and paging, read, compare-and-set save, delete).
 *
 * @module
 */
import { encodeValue } from "./json_encoding.ts";
import type { OpenStore } from "./store_handle.ts";
import { inspectorPage } from "./inspector_page.ts";
import { prettyJson } from "./pretty_json.ts";
import { readSessionInfo, valueBytes } from "./session_info.ts";
import { parseSessionText, writeSession } from "./session_commands.ts";

/** What the inspector needs of an open store. */
export type InspectorStore = Pick<
  OpenStore,
  "storage" | "expiring" | "location" | "prefix"
>;

/** The header that carries the token on API requests. */
export const TOKEN_HEADER = "x-inspector-token";
const PAGE_SIZE = 20;
const PREVIEW_CHARS = 600;

function sameToken(a: string | null, b: string): boolean {
  if (a === null || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const API_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
};

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: API_HEADERS });
}

function refuse(status: number, message: string): Response {
  return new Response(message + "\n", {
    status,
    headers: { ...API_HEADERS, "content-type": "text/plain; charset=utf-8" },
  });
}

function prettyText(key: string, value: unknown): string {
  return prettyJson(encodeValue(value, `session ${JSON.stringify(key)}`));
}

/**
 * The text of a session, or why the encoding cannot show it (a cycle): one
 * such session must not take the list or the page down with it.
 */
function showable(
  key: string,
  value: unknown,
): { text: string; note?: undefined } | { text: null; note: string } {
  try {
    return { text: prettyText(key, value) };
  } catch (error) {
    return {
      text: null,
      note: `Cannot be shown as JSON: ${
        error instanceof Error ? error.message : String(error)
      }. It can still be deleted.`,
    };
  }
}

async function describeSession(
  store: InspectorStore,
  key: string,
  value: unknown,
): Promise<Record<string, unknown>> {
  const info = await readSessionInfo(store.storage, key);
  const known = typeof (store.storage as { readInfo?: unknown }).readInfo ===
    "function";
  return {
    key,
    bytes: info?.bytes ?? valueBytes(value),
    expiresAt: info?.expiresAt ?? null,
    expiryKnown: known,
  };
}

async function listPage(
  store: InspectorStore,
  url: URL,
): Promise<Response> {
  const query = (url.searchParams.get("q") ?? "").toLowerCase();
  const offset = Math.max(0, Number(url.searchParams.get("offset")) || 0);
  const items: Record<string, unknown>[] = [];
  let matched = 0;
  let more = false;
  for await (const [key, value] of store.storage.readAllEntries()) {
    const { text, note } = showable(key, value);
    if (
      query !== "" && !key.toLowerCase().includes(query) &&
      !(text ?? "").toLowerCase().includes(query)
    ) continue;
    if (matched++ < offset) continue;
    if (items.length === PAGE_SIZE) {
      more = true;
      break;
    }
    items.push({
      ...await describeSession(store, key, value),
      ...text === null ? { preview: null, note } : {
        preview: text.length > PREVIEW_CHARS
          ? text.slice(0, PREVIEW_CHARS) + "\n…"
          : text,
      },
    });
  }
  return json({ items, offset, more, pageSize: PAGE_SIZE });
}

async function readOne(store: InspectorStore, key: string): Promise<Response> {
  const { value, version } = await store.storage.readWithVersion(key);
  if (value === undefined) return json({ error: "No such session" }, 404);
  const { text, note } = showable(key, value);
  return json({
    ...await describeSession(store, key, value),
    version,
    text,
    ...note === undefined ? {} : { note },
  });
}

async function readBody(request: Request): Promise<Record<string, unknown>> {
  const body = await request.json().catch(() => null);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new TypeError("The request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

async function write(
  store: InspectorStore,
  request: Request,
  remove: boolean,
): Promise<Response> {
  const body = await readBody(request);
  const { key, version, text } = body;
  if (typeof key !== "string") return json({ error: "key is missing" }, 400);
  if (version !== null && typeof version !== "string") {
    return json({ error: "version is missing" }, 400);
  }
  let value: unknown;
  if (!remove) {
    if (typeof text !== "string") {
      return json({ error: "text is missing" }, 400);
    }
    try {
      value = parseSessionText(key, text);
    } catch (error) {
      return json({ error: (error as Error).message }, 400);
    }
  }
  let ok: boolean;
  try {
    ok = remove
      ? (await store.storage.compareAndSet(key, version, undefined)).ok
      : await writeSession(store, key, version, value);
  } catch (error) {
    return json({ error: (error as Error).message }, 400);
  }
  if (ok) return json({ ok: true });
  const current = await store.storage.readWithVersion(key);
  return json({
    error: `Session ${
      JSON.stringify(key)
    } was changed by someone else since you opened it; nothing was ${
      remove ? "deleted" : "saved"
    }.`,
    current: current.value === undefined ? null : {
      version: current.version,
      ...showable(key, current.value),
    },
  }, 409);
}

/**
 * Creates the request handler of the inspector: every request must name the
 * loopback host it was sent to and carry `token` (in the query for the page,
 * in the `x-inspector-token` header for the API); writes are POSTs with a
 * JSON body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./open_store.ts";
 * import { createInspectorHandler } from "./inspector_api.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".kv" });
 * using store = await openStore(path, ["sessions"]);
 * const handle = await createInspectorHandler(store, "secret", 8080);
 * const refused = await handle(new Request("http://127.0.0.1:8080/"));
 * assert.equal(refused.status, 403);
 * await refused.body?.cancel();
 * ```
 */
export async function createInspectorHandler(
  store: InspectorStore,
  token: string,
  port: number,
): Promise<(request: Request) => Promise<Response>> {
  const page = await inspectorPage({
    location: store.location,
    prefix: JSON.stringify(encodeValue(store.prefix)),
  });
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  return async (request) => {
    const url = new URL(request.url);
    if (!hosts.has(request.headers.get("host") ?? url.host)) {
      return refuse(403, "Forbidden: wrong host");
    }
    const origin = request.headers.get("origin");
    if (origin !== null && !hosts.has(origin.replace(/^http:\/\//, ""))) {
      return refuse(403, "Forbidden: cross-site request");
    }
    if (url.pathname === "/" && request.method === "GET") {
      if (!sameToken(url.searchParams.get("token"), token)) {
        return refuse(403, "Forbidden: the token is missing or wrong");
      }
      return new Response(page.html, { headers: page.headers });
    }
    if (!sameToken(request.headers.get(TOKEN_HEADER), token)) {
      return refuse(403, "Forbidden: the token is missing or wrong");
    }
    try {
      if (request.method === "GET" && url.pathname === "/api/sessions") {
        return await listPage(store, url);
      }
      if (request.method === "GET" && url.pathname === "/api/session") {
        return await readOne(store, url.searchParams.get("key") ?? "");
      }
      if (request.method === "POST" && url.pathname.startsWith("/api/")) {
        if (
          !(request.headers.get("content-type") ?? "").startsWith(
            "application/json",
          )
        ) return refuse(415, "Writes must send JSON");
        if (url.pathname === "/api/save") {
          return await write(store, request, false);
        }
        if (url.pathname === "/api/delete") {
          return await write(store, request, true);
        }
      }
      return refuse(404, "Not found");
    } catch (error) {
      return json({ error: (error as Error).message }, 500);
    }
  };
}
