// Listing sessions: SCAN (never KEYS) on every primary, one page at a time,
// with MATCH on the prefix and TYPE string. Companion keys (`keys.ts`) are
// skipped, and so are values that are neither JSON nor this module's
// encoding (with the default empty prefix, a database may hold other
// programs' keys). Memory stays bounded: one page of keys and values at a
// time, plus the keys already listed (to skip SCAN's repeats) up to
// `SEEN_LIMIT`.
import type { Send } from "./client.ts";
import { globEscape, isCompanion } from "./keys.ts";
import { decodeSession } from "./codec.ts";

const PAGE = 200;
/** How many listed keys are remembered to skip SCAN's repeats. */
export const SEEN_LIMIT = 100_000;

/** The Redis keys under `prefix` on one primary, page by page. */
async function* scanPages(
  send: Send,
  prefix: string,
): AsyncGenerator<string[]> {
  let cursor = "0";
  do {
    const [next, keys] = await send([
      "SCAN",
      cursor,
      "MATCH",
      globEscape(prefix) + "*",
      "COUNT",
      String(PAGE),
      "TYPE",
      "string",
    ]) as [string, string[]];
    cursor = String(next);
    const own = keys.filter((key) => !isCompanion(key));
    if (own.length > 0) yield own;
  } while (cursor !== "0");
}

/**
 * Every session under `prefix` as `[key, value]` (the key without the
 * prefix), reading the values of each page of keys at once.
 */
export async function* listSessions(
  primaries: Send[],
  route: Send,
  prefix: string,
): AsyncGenerator<[string, unknown]> {
  const seen = new Set<string>();
  for (const node of primaries) {
    for await (const page of scanPages(node, prefix)) {
      const texts = await Promise.all(
        page.map((key) => route(["GET", key], key).catch(() => null)),
      );
      for (let i = 0; i < page.length; i++) {
        const redisKey = page[i]!;
        const text = texts[i];
        if (typeof text !== "string" || seen.has(redisKey)) continue;
        let value: unknown;
        try {
          value = decodeSession(redisKey, text);
        } catch {
          continue; // not a session
        }
        if (seen.size < SEEN_LIMIT) seen.add(redisKey);
        yield [redisKey.slice(prefix.length), value];
      }
    }
  }
}
