// `deno task demo` as a user runs it: a subprocess with piped input, on a
// temporary KV file, run twice to see the count survive a restart.
import { assert, assertEquals } from "./deps.ts";
import { type Run, runDeno } from "./_cli.ts";

/** Runs `deno task demo ARGS` in the project folder with `input` on stdin. */
function runDemo(
  input: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Run> {
  return runDeno(["task", "--quiet", "demo", ...args], {
    stdin: input,
    env: { BOT_TOKEN: "", PIZZA_DEMO_KV: "", ...env },
  });
}

/** The lines of standard error that report an error. */
function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((line) => /error/i.test(line));
}

Deno.test("deno task demo", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/pizza.kv`;

    await t.step("counts pizzas and answers /hunger", async () => {
      const run = await runDemo("🍕\n/hunger\nI want 🍕 now\n/hunger\n", [
        "--kv",
        path,
      ]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(
        run.stdout,
        "bot: Your hunger level is 1!\nbot: Your hunger level is 2!\n",
      );
    });

    await t.step("answers /start and unknown input with a hint", async () => {
      const run = await runDemo("/start\nhello\n/help\n", [
        "--kv",
        `${dir}/hints.kv`,
      ]);
      assertEquals(run.code, 0, run.stderr);
      const hint =
        "bot: Send 🍕 to feed me, or /hunger to ask how hungry you are.";
      assertEquals(
        run.stdout,
        `bot: Hi! I count the pizzas you send me.\n${hint}\n${hint}\n${hint}\n`,
      );
    });

    await t.step("keeps the count after a restart", async () => {
      const run = await runDemo("/hunger\n🍕\n/hunger\n", ["--kv", path]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(
        run.stdout,
        "bot: Your hunger level is 2!\nbot: Your hunger level is 3!\n",
      );
    });

    await t.step("prints where data is stored and how to quit", async () => {
      const run = await runDemo("", ["--kv", path]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.stdout, "");
      assert(run.stderr.includes(path), run.stderr);
      assert(run.stderr.includes("Ctrl-D"), run.stderr);
      assert(run.stderr.includes("Ctrl-C"), run.stderr);
    });

    await t.step("takes the KV path from PIZZA_DEMO_KV", async () => {
      const run = await runDemo("/hunger\n", [], { PIZZA_DEMO_KV: path });
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.stdout, "bot: Your hunger level is 3!\n");
    });

    await t.step(
      "resolves a relative --kv path against the caller's folder",
      async () => {
        // `deno task` runs in the project folder and passes the folder the
        // user typed the command in as INIT_CWD.
        const run = await runDemo("🍕\n/hunger\n", ["--kv", "relative.kv"], {
          INIT_CWD: dir,
        });
        assertEquals(run.code, 0, run.stderr);
        assertEquals(run.stdout, "bot: Your hunger level is 1!\n");
        assert((await Deno.stat(`${dir}/relative.kv`)).isFile);
      },
    );

    await t.step(
      "reads CRLF lines and a last line without newline",
      async () => {
        const run = await runDemo("🍕\r\n\r\n/hunger", ["--kv", path]);
        assertEquals(run.code, 0, run.stderr);
        assertEquals(run.stdout, "bot: Your hunger level is 4!\n");
      },
    );

    await t.step(
      "reports a KV path in a missing folder in one line",
      async () => {
        const missing = `${dir}/no-such-folder/pizza.kv`;
        const run = await runDemo("/hunger\n", ["--kv", missing]);
        assertEquals(run.code, 1);
        assertEquals(run.stdout, "");
        const errors = errorLines(run.stderr);
        assertEquals(errors.length, 1, run.stderr);
        assert(errors[0]!.startsWith("error: "), run.stderr);
        assert(errors[0]!.includes(missing), run.stderr);
        assert(!/^\s+at /m.test(run.stderr), run.stderr);
      },
    );

    await t.step(
      "reports a file that is not a database in one line",
      async () => {
        const garbage = `${dir}/garbage.kv`;
        await Deno.writeTextFile(
          garbage,
          "not a database, just text\n".repeat(50),
        );
        const run = await runDemo("/hunger\n", ["--kv", garbage]);
        assertEquals(run.code, 1);
        assertEquals(run.stdout, "");
        const errors = errorLines(run.stderr);
        assertEquals(errors.length, 1, run.stderr);
        assert(errors[0]!.includes(garbage), run.stderr);
        assert(!/^\s+at /m.test(run.stderr), run.stderr);
      },
    );

    await t.step("rejects an unknown option with the usage", async () => {
      const run = await runDemo("", ["--frobnicate"]);
      assertEquals(run.code, 2);
      assertEquals(run.stdout, "");
      assert(run.stderr.includes("usage: deno task demo"), run.stderr);
      assertEquals(errorLines(run.stderr).length, 1, run.stderr);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
