// The bounded map the KV and Redis stores remember states and versions in.
import { BoundedMap } from "../src/contract/_bounded_map.ts";
import { assertEquals } from "./deps.ts";

Deno.test("BoundedMap keeps at most its limit, the key added first goes first", () => {
  const map = new BoundedMap<string, number>(2);
  map.set("a", 1);
  map.set("b", 2);
  map.set("a", 10); // an update keeps its place (first)
  map.set("c", 3); // full: "a", added first, goes
  assertEquals([map.get("a"), map.get("b"), map.get("c")], [undefined, 2, 3]);
  map.delete("b");
  map.set("d", 4); // room again: nothing goes
  assertEquals([map.get("c"), map.get("d")], [3, 4]);
});
