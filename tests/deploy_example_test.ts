// The Deploy example (examples/deno_deploy.ts) end to end: two `Deno.serve`
// servers in their own processes on loopback ports share one KV file, as two
// Deploy isolates share one KV. Updates of 5 chats go to both, then a burst
// for one chat: every request is answered 200, every update is replied to
// exactly once, and the counts are exact.
import { webhookCallback } from "grammy";
import type { Update } from "grammy/types";
import {
  createBot,
  createHandler,
  OFFLINE_BOT_INFO,
} from "../examples/deno_deploy.ts";
import { DenoKvStorage } from "../kv.ts";
import { assert, assertEquals } from "./deps.ts";
import { message, settlesWithin } from "./_helpers.ts";

const SECRET = "s3cret-token_1";
const example = new URL("../examples/deno_deploy.ts", import.meta.url);

interface Server {
  url: string;
  child: Deno.ChildProcess;
  /** Lines the server printed (one JSON object per API call). */
  lines: string[];
  done: Promise<void>;
}

async function startServer(kvPath: string): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-kv", example.pathname],
    env: {
      OFFLINE_API: "1",
      KV_PATH: kvPath,
      WEBHOOK_SECRET: SECRET,
      PORT: "0",
      LISTEN_HOST: "127.0.0.1",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const { promise: url, resolve: listening } = Promise.withResolvers<string>();
  const done = (async () => {
    let buffered = "";
    for await (
      const chunk of child.stdout.pipeThrough(new TextDecoderStream())
    ) {
      buffered += chunk;
      let end;
      while ((end = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        const parsed = JSON.parse(line);
        if (parsed.listening) listening(parsed.listening);
        else lines.push(line);
      }
    }
  })();
  void new Response(child.stderr).text().then((text) => {
    const lines = text.split("\n").filter((line) =>
      line.trim() !== "" && !line.includes("DeprecationWarning")
    );
    if (lines.length > 0) console.error(lines.join("\n"));
  });
  return { url: await settlesWithin(url, 60_000), child, lines, done };
}

async function post(
  url: string,
  update: Update,
  secret: string | null = SECRET,
): Promise<number> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
  };
  if (secret !== null) headers["X-Telegram-Bot-Api-Secret-Token"] = secret;
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify(update),
  });
  await response.body?.cancel();
  return response.status;
}

/** Posts `updates` with at most `inFlight` at once, alternating servers. */
async function postAll(
  urls: string[],
  updates: Update[],
  inFlight: number,
): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < updates.length) {
      const i = next++;
      statuses[i] = await post(urls[i % urls.length]!, updates[i]!);
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
  return statuses;
}

/** The parent's environment without `names`, plus `extra`. */
function envWith(
  extra: Record<string, string>,
  without: string[] = [],
): Record<string, string> {
  const env = Deno.env.toObject();
  for (const name of without) delete env[name];
  return { ...env, ...extra };
}

/**
 * Starts the example with `env` (and nothing of the parent's `without`). If
 * it listens, posts a forged update (no secret) and stops it. Returns how it
 * ended.
 */
async function launch(
  env: Record<string, string>,
  without: string[] = [],
): Promise<
  { code: number; stderr: string; listening?: string; forged?: number }
> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-kv", example.pathname],
    clearEnv: true,
    env: envWith({ OFFLINE_API: "1", PORT: "0", ...env }, without),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  let listening: string | undefined;
  let forged: number | undefined;
  let buffered = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    const line = buffered.split("\n")[0]!;
    if (!buffered.includes("\n")) continue;
    listening = (JSON.parse(line) as { listening?: string }).listening;
    if (listening !== undefined) {
      const port = new URL(listening).port;
      forged = await post(`http://127.0.0.1:${port}/`, message(1, "x"), null);
      child.kill("SIGTERM");
      break;
    }
  }
  const { code } = await child.status;
  const result: Awaited<ReturnType<typeof launch>> = {
    code,
    stderr: await stderr,
  };
  if (listening !== undefined) result.listening = listening;
  if (forged !== undefined) result.forged = forged;
  return result;
}

