// DenoKvStorage moves a session atomically also after a writer of a large
// session died mid-write and left its pending record (`~pending`) under the
// old key: moveSession() and the automatic chat migration. (0.2.0 fell back
// to two commits there, and a reader saw the session under both keys.)
import type { Context } from "grammy";
import type { Update } from "grammy/types";
import { DenoKvStorage, type KvLike } from "../kv.ts";
import { moveSession, session, type SessionFlavor } from "../mod.ts";
import { assert, assertEquals, assertRejects } from "./deps.ts";
import { createBot } from "./_helpers.ts";

interface Big {
  text: string;
  count: number;
}

const OLD = -4_012_345;
const NEW = -1_009_876_543_210;

/**
 * A KV handle over `kv` whose `before` hook runs right before each commit
 * (to look at KV from outside), and which dies after `commitsLeft` more
 * commits when that is set: a process killed mid-write.
 */
function instrumented(kv: Deno.Kv) {
  const control = {
    before: undefined as (() => Promise<void>) | undefined,
    commitsLeft: Infinity,
  };
  const handle: KvLike = {
    getMany: (keys) => kv.getMany(keys),
    list: (selector, options) => kv.list(selector, options),
    atomic: () => {
      const atomic = kv.atomic();
      const commit = atomic.commit.bind(atomic);
      atomic.commit = async () => {
        if (control.commitsLeft-- <= 0) throw new Error("the writer died");
        await control.before?.();
        return await commit();
      };
      return atomic;
    },
  };
  return { handle, control };
}

/**
 * Stores a chunked session under `key`, then lets another writer die after
 * the first commit of a 2 MB write of the same key: its generation stays
 * listed in the pending record. With `deadFor`, the record says the writer
 * listed it that long ago.
 */
async function leaveDeadWriter(
  kv: Deno.Kv,
  key: string,
  value: Big,
  deadFor = 0,
): Promise<void> {
  await new DenoKvStorage<Big>(kv).write(key, value);
  const { handle, control } = instrumented(kv);
  control.commitsLeft = 1;
  const dying = new DenoKvStorage<Big>(handle);
  await assertRejects(() =>
    dying.write(key, { text: "x".repeat(2_000_000), count: -1 })
  );
  const pendingKey = ["sessions", key, "~pending"];
  const record = await kv.get<Record<string, { n: number; t: number }>>(
    pendingKey,
  );
  assert(record.value !== null, "the dead writer left no pending record");
  if (deadFor > 0) {
    for (const info of Object.values(record.value)) info.t -= deadFor;
    await kv.set(pendingKey, record.value);
  }
}

/** Before every commit of a move (and after): how many heads are visible. */
function watchHeads(kv: Deno.Kv, keys: string[]) {
  const seen: number[] = [];
  const look = async () => {
    const entries = await kv.getMany(keys.map((key) => ["sessions", key]));
    seen.push(entries.filter((entry) => entry.versionstamp !== null).length);
  };
  return { seen, look };
}

async function leftUnder(kv: Deno.Kv, key: string): Promise<Deno.KvKey[]> {
  const entries = await Array.fromAsync(
    kv.list({ prefix: ["sessions", key] }),
  );
  return entries.map((entry) => entry.key);
}

const big = (): Big => ({ text: "🍕".repeat(100_000), count: 3 }); // ~400 KB

for (
  const [name, deadFor] of [
    ["just now (its generation is still in its grace period)", 0],
    ["a minute ago (its generation may be reclaimed)", 60_000],
  ] as const
) {
  Deno.test(`DenoKvStorage moves in one commit after a writer died ${name}`, async (t) => {
    await t.step("moveSession()", async () => {
      const kv = await Deno.openKv(":memory:");
      try {
        await leaveDeadWriter(kv, "a", big(), deadFor);
        const { handle, control } = instrumented(kv);
        const storage = new DenoKvStorage<Big>(handle);
        const heads = watchHeads(kv, ["a", "b"]);
        control.before = heads.look;
        assertEquals(await moveSession(storage, "a", "b"), true);
        await heads.look();
        assertEquals(
          heads.seen.filter((n) => n !== 1),
          [],
          `heads visible before each commit: ${heads.seen}`,
        );
        assertEquals(await storage.read("b"), big());
        assertEquals(await leftUnder(kv, "a"), []);
      } finally {
        kv.close();
      }
    });

    await t.step("the automatic chat migration", async () => {
      const kv = await Deno.openKv(":memory:");
      try {
        await leaveDeadWriter(kv, `${OLD}`, big(), deadFor);
        const { handle, control } = instrumented(kv);
        const storage = new DenoKvStorage<Big>(handle);
        const bot = createBot<Context & SessionFlavor<Big>>();
        bot.use(session({ storage, initial: () => ({ text: "", count: 0 }) }));
        bot.on("message", (ctx) => void ctx.session.count++);
        const heads = watchHeads(kv, [`${OLD}`, `${NEW}`]);
        control.before = heads.look;
        await bot.handleUpdate({
          update_id: 1,
          message: {
            message_id: 1,
            date: 0,
            chat: { id: OLD, type: "group", title: "Pizza club" },
            from: { id: 77, is_bot: false, first_name: "Ada" },
            migrate_to_chat_id: NEW,
          },
        } as Update);
        await heads.look();
        assertEquals(
          heads.seen.filter((n) => n !== 1),
          [],
          `heads visible before each commit: ${heads.seen}`,
        );
        assertEquals(await storage.read(`${NEW}`), { ...big(), count: 4 });
        assertEquals(await leftUnder(kv, `${OLD}`), []);
      } finally {
        kv.close();
      }
    });
  });
}
