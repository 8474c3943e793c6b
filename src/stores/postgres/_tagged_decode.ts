// Decoding the tagged JSON of `_tagged.ts`.
import {
  ERRORS,
  fromBase64,
  global,
  type Tagged,
  type View,
  VIEWS,
} from "./_tagged.ts";

/**
 * Decodes tagged JSON.
 *
 * @throws {TypeError} for an unknown tag or a malformed one.
 */
export function decodeTagged(value: Tagged): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(decodeTagged);
  const keys = Object.keys(value);
  if (keys.length !== 1 || !keys[0]!.startsWith("$")) {
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = decodeTagged(value[k]!);
    return out;
  }
  const name = keys[0]!;
  return decodeTag(name.slice(1), value[name]!);
}

function decodeTag(name: string, body: Tagged): unknown {
  const bad = () => new TypeError(`malformed tag $${name}`);
  switch (name) {
    case "undefined":
      return undefined;
    case "number":
      return body === "-0" ? -0 : Number(body);
    case "bigint":
      return BigInt(body as string);
    case "date":
      return new Date(body === null ? NaN : body as string);
    case "regexp": {
      const [source, flags] = body as [string, string];
      return new RegExp(source, flags);
    }
    case "map":
      return new Map(
        (body as [Tagged, Tagged][]).map((
          [k, v],
        ) => [decodeTagged(k), decodeTagged(v)]),
      );
    case "set":
      return new Set((body as Tagged[]).map(decodeTagged));
    case "boxed":
      return Object(decodeTagged(body));
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(body as Record<string, Tagged>)) {
        out[k] = decodeTagged(v);
      }
      return out;
    }
    case "array": {
      const { length, entries } = body as {
        length: number;
        entries: [string, Tagged][];
      };
      const out: unknown[] = new Array(length);
      for (const [k, v] of entries) {
        (out as unknown as Record<string, unknown>)[k] = decodeTagged(v);
      }
      return out;
    }
    case "error": {
      const { name, message, stack, cause } = body as Record<string, Tagged>;
      const type = ERRORS[name as string] ?? Error;
      const error = "cause" in (body as object)
        ? new type(message as string, { cause: decodeTagged(cause!) })
        : new type(message as string);
      if (type === Error && name !== "Error") error.name = name as string;
      if (typeof stack === "string") error.stack = stack;
      else delete error.stack;
      return error;
    }
    case "kvu64": {
      const type = (global.Deno as { KvU64?: new (v: bigint) => unknown })
        ?.KvU64;
      return type === undefined
        ? BigInt(body as string)
        : new type(BigInt(body as string));
    }
    case "ArrayBuffer":
      return fromBase64(body as string);
  }
  if (VIEWS.includes(name) && typeof global[name] === "function") {
    const buffer = fromBase64(body as string);
    return new (global[name] as View)(buffer);
  }
  throw bad();
}
