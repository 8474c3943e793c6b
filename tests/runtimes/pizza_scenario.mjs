// The grammY guide's pizza bot, run the same way on every runtime: Deno, Node
// (ES modules and CommonJS), Bun and Cloudflare's workerd. Plain JavaScript,
// no imports: each runtime's runner loads grammY and the package its own way
// and passes them in. Updates go through `bot.handleUpdate` (bot info is set,
// API calls are answered by a transformer), so nothing leaves the process.
//
// `runScenario` throws on the first wrong result; it returns the names of the
// checks that ran, so that a runner can report what was covered.

const BOT_INFO = {
  id: 42,
  is_bot: true,
  first_name: "Pizza Bot",
  username: "pizza_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
};

/**
 * Runs the pizza bot on the memory store, lazily, through `enhanceStorage`,
 * and on the KV store when `lib.openKv` is given.
 *
 * @param {{
 *   Bot: any,
 *   core: any,
 *   kv?: any,
 *   openKv?: (path: string) => Promise<any>,
 * }} lib grammY's `Bot`, the main entry point, and optionally the `./kv`
 *   entry point and a function that opens a KV database.
 * @returns {Promise<string[]>} the names of the checks that passed.
 */
export async function runScenario(lib) {
  const { session, lazySession, MemorySessionStorage, enhanceStorage } =
    lib.core;
  const checks = [];

  // 1. The guide's bot on the memory store.
  {
    const { bot, replies } = pizzaBot(lib.Bot, (bot) =>
      bot.use(session({
        initial: () => ({ pizzaCount: 0 }),
        storage: new MemorySessionStorage(),
      })));
    await feedPizzas(bot);
    expectHunger(replies, "memory");
    checks.push("memory");
  }

  // 2. Lazy sessions: an update that does not touch the session reads nothing.
  {
    const store = new MemorySessionStorage();
    let reads = 0;
    const storage = {
      read: (key) => (reads++, store.read(key)),
      write: (key, value) => store.write(key, value),
      delete: (key) => store.delete(key),
    };
    const { bot, replies } = pizzaBot(
      lib.Bot,
      (bot) =>
        bot.use(lazySession({ initial: () => ({ pizzaCount: 0 }), storage })),
      true,
    );
    await bot.handleUpdate(message(1, "no food here"));
    if (reads !== 0) throw new Error(`lazy: ${reads} reads for no access`);
    await feedPizzas(bot);
    expectHunger(replies, "lazy");
    checks.push("lazy");
  }

  // 3. enhanceStorage: a record of version 0 is migrated, then counted on.
  {
    const inner = new MemorySessionStorage();
    inner.write("1", { __d: { pizzas: 2 } });
    const storage = enhanceStorage({
      storage: inner,
      migrations: { 1: (old) => ({ pizzaCount: old.pizzas }) },
      millisecondsToLive: 60 * 60 * 1000,
    });
    const { bot, replies } = pizzaBot(
      lib.Bot,
      (bot) =>
        bot.use(session({ initial: () => ({ pizzaCount: 0 }), storage })),
    );
    await feedPizzas(bot);
    const texts = replies.map((reply) => reply.text).join(" | ");
    const expected = [
      "Your hunger level is 5!",
      "Your hunger level is 1!",
      "Your hunger level is 0!",
    ].join(" | ");
    if (texts !== expected) {
      throw new Error(`enhanceStorage: got ${texts}, expected ${expected}`);
    }
    const record = inner.read("1");
    if (record?.v !== 1 || record.__d.pizzaCount !== 5 || !(record.e > 0)) {
      throw new Error(`enhanceStorage: stored ${JSON.stringify(record)}`);
    }
    checks.push("enhanceStorage");
  }

  // 4. The KV store, where the runtime has a KV.
  if (lib.openKv !== undefined && lib.kv !== undefined) {
    const kv = await lib.openKv(":memory:");
    try {
      const storage = new lib.kv.DenoKvStorage(kv);
      const { bot, replies } = pizzaBot(
        lib.Bot,
        (bot) =>
          bot.use(session({ initial: () => ({ pizzaCount: 0 }), storage })),
      );
      await feedPizzas(bot);
      expectHunger(replies, "kv");
      // Past KV's 64 KiB value limit: split into chunks, read back whole.
      const big = { pizzaCount: 1, notes: "🍕".repeat(40_000) };
      await storage.write("big", big);
      const back = await storage.read("big");
      if (back?.notes !== big.notes) throw new Error("kv: big value changed");
      checks.push("kv");
    } finally {
      kv.close();
    }
  }
  return checks;
}

function expectHunger(replies, what) {
  const got = JSON.stringify(replies);
  const expected = JSON.stringify([
    { chat: 1, text: "Your hunger level is 3!" },
    { chat: 2, text: "Your hunger level is 1!" },
    { chat: 3, text: "Your hunger level is 0!" },
  ]);
  if (got !== expected) throw new Error(`${what}: got ${got}`);
}

/** The guide's bot; `install` adds the session middleware. */
function pizzaBot(Bot, install, lazy = false) {
  const bot = new Bot("42:test", { botInfo: BOT_INFO });
  const replies = [];
  bot.api.config.use((_prev, method, payload) => {
    if (method !== "sendMessage") {
      throw new Error(`unexpected API call ${method}`);
    }
    replies.push({ chat: payload.chat_id, text: payload.text });
    return Promise.resolve({
      ok: true,
      result: {
        message_id: replies.length,
        date: 0,
        chat: { id: payload.chat_id, type: "private", first_name: "U" },
        text: payload.text,
      },
    });
  });
  install(bot);
  const sessionOf = lazy
    ? (ctx) => ctx.session
    : (ctx) => Promise.resolve(ctx.session);
  bot.command("hunger", async (ctx) => {
    const count = (await sessionOf(ctx)).pizzaCount;
    await ctx.reply(`Your hunger level is ${count}!`);
  });
  bot.hears(/.*🍕.*/, async (ctx) => {
    (await sessionOf(ctx)).pizzaCount++;
  });
  return { bot, replies };
}

/** Three pizzas in chat 1, one in chat 2, none in chat 3; then /hunger each. */
async function feedPizzas(bot) {
  const pizzas = [[1, "🍕"], [2, "one 🍕 please"], [1, "🍕🍕"], [1, "more 🍕"]];
  for (const [chat, text] of pizzas) {
    await bot.handleUpdate(message(chat, text));
  }
  for (const chat of [1, 2, 3]) {
    await bot.handleUpdate(message(chat, "/hunger", true));
  }
}

let updateId = 0;

function message(chat, text, command = false) {
  updateId++;
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: 1_700_000_000,
      chat: { id: chat, type: "private", first_name: "U" },
      from: { id: chat, is_bot: false, first_name: "U" },
      text,
      ...(command
        ? {
          entities: [{ type: "bot_command", offset: 0, length: text.length }],
        }
        : {}),
    },
  };
}
