// The README's pizza bot for Node.js, as printed there, run by Node.js from
// the test project (the packed package installed beside grammY): only
// `bot.start()` is replaced by updates fed to `bot.handleUpdate`, and the
// bot's API calls are answered locally.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { project, root } from "./_project.mjs";

function nodeSample() {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.split("\n### On Node.js\n")[1];
  assert.ok(section, 'README.md has no "### On Node.js"');
  const code = section.match(/```js ignore\n([\s\S]*?)```/)?.[1];
  assert.ok(code, "no ```js ignore block under it");
  assert.ok(code.includes("bot.start();"), "the sample starts the bot");
  return code.replace("bot.start();", "export { bot };");
}

test("the README's Node.js pizza bot counts pizzas", async () => {
  const file = join(project, "readme_bot.mjs");
  writeFileSync(file, nodeSample());
  process.env.BOT_TOKEN = "42:readme";
  const { bot } = await import(pathToFileURL(file).href);
  bot.botInfo = {
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
  const replies = [];
  bot.api.config.use((_prev, method, payload) => {
    if (method === "sendMessage") replies.push(payload.text);
    return Promise.resolve({ ok: true, result: true });
  });
  let id = 0;
  const send = (text) =>
    bot.handleUpdate({
      update_id: ++id,
      message: {
        message_id: id,
        date: 0,
        chat: { id: 7, type: "private", first_name: "A" },
        from: { id: 7, is_bot: false, first_name: "A" },
        text,
        ...(text.startsWith("/")
          ? {
            entities: [{ type: "bot_command", offset: 0, length: text.length }],
          }
          : {}),
      },
    });
  await send("🍕");
  await send("one more 🍕 please");
  await send("/hunger");
  assert.deepEqual(replies, ["Your hunger level is 2!"]);
});
