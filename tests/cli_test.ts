// The session CLI, run for real: `deno run -A cli.ts ...` subprocesses on a
// KV file holding a small, a chunked (200 KiB) and a structured-types
// session.
import { decodeValue } from "../cli.ts";
import { assert, assertEquals } from "./deps.ts";
import { cli, ROOT, runDeno, withStore } from "./_cli.ts";

export const SESSIONS: Record<string, unknown> = {
  small: { count: 1, name: "Ada" },
  big: {
    text: "x".repeat(200 * 1024),
    list: Array.from({ length: 50 }, (_, i) => i),
  },
  types: {
    map: new Map<unknown, unknown>([[1, new Set([1n, "a"])], ["k", {
      d: new Date(0),
    }]]),
    bytes: new Uint8Array([0, 1, 255]),
    floats: new Float64Array([1.5, -0]),
    ints: new BigInt64Array([-(2n ** 63n)]),
    nothing: undefined,
    nan: NaN,
    negativeZero: -0,
    infinity: -Infinity,
    huge: 12345678901234567890n,
    nested: [{ deep: [new Map([[new Date(1), [undefined]]])] }],
    dollar: { $date: "not a tag" },
  },
};

/** A temp KV file with the three sessions. */
export async function seededKv(dir: string): Promise<string> {
  const path = `${dir}/bot.kv`;
  await withStore(path, async (storage) => {
    for (const [key, value] of Object.entries(SESSIONS)) {
      await storage.write(key, value);
    }
  });
  return path;
}

