// The updates of the mix benchmarks (BENCHMARKS.md: 7 of 10 never touch the
// session, 2 read it, 1 changes it) and the bot identity they all use; not
// tied to a store.
import type { Bot } from "grammy";
import type { Update } from "grammy/types";

/** The bot of every benchmark (no call reaches Telegram). */
export const botInfo = {
  id: 1,
  is_bot: true,
  first_name: "Bench",
  username: "bench_bot",
} as Bot["botInfo"];

/** Texts of the 70/20/10 mix: 7 never touch the session, 2 read, 1 writes. */
const MIX_TEXTS = [
  "hello",
  "write",
  "hi",
  "read",
  "/help",
  "ok",
  "read",
  "thanks",
  "bye",
  "yo",
];

let updateId = 0;
/** A text message from a private chat, with the next update id. */
function textUpdate(chatOf: (id: number) => number, text: string): Update {
  const id = ++updateId;
  const chat = { id: chatOf(id), type: "private" as const, first_name: "U" };
  return {
    update_id: id,
    message: {
      message_id: id,
      date: 0,
      chat,
      from: { id: chat.id, is_bot: false, first_name: "U" },
      text,
    },
  };
}

let mixes = 0;
/**
 * Ten updates for ten chats, one each: 7 never touch the session, 2 only
 * read it, 1 changes it (the 70/20/10 mix). Each call gives every chat the
 * next kind of update, so that over ten calls each chat gets each one.
 */
export function mix(): Update[] {
  const turn = mixes++;
  return MIX_TEXTS.map((text, i) =>
    textUpdate(() => 1000 + ((turn + i) % 10), text)
  );
}

/**
 * `count` updates of the 70/20/10 mix, each for one of `chats` chats picked
 * by a fixed pseudo-random sequence (the same in every run).
 */
export function mixOver(chats: number, count: number, seed = 1): Update[] {
  let x = seed;
  const updates = [];
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const chat = 1000 + (x >>> 8) % chats;
    updates.push(textUpdate(() => chat, MIX_TEXTS[i % MIX_TEXTS.length]!));
  }
  return updates;
}

/**
 * `count` updates with the ids `firstId`, `firstId + 1`, ... for `chats`
 * chats (chat `id * 7919 % chats`, so consecutive ids visit every chat),
 * all with the text "x": the bot picks the kind of update from the id (7 of
 * 10 untouched, 2 read, 1 changed). The mix of redis_mix.ts and mix_bench.ts.
 */
export function idMix(firstId: number, count: number, chats: number): Update[] {
  return Array.from({ length: count }, (_, i) => {
    const id = firstId + i;
    return {
      update_id: id,
      message: {
        message_id: id,
        date: 0,
        chat: { id: (id * 7919) % chats, type: "private", first_name: "A" },
        from: { id: 1, is_bot: false, first_name: "A" },
        text: "x",
      },
    } as Update;
  });
}
