// The version of a stored text (see `scripts.ts` for the format the WRITE
// script checks): the token of our last write, then `=` and the text itself
// when it is short, so a small session's version costs no hashing on either
// side, or `:` and the SHA-1 of its UTF-8 bytes, so a big one's version stays
// small in memory and on the wire.
import { createHash } from "node:crypto";

/** The longest text (in UTF-16 code units) kept whole in its version. */
export const INLINE_MAX = 512;

/** The SHA-1 of the UTF-8 bytes of `text`, in lower-case hex. */
export function sha1Hex(text: string): string {
  return createHash("sha1").update(text, "utf8").digest("hex");
}

/** The version of `text` stored beside version token `token`. */
export function versionOf(token: string, text: string): string {
  return text.length <= INLINE_MAX
    ? `${token}=${text}`
    : `${token}:${sha1Hex(text)}`;
}
