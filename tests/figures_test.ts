// Every measured figure is stated once, with the command that reproduces it:
// in docs/benchmarks.md, or in a store page's benchmark block
// (`<!-- bench:NAME -->` ... `<!-- /bench:NAME -->`, as docs/postgres.md has).
// Another page may quote one, verbatim: a ratio (`1.39x`, `1.39x-1.72x`) or a
// percentage in README.md or docs/ that no such source contains is a figure
// stated twice, or a stale one.
import { assert } from "./deps.ts";
import { prose } from "./_markdown.ts";

const root = new URL("../", import.meta.url);
const FIGURE =
  /\b\d+(?:\.\d+)?x(?:-\d+(?:\.\d+)?x)?(?![\w.])|\b\d+(?:\.\d+)?%/g;

/** The figures of `page` that `benchmarks` does not state. */
function unsourcedFigures(page: string, benchmarks: string): string[] {
  return [...prose(page).matchAll(FIGURE)].map((m) => m[0])
    // "100% CPU", "0%": bounds, not measurements.
    .filter((figure) => figure !== "100%" && figure !== "0%")
    .filter((figure) => !benchmarks.includes(figure));
}

const BENCH_BLOCK = /<!-- bench:([\w-]+) -->[\s\S]*?<!-- \/bench:\1 -->/g;

Deno.test("figures outside benchmarks.md quote it verbatim", async () => {
  const pages = ["README.md"];
  for await (const e of Deno.readDir(new URL("docs", root))) {
    if (e.name.endsWith(".md") && e.name !== "benchmarks.md") {
      pages.push(`docs/${e.name}`);
    }
  }
  const texts = new Map<string, string>();
  for (const page of pages) {
    texts.set(page, await Deno.readTextFile(new URL(page, root)));
  }
  const sources = [
    await Deno.readTextFile(new URL("docs/benchmarks.md", root)),
    ...[...texts.values()].flatMap((t) =>
      [...t.matchAll(BENCH_BLOCK)].map((m) => m[0])
    ),
  ].join("\n");
  const problems: string[] = [];
  for (const page of pages.sort()) {
    const text = texts.get(page)!.replace(BENCH_BLOCK, "");
    for (const figure of unsourcedFigures(text, sources)) {
      problems.push(
        `${page}: ${figure} is neither in docs/benchmarks.md nor in a bench block`,
      );
    }
  }
  assert(problems.length === 0, "\n" + problems.join("\n"));
});

Deno.test("a figure that benchmarks.md does not state is found", () => {
  const benchmarks = "strict 1.39x-1.72x, lazy 2.24x-2.58x";
  assert(unsourcedFigures("lazy 2.24x-2.58x", benchmarks).length === 0);
  assert(unsourcedFigures("lazy 2.32x-2.58x", benchmarks).length === 1);
  assert(unsourcedFigures("in `2.32x` code", benchmarks).length === 0);
});
