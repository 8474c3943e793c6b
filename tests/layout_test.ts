// The layers of src/ (docs/architecture.md): what may import what, no import
// cycles, no file much over 300 lines, and a README at the top of each folder.
import { assert, assertEquals } from "./deps.ts";

const root = new URL("../", import.meta.url);

/** The folders of src/ and the folders each may import from. */
const MAY_IMPORT: Record<string, string[]> = {
  "contract": [],
  "values": ["contract"],
  "stores/memory": ["contract", "values"],
  "stores/enhance": ["contract", "values"],
  "stores/kv": ["contract", "values"],
  "stores/redis": ["contract", "values"],
  "stores/postgres": ["contract", "values"],
  "middleware": ["contract", "values", "stores/memory"],
  "testing": ["contract", "values"],
  "tools": [
    "contract",
    "values",
    "stores/kv",
    "stores/redis",
    "stores/postgres",
  ],
};

function layerOf(path: string): string | undefined {
  const rel = path.replace(/^src\//, "");
  return Object.keys(MAY_IMPORT)
    .filter((l) => rel.startsWith(l + "/"))
    .sort((a, b) => b.length - a.length)[0];
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(new URL(dir, root))) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(path);
    else if (e.name.endsWith(".ts")) yield path;
  }
}

/** Relative imports of a file, outside comments (doc examples excluded). */
function importsOf(path: string, text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(
    /^\s*\/\/.*$/gm,
    "",
  );
  const specs = [...code.matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)].map((
    m,
  ) => m[1]!);
  const dir = path.split("/").slice(0, -1);
  return specs.map((s) => {
    const parts = [...dir];
    for (const p of s.split("/")) {
      if (p === "..") parts.pop();
      else if (p !== ".") parts.push(p);
    }
    return parts.join("/");
  });
}

const files = new Map<string, string[]>();
for await (const f of walk("src")) {
  files.set(f, importsOf(f, await Deno.readTextFile(new URL(f, root))));
}

Deno.test("src/: every file sits in a layer with a README saying what it may import", async () => {
  for (const f of files.keys()) assert(layerOf(f), `${f} is in no layer`);
  for (const layer of Object.keys(MAY_IMPORT)) {
    const exists = [...files.keys()].some((f) => layerOf(f) === layer);
    if (!exists) continue;
    const readme = await Deno.readTextFile(
      new URL(`src/${layer}/README.md`, root),
    );
    assert(readme.length > 40, `src/${layer}/README.md says too little`);
  }
});

Deno.test("src/: no import runs against the layers (a store never imports the middleware)", () => {
  const wrong: string[] = [];
  for (const [f, deps] of files) {
    const from = layerOf(f)!;
    for (const d of deps) {
      if (!d.startsWith("src/")) {
        wrong.push(`${f} imports ${d} (outside src/)`);
        continue;
      }
      const to = layerOf(d)!;
      if (to !== from && !MAY_IMPORT[from]!.includes(to)) {
        wrong.push(`${f} imports ${d}`);
      }
    }
  }
  assertEquals(wrong, []);
});

Deno.test("src/: no import cycles", () => {
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (f: string, trail: string[]) => {
    if (state.get(f) === "done") return;
    if (state.get(f) === "open") {
      cycles.push([...trail.slice(trail.indexOf(f)), f].join(" -> "));
      return;
    }
    state.set(f, "open");
    for (const d of files.get(f) ?? []) if (d !== f) visit(d, [...trail, f]);
    state.set(f, "done");
  };
  for (const f of files.keys()) visit(f, []);
  assertEquals(cycles, []);
});

/** Files still over the limit, to be split (issue 20); this list only shrinks. */
const NOT_YET_SPLIT = new Set<string>([]);

Deno.test("src/: no file over 300 lines", async () => {
  const long: string[] = [];
  for (const f of files.keys()) {
    if (NOT_YET_SPLIT.has(f)) continue;
    const lines =
      (await Deno.readTextFile(new URL(f, root))).split("\n").length - 1;
    if (lines > 300) long.push(`${f}: ${lines}`);
  }
  assertEquals(long, []);
});
