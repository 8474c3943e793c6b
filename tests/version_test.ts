// One version everywhere: deno.json (what JSR publishes and what the npm
// build writes into npm/package.json, checked by tests/npm/mirror.test.mjs),
// the CHANGELOG's top entry, and the tarball names the docs mention.
import { assert, assertEquals } from "./deps.ts";

const root = new URL("../", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, root));

const { version } = JSON.parse(await read("deno.json")) as { version: string };

Deno.test("deno.json has a semantic version", () => {
  assert(/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version), version);
});

Deno.test("the CHANGELOG's top entry is deno.json's version", async () => {
  const top = (await read("CHANGELOG.md")).match(/^## (\S+)/m)?.[1];
  assertEquals(top, version, "the first `## x.y.z` heading of CHANGELOG.md");
});

Deno.test("the docs name the tarball of deno.json's version", async () => {
  const files = ["README.md"];
  for await (const e of Deno.readDir(new URL("docs", root))) {
    if (e.name.endsWith(".md")) files.push(`docs/${e.name}`);
  }
  let seen = 0;
  for (const file of files) {
    for (
      const m of (await read(file)).matchAll(
        /sessionkit-grammy-([\w.-]+?)\.tgz/g,
      )
    ) {
      seen++;
      assertEquals(m[1], version, `${file}: ${m[0]}`);
    }
  }
  assert(seen > 0, "no tarball name found: update this test");
});
