// The pizza scenario on Deno, from the sources, with Deno KV.
import { Bot } from "grammy";
import * as core from "../../mod.ts";
import * as kv from "../../kv.ts";
import { runScenario } from "./pizza_scenario.mjs";
import { assertEquals } from "../deps.ts";

Deno.test("the pizza scenario runs on Deno, Deno KV included", async () => {
  const checks = await runScenario({
    Bot,
    core,
    kv,
    openKv: (path: string) => Deno.openKv(path),
  });
  assertEquals(checks, ["memory", "lazy", "enhanceStorage", "kv"]);
});
