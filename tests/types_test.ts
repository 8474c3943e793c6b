// The compile-time tests live in tests/types/ and are checked by
// `deno check .` (and by tsc against the npm package, in tests/npm/). This
// test keeps two of them honest: the programs written against grammY's
// built-in plugin (grammy_program.ts, and the session guide's patterns in
// guide_programs.ts) must still compile with their import line pointed back
// at grammY, so that "change only the import line" stays true both ways.
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

for (const name of ["grammy_program", "guide_programs"]) {
  Deno.test(`tests/types/${name}.ts compiles against grammY's own plugin`, async () => {
    const source = await Deno.readTextFile(`${root}tests/types/${name}.ts`);
    assertEquals(source.split(OURS).length, 2, "the import line is there once");
    const dir = await Deno.makeTempDir({ prefix: "sessionkit-types-" });
    try {
      const file = `${dir}/${name}.ts`;
      const grammy = source.replace(OURS, '} from "grammy";');
      await Deno.writeTextFile(file, grammy);
      const { code, output } = await check(file);
      assertEquals(code, 0, output);

      // And the check does fail where it must: a typo in the session data.
      await Deno.writeTextFile(
        file,
        grammy +
          "\nnew Bot<MyContext>('').on('message', (ctx) => ctx.session.pizzaCont++);\n",
      );
      const broken = await check(file);
      assertEquals(broken.code, 1, broken.output);
      assert(broken.output.includes("pizzaCont"), broken.output);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("the docs' enhanceStorage example is the compiled one", async () => {
  const program = await Deno.readTextFile(
    `${root}tests/types/readme_enhance_storage.ts`,
  );
  const [, body] = program.split("// --- README ---\n");
  assert(body !== undefined, "the marker is there");
  const page = await Deno.readTextFile(`${root}docs/stores.md`);
  const shown = body.replaceAll('"../../mod.ts"', '"@sessionkit/grammy"');
  assert(page.includes("```ts ignore\n" + shown + "```\n"), shown);
});
