// A process holding a session's lease is killed (SIGKILL) mid-update. An
// update of that chat in another process, which started waiting before the
// kill, runs only after the holder died, completes once the dead holder's
// lease expires, and the killed update's change is never stored.
import { Bot, type Context } from "grammy";
import { session, type SessionFlavor } from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";
import { assert, assertEquals } from "./deps.ts";
import { message, settlesWithin, spawnFixture } from "./_helpers.ts";

const TTL = 1000;

Deno.test("a killed lease holder frees its key, its change is not stored", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const kv = await Deno.openKv(path);
  const storage = new DenoKvStorage<number>(kv, { lease: { timeToLive: TTL } });
  const child = spawnFixture("lease_holder.ts", [path, `${TTL}`], {
    stderr: "null",
  });
  try {
    await storage.write("7", 5);
    const output = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let text = "";
    while (!text.includes("holding")) {
      const { done, value } = await output.read();
      assert(!done, "the holder exited early");
      text += value;
    }
    void output.cancel();

    const bot = new Bot<Context & SessionFlavor<number>>("0:test", {
      botInfo: {
        id: 1,
        is_bot: true,
        first_name: "Test",
        username: "test_bot",
      } as Bot["botInfo"],
    });
    bot.use(session({ storage, initial: () => 0 }));
    let killed = false;
    const runs: { afterKill: boolean; seen: number }[] = [];
    bot.on("message", (ctx) => {
      runs.push({ afterKill: killed, seen: ctx.session });
      ctx.session++;
    });
    const handled = bot.handleUpdate(message(7, "+1"));
    // Wait until it queued as next in line: it started waiting before the
    // kill.
    while (
      (await kv.get(["sessions", "7", "~lease", "next"])).versionstamp === null
    ) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assertEquals(runs, []);
    killed = true;
    const killedAt = performance.now();
    child.kill("SIGKILL");
    await child.status;
    await settlesWithin(handled, 30_000);
    console.log(
      `completed ${
        Math.round(performance.now() - killedAt)
      } ms after the kill (lease time to live ${TTL} ms)`,
    );
    assertEquals(runs, [{ afterKill: true, seen: 5 }]);
    assertEquals(await storage.read("7"), 6);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already dead.
    }
    await child.status;
    kv.close();
    await Deno.remove(path);
  }
});
