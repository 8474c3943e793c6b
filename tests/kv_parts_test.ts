// The parts of the KV store on their own: the codec and the commit planner.
import { serialize } from "node:v8";
import { deserialiseValue } from "../src/stores/kv/codec.ts";
import { CommitPlan } from "../src/stores/kv/commit_plan.ts";
import { sessionKeys } from "../src/stores/kv/layout.ts";
import { finishSwitch } from "../src/stores/kv/planner.ts";
import { assert, assertEquals } from "./deps.ts";

Deno.test("the codec gives typed arrays back with their own buffers", async (t) => {
  // Copied as the deserializer reads them, or by a walk afterwards (the
  // way for a runtime whose node:v8 has no DefaultDeserializer hook).
  for (const walk of [false, true]) {
    await t.step(walk ? "by a walk" : "as they are read", () => {
      const shared = new Uint8Array([7, 8]);
      const value = {
        map: new Map([["a", new Float64Array([1.5])]]),
        set: new Set([new Int16Array([-1, 2])]),
        view: new DataView(new Uint8Array([1, 2, 3]).buffer),
        twice: [shared, shared],
      };
      const bytes = serialize(value);
      const padded = new Uint8Array(bytes.byteLength + 64);
      padded.set(bytes, 32);
      const read = deserialiseValue(
        "k",
        padded.subarray(32, 32 + bytes.byteLength),
        walk,
      ) as typeof value;
      const f = read.map.get("a")!;
      assertEquals([f.buffer.byteLength, f.byteOffset, f[0]], [8, 0, 1.5]);
      const [i] = [...read.set] as [Int16Array];
      assertEquals([i.buffer.byteLength, [...i]], [4, [-1, 2]]);
      assertEquals(read.view.buffer.byteLength, 3);
      assertEquals(read.view.getUint8(2), 3);
      assertEquals(read.twice[0]!.buffer.byteLength, 2);
      assert(read.twice[0] === read.twice[1]); // one copy, shared as before
    });
  }
});

Deno.test("the planner keeps room for the pending record", async (t) => {
  // The longest key: each chunk key is 2048 bytes, about 196 deletes fill a
  // commit by bytes; with a short key 1000 mutations fill it first.
  for (const name of ["k".repeat(2011), "k"]) {
    const keys = sessionKeys(["sessions"], 10, name);
    for (const count of [150, 195, 196, 197, 198, 400, 996, 997, 998, 1200]) {
      await t.step(`${count} old chunks, key of ${name.length}`, async () => {
        const kv = await Deno.openKv(":memory:");
        try {
          const known = {
            vs: null,
            head: { kind: "none" as const },
            pending: {},
            pendingVs: null,
          };
          const plan = new CommitPlan();
          plan.check(keys.head, null, keys.headBytes);
          plan.check(keys.pending, null, keys.pendingBytes);
          plan.set(keys.head, 1, keys.headBytes, 1024);
          const old = {
            kind: "chunked" as const,
            gen: "g",
            count,
            bytes: 1,
            expires: undefined,
          };
          const pending = finishSwitch(plan, keys, known, {}, old);
          const result = await plan.build(kv).commit(); // KV accepts its size
          assert(result.ok);
          const record = (await kv.get(keys.pending)).value;
          if (pending.g === undefined) assertEquals(record, null);
          else {
            assert(pending.g.del! < count);
            assertEquals(record, { g: { n: count, del: pending.g.del } });
          }
        } finally {
          kv.close();
        }
      });
    }
  }
});
