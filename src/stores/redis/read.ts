// One versioned read. Without a time to live it is a single MGET of the
// value and its version token, and the version is made here (`version.ts`):
// Redis runs no script, which costs the server about as much as a plain GET.
// With a time to live the READ script renews both deadlines in the same
// step. A key of another Redis type reads as absent, as listing skips it (a
// checked write to it fails with Redis's WRONGTYPE error). A text the client
// library could not decode exactly (it holds U+FFFD, which is also what
// invalid UTF-8 turns into) is read again with the script, which hashes the
// bytes Redis keeps, so that its version matches what the WRITE script sees.
import type { Send } from "./client.ts";
import type { SessionKeys } from "./keys.ts";
import { READ, run } from "./scripts.ts";
import { versionOf } from "./version.ts";

/** A stored text and its version, as the WRITE script checks it. */
export interface StoredText {
  text: string;
  version: string;
}

/**
 * Reads the text at `keys.value` and its version, or `undefined` if there is
 * none. `timeToLive` is in ms as a string, "0" for none.
 */
export async function readStored(
  send: Send,
  keys: SessionKeys,
  timeToLive: string,
): Promise<StoredText | undefined> {
  const answer = timeToLive === "0"
    ? await send(["MGET", keys.value, keys.version], keys.value)
    : await run(send, READ, [keys.value, keys.version], [timeToLive, "0"]);
  if (!Array.isArray(answer)) return undefined;
  const [text, token] = answer as [unknown, unknown];
  if (typeof text !== "string") return undefined;
  if (!text.includes("\uFFFD")) {
    return {
      text,
      version: versionOf(typeof token === "string" ? token : "", text),
    };
  }
  const exact = await run(send, READ, [keys.value, keys.version], [
    timeToLive,
    "1",
  ]);
  if (!Array.isArray(exact)) return undefined;
  const [again, tokenAgain, sha] = exact as [string, string, string];
  return { text: again, version: `${tokenAgain}:${sha}` };
}
