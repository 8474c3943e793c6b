// The session tools on values that once broke them (issue 19 items 4-6): a
// sparse array (a 29-byte session whose holes would fill the heap), a session
// holding a cycle, and an import line whose value is `undefined`. Everything
// runs for real: `deno run cli.ts ...` subprocesses with V8's heap capped at
// 256 MB, and the inspector's JSON API from a `serve` subprocess.
import { decodeValue } from "../cli.ts";
import { assert, assertEquals } from "./deps.ts";
import { cli as runCli, type Run, startServe, withStore } from "./_cli.ts";

const HEAP = "--v8-flags=--max-old-space-size=256";
const HOLE_AT = 123456789;

function sparseVotes(): boolean[] {
  const votes: boolean[] = [];
  votes[HOLE_AT] = true;
  return votes;
}

/** Runs the CLI with the heap capped; returns how it ended and its output. */
function cli(args: string[], stdin = ""): Promise<Run> {
  return runCli(args, stdin, { flags: [HEAP] });
}

/** `serve` in a subprocess with the heap capped: its JSON API and process. */
async function serve(path: string): Promise<{
  api: (path: string) => Promise<{ status: number; body: unknown }>;
  child: Deno.ChildProcess;
}> {
  const started = await startServe(path, [HEAP]);
  const { child } = started;
  const url = new URL(started.url);
  const token = url.searchParams.get("token")!;
  const api = async (path: string) => {
    const response = await fetch(new URL(path, url.origin), {
      headers: { "x-inspector-token": token },
    });
    const body = await response.text();
    let parsed: unknown = body;
    try {
      parsed = JSON.parse(body);
    } catch {
      // Not JSON: keep the text for the assertion message.
    }
    return { status: response.status, body: parsed };
  };
  return { api, child };
}

async function stop(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    // It has exited already.
  }
  await child.status;
}

type ListItem = Record<string, unknown> & { key: string };

