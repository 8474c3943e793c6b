// Every example in `examples/` runs against a scripted conversation: a real
// grammY Bot from the example's `createBot`, fed by the offline chat harness.
import type { Context } from "grammy";
import { assertEquals, fakeTime } from "./deps.ts";
import {
  type Enhance,
  MemorySessionStorage,
  type StorageAdapter,
} from "../mod.ts";
import { OfflineChat, offlineUser } from "../testing.ts";
import * as pizzaBot from "../examples/pizza_bot.ts";
import * as initialData from "../examples/initial_data.ts";
import * as perChat from "../examples/session_key_per_chat.ts";
import * as perUser from "../examples/session_key_per_user.ts";
import * as perUserChat from "../examples/session_key_per_user_chat.ts";
import * as lazySessions from "../examples/lazy_sessions.ts";
import * as denoKvStorage from "../examples/deno_kv_storage.ts";
import * as migrations from "../examples/migrations.ts";
import * as multiSessions from "../examples/multi_sessions.ts";
import * as memoryStorage from "../examples/memory_storage.ts";
import * as demo from "../examples/demo.ts";

/** Sends each line and returns all replies, in order. */
async function converse<C extends Context>(
  chat: OfflineChat,
  lines: string[],
): Promise<string[]> {
  const replies: string[] = [];
  for (const line of lines) replies.push(...await chat.send(line));
  return replies;
}

const HUNGER_SCRIPT = ["🍕", "/hunger", "I want 🍕 now", "hello", "/hunger"];
const HUNGER_REPLIES = ["Your hunger level is 1!", "Your hunger level is 2!"];

Deno.test("pizza_bot example", async (t) => {
  await t.step("counts pizza messages and answers /hunger", async () => {
    const chat = new OfflineChat(pizzaBot.createBot());
    assertEquals(await converse(chat, HUNGER_SCRIPT), HUNGER_REPLIES);
  });

  await t.step("keeps one count per chat", async () => {
    const chat = new OfflineChat(pizzaBot.createBot());
    await converse(chat, ["🍕", "🍕"]);
    chat.actAs("alice");
    assertEquals(await chat.send("/hunger"), ["Your hunger level is 0!"]);
  });
});

Deno.test("initial_data example", async (t) => {
  await t.step("the long form starts every chat at 0", async () => {
    const chat = new OfflineChat(initialData.createBot());
    assertEquals(await converse(chat, HUNGER_SCRIPT), HUNGER_REPLIES);
    chat.actAs("bob");
    assertEquals(await chat.send("/hunger"), ["Your hunger level is 0!"]);
  });

  await t.step("the short arrow form does the same", async () => {
    const chat = new OfflineChat(initialData.createShortBot());
    assertEquals(await converse(chat, HUNGER_SCRIPT), HUNGER_REPLIES);
    chat.actAs("bob");
    assertEquals(await chat.send("/hunger"), ["Your hunger level is 0!"]);
  });
});

// One script for the three session key examples: alice in her private chat,
// alice in a group, bob in the same group, bob in his private chat.
async function sessionKeyScript<C extends Context>(
  chat: OfflineChat,
): Promise<string[]> {
  const counts: string[] = [];
  const say = async (text: string): Promise<void> => {
    const [reply] = await chat.send(text);
    counts.push(reply?.replace("Messages in this session: ", "") ?? "none");
  };
  chat.actAs("alice");
  await say("hi");
  await say("hi again");
  chat.enter("pizza lovers");
  await say("hi all");
  chat.actAs("bob");
  await say("hi alice");
  chat.enter("private");
  await say("hi me");
  return counts;
}

Deno.test("session_key_per_chat example", async (t) => {
  await t.step("shares a group's session, private chats apart", async () => {
    const chat = new OfflineChat(perChat.createBot());
    assertEquals(await sessionKeyScript(chat), ["1", "2", "1", "2", "1"]);
  });

  await t.step("uses the chat id as the key", async () => {
    const chat = new OfflineChat(perChat.createBot());
    chat.enter("pizza lovers");
    assertEquals(await chat.send("/key"), [
      `Your session key here: ${chat.chat.id}`,
    ]);
  });
});

