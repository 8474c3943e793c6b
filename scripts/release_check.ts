/**
 * Run by the release workflow before anything is published:
 * `deno run --allow-read scripts/release_check.ts v0.3.0`. Exits non-zero,
 * saying what to fix, unless the tag is `v` + deno.json's version, the
 * CHANGELOG's top entry is that version with its release date (no longer
 * "unreleased"), and the package metadata in deno.json's `npm` field no
 * longer holds the placeholders below (docs/releasing.md).
 *
 * @module
 */

/**
 * The placeholders in deno.json's `npm` field: the repository's address and
 * the author, to be replaced with the real ones before the first release.
 * npm's provenance check needs `repository.url` to be the repository the
 * workflow runs in.
 */
export const PLACEHOLDERS: Record<string, string> = {
  "author": "The sessionkit authors",
  "repository.url": "git+https://github.com/sessionkit/grammy.git",
  "homepage": "https://github.com/sessionkit/grammy#readme",
  "bugs.url": "https://github.com/sessionkit/grammy/issues",
};

/** The problems that stop a release of `tag`; none: it may go out. */
export function releaseProblems(
  tag: string,
  config: { version?: string; npm?: Record<string, unknown> },
  changelog: string,
): string[] {
  const problems: string[] = [];
  const version = config.version ?? "";
  if (tag !== `v${version}`) {
    problems.push(`the tag ${tag} is not v + deno.json's version (${version})`);
  }
  const top = changelog.match(/^## (.*)$/m)?.[1] ?? "(none)";
  if (!top.startsWith(`${version} `) && top !== version) {
    problems.push(`CHANGELOG.md's top entry is "${top}", not ${version}`);
  } else if (/unreleased/i.test(top)) {
    problems.push(
      `CHANGELOG.md's top entry "${top}" still says unreleased: put the date`,
    );
  }
  for (const [path, placeholder] of Object.entries(PLACEHOLDERS)) {
    let value: unknown = config.npm;
    for (const part of path.split(".")) {
      value = (value as Record<string, unknown> | undefined)?.[part];
    }
    if (value === placeholder || value === undefined) {
      problems.push(
        `deno.json npm.${path} is the placeholder ${
          JSON.stringify(value)
        }: set the real one (docs/releasing.md)`,
      );
    }
  }
  return problems;
}

if (import.meta.main) {
  const tag = Deno.args[0] ?? "";
  const root = new URL("../", import.meta.url);
  const problems = releaseProblems(
    tag,
    JSON.parse(await Deno.readTextFile(new URL("deno.json", root))),
    await Deno.readTextFile(new URL("CHANGELOG.md", root)),
  );
  for (const problem of problems) console.error(`release: ${problem}`);
  if (problems.length > 0) Deno.exit(1);
  console.log(`release: ${tag} may be published`);
}
