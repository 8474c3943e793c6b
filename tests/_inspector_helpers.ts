// Helpers of the inspector tests: the `serve` subprocess and a store over
// the KV file (from _cli.ts), the headless browser, and page actions written
// without the DOM library.
import puppeteer, { type Browser, type Page } from "puppeteer-core";
export { ROOT, startServe, withStore } from "./_cli.ts";

const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

export async function launch(profile: string): Promise<Browser> {
  try {
    await Deno.stat(CHROMIUM);
  } catch {
    throw new Error(
      `chromium is missing at ${CHROMIUM}: apt-get update && apt-get install -y chromium`,
    );
  }
  return await puppeteer.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
    ],
  });
}

export function listedKeys(page: Page): Promise<string[]> {
  return page.$$eval(
    "#items li .key",
    (els) => els.map((e) => e.textContent ?? ""),
  );
}

export async function waitForKeys(
  page: Page,
  test: (keys: string[]) => boolean,
): Promise<string[]> {
  for (;;) {
    const keys = await listedKeys(page);
    if (test(keys)) return keys;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The callbacks below run in the browser; the test is type-checked without
// the DOM library (it would leak into every other file), hence the casts.
type Field = { value: string };

export function setValue(
  page: Page,
  selector: string,
  text: string,
): Promise<void> {
  return page.$eval(selector, (e, text) => {
    (e as unknown as Field).value = text;
  }, text);
}

/** Waits until the element `id` has a text starting with `prefix`. */
export async function waitForText(
  page: Page,
  id: string,
  prefix: string,
): Promise<void> {
  await page.waitForFunction(
    `(document.getElementById(${JSON.stringify(id)})?.textContent ?? "")` +
      `.startsWith(${JSON.stringify(prefix)})`,
  );
}

export async function openSession(page: Page, key: string): Promise<void> {
  await page.$$eval("#items li", (items, key) => {
    type Item = { dataset: Record<string, string> };
    const li = items.find((item) =>
      (item as unknown as Item).dataset.key === key
    );
    (li?.querySelector(".key") as unknown as { click(): void }).click();
  }, key);
  await page.waitForFunction(
    `document.getElementById("d-key")?.textContent === ${JSON.stringify(key)}`,
  );
}
