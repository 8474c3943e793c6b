// Every page defines its terms or links their definition: the first use of a
// term of docs/glossary.md in the README and in each page of docs/ (outside
// code and headings) is a link to the term's entry there.
import { assert } from "./deps.ts";
import { prose } from "./_markdown.ts";

const root = new URL("../", import.meta.url);

/** The glossary's anchors and how each term is written in running text. */
const TERMS: Record<string, RegExp> = {
  "strict-session": /\bstrict sessions?\b/i,
  "lazy-session": /\blazy sessions?\b/i,
  "compare-and-set": /\bcompare[- ]and[- ]set\b/i,
  "versionstamp": /\bversionstamps?\b/i,
  "isolate": /\bisolates?\b/i,
  "lease": /\bleases?\b/i,
  "hand-over": /\bhand(?:-| )?overs?\b|\bhanded over\b/i,
  "head-entry": /\bhead entr(?:y|ies)\b/i,
  "kv-connect-url": /\bKV Connect\b/i,
};

/** Where each term is first used without a link to its definition. */
function unlinkedTerms(markdown: string, glossary: string): string[] {
  const text = prose(markdown);
  const links = [...text.matchAll(/\[([^\]]*)\]\(([^)\s]*)\)/g)].map((m) => ({
    start: m.index!,
    end: m.index! + 1 + m[1]!.length,
    target: m[2]!,
  }));
  // Terms in link targets (`(deploy.md#when-to-turn-the-lease-on)`) are no use.
  const searchable = text.replace(
    /\]\([^)\s]*\)/g,
    (m) => " ".repeat(m.length),
  );
  const problems: string[] = [];
  for (const [anchor, pattern] of Object.entries(TERMS)) {
    const target = `${glossary}#${anchor}`;
    // The first use outside the text of a link to somewhere else.
    const found = [...searchable.matchAll(new RegExp(pattern, "gi"))].find(
      (m) => {
        const link = links.find((l) => l.start < m.index! && m.index! < l.end);
        return link === undefined || link.target === target;
      },
    );
    if (found === undefined) continue;
    const at = found.index!;
    const link = links.find((l) => l.start < at && at < l.end);
    if (link?.target !== target) {
      const line = text.slice(0, at).split("\n").length;
      problems.push(
        `line ${line}: "${found[0]}" is first used here; link it: ` +
          `[${found[0]}](${glossary}#${anchor})`,
      );
    }
  }
  return problems;
}

Deno.test("the glossary has an entry for every term", async () => {
  const glossary = await Deno.readTextFile(new URL("docs/glossary.md", root));
  const anchors = [...glossary.matchAll(/^## (.+)$/gm)].map((m) =>
    m[1]!.toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-")
  );
  assert(
    JSON.stringify(anchors.sort()) ===
      JSON.stringify(Object.keys(TERMS).sort()),
    `glossary headings ${anchors} and TERMS ${Object.keys(TERMS)} differ`,
  );
});

Deno.test("each page links the first use of a term to the glossary", async () => {
  const pages = ["README.md"];
  for await (const e of Deno.readDir(new URL("docs", root))) {
    if (e.name.endsWith(".md") && e.name !== "glossary.md") {
      pages.push(`docs/${e.name}`);
    }
  }
  const problems: string[] = [];
  for (const page of pages.sort()) {
    const text = await Deno.readTextFile(new URL(page, root));
    const glossary = page === "README.md" ? "docs/glossary.md" : "glossary.md";
    for (const p of unlinkedTerms(text, glossary)) {
      problems.push(`${page}: ${p}`);
    }
  }
  assert(problems.length === 0, "\n" + problems.join("\n"));
});

Deno.test("a page that uses a term without the link fails", () => {
  const page = "Sessions are kept by a lease.\n\nA [lease](x.md#lease).\n";
  assert(unlinkedTerms(page, "glossary.md").length === 1);
  const linked = "Kept by a [lease](glossary.md#lease); a lease again.\n";
  assert(unlinkedTerms(linked, "glossary.md").length === 0);
});
