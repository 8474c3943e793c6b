// Helpers of the grammY parity tests (grammy_parity_test.ts,
// grammy_parity_lazy_test.ts, grammy_parity_enhance_test.ts): a plain
// grammY adapter that records every call it gets with all its arguments, and
// a real bot whose session plugin stores in one.
import type { Bot, Context, Middleware } from "grammy";
import type { StorageAdapter } from "../mod.ts";
import { createBot, io, message } from "./_helpers.ts";

/** One call into an adapter: the method and every argument it got. */
export type Call = [method: string, ...args: unknown[]];

/** A {@linkcode recordingAdapter}: the adapter and what it saw. */
export interface RecordingAdapter<T> {
  storage: StorageAdapter<T>;
  /** Every call, in order, with its arguments as passed. */
  calls: Call[];
  /** What each read returned (a copy). */
  returned: unknown[];
  /** The one value it holds. */
  value: T | undefined;
  /** How many calls of `method` it got. */
  count(method: string): number;
}

/**
 * A plain grammY adapter (read, write, delete, nothing else) over one
 * variable starting at `initial`, recording each call with all of its
 * arguments as passed (so `[..., undefined]` shows an extra argument) and
 * each read's result. With `delay` it answers a few turns of the event loop
 * later, as a store over a network would.
 */
export function recordingAdapter<T>(
  initial?: T,
  options: { delay?: boolean } = {},
): RecordingAdapter<T> {
  let value: T | undefined = initial;
  const calls: Call[] = [];
  const returned: unknown[] = [];
  const answer = <R>(result: R): R | Promise<R> =>
    options.delay ? io().then(() => result) : result;
  const storage: StorageAdapter<T> = {
    read(...args: unknown[]) {
      calls.push(["read", ...args]);
      returned.push(structuredClone(value));
      return answer(value);
    },
    write(...args: unknown[]) {
      calls.push(["write", ...structuredClone(args)]);
      value = args[1] as T;
      return answer(undefined);
    },
    delete(...args: unknown[]) {
      calls.push(["delete", ...args]);
      value = undefined;
      return answer(undefined);
    },
  } as StorageAdapter<T>;
  return {
    storage,
    calls,
    returned,
    get value() {
      return value;
    },
    set value(v: T | undefined) {
      value = v;
    },
    count: (method) => calls.filter(([m]) => m === method).length,
  };
}

/** A message in chat 42 (session key "42"). */
export const chat = (text = "hi") => message(42, text);

/**
 * A bot running `plugin` over a new {@linkcode recordingAdapter} (holding
 * `initial`, answering late with `delay`), then `handler`. `send(n)` handles
 * `n` messages of chat 42 one after the other (a handler's error rejects).
 */
export function recordedBot<T, C extends Context>(
  plugin: (storage: StorageAdapter<T>) => Middleware<C>,
  handler: Middleware<C>,
  options: { initial?: T; delay?: boolean } = {},
): { r: RecordingAdapter<T>; bot: Bot<C>; send(n?: number): Promise<void> } {
  const r = recordingAdapter<T>(options.initial, options);
  const bot = createBot<C>();
  bot.use(plugin(r.storage));
  bot.use(handler);
  const send = async (n = 1) => {
    for (let i = 0; i < n; i++) await bot.handleUpdate(chat());
  };
  return { r, bot, send };
}

/**
 * grammY's object steps, one per update: add `foo`, then `bar`, then `baz`
 * (counting up what is there); returns false at the fourth, whose session
 * is deleted, so the fifth starts again from `initial`.
 */
export function objectStep(s: Record<string, number>): boolean {
  switch (Object.keys(s).length) {
    case 0:
      s.foo = 0;
      break;
    case 1:
      s.foo!++;
      s.bar = 0;
      break;
    case 2:
      s.bar!++;
      s.baz = 0;
      break;
    case 3:
      return false;
  }
  return true;
}

/** The calls five updates of {@linkcode objectStep} make, in order. */
export const OBJECT_CALLS: Call[] = [
  ["read", "42"],
  ["write", "42", { foo: 0 }],
  ["read", "42"],
  ["write", "42", { foo: 1, bar: 0 }],
  ["read", "42"],
  ["write", "42", { foo: 1, bar: 1, baz: 0 }],
  ["read", "42"],
  ["delete", "42"],
  ["read", "42"],
  ["write", "42", { foo: 0 }],
];
