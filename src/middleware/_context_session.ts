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
//
// The symbols and the set of prepared prototypes are shared by every copy of
// this module in the process (`Symbol.for`, `shared()`), so two copies on one
// `Context` class read the same per-update state.
//
// It also decides what a second session middleware on the same context does
// (`claimSession`): the same storage and key joins the session already there,
// anything else that would hide it or wait for it forever is refused.

/** What the accessors delegate to (a `PropertySession`). */
export interface SessionAccessors {
  get(): unknown;
  set(value: unknown): void;
  install(): void;
}

import { SessionSetupError } from "../contract/errors.ts";
import { sessionLocks } from "./_key_lock.ts";
import { shared } from "../contract/_util.ts";

const STATE: unique symbol = Symbol.for("@sessionkit/grammy/session@1");

/** What `claimSession` needs to know about a session of an update. */
export interface ActiveSession extends SessionAccessors {
  readonly key: string | undefined;
  readonly lazy: boolean;
  readonly finished: boolean;
  readonly options: { readonly storage: object };
}

/** A multi session: it owns `ctx.session` as a whole. */
const MULTI = {
  key: undefined,
  lazy: false,
  finished: false,
  options: { storage: {} },
  get: () => undefined,
  set: () => {},
  install: () => {},
};

interface Carrier {
  // The session of this update on this context (also marks it as active).
  [STATE]?: ActiveSession;
}

const { prepared } = shared();

function prepare(proto: object): void {
  if (prepared.has(proto)) return;
  prepared.add(proto);
  Object.defineProperty(proto, "sessionKey", {
    configurable: true,
    enumerable: false,
    get(this: Carrier): string | undefined {
      return this[STATE]?.key;
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

/**
 * The owner of the locks of `ctx`'s sessions: the update. A context derived
 * from another one (`Object.create(ctx)`) by a plugin that runs middleware
 * for the same update belongs to the update of the context it derives from,
 * so its sessions never wait for the outer ones.
 */
export function updateOwner(ctx: object): object {
  // The common case: no session is active on this context or its ancestors.
  if ((ctx as Carrier)[STATE] === undefined) return ctx;
  let owner = ctx;
  for (
    let level: object | null = Object.getPrototypeOf(ctx);
    level !== null && level !== Object.prototype;
    level = Object.getPrototypeOf(level)
  ) {
    if (Object.hasOwn(level, STATE)) owner = level;
  }
  return owner;
}

function describe(part: ActiveSession): string {
  return part === MULTI
    ? "a multi session"
    : `a ${part.lazy ? "lazy" : "strict"} session with key "${part.key}"`;
}

// The conversations plugin marks the contexts it creates with this symbol.
function isConversationContext(ctx: object): boolean {
  return Object.getOwnPropertySymbols(ctx).some((symbol) =>
    symbol.description === "conversations.recursion"
  );
}

/**
 * Called by a session middleware before it installs `part` on `ctx`. Returns
 * the session to join instead (same storage and key, already active for this
 * update on this context or the one it derives from), or `undefined` after
 * registering `part`. Throws a `SessionSetupError` for a second session that
 * would hide the first (data loss) or wait for it forever (a hang).
 */
export function claimSession(
  ctx: object,
  part: ActiveSession | "multi",
  lockName: string | undefined,
): ActiveSession | undefined {
  const mine = part === "multi" ? MULTI : part;
  const key = mine.key ?? "(none)";
  const carrier = ctx as Carrier;
  for (
    let level: object | null = carrier[STATE] === undefined ? null : ctx;
    level !== null && level !== Object.prototype;
    level = Object.getPrototypeOf(level)
  ) {
    if (!Object.hasOwn(level, STATE)) continue;
    const other = (level as Carrier)[STATE]!;
    if (other.finished) continue;
    const same = mine !== MULTI && other !== MULTI &&
      other.options.storage === mine.options.storage &&
      other.key === mine.key;
    if (same && other.lazy === mine.lazy) return other;
    if (same || level === ctx) {
      throw new SessionSetupError(
        key,
        `ctx.session is already provided by ${
          describe(other)
        } installed earlier for this update, and ${
          describe(mine)
        } cannot share it: the second one would hide the first, whose changes would be lost. Install one session middleware per property (use a multi session for several storages).`,
      );
    }
  }
  if (
    lockName !== undefined && sessionLocks.isHeld(lockName) &&
    isConversationContext(ctx)
  ) {
    throw new SessionSetupError(
      key,
      "a session inside a conversation (the `plugins` of @grammyjs/conversations) uses the same storage and key as a session outside the conversation, which holds that key until the update ends: it would wait forever. Give the session inside the conversation another storage or prefix, or use the outside session through `conversation.external()`.",
    );
  }
  // A single session registers when it is attached.
  if (mine === MULTI) carrier[STATE] = MULTI;
  return undefined;
}

/** Exposes `part` as `ctx.session` and `key` as `ctx.sessionKey`. */
export function attachSession(
  ctx: object,
  part: ActiveSession,
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
    (ctx as Carrier)[STATE] = part;
    return;
  }
  prepare(proto);
  (ctx as Carrier)[STATE] = part;
}
