// This module is browser compatible.
// Base64 (the standard alphabet, with padding) of bytes, for the stored
// forms that hold binary data in text: the tagged JSON of the session tools
// and of PostgresStorage (`_tagged_json.ts`), and Redis's V8 text.

/** The base64 of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * The bytes `text` encodes, in a buffer of their own.
 *
 * @throws {DOMException} (`InvalidCharacterError`) if `text` is not base64.
 */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
