/**
 * `serve` on Node.js: the inspector's request handler (the same as on Deno)
 * behind a `node:http` server on 127.0.0.1, with a fresh random token, until
 * Ctrl-C (SIGINT) or SIGTERM.
 *
 * @module
 */
import { process } from "./_node_process.ts";
import { createServer } from "node:http";
import type { CliIo } from "./cli_io.ts";
import {
  createInspectorHandler,
  type InspectorStore,
} from "./inspector_api.ts";

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Serves the inspector page for `store` and returns 0 once stopped. */
export async function serveOnNode(
  store: InspectorStore,
  io: CliIo,
  port: number,
): Promise<number> {
  const token = randomToken();
  // Set once the port is known (the host check needs it).
  const ready: { handle?: (request: Request) => Promise<Response> } = {};
  const server = createServer(async (req, res) => {
    try {
      const chunks: Uint8Array<ArrayBuffer>[] = [];
      for await (const chunk of req) {
        chunks.push(new Uint8Array(chunk as Uint8Array));
      }
      const body = chunks.length > 0 ? new Blob(chunks) : undefined;
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string") headers.set(name, value);
      }
      const request = new Request(`http://127.0.0.1${req.url ?? "/"}`, {
        method: req.method ?? "GET",
        headers,
        ...(body && req.method !== "GET" && req.method !== "HEAD"
          ? { body }
          : {}),
      });
      const response = ready.handle === undefined
        ? new Response("Starting\n", { status: 503 })
        : await ready.handle(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(new Uint8Array(await response.arrayBuffer()));
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(`${(error as Error).message}\n`);
    }
  });
  await new Promise<void>((listening, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => listening());
  });
  const address = server.address();
  const actualPort = typeof address === "object" && address !== null
    ? address.port
    : port;
  ready.handle = await createInspectorHandler(store, token, actualPort);
  await io.out(`Inspector: http://127.0.0.1:${actualPort}/?token=${token}\n`);
  await io.err(
    "Listening on 127.0.0.1 only; the token in the URL is the key. Ctrl-C stops.\n",
  );
  await new Promise<void>((stop) => {
    process.once("SIGINT", () => stop());
    process.once("SIGTERM", () => stop());
  });
  await new Promise<void>((closed) => server.close(() => closed()));
  return 0;
}
