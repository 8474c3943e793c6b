/**
 * The inspector's HTTP server: listens on 127.0.0.1 only, with a fresh
 * random token per start, printed in the URL.
 *
 * @module
 */
import type { CliIo } from "./cli_io.ts";
import {
  createInspectorHandler,
  type InspectorStore,
} from "./inspector_api.ts";

/** A running inspector. */
export interface RunningInspector extends AsyncDisposable {
  /** The URL to open, with the token. */
  url: string;
  /** The token every request must carry. */
  token: string;
  /** The port it listens on. */
  port: number;
  /** Stops the server. */
  shutdown(): Promise<void>;
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Starts the inspector on 127.0.0.1 (`port` 0: any free port).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./open_store.ts";
 * import { startInspector } from "./server.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".kv" });
 * using store = await openStore(path, ["sessions"]);
 * await using inspector = await startInspector(store);
 * const response = await fetch(inspector.url);
 * assert.equal(response.status, 200);
 * await response.body?.cancel();
 * ```
 */
export async function startInspector(
  store: InspectorStore,
  port = 0,
): Promise<RunningInspector> {
  const token = randomToken();
  // Set once the port is known (the host check needs it).
  const ready: { handler?: (request: Request) => Promise<Response> } = {};
  const server = Deno.serve(
    {
      hostname: "127.0.0.1",
      port,
      onListen: () => {},
    },
    (request) =>
      ready.handler === undefined
        ? new Response("Starting\n", { status: 503 })
        : ready.handler(request),
  );
  const actualPort = server.addr.port;
  ready.handler = await createInspectorHandler(store, token, actualPort);
  const shutdown = async (): Promise<void> => {
    await server.shutdown();
  };
  return {
    url: `http://127.0.0.1:${actualPort}/?token=${token}`,
    token,
    port: actualPort,
    shutdown,
    [Symbol.asyncDispose]: shutdown,
  };
}

/**
 * `serve`: starts the inspector, prints its URL, and runs until Ctrl-C
 * (SIGINT) or SIGTERM.
 *
 * @example
 * ```ts ignore
 * import { openStore } from "./open_store.ts";
 * import { processIo } from "./deno_io.ts";
 * import { serveInspector } from "./server.ts";
 *
 * using store = await openStore("bot.kv", ["sessions"], { mustExist: true });
 * Deno.exitCode = await serveInspector(store, await processIo(), 0);
 * ```
 */
export async function serveInspector(
  store: InspectorStore,
  io: CliIo,
  port: number,
): Promise<number> {
  const inspector = await startInspector(store, port);
  await io.out(`Inspector: ${inspector.url}\n`);
  await io.err(
    "Listening on 127.0.0.1 only; the token in the URL is the key. Ctrl-C stops.\n",
  );
  const { promise, resolve } = Promise.withResolvers<void>();
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, resolve);
  await promise;
  for (const signal of signals) Deno.removeSignalListener(signal, resolve);
  await inspector.shutdown();
  return 0;
}
