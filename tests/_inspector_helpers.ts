// Helpers of the inspector test: the `serve` subprocess, the headless
// browser, and page actions written without the DOM library.
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { DenoKvStorage } from "../kv.ts";

export const ROOT = new URL("..", import.meta.url);
const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

export async function withStore<T>(
  path: string,
  fn: (storage: DenoKvStorage<unknown>) => Promise<T>,
): Promise<T> {
  const kv = await Deno.openKv(path);
  try {
    return await fn(new DenoKvStorage<unknown>(kv));
  } finally {
    kv.close();
  }
}

export async function startServe(path: string): Promise<{
  url: string;
  child: Deno.ChildProcess;
}> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli.ts", "serve", "--kv", path],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`serve exited before printing its URL: ${text}`);
    text += value;
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  const url = text.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/)?.[0];
  if (url === undefined) throw new Error(`no URL in ${text}`);
  return { url, child };
}

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
