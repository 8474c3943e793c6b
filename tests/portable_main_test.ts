// The main entry point runs anywhere grammY runs: browsers, Cloudflare
// Workers, Bun, Node and Deno. So nothing reachable from `mod.ts` may import a
// `node:` module, an `npm:`/`jsr:`/URL module, or refer to the `Deno`
// namespace; the Deno KV store lives behind `kv.ts` only. Each such file says
// so in its first lines, as Deno's standard library does.
import ts from "typescript";
import { assert, assertEquals } from "./deps.ts";

const MARKER = "// This module is browser compatible.";

interface InfoModule {
  specifier: string;
  local?: string;
  dependencies?: {
    specifier: string;
    code?: { specifier: string };
    type?: { specifier: string };
  }[];
}

/** The module graph of `entry` as `deno info --json` reports it. */
async function moduleGraph(entry: string): Promise<InfoModule[]> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: new URL("../", import.meta.url).pathname,
    stdin: "null",
  }).output();
  assertEquals(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout)).modules;
}

/**
 * Places where `source` refers to the global `Deno` namespace, in code or in
 * types. A property named `Deno` (`globalThis.Deno?.x`, feature detection
 * that works everywhere) does not count; comments and strings do not either.
 */
function denoReferences(file: string, source: string): string[] {
  const tree = ts.createSourceFile(file, source, ts.ScriptTarget.ESNext, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text === "Deno") {
      const parent = node.parent;
      const isPropertyName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        (ts.isPropertySignature(parent) && parent.name === node) ||
        (ts.isPropertyAssignment(parent) && parent.name === node) ||
        (ts.isQualifiedName(parent) && parent.right === node);
      if (!isPropertyName) {
        const { line } = tree.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${file}:${line + 1}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return found;
}

Deno.test("the main entry point is portable", async (t) => {
  const modules = await moduleGraph("mod.ts");
  const local = modules.filter((m) => m.local !== undefined);

  await t.step("it imports no node:, npm:, jsr: or remote module", () => {
    const foreign = modules
      .filter((m) => !m.specifier.startsWith("file:"))
      .map((m) => m.specifier);
    assertEquals(foreign, []);
  });

  await t.step("no module of it refers to the Deno namespace", async () => {
    const references: string[] = [];
    for (const module of local) {
      const source = await Deno.readTextFile(module.local!);
      references.push(...denoReferences(module.local!, source));
    }
    assertEquals(references, []);
  });

  await t.step(
    "each of its modules says it is browser compatible",
    async () => {
      const unmarked: string[] = [];
      for (const module of local) {
        const head = (await Deno.readTextFile(module.local!)).split("\n", 3);
        if (!head.includes(MARKER)) unmarked.push(module.local!);
      }
      assertEquals(unmarked, []);
    },
  );

  await t.step("the check sees what it must refuse", async () => {
    // The KV entry point imports `node:v8` and uses `Deno` in its examples
    // only; its store module must show up as foreign-importing.
    const kv = await moduleGraph("kv.ts");
    assert(kv.some((m) => m.specifier === "node:v8"));
    assertEquals(
      denoReferences("x.ts", "const kv = await Deno.openKv();\n"),
      ["x.ts:1"],
    );
    assertEquals(
      denoReferences("x.ts", "type K = Deno.Kv;\n"),
      ["x.ts:1"],
    );
    assertEquals(
      denoReferences(
        "x.ts",
        "// Deno\nconst d = (globalThis as { Deno?: 1 }).Deno;\n",
      ),
      [],
    );
  });
});
