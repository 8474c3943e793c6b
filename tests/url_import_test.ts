import { assertEquals } from "./deps.ts";

const modUrl = new URL("../mod.ts", import.meta.url).href;
const kvUrl = new URL("../kv.ts", import.meta.url).href;
const hasKvStorage = "DenoKvStorage" in await import("../kv.ts");

// The guide's pizza bot, as a deno.land/x user would write it: grammY from
// its own specifier, this module by URL, in a folder that knows nothing of
// our deno.json. Only `bot.start()` is replaced by feeding updates, and the
// KV variant passes `storage: new DenoKvStorage(kv)`.
function pizzaBot(store: "memory" | "kv"): string {
  return `
import { Bot, Context } from "npm:grammy@^1";
import { session, SessionFlavor } from "${modUrl}";
${store === "kv" ? `import { DenoKvStorage } from "${kvUrl}";` : ""}

// Define the shape of our session.
interface SessionData {
  pizzaCount: number;
}

// Flavor the context type to include sessions.
type MyContext = Context & SessionFlavor<SessionData>;

const bot = new Bot<MyContext>("42:token", {
  botInfo: {
    id: 42,
    is_bot: true,
    first_name: "Pizza Bot",
    username: "pizza_bot",
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
  } as Bot["botInfo"], // newer grammY versions add fields; these are enough
});
const replies: string[] = [];
bot.api.config.use((_prev, method, payload) => {
  if (method !== "sendMessage") throw new Error("unexpected " + method);
  const { chat_id, text } = payload as { chat_id: number; text: string };
  replies.push(chat_id + ": " + text);
  // deno-lint-ignore no-explicit-any
  return Promise.resolve({ ok: true, result: { message_id: 1, date: 0, chat: { id: chat_id, type: "private", first_name: "U" }, text } } as any);
});

// Install session middleware, and define the initial session value.
function initial(): SessionData {
  return { pizzaCount: 0 };
}
${
    store === "kv"
      ? `const kv = await Deno.openKv(":memory:");
bot.use(session({ initial, storage: new DenoKvStorage<SessionData>(kv) }));`
      : `bot.use(session({ initial }));`
  }

bot.command("hunger", async (ctx) => {
  const count = ctx.session.pizzaCount;
  await ctx.reply(\`Your hunger level is \${count}!\`);
});

bot.hears(/.*🍕.*/, (ctx) => ctx.session.pizzaCount++);

let id = 0;
function message(chat: number, text: string) {
  id++;
  const entities = text.startsWith("/")
    ? [{ type: "bot_command" as const, offset: 0, length: text.length }]
    : undefined;
  return {
    update_id: id,
    message: {
      message_id: id,
      date: 1_700_000_000,
      chat: { id: chat, type: "private" as const, first_name: "U" },
      from: { id: chat, is_bot: false, first_name: "U" },
      text,
      ...(entities ? { entities } : {}),
    },
  };
}
for (const [chat, text] of [[7, "🍕"], [7, "pizza 🍕 time"], [8, "🍕"], [7, "/hunger"], [8, "/hunger"]] as const) {
  await bot.handleUpdate(message(chat, text));
}
console.log(JSON.stringify(replies));
${store === "kv" ? "kv.close();" : ""}
`;
}

const REPLIES = [
  "7: Your hunger level is 2!",
  "8: Your hunger level is 1!",
];

Deno.test("a bot outside the project imports mod.ts by URL", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "sessionkit-url-" });
  try {
    // Its own config: no import map, only what KV needs.
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({ unstable: ["kv"] }),
    );
    await Deno.writeTextFile(`${dir}/bot.ts`, pizzaBot("memory"));
    await Deno.writeTextFile(`${dir}/kv_bot.ts`, pizzaBot("kv"));

    await t.step("type-checks with deno check", async () => {
      const result = await deno(dir, ["check", "bot.ts"]);
      assertEquals(result.code, 0, result.output);
    });

    await t.step("runs the guide's pizza bot and replies", async () => {
      const result = await deno(dir, ["run", "--allow-env", "bot.ts"]);
      assertEquals(result.code, 0, result.output);
      assertEquals(JSON.parse(result.stdout), REPLIES);
    });

    await t.step({
      name: "imports kv.ts by URL and runs the bot on Deno KV",
      ignore: !hasKvStorage, // until kv.ts exports DenoKvStorage
      fn: async () => {
        const check = await deno(dir, ["check", "kv_bot.ts"]);
        assertEquals(check.code, 0, check.output);
        const result = await deno(dir, ["run", "--allow-env", "kv_bot.ts"]);
        assertEquals(result.code, 0, result.output);
        assertEquals(JSON.parse(result.stdout), REPLIES);
      },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function deno(
  cwd: string,
  args: string[],
): Promise<{ code: number; stdout: string; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const out = new TextDecoder().decode(stdout);
  const err = new TextDecoder().decode(stderr);
  return { code, stdout: out, output: `deno ${args.join(" ")}:\n${out}${err}` };
}
