// The UTF-8 size the Redis and PostgreSQL stores measure for `maxBytes`
// is what TextEncoder writes, lone surrogates included.
import { utf8Length } from "../src/values/_utf8.ts";
import { assertStrictEquals } from "./deps.ts";

Deno.test("utf8Length is TextEncoder's byte length", () => {
  const samples = [
    "",
    "plain ascii",
    "é",
    "€",
    "\u{1F600}",
    "a\u{1F600}b\u00e9\u20ac",
    "\ud800",
    "\udc00",
    "\ud800x",
    "x\ud800",
    "\udc00\ud800",
    "\ud83d\ud83d\ude00",
    '{"name":"Zoë","mood":"\u{1F642}"}',
  ];
  const encoder = new TextEncoder();
  for (const text of samples) {
    assertStrictEquals(
      utf8Length(text),
      encoder.encode(text).byteLength,
      JSON.stringify(text),
    );
  }
});
