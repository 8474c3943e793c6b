// The chunked value codec: serialise, split into KV values, join, and
// deserialise with every typed array copied out into a buffer of its own.
export { deserialiseValue, serialiseValue } from "../../values/_v8.ts";
import { MAX_VALUE_BYTES } from "./layout.ts";

/** The number of chunks `byteLength` bytes take. */
export function chunkCount(byteLength: number): number {
  return Math.ceil(byteLength / MAX_VALUE_BYTES);
}

/** Chunk `index` of `bytes` (a view, not a copy: KV copies on commit). */
export function chunkOf(bytes: Uint8Array, index: number): Uint8Array {
  return bytes.subarray(index * MAX_VALUE_BYTES, (index + 1) * MAX_VALUE_BYTES);
}

/**
 * Joins chunks read from KV into `byteLength` bytes; `undefined` if one is
 * missing or the sizes do not add up (the chunks were replaced meanwhile).
 */
export function joinChunks(
  chunks: readonly unknown[],
  byteLength: number,
): Uint8Array | undefined {
  const bytes = new Uint8Array(byteLength);
  let offset = 0;
  for (const chunk of chunks) {
    if (!(chunk instanceof Uint8Array)) return undefined;
    if (offset + chunk.length > byteLength) return undefined;
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return offset === byteLength ? bytes : undefined;
}
