// A randomized model test of the session lifecycle: strict, lazy and multi
// sessions over the memory store, DenoKvStorage and enhanceStorage over
// both, with many updates in flight doing random things. The final state
// must equal a serial replay of the updates that succeeded (in the order
// they ran, which the key lock makes serial), and every failure must be one
// that was expected and reported. Set SEED to replay a run.
import type { Context } from "grammy";
import {
  type Enhance,
  enhanceStorage,
  lazySession,
  MemorySessionStorage,
  session,
  type StorageAdapter,
} from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import { assertEquals } from "./deps.ts";
import { createBot, io, message, runConcurrently } from "./_helpers.ts";

interface Counter {
  count: number;
}
type Value = Counter | undefined;
type Action = "inc" | "del" | "delReassign" | "replace" | "throw" | "late";
const ACTIONS: Action[] = [
  "inc",
  "inc",
  "inc",
  "del",
  "delReassign",
  "replace",
  "throw",
  "late",
];
const CHATS = 4;
const UPDATES = 120;

class Planned extends Error {}

// mulberry32: small, seeded, good enough for test inputs.
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function apply(value: Value, action: Action): Value {
  switch (action) {
    case "inc":
      return { count: (value?.count ?? 0) + 1 };
    case "del":
      return undefined;
    case "delReassign":
      return { count: 50 };
    case "replace":
      return { count: 7 };
    default:
      return value;
  }
}

type Mode = "strict" | "lazy" | "multi";

async function run(
  mode: Mode,
  storage: StorageAdapter<Counter>,
  random: () => number,
): Promise<void> {
  const initial = (): Counter => ({ count: 0 });
  // deno-lint-ignore no-explicit-any
  const bot = createBot<Context & { session: any }>();
  if (mode === "strict") bot.use(session({ storage, initial }));
  if (mode === "lazy") bot.use(lazySession({ storage, initial }));
  if (mode === "multi") {
    bot.use(session({ type: "multi", a: { storage, initial } }));
  }
  const plan = new Map<number, Action>();
  const ran: [chat: number, action: Action, updateId: number][] = [];
  const late: Promise<unknown>[] = [];
  bot.on("message", async (ctx) => {
    const action = plan.get(ctx.update.update_id)!;
    await io();
    // The session object (strict, multi) or a promise of it (lazy).
    const get = (): Promise<Counter> =>
      Promise.resolve(mode === "multi" ? ctx.session.a : ctx.session);
    const set = (value: Value) => {
      if (mode === "multi") ctx.session.a = value;
      else ctx.session = value;
    };
    const current = await get();
    if (action === "inc") current.count++;
    if (action === "del") set(undefined);
    if (action === "delReassign") {
      set(undefined);
      await io();
      set({ count: 50 });
    }
    if (action === "replace") set({ count: 7 });
    if (action === "throw") {
      current.count += 1000;
      throw new Planned("planned");
    }
    if (action === "late") {
      late.push(
        new Promise((resolve) => setTimeout(resolve, 0)).then(() => {
          if (mode === "lazy") return get();
          set({ count: -1 });
        }).then(() => "no error", (error) => error.name),
      );
    }
    ran.push([ctx.chatId!, action, ctx.update.update_id]);
  });
  const updates = Array.from({ length: UPDATES }, () => {
    const chat = 1 + Math.floor(random() * CHATS);
    const update = message(chat, "x");
    plan.set(update.update_id, ACTIONS[Math.floor(random() * ACTIONS.length)]!);
    return update;
  });
  const errors = await runConcurrently(bot as never, updates, 16);
  const lateOutcomes = await Promise.all(late);
  // Every failure was planned and reported.
  const planned = [...plan.values()].filter((a) => a === "throw").length;
  assertEquals(errors.length, planned);
  for (const error of errors) {
    assertEquals(error instanceof Planned, true, String(error));
  }
  // Every late access was refused.
  for (const outcome of lateOutcomes) {
    assertEquals(outcome, "SessionLateAccessError");
  }
  // The final state is a serial replay of what ran (and succeeded).
  const model = new Map<number, Value>();
  for (const [chat, action] of ran) {
    model.set(chat, apply(model.get(chat), action));
  }
  for (let chat = 1; chat <= CHATS; chat++) {
    const stored = await storage.read(`${chat}`);
    assertEquals(stored, model.get(chat), `chat ${chat}`);
  }
}

Deno.test("randomized model: final state is a serial replay", async (t) => {
  const seed = Number(Deno.env.get("SEED") ?? Date.now() % 1_000_000);
  const random = prng(seed);
  const stores: [
    string,
    () => Promise<[StorageAdapter<Counter>, () => void]>,
  ][] = [
    [
      "memory",
      () => Promise.resolve([new MemorySessionStorage<Counter>(), () => {}]),
    ],
    ["kv", async () => {
      const kv = await Deno.openKv(":memory:");
      return [new DenoKvStorage<Counter>(kv), () => kv.close()];
    }],
    ["enhanced memory", () =>
      Promise.resolve([
        enhanceStorage<Counter>({
          storage: new MemorySessionStorage<Enhance<Counter>>(),
        }),
        () => {},
      ])],
    ["enhanced kv", async () => {
      const kv = await Deno.openKv(":memory:");
      return [
        enhanceStorage<Counter>({
          storage: new DenoKvStorage<Enhance<Counter>>(kv),
        }),
        () => kv.close(),
      ];
    }],
  ];
  for (const mode of ["strict", "lazy", "multi"] as const) {
    for (const [name, open] of stores) {
      await t.step(`${mode} over ${name}`, async () => {
        const [storage, close] = await open();
        try {
          await run(mode, storage, random);
        } catch (error) {
          console.error(`model test failed: SEED=${seed} (${mode}, ${name})`);
          throw error;
        } finally {
          close();
        }
      });
    }
  }
});
