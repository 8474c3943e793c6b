// The inspector page in a real headless browser: Debian's chromium driven by
// puppeteer-core, against `deno run -A cli.ts serve` in a subprocess.
import { assert, assertEquals } from "./deps.ts";
import {
  launch,
  openSession,
  ROOT,
  setValue,
  startServe,
  waitForKeys,
  waitForText,
  withStore,
} from "./_inspector_helpers.ts";
const XSS = {
  html: "<img src=x onerror=\"window.__xss = 'img'\">",
  script: "<script>window.__xss = 'script'</script>",
};
const XSS_KEY = "<img src=x onerror=\"window.__xss='key'\">";

Deno.test({
  name: "inspector page",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/bot.kv`;
    await withStore(path, async (storage) => {
      await storage.write("ada", { name: "Ada", visits: new Set([1n]) });
      await storage.write("big", { text: "y".repeat(200 * 1024) });
      await storage.write("xss", XSS);
      await storage.write(XSS_KEY, { note: "a hostile key" });
      for (let i = 1; i <= 25; i++) {
        await storage.write(`user-${String(i).padStart(2, "0")}`, { n: i });
      }
    });
    const { url, child } = await startServe(path);
    const origin = new URL(url).origin;
    const token = new URL(url).searchParams.get("token")!;
    const browser = await launch(`${dir}/profile`);
    try {
      await t.step("requests without the token are refused", async () => {
        for (
          const [target, init] of [
            [`${origin}/`, {}],
            [`${origin}/?token=wrong`, {}],
            [`${origin}/api/sessions?token=${token}`, {}],
            [`${origin}/api/delete?token=${token}`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ key: "ada", version: null }),
            }],
          ] as const
        ) {
          const response = await fetch(target, init);
          await response.body?.cancel();
          assertEquals(response.status, 403, target);
        }
        // A page on another name that resolves to 127.0.0.1 (DNS rebinding)
        // sends its own Host header: refused even with the token.
        const port = Number(new URL(url).port);
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        await conn.write(new TextEncoder().encode(
          `GET /api/sessions HTTP/1.1\r\nHost: evil.example:${port}\r\n` +
            `X-Inspector-Token: ${token}\r\nConnection: close\r\n\r\n`,
        ));
        const reply = await new Response(conn.readable).text();
        assert(reply.startsWith("HTTP/1.1 403"), reply);
        assert(await withStore(path, (s) => s.has("ada")));
      });

      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(String(error)));
      page.on("dialog", (dialog) => void dialog.accept());
      await page.setViewport({ width: 1200, height: 800 });

      await t.step(
        "the page loads with the token and lists sessions in pages",
        async () => {
          const response = await page.goto(url);
          assertEquals(response?.status(), 200);
          const csp = response?.headers()["content-security-policy"] ?? "";
          assert(csp.includes("default-src 'none'"), csp);
          const first = await waitForKeys(page, (k) => k.length === 20);
          assertEquals(first.slice(0, 3), [XSS_KEY, "ada", "big"]);
          await page.click("#next");
          const second = await waitForKeys(page, (k) => k[0] !== first[0]);
          assertEquals(second.length, 9);
          assertEquals(second.at(-1), "xss");
          await page.click("#prev");
          await waitForKeys(page, (k) => k[0] === XSS_KEY);
        },
      );

      await t.step("search filters by key and by content", async () => {
        await page.type("#q", "user-2");
        await page.click("#search button");
        const byKey = await waitForKeys(page, (k) => k.length < 20);
        assertEquals(byKey, [
          "user-20",
          "user-21",
          "user-22",
          "user-23",
          "user-24",
          "user-25",
        ]);
        await setValue(page, "#q", "");
        await page.type("#q", "bigint");
        await page.click("#search button");
        assertEquals(await waitForKeys(page, (k) => k.length === 1), ["ada"]);
      });

      await t.step("hostile content shows as text and never runs", async () => {
        await setValue(page, "#q", "onerror");
        await page.click("#search button");
        await waitForKeys(page, (k) => k.length === 2);
        await openSession(page, "xss");
        const view = await page.$eval("#d-view", (e) => e.textContent ?? "");
        assert(view.includes(XSS.html.replaceAll('"', '\\"')), view);
        assert(view.includes("<script>"), view);
        await openSession(page, XSS_KEY);
        assertEquals(
          await page.evaluate(() => (window as { __xss?: string }).__xss),
          undefined,
        );
        assertEquals(await page.$$eval("img", (e) => e.length), 0);
        assertEquals(await page.$$eval("script", (e) => e.length), 1);
        await page.screenshot({ path: `${dir}/xss.png` });
      });

      await t.step(
        "edit saves with compare-and-set and shows in KV",
        async () => {
          await setValue(page, "#q", "");
          await page.click("#search button");
          await waitForKeys(page, (k) => k.length === 20);
          await openSession(page, "ada");
          await page.click("#edit");
          await setValue(
            page,
            "#d-edit",
            '{ "name": "Ada L.", "visits": { "$set": [{ "$bigint": "2" }] } }',
          );
          await page.click("#save");
          await waitForText(page, "status", "Saved ada");
          assertEquals(await withStore(path, (s) => s.read("ada")), {
            name: "Ada L.",
            visits: new Set([2n]),
          });
        },
      );

      await t.step("invalid JSON is refused with a message", async () => {
        await page.click("#edit");
        await setValue(page, "#d-edit", "{oops");
        await page.click("#save");
        await waitForText(page, "d-error", "Not saved");
        assertEquals(
          (await withStore(path, (s) => s.read("ada")) as { name: string })
            .name,
          "Ada L.",
        );
        await page.click("#cancel");
      });

      await t.step("a conflicting edit is shown, not written", async () => {
        await openSession(page, "user-01");
        await page.click("#edit");
        await withStore(path, (s) => s.write("user-01", { n: 100, by: "bot" }));
        await setValue(page, "#d-edit", '{ "n": -1 }');
        await page.click("#save");
        await waitForText(page, "d-error", "Conflict");
        assertEquals(await withStore(path, (s) => s.read("user-01")), {
          n: 100,
          by: "bot",
        });
        const view = await page.$eval("#d-view", (e) => e.textContent ?? "");
        assert(view.includes('"by": "bot"'), view);
        await page.click("#cancel");
      });

      await t.step(
        "delete, after confirming, removes the session from KV",
        async () => {
          await openSession(page, "big");
          await page.click("#delete");
          await waitForKeys(page, (k) => !k.includes("big"));
          assertEquals(await withStore(path, (s) => s.has("big")), false);
        },
      );

      await t.step("a screenshot is saved as a test artifact", async () => {
        await openSession(page, "ada");
        const artifacts = new URL(".artifacts/", ROOT);
        await Deno.mkdir(artifacts, { recursive: true });
        await page.screenshot({
          path: new URL("inspector.png", artifacts).pathname,
        });
        if (Deno.env.get("UPDATE_DOCS_SCREENSHOT") === "1") {
          await page.screenshot({
            path: new URL("docs/inspector.png", ROOT).pathname,
          });
        }
        assertEquals(pageErrors, []);
      });
    } finally {
      await browser.close();
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
