// Every measured figure is stated once, in docs/benchmarks.md, with the
// command that reproduces it. Another page may quote one, verbatim: a ratio
// (`1.39x`, `1.39x-1.72x`) or a percentage in README.md or docs/ that
// benchmarks.md does not contain is a figure stated twice, or a stale one.
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

Deno.test("figures outside benchmarks.md quote it verbatim", async () => {
  const benchmarks = await Deno.readTextFile(
    new URL("docs/benchmarks.md", root),
  );
  const pages = ["README.md"];
  for await (const e of Deno.readDir(new URL("docs", root))) {
    if (e.name.endsWith(".md") && e.name !== "benchmarks.md") {
      pages.push(`docs/${e.name}`);
    }
  }
  const problems: string[] = [];
  for (const page of pages.sort()) {
    const text = await Deno.readTextFile(new URL(page, root));
    for (const figure of unsourcedFigures(text, benchmarks)) {
      problems.push(`${page}: ${figure} is not in docs/benchmarks.md`);
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
