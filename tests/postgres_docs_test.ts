// The Deno set-up of docs/postgres.md, run as a user would run it (a
// subprocess with DATABASE_URL), against a real server, with the package's
// import lines pointed at this checkout.
import { assert } from "./deps.ts";
import { startPostgres } from "./_postgres_server.ts";

const root = new URL("../", import.meta.url);

/** The ```ts block under `heading` in docs/postgres.md. */
async function block(heading: string): Promise<string> {
  const text = await Deno.readTextFile(new URL("docs/postgres.md", root));
  const section = text.slice(text.indexOf(`### ${heading}\n`));
  const match = section.match(/```ts(?: ignore)?\n([\s\S]*?)```/);
  assert(match, `no ts block under ${heading}`);
  return match[1]!;
}

Deno.test("docs/postgres.md: the Deno set-up runs", async () => {
  await using server = await startPostgres();
  const code = (await block("Deno"))
    .replace(
      '"@sessionkit/grammy/postgres"',
      `"${new URL("postgres.ts", root)}"`,
    )
    .replace('"@sessionkit/grammy"', `"${new URL("mod.ts", root)}"`);
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(file, code);
    const { success, stdout, stderr } = await new Deno.Command(
      Deno.execPath(),
      {
        args: [
          "run",
          "-A",
          "--config",
          new URL("deno.dev.json", root).pathname,
          file,
        ],
        env: { DATABASE_URL: server.url },
        stdout: "piped",
        stderr: "piped",
      },
    ).output();
    const out = new TextDecoder().decode(stdout);
    assert(success, new TextDecoder().decode(stderr));
    assert(out.includes("{ pizzaCount: 1 }"), out);
  } finally {
    await Deno.remove(file);
  }
});