Deno.test("session_key_per_user example", async (t) => {
  await t.step("follows each user across chats", async () => {
    const chat = new OfflineChat(perUser.createBot());
    assertEquals(await sessionKeyScript(chat), ["1", "2", "3", "1", "2"]);
  });

  await t.step("uses the user id as the key", async () => {
    const chat = new OfflineChat(perUser.createBot());
    chat.enter("pizza lovers");
    assertEquals(await chat.send("/key"), [
      `Your session key here: ${offlineUser("you").id}`,
    ]);
  });
});

Deno.test("session_key_per_user_chat example", async (t) => {
  await t.step("gives each user one session per chat", async () => {
    const chat = new OfflineChat(perUserChat.createBot());
    assertEquals(await sessionKeyScript(chat), ["1", "2", "1", "1", "1"]);
  });

  await t.step("uses user id/chat id as the key", async () => {
    const chat = new OfflineChat(perUserChat.createBot());
    chat.enter("pizza lovers");
    assertEquals(await chat.send("/key"), [
      `Your session key here: ${chat.user.id}/${chat.chat.id}`,
    ]);
  });
});

/** A memory storage that records which calls happen. */
function spyStorage<T>(): { storage: StorageAdapter<T>; calls: string[] } {
  const memory = new MemorySessionStorage<T>();
  const calls: string[] = [];
  return {
    calls,
    storage: {
      read: (key) => (calls.push("read"), memory.read(key)),
      write: (key, value) => (calls.push("write"), memory.write(key, value)),
      delete: (key) => (calls.push("delete"), memory.delete(key)),
    },
  };
}

Deno.test("lazy_sessions example", async (t) => {
  await t.step("counts messages and shows them in /settings", async () => {
    const chat = new OfflineChat(lazySessions.createBot());
    assertEquals(await converse(chat, ["a", "b", "/settings"]), [
      "Counted: 1",
      "Counted: 2",
      "The counter is at 2.",
    ]);
  });

  await t.step(
    "resets with the guide's promise assignment (deleting the session)",
    async () => {
      const { storage, calls } = spyStorage<{ counter: number }>();
      const chat = new OfflineChat(lazySessions.createBot(storage));
      await converse(chat, ["a", "b"]);
      calls.length = 0;
      assertEquals(await chat.send("/reset"), ["Counter reset."]);
      assertEquals(calls, ["read", "delete"]);
      assertEquals(await converse(chat, ["c", "/settings"]), [
        "Counted: 1",
        "The counter is at 1.",
      ]);
    },
  );

  await t.step("does not touch the storage for /ping", async () => {
    const { storage, calls } = spyStorage<{ counter: number }>();
    const chat = new OfflineChat(lazySessions.createBot(storage));
    await chat.send("a");
    calls.length = 0;
    assertEquals(await chat.send("/ping"), ["pong"]);
    assertEquals(calls, []);
  });
});

