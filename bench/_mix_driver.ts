// The driver of the mix benchmarks (kv_mix.ts, postgres_mix.ts,
// redis_mix.ts): one bot per variant, a warm-up, then timed rounds that
// interleave the variants, the medians of per-round times and of per-round
// ratios against the baseline in the same round, and counts of store
// operations per update. What is specific to a store (its setup, how its
// calls are counted, its server) stays in the script.
import type { Update } from "grammy/types";
import { cpuUsage } from "node:process";
import { mixOver } from "./_mix_updates.ts";

/** What handles updates one at a time: a grammY `Bot`. */
export interface Handler {
  handleUpdate(update: Update): Promise<unknown>;
}

/** A bot that has to be initialised before it handles updates. */
export interface MixBot extends Handler {
  init(): Promise<unknown>;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A variant's bots: the timed one, and one over a counting client. */
export interface Contender {
  bot: MixBot;
  counted: MixBot;
  /** How many store operations the counting client has seen so far. */
  count(): number;
}

/**
 * Makes every variant's contender, in order, initialises both of its bots,
 * and warms the timed one with 2,000 updates of the mix over 200 chats (every
 * chat then has a session).
 */
export async function prepare<V extends string>(
  variants: readonly V[],
  make: (variant: V) => Promise<Contender>,
): Promise<Map<V, Contender>> {
  const contenders = new Map<V, Contender>();
  for (const variant of variants) {
    const contender = await make(variant);
    await contender.bot.init();
    await contender.counted.init();
    for (const update of mixOver(200, 2000, 99)) {
      await contender.bot.handleUpdate(update);
    }
    contenders.set(variant, contender);
  }
  return contenders;
}

/**
 * Store operations per update of each variant, on its counting bot and in
 * rounds of its own (so that counting costs the timings nothing): one round
 * of `perRound` updates to warm that bot's caches, then one counted.
 */
export async function opsPerUpdate<V extends string>(
  contenders: ReadonlyMap<V, Contender>,
  perRound: number,
): Promise<Map<V, number>> {
  const ops = new Map<V, number>();
  for (const [variant, { counted, count }] of contenders) {
    for (const update of mixOver(200, perRound, 101)) {
      await counted.handleUpdate(update);
    }
    const before = count();
    for (const update of mixOver(200, perRound, 102)) {
      await counted.handleUpdate(update);
    }
    ops.set(variant, (count() - before) / perRound);
  }
  return ops;
}

/** How the order of the variants changes from one round to the next. */
export type Order =
  /** As listed in even rounds (the first warm-up round is 0), reversed in odd ones. */
  | "alternate"
  /** Timed round r starts with the variant at r (modulo their number). */
  | "rotate";

/** How `timeRounds` runs. */
export interface RoundsOptions<V extends string> {
  /** The variants, in the order of their first round; each handles alone. */
  contenders: ReadonlyMap<V, { bot: Handler }>;
  /** The variant the others are compared with, round by round. */
  baseline: V;
  /** Timed rounds. */
  rounds: number;
  /** Rounds run first, like the others, and not counted. */
  warmUp: number;
  order: Order;
  /** The updates `variant` handles in `round` (negative in the warm-up). */
  updates(round: number, variant: V): Update[];
  /** Called once, after the warm-up and before the first timed round. */
  afterWarmUp?(): unknown;
}

/** Per variant, one entry per timed round. */
export interface Timings<V extends string> {
  /** Wall time, µs per update. */
  times: Map<V, number[]>;
  /** CPU time of this process (user and system), µs per update. */
  cpu: Map<V, number[]>;
  /** The baseline's time in the same round over this variant's. */
  ratios: Map<V, number[]>;
}

/** The order of the variants in `round` (counted from -warmUp). */
function orderOf<V>(
  variants: readonly V[],
  round: number,
  warmUp: number,
  order: Order,
): readonly V[] {
  if (order === "alternate") {
    return (round + warmUp) % 2 === 0 ? variants : [...variants].reverse();
  }
  const start = ((round % variants.length) + variants.length) %
    variants.length;
  return [...variants.slice(start), ...variants.slice(0, start)];
}

/** Runs the warm-up and the timed rounds, interleaving the variants. */
export async function timeRounds<V extends string>(
  options: RoundsOptions<V>,
): Promise<Timings<V>> {
  const { contenders, baseline, warmUp } = options;
  const variants = [...contenders.keys()];
  const times = new Map<V, number[]>(variants.map((v) => [v, []]));
  const cpu = new Map<V, number[]>(variants.map((v) => [v, []]));
  const ratios = new Map<V, number[]>(variants.map((v) => [v, []]));
  /** One round: µs of wall and of CPU time per update, per variant. */
  const run = async (round: number) => {
    const spent = new Map<V, [wall: number, cpu: number]>();
    for (const variant of orderOf(variants, round, warmUp, options.order)) {
      const updates = options.updates(round, variant);
      const bot = contenders.get(variant)!.bot;
      const start = performance.now();
      const cpuStart = cpuUsage();
      for (const update of updates) await bot.handleUpdate(update);
      const used = cpuUsage(cpuStart);
      spent.set(variant, [
        (performance.now() - start) * 1000 / updates.length,
        (used.user + used.system) / updates.length,
      ]);
    }
    return spent;
  };
  for (let round = -warmUp; round < 0; round++) await run(round);
  await options.afterWarmUp?.();
  for (let round = 0; round < options.rounds; round++) {
    const spent = await run(round);
    const base = spent.get(baseline)![0];
    for (const [variant, [wall, used]] of spent) {
      times.get(variant)!.push(wall);
      cpu.get(variant)!.push(used);
      ratios.get(variant)!.push(base / wall);
    }
  }
  return { times, cpu, ratios };
}

/**
 * The rounds of kv_mix.ts and postgres_mix.ts: three warm-up rounds (the
 * first rounds of a process run slower for every variant: compiling, caches,
 * files), the order rotating (as BENCHMARKS.md has it), and in every round
 * each variant handles
 * `perRound` updates of the mix seeded by the round (the same chats and
 * kinds for all of them, in ids of their own).
 */
export function timeSeededRounds<V extends string>(
  contenders: ReadonlyMap<V, { bot: Handler }>,
  baseline: V,
  rounds: number,
  perRound: number,
): Promise<Timings<V>> {
  const warmUp = 3;
  return timeRounds({
    contenders,
    baseline,
    rounds,
    warmUp,
    order: "rotate",
    updates: (round) => mixOver(200, perRound, round + 1 + warmUp),
  });
}
