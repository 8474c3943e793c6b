// This module is browser compatible.
// Puts `ctx.session` and `ctx.sessionKey` on a context object.
//
// Defining accessors on every context object (as grammY does) is slow: each
// update gets new closures, so V8 cannot share the object's shape, and the
// two `Object.defineProperty` calls cost more than the rest of the session
// middleware. Instead, the accessors are defined once on the context's
// prototype (grammY's `Context` class, or the bot's subclass) and read the
// per-update state from symbol-keyed data properties. `sessionKey` has no
// setter, so assigning it throws in strict code. Contexts without a class
// prototype, or that already have an own `session` property (another session
// plugin ran first), get per-object accessors as before.

/** What the accessors delegate to (a `PropertySession`). */
export interface SessionAccessors {
  get(): unknown;
  set(value: unknown): void;
  install(): void;
}

const STATE: unique symbol = Symbol("sessionkit.session");
const KEY: unique symbol = Symbol("sessionkit.sessionKey");

interface Carrier {
  [STATE]?: SessionAccessors;
  [KEY]?: string | undefined;
}

const prepared = new WeakSet<object>();

function prepare(proto: object): void {
  if (prepared.has(proto)) return;
  prepared.add(proto);
  Object.defineProperty(proto, "sessionKey", {
    configurable: true,
    enumerable: false,
    get(this: Carrier): string | undefined {
      return this[KEY];
    },
  });
  Object.defineProperty(proto, "session", {
    configurable: true,
    enumerable: false,
    get(this: Carrier): unknown {
      return this[STATE]?.get();
    },
    set(this: Carrier, value: unknown): void {
      const state = this[STATE];
      if (state !== undefined) {
        state.set(value);
      } else {
        // Not ours (e.g. a plain assignment by another plugin): behave like
        // an ordinary property.
        Object.defineProperty(this, "session", {
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
    },
  });
}

/** Exposes `part` as `ctx.session` and `key` as `ctx.sessionKey`. */
export function attachSession(
  ctx: object,
  part: SessionAccessors,
  key: string | undefined,
): void {
  const own = Object.getOwnPropertyDescriptor(ctx, "session");
  if (own !== undefined && !own.configurable) {
    throw new TypeError(
      "Cannot install the session: `ctx.session` was already defined by another session middleware that does not allow replacing it (grammY's built-in `session()`). Use one session plugin per property.",
    );
  }
  const proto: object | null = Object.getPrototypeOf(ctx);
  if (
    proto === null || proto === Object.prototype || own !== undefined ||
    Object.hasOwn(ctx, "sessionKey")
  ) {
    Object.defineProperty(ctx, "sessionKey", {
      value: key,
      writable: false,
      enumerable: true,
      configurable: true,
    });
    part.install();
    return;
  }
  prepare(proto);
  (ctx as Carrier)[STATE] = part;
  (ctx as Carrier)[KEY] = key;
}
