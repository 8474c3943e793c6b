// The public API of every entry point stays as it is: each export with its
// kind and signature, and every member of its classes and interfaces (from
// `deno doc --json`), compared with tests/fixtures/public_api.txt. A change
// to the API is a decision: make it, then write the new snapshot with
// `deno run --config deno.dev.json -A tests/public_api_test.ts` and commit it with a CHANGELOG entry.
import { assertEquals } from "./deps.ts";
import { snapshot } from "./_api_surface.ts";

const root = new URL("../", import.meta.url);
const file = new URL("fixtures/public_api.txt", import.meta.url);

if (import.meta.main) {
  await Deno.writeTextFile(file, await snapshot(root));
  console.log(`wrote ${file.pathname}`);
}

Deno.test("the public API of every entry point is the committed snapshot", async () => {
  // "entry.ts: block", for every block of every entry point.
  const blocks = (text: string) =>
    text.split(/^# /m).filter(Boolean).flatMap((section) => {
      const [entry, ...rest] = section.split(/\n(?=\S)/);
      return rest.map((block) => `${entry!.trim()}: ${block.trim()}`);
    });
  const want = blocks(await Deno.readTextFile(file));
  const got = blocks(await snapshot(root));
  const added = got.filter((b) => !want.includes(b));
  const removed = want.filter((b) => !got.includes(b));
  assertEquals(
    { added, removed },
    { added: [], removed: [] },
    "the public API changed: if that is meant, run `deno run --config deno.dev.json -A tests/public_api_test.ts` and commit tests/fixtures/public_api.txt",
  );
});
