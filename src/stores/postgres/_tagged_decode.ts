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
    return decodeObject(value);
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
      if (!["NaN", "Infinity", "-Infinity", "-0"].includes(body as string)) {
        throw bad();
      }
      return body === "-0" ? -0 : Number(body);
    case "bigint":
      if (typeof body !== "string") throw bad();
      return BigInt(body);
    case "date":
      if (body !== null && typeof body !== "string") throw bad();
      return new Date(body === null ? NaN : body);
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
    case "object":
      if (typeof body !== "object" || body === null) throw bad();
      return decodeObject(body as Record<string, Tagged>);
    case "array": {
      const { length, entries } = body as {
        length: number;
        entries: [string, Tagged][];
      };
      if (!Number.isSafeInteger(length) || !Array.isArray(entries)) throw bad();
      const out: unknown[] = new Array(length);
      for (const [k, v] of entries) define(out, String(k), decodeTagged(v));
      return out;
    }
    case "error": {
      const { name, message, stack, cause } = body as Record<string, Tagged>;
      const type = Object.hasOwn(ERRORS, name as string)
        ? ERRORS[name as string]!
        : Error;
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

// A data property, even for the key `__proto__` (an assignment would set
// the prototype).
function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

function decodeObject(body: Record<string, Tagged>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(body)) define(out, k, decodeTagged(body[k]!));
  return out;
}
