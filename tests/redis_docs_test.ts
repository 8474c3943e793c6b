// Every TypeScript sample in docs/redis.md type-checks and runs: its imports
// pointed at this checkout (and at the npm packages of deno.json), its Redis
// URL at a real server started for the test. (They are `ts ignore` for
// `deno test --doc`, which has no server to give them.)
import { assert, assertStrictEquals } from "./deps.ts";
import { withRedis } from "./_redis_clients.ts";

const root = new URL("../", import.meta.url);

function samples(text: string): string[] {
  return [...text.matchAll(/```ts ignore\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

function localise(code: string, url: string): string {
  return code
    .replaceAll('"jsr:@sessionkit/grammy/redis"', `"${root}redis.ts"`)
    .replaceAll('"@sessionkit/grammy/redis"', `"${root}redis.ts"`)
    .replaceAll('"@sessionkit/grammy"', `"${root}mod.ts"`)
    .replaceAll('"npm:ioredis@^5"', '"ioredis"')
    .replaceAll("redis://localhost:6379", url)
    .replaceAll("process.env.BOT_TOKEN!", '"0:test-token"') +
    "\nDeno.exit(0);\n";
}

Deno.test("docs/redis.md: every sample runs against a real server", async () => {
  const text = await Deno.readTextFile(new URL("docs/redis.md", root));
  const blocks = samples(text);
  assert(blocks.length >= 3, `found ${blocks.length} samples`);
  await withRedis(async (_, server) => {
    for (const [i, block] of blocks.entries()) {
      const file = await Deno.makeTempFile({ suffix: ".ts" });
      try {
        await Deno.writeTextFile(file, localise(block, server.url));
        const run = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--check",
            "--config",
            new URL("deno.dev.json", root).pathname,
            file,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assertStrictEquals(
          run.code,
          0,
          `sample ${i + 1}:\n${block}\n${new TextDecoder().decode(run.stderr)}`,
        );
      } finally {
        await Deno.remove(file);
      }
    }
  });
});