Deno.test("deno_kv_storage example", async (t) => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    await t.step("counts messages per chat", async () => {
      const kv = await Deno.openKv(path);
      try {
        const chat = new OfflineChat(denoKvStorage.createBot(kv));
        assertEquals(await converse(chat, ["hello", "again"]), [
          "Message count: 1",
          "Message count: 2",
        ]);
      } finally {
        kv.close();
      }
    });

    await t.step("keeps the count when the bot restarts", async () => {
      const kv = await Deno.openKv(path);
      try {
        const chat = new OfflineChat(denoKvStorage.createBot(kv));
        assertEquals(await chat.send("back"), ["Message count: 3"]);
        const key = ["sessions", String(offlineUser("you").id)];
        assertEquals((await kv.get(key)).value, { count: 3 });
      } finally {
        kv.close();
      }
    });
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("migrations example", async (t) => {
  await t.step("migrates a version 0 session to version 2", async () => {
    const storage = new MemorySessionStorage<
      Enhance<migrations.SessionData>
    >();
    const key = String(offlineUser("you").id);
    // deno-lint-ignore no-explicit-any
    await storage.write(key, { pizzaCount: 3 } as any);
    const chat = new OfflineChat(migrations.createBot(storage));
    assertEquals(
      await converse(chat, [
        "/hunger",
        "🍕",
        "/favorite margherita",
        "/hunger",
      ]),
      [
        "Your hunger level is 3!",
        "Noted: margherita.",
        "Your hunger level is 4! Your favorite is margherita.",
      ],
    );
    const stored = await storage.read(key);
    assertEquals(stored?.__d, { pizzas: 4, favorite: "margherita" });
    assertEquals(stored?.v, 2);
  });

  await t.step("forgets a session after an hour of silence", async () => {
    const clock = fakeTime();
    try {
      const chat = new OfflineChat(migrations.createBot());
      await converse(chat, ["🍕", "🍕"]);
      clock.tick(migrations.TIME_TO_LIVE - 1);
      assertEquals(await chat.send("/hunger"), ["Your hunger level is 2!"]);
      clock.tick(migrations.TIME_TO_LIVE + 1);
      assertEquals(await chat.send("/hunger"), ["Your hunger level is 0!"]);
    } finally {
      clock.uninstall();
    }
  });
});

Deno.test("multi_sessions example", async (t) => {
  await t.step("keeps a per-chat and a per-user part", async () => {
    const chat = new OfflineChat(multiSessions.createBot());
    chat.actAs("alice");
    await chat.send("🍕");
    chat.enter("pizza lovers");
    await chat.send("🍕");
    assertEquals(await chat.send("/stats"), [
      "Pizzas in this chat: 1. Pizzas you ate: 2.",
    ]);
    chat.actAs("bob");
    await chat.send("🍕 too");
    assertEquals(await chat.send("/stats"), [
      "Pizzas in this chat: 2. Pizzas you ate: 1.",
    ]);
  });
});

Deno.test("memory_storage example", async (t) => {
  await t.step("counts pizzas and lists the chats it holds", async () => {
    const chat = new OfflineChat(memoryStorage.createBot());
    assertEquals(await converse(chat, HUNGER_SCRIPT), HUNGER_REPLIES);
    assertEquals(await chat.send("/chats"), ["Sessions in memory: 1"]);
    chat.actAs("bob");
    await chat.send("🍕");
    assertEquals(await chat.send("/chats"), ["Sessions in memory: 2"]);
  });
});

Deno.test("demo example", async (t) => {
  await t.step("is the pizza bot on Deno KV", async () => {
    const kv = await Deno.openKv(":memory:");
    try {
      const chat = new OfflineChat(demo.createBot(kv));
      // Unlike the guide's bot, the demo answers unknown input ("hello").
      assertEquals(await converse(chat, HUNGER_SCRIPT), [
        "Your hunger level is 1!",
        "Send 🍕 to feed me, or /hunger to ask how hungry you are.",
        "Your hunger level is 2!",
      ]);
      const key = ["sessions", String(offlineUser("you").id)];
      assertEquals((await kv.get(key)).value, { pizzaCount: 2 });
    } finally {
      kv.close();
    }
  });
});

Deno.test("OfflineChat", async (t) => {
  await t.step("sends commands with a bot_command entity", async () => {
    const bot = pizzaBot.createBot();
    const seen: unknown[] = [];
    bot.use((ctx) => void seen.push(ctx.msg?.entities));
    const chat = new OfflineChat(bot);
    await chat.send("/start now");
    await chat.send("no command");
    assertEquals(seen, [
      [{ type: "bot_command", offset: 0, length: 6 }],
      undefined,
    ]);
  });

  await t.step("gives a name the same user id every time", () => {
    assertEquals(offlineUser("alice"), offlineUser("alice"));
    assertEquals(offlineUser("alice").id === offlineUser("bob").id, false);
  });
});
