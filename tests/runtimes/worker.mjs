// The pizza scenario as a Cloudflare Worker: bundled with grammY and the ES
// module build of the package, run by workerd (through miniflare). Workers
// have no Deno KV, so only the main entry point is used.
import { Bot } from "grammy";
import * as core from "@sessionkit/grammy";
import { runScenario } from "./pizza_scenario.mjs";

export default {
  async fetch() {
    const report = { runtime: "workerd", checks: [] };
    try {
      report.checks = await runScenario({ Bot, core });
    } catch (error) {
      report.error = error.stack ?? String(error);
    }
    return new Response(JSON.stringify(report), {
      headers: { "content-type": "application/json" },
    });
  },
};
