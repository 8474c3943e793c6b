// The release workflow (.github/workflows/release.yml) and its checks.
import { assert, assertEquals } from "./deps.ts";
import { PLACEHOLDERS, releaseProblems } from "../scripts/release_check.ts";

const root = new URL("../", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, root));
const config = JSON.parse(await read("deno.json"));

const released = {
  version: "1.2.3",
  npm: {
    author: "Ada",
    repository: { url: "git+https://github.com/ada/bot-sessions.git" },
    homepage: "https://github.com/ada/bot-sessions#readme",
    bugs: { url: "https://github.com/ada/bot-sessions/issues" },
  },
};

Deno.test("release_check lets a finished release through", () => {
  assertEquals(
    releaseProblems(
      "v1.2.3",
      released,
      "# Changelog\n\n## 1.2.3 (2027-01-05)\n",
    ),
    [],
  );
});

Deno.test("release_check stops a tag, CHANGELOG or metadata that is not ready", () => {
  const problems = releaseProblems(
    "v1.2.4",
    { ...released, npm: { ...released.npm, author: PLACEHOLDERS.author } },
    "## 1.2.3 (unreleased)\n",
  );
  assertEquals(problems.length, 3, problems.join("\n"));
  assert(problems[0]!.includes("v1.2.4"));
  assert(problems[1]!.includes("unreleased"));
  assert(problems[2]!.includes("npm.author"));
});

Deno.test("deno.json's metadata still holds the placeholders release_check names", () => {
  // If this fails, the real values are in: good. Update PLACEHOLDERS' doc
  // and docs/releasing.md's checklist, then delete this test.
  const problems = releaseProblems(`v${config.version}`, config, "## x\n");
  assertEquals(
    problems.filter((p) => p.includes("placeholder")).length,
    Object.keys(PLACEHOLDERS).length,
  );
});

Deno.test("the workflow runs the gate, then publishes to JSR and npm", async () => {
  const workflow = await read(".github/workflows/release.yml");
  const readme = await read("README.md");
  const ci = await read(".ci/run");
  // The README's test command is what .ci/run ends with, and the workflow
  // runs .ci/run before either publish job.
  assert(readme.includes("deno task test"), "README: deno task test");
  assertEquals(ci.trim().split("\n").at(-1), "deno task test");
  assert(workflow.includes("run: bash .ci/run"));
  assert(workflow.includes("scripts/release_check.ts"));
  for (const job of ["jsr", "npm"]) {
    const body = workflow.split(`\n  ${job}:\n`)[1]?.split(/\n {2}\w+:\n/)[0] ??
      "";
    assert(body.includes("needs: test"), `${job} needs the test job`);
    assert(body.includes("id-token: write"), `${job}: id-token: write`);
  }
  assert(workflow.includes("run: deno publish"));
  assert(workflow.includes("npm publish --provenance"));
});
