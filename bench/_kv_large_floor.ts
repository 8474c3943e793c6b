// The floor that `bench/kv_large.ts` holds DenoKvStorage to: the least work
// a crash-safe store of a large object session on Deno KV must do, written
// by hand with nothing else (no compare-and-set, no reclaim record, no
// expiry, no retries).
//
// Write: V8-serialise the session, put its 64 KiB chunks under a new
// generation in atomic commits of at most 12 chunks (all but the last in
// flight at once), the last commit also switching the head to the new
// generation and deleting the previous generation's chunks. A crash between
// commits leaves the old value whole. Read: the head, then the chunks in
// parallel `getMany` batches of 10, joined and deserialised.
import { deserialize, serialize } from "node:v8";

const CHUNK = 65_536;
const PER_COMMIT = 12;

interface Head {
  generation: string;
  chunks: number;
  bytes: number;
}

/** A large-session store with only the work crash safety needs. */
export class LargeFloor {
  #generation = 0;
  #head: Head | undefined;

  constructor(readonly kv: Deno.Kv, readonly prefix: string) {}

  async write(value: unknown): Promise<void> {
    const bytes = serialize(value);
    const chunks = Math.ceil(bytes.byteLength / CHUNK);
    const generation = `g${this.#generation++}`;
    const chunkAt = (i: number) =>
      bytes.subarray(i * CHUNK, Math.min((i + 1) * CHUNK, bytes.byteLength));
    const commits: number[][] = [];
    for (let i = 0; i < chunks; i += PER_COMMIT) {
      commits.push(
        Array.from(
          { length: Math.min(PER_COMMIT, chunks - i) },
          (_, j) => i + j,
        ),
      );
    }
    const last = commits.pop()!;
    await Promise.all(commits.map(async (indexes) => {
      const op = this.kv.atomic();
      for (const i of indexes) op.set([this.prefix, generation, i], chunkAt(i));
      if (!(await op.commit()).ok) throw new Error("floor: commit refused");
    }));
    const op = this.kv.atomic();
    for (const i of last) op.set([this.prefix, generation, i], chunkAt(i));
    const head: Head = { generation, chunks, bytes: bytes.byteLength };
    op.set([this.prefix, "head"], head);
    const old = this.#head;
    if (old) {
      for (let i = 0; i < old.chunks; i++) {
        op.delete([this.prefix, old.generation, i]);
      }
    }
    if (!(await op.commit()).ok) throw new Error("floor: commit refused");
    this.#head = head;
  }

  async read(): Promise<unknown> {
    const head = (await this.kv.get<Head>([this.prefix, "head"])).value;
    if (head === null) return undefined;
    const keys = Array.from(
      { length: head.chunks },
      (_, i) => [this.prefix, head.generation, i],
    );
    const batches = [];
    for (let i = 0; i < keys.length; i += 10) {
      batches.push(this.kv.getMany<Uint8Array[]>(keys.slice(i, i + 10)));
    }
    const joined = new Uint8Array(head.bytes);
    let offset = 0;
    for (const entry of (await Promise.all(batches)).flat()) {
      joined.set(entry.value as Uint8Array, offset);
      offset += (entry.value as Uint8Array).byteLength;
    }
    return deserialize(joined);
  }
}
