// Type declarations for the few Node.js built-ins the shipped code imports,
// for compiling only (the build has no @types/node): `node:v8` for the KV
// codec, `node:crypto` for the Redis store's versions, and what the npm package's `grammy-sessions` command uses. A
// consumer of the package never sees them: no emitted `.d.ts` may import a
// `node:` module (emitted.ts checks it).
import { rootDir } from "./paths.ts";

/** The file name the compiler host answers with `NODE_SHIMS`. */
export const NODE_SHIMS_FILE = `${rootDir}__build_npm_node_shims__.d.ts`;

export const NODE_SHIMS = `
declare module "node:v8" {
  export function serialize(value: unknown): Uint8Array;
  export function deserialize(data: ArrayBufferView): any;
  export const DefaultDeserializer: unknown;
}
declare module "node:crypto" {
  interface Hash {
    update(data: string, encoding: "utf8"): Hash;
    digest(encoding: "hex"): string;
  }
  export function createHash(algorithm: "sha1"): Hash;
}
declare module "node:process" {
  const process: unknown;
  export default process;
}
declare module "node:fs/promises" {
  export function stat(path: string): Promise<{ isFile(): boolean; size: number }>;
}
declare module "node:path" {
  export function isAbsolute(path: string): boolean;
  export function resolve(...paths: string[]): string;
}
declare module "node:stream" {
  export const Readable: { toWeb(stream: unknown): ReadableStream };
}
declare module "node:http" {
  interface IncomingMessage extends AsyncIterable<unknown> {
    url?: string;
    method?: string;
    headers: Record<string, string | string[] | undefined>;
  }
  interface ServerResponse {
    writeHead(status: number, headers: Record<string, string>): unknown;
    end(body?: Uint8Array | string): unknown;
  }
  interface Server {
    once(event: "error", listener: (error: Error) => void): unknown;
    listen(port: number, host: string, listening: () => void): unknown;
    address(): { port: number } | string | null;
    close(closed: () => void): unknown;
  }
  export function createServer(
    handler: (req: IncomingMessage, res: ServerResponse) => void,
  ): Server;
}
`;
