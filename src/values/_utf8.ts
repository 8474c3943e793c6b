// This module is browser compatible.
// The size of a session's stored text, for the stores' `maxBytes`: Redis
// and PostgreSQL keep text as UTF-8.

/**
 * The number of bytes `text` takes in UTF-8, as `TextEncoder` writes it
 * (a lone surrogate as U+FFFD, 3 bytes), without encoding it.
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (
      code >= 0xd800 && code < 0xdc00 &&
      (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      bytes += 2; // 4 bytes for the pair of 2 code units
      i++;
    } else bytes += 2;
  }
  return bytes;
}
