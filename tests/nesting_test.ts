// Session middleware installed twice: on one property, inside a conversation,
// from two copies of the module; and a stuck handler with `lockTimeout`.
import { Bot, type Context } from "grammy";
import { conversations, createConversation } from "@grammyjs/conversations";
import { MemorySessionStorage, session, type SessionFlavor } from "../mod.ts";
import { assert, assertEquals } from "./deps.ts";
import { createBot, message, settlesWithin } from "./_helpers.ts";

interface Counter {
  count: number;
}
type Strict = Context & SessionFlavor<Counter>;
const initial = (): Counter => ({ count: 0 });

Deno.test("lockTimeout: a stuck handler does not block its chat", async () => {
  const storage = new MemorySessionStorage<Counter>();
  const bot = createBot<Strict>();
  bot.use(session({ storage, initial, lockTimeout: 1000 }));
  let unstick = () => {};
  const stuck = new Promise<void>((resolve) => unstick = resolve);
  bot.command("stuck", async (ctx) => {
    ctx.session.count = 100;
    await stuck;
  });
  bot.command("inc", (ctx) => void ctx.session.count++);
  const first = bot.handleUpdate(message(1, "/stuck"));
  first.catch(() => {});
  await settlesWithin(bot.handleUpdate(message(1, "/inc")), 10_000);
  assertEquals(storage.read("1"), { count: 1 });
  unstick();
  const error = await first.then(() => undefined, (e) => e.error ?? e);
  assertEquals(error?.name, "SessionLockTimeoutError");
  assert(String(error.message).includes('"1"'));
  assertEquals(storage.read("1"), { count: 1 });
});

Deno.test("two session() middlewares on one property: a clear error", async () => {
  const bot = createBot<Strict>();
  bot.use(session({ storage: new MemorySessionStorage<Counter>(), initial }));
  bot.use(session({ storage: new MemorySessionStorage<Counter>(), initial }));
  bot.on("message", (ctx) => void ctx.session.count++);
  const error = await bot.handleUpdate(message(2, "+1")).then(
    () => undefined,
    (e) => e.error ?? e,
  );
  assert(error instanceof Error, "the second session must be refused");
  assert(error.message.includes("ctx.session"), error.message);
});

Deno.test("a session inside conversation plugins on the same storage", async () => {
  const storage = new MemorySessionStorage<Counter>();
  // deno-lint-ignore no-explicit-any
  const bot = createBot<any>();
  bot.use(session({ storage, initial }));
  bot.use(conversations());
  bot.use(createConversation(
    // deno-lint-ignore no-explicit-any
    async (conversation: any, ctx: any) => {
      ctx.session.count += 10;
      await conversation.wait();
    },
    { id: "convo", plugins: [session({ storage, initial })] },
  ));
  // deno-lint-ignore no-explicit-any
  bot.command("start", (ctx: any) => ctx.conversation.enter("convo"));
  const outcome = await settlesWithin(
    bot.handleUpdate(message(3, "/start")).then(() => undefined, (e) => e),
    10_000,
  );
  const error = outcome?.error ?? outcome;
  assertEquals(error?.name, "SessionSetupError");
  assert(String(error.message).includes("conversation"), error.message);
  // Nothing blocks the chat afterwards.
  bot.command("inc", (ctx) => void ctx.session.count++);
  await settlesWithin(bot.handleUpdate(message(3, "/inc")), 10_000);
  assertEquals(storage.read("3"), { count: 1 });
});

Deno.test("two copies of the module on one Context class", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const root = new URL("../", import.meta.url);
    // A whole copy of src/ beside a copy of mod.ts: a second copy of the
    // module, as two versions in one dependency tree would be.
    const copyTree = async (from: URL, to: string) => {
      await Deno.mkdir(to, { recursive: true });
      for await (const entry of Deno.readDir(from)) {
        if (entry.isDirectory) {
          await copyTree(
            new URL(`${entry.name}/`, from),
            `${to}/${entry.name}`,
          );
        } else {await Deno.copyFile(
            new URL(entry.name, from),
            `${to}/${entry.name}`,
          );}
      }
    };
    await copyTree(new URL("src/", root), `${dir}/src`);
    await Deno.copyFile(new URL("mod.ts", root), `${dir}/mod.ts`);
    const copy: typeof import("../mod.ts") = await import(
      `file://${dir}/mod.ts`
    );
    assert(copy.session !== session);
    const botA = new Bot<Strict>("0:a", { botInfo: createBot().botInfo });
    const botB = new Bot<Strict>("0:b", { botInfo: createBot().botInfo });
    const seen: string[] = [];
    botA.use(session({ initial }));
    botB.use(copy.session({ initial }));
    for (const [name, bot] of [["A", botA], ["B", botB]] as const) {
      bot.on("message", (ctx) => {
        ctx.session.count++;
        seen.push(`${name}${ctx.session.count}`);
      });
    }
    await botA.handleUpdate(message(4, "x"));
    await botB.handleUpdate(message(4, "x"));
    await botA.handleUpdate(message(4, "x"));
    await botB.handleUpdate(message(4, "x"));
    assertEquals(seen, ["A1", "B1", "A2", "B2"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
