// Every relative link in README.md and docs/*.md points at a file that exists,
// and every #anchor at a heading that exists (GitHub's heading ids).
import { assert, assertEquals } from "./deps.ts";

const root = new URL("../", import.meta.url);

/** The markdown files checked: README.md and every page in docs/. */
async function pages(): Promise<URL[]> {
  const found = [new URL("README.md", root)];
  for await (const entry of Deno.readDir(new URL("docs/", root))) {
    if (entry.isFile && entry.name.endsWith(".md")) {
      found.push(new URL(`docs/${entry.name}`, root));
    }
  }
  return found.sort((a, b) => a.href.localeCompare(b.href));
}

/** The lines of a markdown text outside fenced code blocks. */
function proseLines(text: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of text.split("\n")) {
    const marker = line.match(/^\s*(`{3,}|~{3,})/)?.[1];
    if (fence === undefined && marker !== undefined) fence = marker;
    else if (fence !== undefined && line.trim() === fence) fence = undefined;
    else if (fence === undefined) lines.push(line);
  }
  return lines;
}

/** GitHub's id for a heading: lower case, punctuation dropped, dashes. */
function slug(heading: string): string {
  return heading
    .replace(/`/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors of a markdown text, numbered as GitHub numbers repeats. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const ids = new Set<string>();
  for (const line of proseLines(text)) {
    const heading = line.match(/^#{1,6}\s+(.*?)\s*#*\s*$/)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    ids.add(count === 0 ? base : `${base}-${count}`);
  }
  return ids;
}

/** The link targets of a markdown text, outside code. */
function links(text: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(text)) {
    const prose = line.replace(/`[^`]*`/g, "");
    for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      targets.push(match[1]!);
    }
  }
  return targets;
}

/** What is wrong with the relative links of one page (empty: nothing). */
async function brokenLinks(page: URL, text: string): Promise<string[]> {
  const problems: string[] = [];
  for (const target of links(text)) {
    if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // https:, mailto: ...
    const [path = "", anchor] = target.split("#", 2);
    const file = new URL(path, page);
    let targetText: string | undefined = path === "" ? text : undefined;
    if (path !== "") {
      try {
        const info = await Deno.stat(file);
        if (info.isFile && file.pathname.endsWith(".md")) {
          targetText = await Deno.readTextFile(file);
        }
      } catch {
        problems.push(`${target}: no such file`);
        continue;
      }
    }
    if (anchor === undefined) continue;
    if (targetText === undefined) {
      problems.push(`${target}: an anchor into a file that is not markdown`);
    } else if (!anchors(targetText).has(decodeURIComponent(anchor))) {
      problems.push(`${target}: no heading with the id "${anchor}"`);
    }
  }
  return problems;
}

Deno.test("README.md and docs/*.md: every relative link resolves", async (t) => {
  const checked = await pages();
  assert(checked.length > 5, "README.md and the docs pages are found");
  for (const page of checked) {
    const name = page.pathname.slice(root.pathname.length);
    await t.step(name, async () => {
      const problems = await brokenLinks(page, await Deno.readTextFile(page));
      assertEquals(problems, [], `broken links in ${name}`);
    });
  }
});

Deno.test("README.md links every docs page", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", root));
  const linked = new Set(
    links(readme).map((target) => target.split("#")[0]),
  );
  for (const page of await pages()) {
    const name = page.pathname.slice(root.pathname.length);
    if (name === "README.md") continue;
    assert(linked.has(name), `README.md does not link ${name}`);
  }
});

Deno.test("the link check finds broken links and anchors", async () => {
  const page = new URL("docs/_probe.md", root);
  const text = [
    "# A `code` heading: with punctuation",
    "## Twice",
    "## Twice",
    "[ok](#a-code-heading-with-punctuation) [ok](#twice-1)",
    "[ok](runtimes.md#what-runs-where) [ok](../examples/pizza_bot.ts)",
    "[bad](#concurrency) [bad](nowhere.md) [bad](runtimes.md#nope)",
    "`[not a link](nowhere.md)`",
    "```md",
    "[inside a fence](nowhere.md)",
    "```",
  ].join("\n");
  assertEquals(await brokenLinks(page, text), [
    '#concurrency: no heading with the id "concurrency"',
    "nowhere.md: no such file",
    'runtimes.md#nope: no heading with the id "nope"',
  ]);
});
