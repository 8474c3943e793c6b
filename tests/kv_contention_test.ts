// Three processes writing large sessions to one key as fast as they can:
// each write makes several commits, and each writer's commits make the
// others' checks fail. Every write must get through in the end (no writer
// gives up with "the session kept changing"), and what is stored is always
// one whole value. When every writer reclaimed all listed generations before
// writing, writers kept deleting each other's work in progress: this test
// failed in two of three runs (and two writers gave up within 15 s in one of
// two runs). Now a generation is left alone while it may still be written
// (WRITING_GRACE_MS), and a writer waits a random while after a failed check.
import { DenoKvStorage } from "../kv.ts";
import type { Written } from "./fixtures/kv_writer.ts";
import { assert, assertStrictEquals } from "./deps.ts";
import { spawnFixture } from "./_helpers.ts";

const SECONDS = 8;

Deno.test(`three writers on one key for ${SECONDS} s: no write gives up`, async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    const children = ["a", "b", "c"].map((writer) =>
      spawnFixture("kv_writer.ts", [path, writer])
    );
    const outputs = children.map((child) => child.output());
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    for (const child of children) {
      try {
        child.kill("SIGKILL");
      } catch {
        // It exited by itself: its stderr, checked below, says why.
      }
    }
    for (const output of await Promise.all(outputs)) {
      const stderr = new TextDecoder().decode(output.stderr);
      assert(!/Error/.test(stderr), stderr);
      assertStrictEquals(output.signal, "SIGKILL");
      const wrote = new TextDecoder().decode(output.stdout)
        .split("\n").filter((line) => line.startsWith("wrote ")).length;
      // Each made progress (dozens of writes a second each on this machine).
      assert(wrote >= 10, `only ${wrote} writes`);
    }
    const kv = await Deno.openKv(path);
    try {
      const value = await new DenoKvStorage<Written>(kv).read("big");
      assert(value !== undefined);
      assertStrictEquals(value.data.length, value.size);
      assert(value.data.every((byte) => byte === value.n % 251));
    } finally {
      kv.close();
    }
  } finally {
    await Deno.remove(path);
  }
});
