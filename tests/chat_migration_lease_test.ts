// The automatic chat migration takes the lease of both chats like any
// update: instance A (a process) holds the old group's lease mid-handler
// when instance B (another process) gets the `migrate_to_chat_id` service
// message. B's move waits for A, then moves A's result: the new chat's
// session counts both messages and nothing is left under the old id. (With
// 0.2.0 B moved at once, A's write failed with a conflict, and its
// redelivery left a stray session under the old id.)
import type { Context } from "grammy";
import type { Update } from "grammy/types";
import { DenoKvStorage, SessionLeaseLostError } from "../kv.ts";
import { session, type SessionFlavor } from "../mod.ts";
import { MOVE_SESSION } from "../src/contract/_move_hook.ts";
import { assert, assertEquals, assertRejects } from "./deps.ts";
import { createBot, settlesWithin, spawnFixture } from "./_helpers.ts";
import { openSharedKv } from "./fixtures/_open_kv.ts";

const OLD = -4_012_345;
const NEW = -1_009_876_543_210;
/** Far longer than the run takes: only a hang gets here. */
const HANG = 60_000;

interface Report {
  conflicts: number;
  errors: string[];
}

/** Reads lines of a child's stdout. */
async function* lines(stream: ReadableStream<Uint8Array>) {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    const parts = rest.split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest !== "") yield rest;
}

/** Resolves with the first line `until` accepts, or throws at the end. */
async function waitFor(
  output: AsyncGenerator<string>,
  until: (line: string) => boolean,
  who: string,
): Promise<string> {
  for (;;) {
    const { done, value } = await output.next();
    if (done) throw new Error(`${who} ended before printing what was expected`);
    if (until(value)) return value;
  }
}

for (const mode of ["strict", "lazy"] as const) {
  Deno.test(`chat migration with the lease, two processes (${mode}): the move waits for the old chat's update`, async () => {
    const path = await Deno.makeTempFile({ suffix: ".kv" });
    const kv = await openSharedKv(path);
    const storage = new DenoKvStorage<{ count: number }>(kv);
    await storage.write(`${OLD}`, { count: 0 });
    const a = spawnFixture("migration_bot.ts", [path, mode, "hold"], {
      stdin: "piped",
    });
    const b = spawnFixture("migration_bot.ts", [path, mode, "migrate"], {
      stdin: "piped",
    });
    const aOut = lines(a.stdout);
    const bOut = lines(b.stdout);
    const aErr = new Response(a.stderr).text();
    const bErr = new Response(b.stderr).text();
    try {
      const reports = await settlesWithin(
        (async () => {
          await waitFor(aOut, (line) => line === "holding", "instance A");
          await waitFor(bOut, (line) => line === "ready", "instance B");
          // B handles the service message while A holds the old chat.
          await b.stdin.close();
          // Let A go on once B waits in line for the old chat's lease (it
          // claims the next turn), or once B is done (it did not wait).
          const bDone = b.status.then(() => true);
          const claim = ["sessions", `${OLD}`, "~lease", "next"];
          for (;;) {
            const done = await Promise.race([
              bDone,
              new Promise<false>((resolve) => setTimeout(resolve, 5, false)),
            ]);
            if (done || (await kv.get(claim)).versionstamp !== null) break;
          }
          await a.stdin.close();
          const reports: Report[] = [];
          for (
            const [name, out, child, err] of [
              ["A", aOut, a, aErr],
              ["B", bOut, b, bErr],
            ] as const
          ) {
            const line = await waitFor(out, (l) => l.startsWith("{"), name);
            const status = await child.status;
            assert(status.success, `instance ${name} failed: ${await err}`);
            reports.push(JSON.parse(line));
          }
          return reports;
        })(),
        HANG,
      );
      assertEquals({
        old: await storage.read(`${OLD}`),
        new: await storage.read(`${NEW}`),
      }, { old: undefined, new: { count: 2 } });
      assertEquals(reports, [
        { conflicts: 0, errors: [] },
        { conflicts: 0, errors: [] },
      ]);
      const left = await Array.fromAsync(
        kv.list({ prefix: ["sessions", `${OLD}`] }),
      );
      assertEquals(left.map((entry) => entry.key), []);
    } finally {
      for (const child of [a, b]) {
        try {
          child.kill("SIGKILL");
        } catch {
          // Already done.
        }
        await child.status;
      }
      await aErr;
      await bErr;
      kv.close();
      await Deno.remove(path);
    }
  });
}

Deno.test("chat migration with the lease: a second session middleware on the same storage does not wait for its own update", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const storage = new DenoKvStorage<{ count: number }>(kv, { lease: true });
    await storage.write(`${OLD}`, { count: 1 });
    const bot = createBot<Context & SessionFlavor<{ count: number }>>();
    const initial = () => ({ count: 0 });
    // A plugin installs the same session again (they join).
    bot.use(session({ storage, initial }));
    bot.use(session({ storage, initial }));
    bot.on("message", (ctx) => void ctx.session.count++);
    const oldChat = { id: OLD, type: "group", title: "Pizza club" };
    const from = { id: 77, is_bot: false, first_name: "Ada" };
    const migrate = (id: number): Update =>
      ({
        update_id: id,
        message: {
          message_id: id,
          date: 0,
          chat: oldChat,
          from,
          migrate_to_chat_id: NEW,
        },
      }) as Update;
    await settlesWithin(bot.handleUpdate(migrate(1)), 20_000);
    await settlesWithin(bot.handleUpdate(migrate(2)), 20_000);
    assertEquals(await storage.read(`${NEW}`), { count: 3 });
    assertEquals(await storage.read(`${OLD}`), undefined);
  } finally {
    kv.close();
  }
});

Deno.test("DenoKvStorage's one-commit move refuses to move while a lease it holds was taken by another holder", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const storage = new DenoKvStorage<{ count: number }>(kv, { lease: true });
    await storage.write(`${OLD}`, { count: 1 });
    const lease = await storage.acquireLease!(`${OLD}`);
    // Another instance took the lease over (this one was paused too long).
    const leaseKey = ["sessions", `${OLD}`, "~lease"];
    await kv.set(leaseKey, {
      owner: "someone else",
      until: Date.now() + 60_000,
    });
    await assertRejects(
      () => storage[MOVE_SESSION](`${OLD}`, `${NEW}`, { leases: [lease] }),
      SessionLeaseLostError,
    );
    assertEquals(await storage.read(`${OLD}`), { count: 1 });
    assertEquals(await storage.read(`${NEW}`), undefined);
    await lease.release();
  } finally {
    kv.close();
  }
});