Deno.test("sessions CLI", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await seededKv(dir);
    const kvArgs = ["--kv", path];

    await t.step("list prints one line per session with its size", async () => {
      const { code, stdout } = await cli(["list", ...kvArgs]);
      assertEquals(code, 0);
      const lines = stdout.trim().split("\n");
      assertEquals(lines.map((l) => l.split("\t")[0]), [
        "big",
        "small",
        "types",
      ]);
      assert(lines[0]!.includes("KiB"), lines[0]!);
    });

    await t.step(
      "list --json prints NDJSON with bytes and expiry",
      async () => {
        const { code, stdout } = await cli(["list", "--json", ...kvArgs]);
        assertEquals(code, 0);
        const rows = stdout.trim().split("\n").map((l) => JSON.parse(l));
        assertEquals(rows.map((r) => r.key), ["big", "small", "types"]);
        assert(rows[0].bytes > 200 * 1024, `big is ${rows[0].bytes} bytes`);
        assertEquals(rows[1].expiresAt, null);
      },
    );

    await t.step(
      "get prints each session as tagged JSON that decodes to it",
      async () => {
        for (const [key, value] of Object.entries(SESSIONS)) {
          const { code, stdout } = await cli(["get", key, ...kvArgs]);
          assertEquals(code, 0);
          assertEquals(decodeValue(JSON.parse(stdout)), value);
        }
      },
    );

    await t.step(
      "get of a missing key exits 1 with a message on stderr",
      async () => {
        const { code, stdout, stderr } = await cli([
          "get",
          "nobody",
          ...kvArgs,
        ]);
        assertEquals(code, 1);
        assertEquals(stdout, "");
        assert(stderr.includes('No session "nobody"'), stderr);
      },
    );

    await t.step("set writes tagged JSON from stdin", async () => {
      const text =
        '{ "count": 2, "since": { "$date": "2024-01-01T00:00:00.000Z" } }';
      const { code } = await cli(["set", "small", ...kvArgs], text);
      assertEquals(code, 0);
      const value = await withStore(path, (s) => s.read("small"));
      assertEquals(value, {
        count: 2,
        since: new Date("2024-01-01T00:00:00.000Z"),
      });
      SESSIONS.small = value;
    });

    await t.step("set refuses bad JSON and writes nothing", async () => {
      for (
        const [key, text] of [["small", '{"count": 3'], ["fresh", "{nope}"]]
      ) {
        const { code, stderr } = await cli(["set", key!, ...kvArgs], text);
        assertEquals(code, 1);
        assertEquals(stderr.trim().split("\n").length, 1, stderr);
        assert(stderr.includes(`session "${key}"`), stderr);
      }
      const { code, stderr } = await cli(
        ["set", "small", ...kvArgs],
        '{"a": {"$nope": 1}}',
      );
      assertEquals(code, 1);
      assert(stderr.includes('unknown tag "$nope"'), stderr);
      await withStore(path, async (s) => {
        assertEquals(await s.read("small"), SESSIONS.small);
        assertEquals(await s.read("fresh"), undefined);
      });
    });

    await t.step(
      "export then import into a new KV file keeps every value",
      async () => {
        const exported = await cli(["export", ...kvArgs]);
        assertEquals(exported.code, 0);
        const file = `${dir}/sessions.ndjson`;
        await Deno.writeTextFile(file, exported.stdout);
        assertEquals(exported.stdout.trim().split("\n").length, 3);
        const copy = `${dir}/copy.kv`;
        const imported = await cli(
          ["import", "--kv", copy],
          await Deno.readTextFile(file),
        );
        assertEquals(imported.code, 0, imported.stderr);
        assert(
          imported.stderr.includes("Imported 3 sessions"),
          imported.stderr,
        );
        await withStore(copy, async (s) => {
          for (const [key, value] of Object.entries(SESSIONS)) {
            assertEquals(await s.read(key), value);
          }
        });
      },
    );

    await t.step(
      "import skips existing sessions unless --overwrite",
      async () => {
        const line = JSON.stringify({ key: "small", value: { count: 99 } }) +
          "\n";
        const skipped = await cli(["import", ...kvArgs], line);
        assertEquals(skipped.code, 0);
        assert(
          skipped.stderr.includes(
            'skipped 1 that exist (use --overwrite): ["small"]',
          ),
          skipped.stderr,
        );
        assertEquals(
          await withStore(path, (s) => s.read("small")),
          SESSIONS.small,
        );
        const replaced = await cli(["import", "--overwrite", ...kvArgs], line);
        assertEquals(replaced.code, 0);
        assertEquals(await withStore(path, (s) => s.read("small")), {
          count: 99,
        });
      },
    );

    await t.step(
      "an import that fails part-way names the keys it wrote",
      async () => {
        const input = [
          JSON.stringify({ key: "n1", value: 1 }),
          JSON.stringify({ key: "n2", value: { $bigint: "2" } }),
          '{"key": "n3", "value": ',
          JSON.stringify({ key: "n4", value: 4 }),
        ].join("\n");
        const { code, stderr } = await cli(["import", ...kvArgs], input);
        assertEquals(code, 1);
        assert(stderr.includes("line 3"), stderr);
        assert(
          stderr.includes('written before the failure: ["n1","n2"]'),
          stderr,
        );
        await withStore(path, async (s) => {
          assertEquals(await s.read("n2"), 2n);
          assertEquals(await s.read("n3"), undefined);
          assertEquals(await s.read("n4"), undefined);
        });
      },
    );

    await t.step(
      "delete removes a session; a missing one exits 1",
      async () => {
        assertEquals((await cli(["delete", "big", ...kvArgs])).code, 0);
        assertEquals(await withStore(path, (s) => s.has("big")), false);
        const again = await cli(["delete", "big", ...kvArgs]);
        assertEquals(again.code, 1);
        assert(again.stderr.includes('No session "big"'), again.stderr);
      },
    );

    await t.step(
      "usage mistakes and a missing KV file are one-line errors",
      async () => {
        const usage = await cli(["get", ...kvArgs]);
        assertEquals(usage.code, 2);
        assert(
          usage.stderr.startsWith(
            "sessions: get needs exactly one session key",
          ),
        );
        const absent = await cli(["list", "--kv", `${dir}/absent.kv`]);
        assertEquals(absent.code, 1);
        assertEquals(
          absent.stderr,
          `sessions: No KV file at ${dir}/absent.kv\n`,
        );
        assertEquals(
          (await Array.fromAsync(Deno.readDir(dir))).some((e) =>
            e.name === "absent.kv"
          ),
          false,
        );
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function withoutInitCwd(): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.INIT_CWD;
  return { ...env, NO_COLOR: "1" };
}

Deno.test("deno task sessions resolves paths against the folder it was run in (issue 21 item 3)", async () => {
  // A folder inside the repository, so that `deno task` finds deno.json
  // above it and runs the CLI in the repository root, as a user's would.
  const dir = await Deno.makeTempDir({
    dir: new URL("tests/", ROOT).pathname,
    prefix: ".task-cwd-",
  });
  try {
    const sub = `${dir}/sub`;
    await Deno.mkdir(sub);
    await withStore(`${dir}/bot.kv`, (s) => s.write("42", { n: 1 }));
    const task = (...args: string[]) =>
      runDeno(["task", "-q", "sessions", ...args], {
        cwd: sub,
        stdin: null,
        // As from a shell: `deno task` keeps an INIT_CWD it inherits (the
        // test gate itself runs under `deno task test`).
        clearEnv: true,
        env: withoutInitCwd(),
      });
    const listed = await task("list", "--kv", "../bot.kv");
    assertEquals(listed.code, 0, listed.stderr);
    assert(listed.stdout.startsWith("42\t"), listed.stdout);
    // A path error names the absolute path it tried.
    const absent = await task("list", "--kv", "absent.kv");
    assertEquals(absent.code, 1);
    assertEquals(absent.stderr, `sessions: No KV file at ${sub}/absent.kv\n`);
    const folder = await task("get", "42", "--kv", ".");
    assertEquals(folder.code, 1);
    assertEquals(folder.stderr, `sessions: ${sub} is not a KV file\n`);
    const deep = await task("set", "42", "--kv", "no/such/folder.kv");
    assertEquals(deep.code, 1);
    assert(
      deep.stderr.startsWith(
        `sessions: Cannot open KV at ${sub}/no/such/folder.kv: `,
      ),
      deep.stderr,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
