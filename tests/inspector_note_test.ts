// The inspector page in headless Chromium with a session the JSON encoding
// cannot show (a cycle, which KV keeps): the list shows it with a note, the
// rest of the list works, and opened it shows the note and cannot be edited
// (issue 19 item 6; the API side is in tools_hostile_values_test.ts).
import { assert, assertEquals } from "./deps.ts";
import {
  launch,
  openSession,
  startServe,
  waitForKeys,
  withStore,
} from "./_inspector_helpers.ts";

Deno.test({
  name: "inspector page: a session that cannot be shown gets a note",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/bot.kv`;
    await withStore(path, async (storage) => {
      await storage.write("ada", { name: "Ada" });
      const loop: Record<string, unknown> = { name: "loop" };
      loop.self = loop;
      await storage.write("cyclic", loop);
      await storage.write("zed", { name: "Zed" });
    });
    const { url, child } = await startServe(path);
    const browser = await launch(`${dir}/profile`);
    try {
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(String(error)));
      await page.goto(url);
      assertEquals(
        await waitForKeys(page, (k) => k.length === 3),
        ["ada", "cyclic", "zed"],
      );
      const notes = await page.$$eval(
        "#items li .note",
        (els) => els.map((e) => e.textContent ?? ""),
      );
      assertEquals(notes.length, 1);
      assert(notes[0]!.includes('session "cyclic".self refers to itself'));
      const previews = await page.$$eval(
        "#items li .preview",
        (els) => els.map((e) => e.textContent ?? ""),
      );
      assertEquals(previews, ['{ "name": "Ada" }', '{ "name": "Zed" }']);
      await openSession(page, "cyclic");
      const view = await page.$eval("#d-view", (e) => e.textContent ?? "");
      assert(view.includes("refers to itself"), view);
      assertEquals(
        await page.$eval(
          "#edit",
          (e) => (e as unknown as { hidden: boolean }).hidden,
        ),
        true,
      );
      await openSession(page, "ada");
      assertEquals(
        await page.$eval(
          "#edit",
          (e) => (e as unknown as { hidden: boolean }).hidden,
        ),
        false,
      );
      assertEquals(pageErrors, []);
    } finally {
      await browser.close();
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
