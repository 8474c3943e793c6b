// The two Redis client libraries behind one small interface: send a command
// (routed by its first key on a cluster), and reach every primary for SCAN.
// Both libraries are typed structurally: neither is a dependency.

/**
 * An `ioredis` client: `new Redis(...)` or `new Cluster(...)` (ioredis 5 or
 * later). Only the members `RedisStorage` uses are named.
 */
export interface IoRedisLike {
  /** `true` for `Cluster`, `false` for `Redis`. */
  readonly isCluster: boolean;
  /** Sends any command. */
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  /** A cluster's nodes by role (ioredis `Cluster`). */
  nodes?(role: "master"): IoRedisLike[];
}

/**
 * A connected `redis` (node-redis 4 or later) client:
 * `await createClient(...).connect()`.
 */
export interface NodeRedisClientLike {
  /** Whether the client was connected (and not closed). */
  readonly isOpen: boolean;
  /** Sends any command. */
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * A connected `redis` (node-redis 4 or later) cluster:
 * `await createCluster(...).connect()`.
 */
export interface NodeRedisClusterLike {
  /** The primaries, as the cluster knows them. */
  readonly masters: readonly unknown[];
  /** The client of one node (or a promise of it). */
  nodeClient(node: never): unknown;
  /** Sends any command to the node that serves `firstKey`. */
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
  ): Promise<unknown>;
}

/** A client `RedisStorage` accepts. */
export type RedisClientLike =
  | IoRedisLike
  | NodeRedisClientLike
  | NodeRedisClusterLike;

/** Sends one command; `key` routes it on a cluster. */
export type Send = (args: string[], key?: string) => Promise<unknown>;

/** What the store uses of a client. */
export interface RedisCommands {
  /** Sends one command. */
  send: Send;
  /** One sender per primary (one for a single server), for SCAN. */
  primaries(): Promise<Send[]>;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object" && typeof value !== "function") {
    return `${typeof value} ${String(value).slice(0, 40)}`;
  }
  const name = (value as { constructor?: { name?: unknown } }).constructor
    ?.name;
  return typeof name === "string" && name !== "" ? `a ${name}` : "an object";
}

const isFunction = (value: unknown): value is (...args: never[]) => unknown =>
  typeof value === "function";

/**
 * Wraps `client` for the store, or throws a `TypeError` that names what it
 * got: a promise (a forgotten `await`), a node-redis client that is not
 * connected, or anything that is neither library's client.
 */
export function redisCommands(client: unknown): RedisCommands {
  const c = client as Record<string, unknown> | null | undefined;
  if (c !== null && c !== undefined && isFunction(c.then)) {
    throw new TypeError(
      "RedisStorage needs a Redis client, got a Promise: await the client (node-redis: `await createClient().connect()`) first",
    );
  }
  if (typeof c === "object" && c !== null) {
    if (typeof c.isCluster === "boolean" && isFunction(c.call)) {
      return ioredis(c as unknown as IoRedisLike);
    }
    if (
      isFunction(c.sendCommand) && isFunction(c.nodeClient) &&
      Array.isArray(c.masters)
    ) {
      return nodeRedisCluster(c as unknown as NodeRedisClusterLike);
    }
    if (isFunction(c.sendCommand) && typeof c.isOpen === "boolean") {
      if (!c.isOpen) {
        throw new TypeError(
          "RedisStorage needs a connected node-redis client, got one that is not connected: `await client.connect()` first",
        );
      }
      const nodeClient = c as unknown as NodeRedisClientLike;
      const send: Send = (args) => nodeClient.sendCommand(args);
      return { send, primaries: () => Promise.resolve([send]) };
    }
  }
  throw new TypeError(
    `RedisStorage needs an ioredis Redis or Cluster, or a connected node-redis client or cluster, got ${
      describe(client)
    }`,
  );
}

function ioredis(client: IoRedisLike): RedisCommands {
  const sender = (node: IoRedisLike): Send => (args) =>
    Reflect.apply(node.call, node, args) as Promise<unknown>;
  const send = sender(client);
  return {
    send,
    primaries: () =>
      Promise.resolve(
        client.isCluster && client.nodes !== undefined
          ? client.nodes("master").map(sender)
          : [send],
      ),
  };
}

function nodeRedisCluster(cluster: NodeRedisClusterLike): RedisCommands {
  return {
    send: (args, key) => cluster.sendCommand(key, false, args),
    primaries: () =>
      Promise.all(
        cluster.masters.map(async (node) => {
          const client = await cluster.nodeClient(node as never) as {
            sendCommand(args: string[]): Promise<unknown>;
          };
          return (args: string[]) => client.sendCommand(args);
        }),
      ),
  };
}
