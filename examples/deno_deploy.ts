/**
 * A webhook bot for Deno Deploy: `Deno.serve` with grammY's
 * `webhookCallback`, sessions in Deno KV with the cross-instance lease, and
 * Telegram's secret token checked on every request. Deploy runs it in
 * several isolates at once over one KV; the lease makes updates of one chat
 * run one at a time across all of them, so a busy chat never conflicts and
 * never gets a reply twice.
 *
 * Deploy (see docs/deploy.md): set BOT_TOKEN and WEBHOOK_SECRET, deploy this
 * file, then point Telegram at it with `setWebhook` and the same secret.
 * Without WEBHOOK_SECRET it refuses to start: anyone could post it updates.
 *
 * Run it locally without Telegram:
 *
 *   OFFLINE_API=1 KV_PATH=./deploy.kv WEBHOOK_SECRET=s3cret \
 *     deno run -A --unstable-kv examples/deno_deploy.ts
 *
 * Environment: BOT_TOKEN (unset: offline), WEBHOOK_SECRET (required: 1 to
 * 256 of `A-Z a-z 0-9 _ -`), KV_PATH (local only; Deploy's KV needs none),
 * PORT (default 8000), LISTEN_HOST (default 0.0.0.0, every interface; not
 * HOSTNAME, which Docker and Kubernetes set to the container's name),
 * BOT_INFO (JSON of `getMe`; unset offline: a fixed identity),
 * OFFLINE_API=1 (answer API calls locally and print each as a JSON line),
 * LEASE=off (no lease: see conflicts answered 500 and logged in one line).
 *
 * @module
 */
import { Bot, BotError, type Context, webhookCallback } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import {
  session,
  SessionError,
  type SessionFlavor,
  SessionValueError,
} from "../mod.ts";
import { DenoKvStorage } from "../kv.ts";

interface SessionData {
  count: number;
}
type MyContext = Context & SessionFlavor<SessionData>;

/** How the example bot is set up; every field has an environment variable. */
export interface DeployBotOptions {
  /** The bot token (BOT_TOKEN); a placeholder when offline. */
  token: string;
  /** `getMe` of the bot (BOT_INFO), so that no request is needed to start. */
  botInfo?: UserFromGetMe;
  /** Answer API calls locally and report them here (OFFLINE_API=1). */
  onApiCall?: (method: string, payload: unknown) => void;
  /** The cross-instance session lease (LEASE=off turns it off). Default: on. */
  lease?: boolean;
}

/** The identity of the bot when it runs offline. */
export const OFFLINE_BOT_INFO: UserFromGetMe = {
  id: 4242,
  is_bot: true,
  first_name: "Deploy Example",
  username: "deploy_example_bot",
} as UserFromGetMe;

/** Creates the bot, with its sessions in `kv` under a lease. */
export function createBot(
  kv: Deno.Kv,
  options: DeployBotOptions,
): Bot<MyContext> {
  const bot = new Bot<MyContext>(
    options.token,
    options.botInfo === undefined ? {} : { botInfo: options.botInfo },
  );
  const { onApiCall } = options;
  if (onApiCall !== undefined) {
    bot.api.config.use((_prev, method, payload) => {
      onApiCall(method, payload);
      const result = {
        message_id: 1,
        date: 0,
        chat: { id: 0, type: "private" },
      };
      // deno-lint-ignore no-explicit-any
      return Promise.resolve({ ok: true, result } as any);
    });
  }
  bot.use(session({
    initial: () => ({ count: 0 }),
    storage: new DenoKvStorage<SessionData>(kv, {
      lease: options.lease ?? true,
    }),
  }));
  bot.on("message:text", async (ctx) => {
    ctx.session.count++;
    await ctx.reply(`${ctx.msg.text}: message ${ctx.session.count}`);
  });
  return bot;
}

/** What is wrong with a webhook secret, or `undefined` if it will do. */
export function secretProblem(secret: string | undefined): string | undefined {
  const howTo =
    "set WEBHOOK_SECRET to a random string of 1 to 256 characters of A-Z a-z 0-9 _ - " +
    "(e.g. WEBHOOK_SECRET=$(openssl rand -hex 32)) and pass the same one to " +
    "setWebhook as secret_token";
  if (secret === undefined || secret === "") {
    return `WEBHOOK_SECRET is not set, so anyone could post updates: ${howTo}`;
  }
  if (!/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
    return `WEBHOOK_SECRET is not a secret Telegram accepts: ${howTo}`;
  }
  return undefined;
}

/**
 * The request handler to give `Deno.serve`: grammY's webhook callback with
 * the secret token check, wrapped in a function of one argument. (On Deno
 * 2.9, `Deno.serve(options, webhookCallback(bot, "std/http"))` answers 500 to
 * every request; the wrapper is the fix.)
 *
 * A failed update is logged in one line, not as a dump of the context
 * (webhooks do not reach `bot.catch`: grammY throws from the callback). A
 * session error (a conflict, a lease or lock timeout, a storage failure)
 * changed nothing, so it is answered 500 and Telegram delivers the update
 * again; an error in a handler is answered 200, as a retry would fail again.
 *
 * The secret is required: without it anyone who finds the URL could post
 * updates, so an empty or missing one throws.
 */
export function createHandler(
  bot: Bot<MyContext>,
  secretToken: string,
): (request: Request) => Promise<Response> {
  const problem = secretProblem(secretToken);
  if (problem !== undefined) throw new TypeError(problem);
  const handle = webhookCallback(bot, "std/http", { secretToken });
  return async (request) => {
    try {
      return await handle(request);
    } catch (failure) {
      const error = failure instanceof BotError ? failure.error : failure;
      const update = failure instanceof BotError
        ? `update ${failure.ctx.update.update_id}`
        : "a request";
      const what = error instanceof Error
        ? `${error.name}: ${error.message}`
        : String(error);
      console.error(`${update} failed: ${what}`.replaceAll("\n", " "));
      const retry = error instanceof SessionError &&
        !(error instanceof SessionValueError);
      return new Response(retry ? "retry" : "failed", {
        status: retry ? 500 : 200,
      });
    }
  };
}

if (import.meta.main) {
  const env = (name: string) => Deno.env.get(name) || undefined;
  const secret = env("WEBHOOK_SECRET");
  const problem = secretProblem(secret);
  if (problem !== undefined) {
    console.error(`error: ${problem}`);
    Deno.exit(1);
  }
  const offline = env("OFFLINE_API") === "1" || env("BOT_TOKEN") === undefined;
  const botInfo = env("BOT_INFO");
  const kv = await Deno.openKv(env("KV_PATH"));
  const bot = createBot(kv, {
    token: env("BOT_TOKEN") ?? "offline",
    lease: env("LEASE") !== "off",
    ...(botInfo !== undefined
      ? { botInfo: JSON.parse(botInfo) as UserFromGetMe }
      : offline
      ? { botInfo: OFFLINE_BOT_INFO }
      : {}),
    ...(offline
      ? {
        onApiCall: (method, payload) =>
          console.log(JSON.stringify({ method, payload })),
      }
      : {}),
  });
  Deno.serve({
    port: Number(env("PORT") ?? 8000),
    // Not HOSTNAME: Docker and Kubernetes set it to the container's name.
    hostname: env("LISTEN_HOST") ?? "0.0.0.0",
    onListen: ({ hostname, port }) =>
      console.log(JSON.stringify({ listening: `http://${hostname}:${port}` })),
  }, createHandler(bot, secret!));
}