Deno.test({
  name: "session tools: a sparse array is shown as stored (issue 19 item 4)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/bot.kv`;
    const kvArgs = ["--kv", path];
    try {
      await withStore(path, async (s) => {
        await s.write("poll", { votes: sparseVotes(), title: "lunch" });
        await s.write("plain", { n: 1 });
      });

      const checkVotes = (value: unknown) => {
        const votes = (value as { votes: boolean[] }).votes;
        assert(Array.isArray(votes));
        assertEquals(votes.length, HOLE_AT + 1);
        assertEquals(Object.keys(votes), [String(HOLE_AT)]);
        assertEquals(votes[HOLE_AT], true);
      };

      await t.step("get prints it without expanding the holes", async () => {
        const got = await cli(["get", "poll", ...kvArgs]);
        assertEquals([got.code, got.signal], [0, null], got.stderr);
        assert(got.stdout.length < 200, got.stdout);
        assert(got.stdout.includes('"$array"'), got.stdout);
        checkVotes(decodeValue(JSON.parse(got.stdout)));
      });

      let exported = "";
      await t.step("export writes it as one short line", async () => {
        const out = await cli(["export", ...kvArgs]);
        assertEquals([out.code, out.signal], [0, null], out.stderr);
        const lines = out.stdout.trim().split("\n");
        assertEquals(lines.length, 2);
        assert(lines[0]!.length < 200, lines[0]!);
        exported = out.stdout;
      });

      await t.step("import and set write it back as sparse", async () => {
        const copy = `${dir}/copy.kv`;
        const imported = await cli(["import", "--kv", copy], exported);
        assertEquals([imported.code, imported.signal], [0, null]);
        assert(
          imported.stderr.includes("Imported 2 sessions"),
          imported.stderr,
        );
        checkVotes(await withStore(copy, (s) => s.read("poll")));
        const text = JSON.stringify({
          votes: { $array: { length: 3, items: { "1": true } } },
        });
        const set = await cli(["set", "small", "--kv", copy], text);
        assertEquals([set.code, set.signal], [0, null], set.stderr);
        const small = await withStore(copy, (s) => s.read("small"));
        const expected: boolean[] = [];
        expected[1] = true;
        expected.length = 3;
        assertEquals(small, { votes: expected });
        assertEquals(Object.keys((small as { votes: unknown[] }).votes), ["1"]);
      });

      await t.step("the inspector lists and opens it", async () => {
        const { api, child } = await serve(path);
        try {
          const list = await api("/api/sessions");
          assertEquals(list.status, 200, JSON.stringify(list.body));
          const items = (list.body as { items: ListItem[] }).items;
          assertEquals(items.map((i) => i.key), ["plain", "poll"]);
          assert(String(items[1]!.preview).includes('"$array"'));
          const found = await api("/api/sessions?q=lunch");
          assertEquals(
            (found.body as { items: ListItem[] }).items.map((i) => i.key),
            ["poll"],
          );
          const one = await api("/api/session?key=poll");
          assertEquals(one.status, 200, JSON.stringify(one.body));
          checkVotes(
            decodeValue(JSON.parse((one.body as { text: string }).text)),
          );
        } finally {
          await stop(child);
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "session tools: one session the encoding cannot show leaves the inspector list working (issue 19 item 6)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/bot.kv`;
    try {
      await withStore(path, async (s) => {
        await s.write("ada", { name: "Ada" });
        const loop: Record<string, unknown> = { name: "loop" };
        loop.self = loop;
        await s.write("cyclic", loop);
        await s.write("zed", { name: "Zed" });
      });
      const { api, child } = await serve(path);
      try {
        const list = await api("/api/sessions");
        assertEquals(list.status, 200, JSON.stringify(list.body));
        const items = (list.body as { items: ListItem[] }).items;
        assertEquals(items.map((i) => i.key), ["ada", "cyclic", "zed"]);
        const cyclic = items[1]!;
        assert(typeof cyclic.bytes === "number" && cyclic.bytes > 0);
        assert(
          String(cyclic.note).includes(
            'session "cyclic".self refers to itself',
          ),
          JSON.stringify(cyclic),
        );
        assert(String(items[0]!.preview).includes('"Ada"'));
        // Searching matches the keys of such sessions, and content elsewhere.
        for (const [q, keys] of [["zed", ["zed"]], ["cyc", ["cyclic"]]]) {
          const found = await api(`/api/sessions?q=${q}`);
          assertEquals(found.status, 200, JSON.stringify(found.body));
          assertEquals(
            (found.body as { items: ListItem[] }).items.map((i) => i.key),
            keys,
          );
        }
        // Opened alone it says why it cannot be shown (and can be deleted).
        const one = await api("/api/session?key=cyclic");
        assertEquals(one.status, 200, JSON.stringify(one.body));
        const body = one.body as Record<string, unknown>;
        assertEquals(body.text, null);
        assert(
          String(body.note).includes("refers to itself"),
          String(body.note),
        );
        assertEquals(typeof body.version, "string");
      } finally {
        await stop(child);
      }
      // The CLI refuses it in one line naming the key; nothing crashes.
      const got = await cli(["get", "cyclic", "--kv", path]);
      assertEquals(got.code, 1);
      assertEquals(
        got.stderr,
        'sessions: session "cyclic".self refers to itself (a cycle JSON cannot hold)\n',
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "session tools: import refuses an undefined session as set does, naming the line (issue 19 item 5)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/bot.kv`;
    try {
      const input = [
        JSON.stringify({ key: "first", value: 1 }),
        JSON.stringify({ key: "kept", value: { $undefined: null } }),
        JSON.stringify({ key: "fresh", value: { $undefined: null } }),
        JSON.stringify({ key: "last", value: 3 }),
      ].join("\n");
      for (const overwrite of [false, true]) {
        await t.step(overwrite ? "with --overwrite" : "without", async () => {
          await withStore(path, async (s) => {
            for await (const key of s.readAllKeys()) await s.delete(key);
            await s.write("kept", { n: 1 });
          });
          const flags = overwrite ? ["--overwrite"] : [];
          const { code, stderr } = await cli(
            ["import", ...flags, "--kv", path],
            input,
          );
          assertEquals(code, 1, stderr);
          assertEquals(
            stderr,
            'sessions: Import stopped: line 2, session "kept": a session cannot be undefined (use delete); 1 session was written before\n' +
              'sessions: written before the failure: ["first"]\n',
          );
          await withStore(path, async (s) => {
            assertEquals(await s.read("first"), 1);
            assertEquals(await s.read("kept"), { n: 1 });
            assertEquals(await s.read("fresh"), undefined);
            assertEquals(await s.read("last"), undefined);
          });
        });
      }
      await t.step("an undefined session alone is refused too", async () => {
        const { code, stderr } = await cli(
          ["import", "--kv", path],
          JSON.stringify({ key: "fresh", value: { $undefined: null } }),
        );
        assertEquals(code, 1);
        assertEquals(
          stderr,
          'sessions: Import stopped: line 1, session "fresh": a session cannot be undefined (use delete); 0 sessions were written before\n',
        );
        assertEquals(await withStore(path, (s) => s.has("fresh")), false);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
