// The compile-time tests live in tests/types/ and are checked by
// `deno check .` (and by tsc against the npm package, in tests/npm/). This
// test keeps one of them honest: the program written against grammY's
// built-in plugin must still compile with its import line pointed back at
// grammY, so that "change only the import line" stays true.
import { assert, assertEquals } from "./deps.ts";

const root = new URL("../", import.meta.url).pathname;
const OURS = '} from "../../mod.ts"; // was: from "grammy";';

async function check(file: string): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--config", `${root}deno.json`, file],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code, output: decode(stdout) + decode(stderr) };
}

Deno.test("the grammY program compiles against grammY's own plugin", async () => {
  const source = await Deno.readTextFile(
    `${root}tests/types/grammy_program.ts`,
  );
  assertEquals(source.split(OURS).length, 2, "the import line is there once");
  const dir = await Deno.makeTempDir({ prefix: "sessionkit-types-" });
  try {
    const file = `${dir}/grammy_program.ts`;
    await Deno.writeTextFile(file, source.replace(OURS, '} from "grammy";'));
    const { code, output } = await check(file);
    assertEquals(code, 0, output);

    // And the check does fail where it must: a typo in the session data.
    await Deno.writeTextFile(
      file,
      source.replace(OURS, '} from "grammy";') +
        "\nbot.on('message', (ctx) => ctx.session.pizzaCont++);\n",
    );
    const broken = await check(file);
    assertEquals(broken.code, 1, broken.output);
    assert(broken.output.includes("pizzaCont"), broken.output);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the README's enhanceStorage example is the compiled one", async () => {
  const program = await Deno.readTextFile(
    `${root}tests/types/readme_enhance_storage.ts`,
  );
  const [, body] = program.split("// --- README ---\n");
  assert(body !== undefined, "the marker is there");
  const readme = await Deno.readTextFile(`${root}README.md`);
  const shown = body.replaceAll('"../../mod.ts"', '"@sessionkit/grammy"');
  assert(readme.includes("```ts ignore\n" + shown + "```\n"), shown);
});