Deno.test("the Deno Deploy example fails closed and listens on all interfaces (issue 19 item 9)", async (t) => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    await t.step("without WEBHOOK_SECRET it refuses to start", async () => {
      for (
        const [env, without] of [
          [{ KV_PATH: path }, ["WEBHOOK_SECRET"]],
          [{ KV_PATH: path, WEBHOOK_SECRET: "" }, []],
        ] as const
      ) {
        const run = await settlesWithin(launch(env, [...without]), 60_000);
        assertEquals(
          [run.code, run.listening, run.forged],
          [1, undefined, undefined],
          JSON.stringify(run),
        );
        assert(run.stderr.includes("WEBHOOK_SECRET"), run.stderr);
        assert(run.stderr.includes("openssl rand -hex 32"), run.stderr);
      }
      const bad = await settlesWithin(
        launch({ KV_PATH: path, WEBHOOK_SECRET: "has space" }),
        60_000,
      );
      assertEquals([bad.code, bad.listening], [1, undefined]);
      assert(bad.stderr.includes("A-Z a-z 0-9 _ -"), bad.stderr);
    });

    await t.step("createHandler refuses an empty secret", async () => {
      await using kv = await Deno.openKv(":memory:");
      const bot = createBot(kv, { token: "offline", lease: false });
      for (const secret of ["", undefined]) {
        let threw = false;
        try {
          createHandler(bot, secret as unknown as string);
        } catch (error) {
          threw = String(error).includes("WEBHOOK_SECRET");
        }
        assert(threw, `createHandler accepted ${JSON.stringify(secret)}`);
      }
    });

    await t.step(
      "HOSTNAME (a container's name) is ignored; LISTEN_HOST chooses",
      async () => {
        const container = await settlesWithin(
          launch({
            KV_PATH: path,
            WEBHOOK_SECRET: SECRET,
            HOSTNAME: "bot-5d8f7c9b-x2x7q",
          }),
          60_000,
        );
        assertEquals(container.listening?.split(":")[1], "//0.0.0.0");
        assertEquals(container.forged, 401);
        const chosen = await settlesWithin(
          launch({
            KV_PATH: path,
            WEBHOOK_SECRET: SECRET,
            HOSTNAME: "bot-5d8f7c9b-x2x7q",
            LISTEN_HOST: "127.0.0.1",
          }),
          60_000,
        );
        assertEquals(chosen.listening?.split(":")[1], "//127.0.0.1");
        assertEquals(chosen.forged, 401);
      },
    );
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("the Deno Deploy example", async (t) => {
  await t.step(
    "Deno.serve needs the wrapper: unwrapped it answers 500",
    async () => {
      const kv = await Deno.openKv(":memory:");
      const replies: unknown[] = [];
      const bot = createBot(kv, {
        token: "offline",
        botInfo: OFFLINE_BOT_INFO,
        onApiCall: (_method, payload) => replies.push(payload),
      });
      const unwrapped = Deno.serve(
        {
          port: 0,
          hostname: "127.0.0.1",
          onListen() {},
          onError: () => new Response(null, { status: 500 }),
        },
        webhookCallback(bot, "std/http"),
      );
      const wrapped = Deno.serve(
        { port: 0, hostname: "127.0.0.1", onListen() {} },
        createHandler(bot, SECRET),
      );
      try {
        const update = message(1, "hi");
        assertEquals(
          await post(`http://127.0.0.1:${unwrapped.addr.port}/`, update),
          500,
        );
        assertEquals(replies.length, 0);
        const url = `http://127.0.0.1:${wrapped.addr.port}/`;
        assertEquals(await post(url, update), 200);
        assertEquals(replies.length, 1);
        // Without Telegram's secret token, nothing is handled.
        assertEquals(await post(url, message(1, "x"), null), 401);
        assertEquals(await post(url, message(1, "x"), "wrong"), 401);
        assertEquals(replies.length, 1);
      } finally {
        await unwrapped.shutdown();
        await wrapped.shutdown();
        kv.close();
      }
    },
  );

  await t.step(
    "without the lease: a conflict is one log line and a 500",
    async () => {
      const kv = await Deno.openKv(":memory:");
      const logged: string[] = [];
      const error = console.error;
      console.error = (...args: unknown[]) => void logged.push(args.join(" "));
      // Two instances on one KV, no lease: concurrent updates of one chat.
      const handlers = [0, 1].map(() =>
        createHandler(
          createBot(kv, {
            token: "offline",
            botInfo: OFFLINE_BOT_INFO,
            onApiCall: () => {},
            lease: false,
          }),
          SECRET,
        )
      );
      try {
        const statuses = await Promise.all(
          Array.from({ length: 20 }, (_, i) => {
            const update = message(7, `c${i}`);
            return handlers[i % 2]!(
              new Request("http://localhost/", {
                method: "POST",
                headers: { "X-Telegram-Bot-Api-Secret-Token": SECRET },
                body: JSON.stringify(update),
              }),
            ).then((response) => response.status);
          }),
        );
        const failed = statuses.filter((status) => status === 500).length;
        assert(failed > 0, "no conflict happened");
        assertEquals(failed + statuses.filter((s) => s === 200).length, 20);
        // One line per failed update, naming it and the conflict.
        assertEquals(logged.length, failed);
        for (const line of logged) {
          assert(!line.includes("\n"), line);
          assert(/^update \d+ failed: SessionConflictError: /.test(line), line);
        }
      } finally {
        console.error = error;
        kv.close();
      }
    },
  );

  await t.step(
    "two servers on one KV: every update answered and counted once",
    async () => {
      const path = await Deno.makeTempFile({ suffix: ".kv" });
      const servers: Server[] = [];
      try {
        servers.push(await startServer(path), await startServer(path));
        const urls = servers.map((server) => server.url);
        const chats = [101, 102, 103, 104, 105];
        const spread = Array.from(
          { length: 200 },
          (_, i) => message(chats[i % chats.length]!, `u${i}`),
        );
        const burst = Array.from(
          { length: 50 },
          (_, i) => message(106, `b${i}`),
        );
        const started = performance.now();
        const statuses = [
          ...await settlesWithin(postAll(urls, spread, 20), 120_000),
          ...await settlesWithin(postAll(urls, burst, 50), 120_000),
        ];
        console.log(
          `250 updates through two servers in ${
            Math.round(performance.now() - started)
          } ms`,
        );
        assertEquals(
          statuses.filter((status) => status !== 200),
          [],
        );
        assertEquals(statuses.length, 250);
        for (const server of servers) server.child.kill("SIGTERM");
        await Promise.all(servers.map((server) => server.done));
        await Promise.all(servers.map((server) => server.child.status));

        // Each update was replied to exactly once, with counts 1..n per chat.
        const replies = servers.flatMap((server) => server.lines)
          .map((line) => JSON.parse(line))
          .filter((call) => call.method === "sendMessage")
          .map((call) => call.payload as { chat_id: number; text: string });
        assertEquals(replies.length, 250);
        const texts = new Set(replies.map((reply) => reply.text.split(":")[0]));
        assertEquals(texts.size, 250);
        for (const chat of [...chats, 106]) {
          const counts = replies.filter((reply) => reply.chat_id === chat)
            .map((reply) => Number(reply.text.split("message ")[1]))
            .sort((a, b) => a - b);
          const expected = chat === 106 ? 50 : 40;
          assertEquals(
            counts,
            Array.from({ length: expected }, (_, i) => i + 1),
          );
        }
        assert(servers.every((server) => server.lines.length > 0));

        const kv = await Deno.openKv(path);
        try {
          const storage = new DenoKvStorage<{ count: number }>(kv);
          for (const chat of chats) {
            assertEquals((await storage.read(`${chat}`))?.count, 40);
          }
          assertEquals((await storage.read("106"))?.count, 50);
        } finally {
          kv.close();
        }
      } finally {
        for (const server of servers) {
          try {
            server.child.kill("SIGKILL");
          } catch {
            // Already stopped.
          }
          await server.child.status;
        }
        await Deno.remove(path);
      }
    },
  );
});
