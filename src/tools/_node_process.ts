/**
 * Node.js's `process` for the npm package's command, however its module is
 * loaded: as an ES module (Deno, `import process from "node:process"`) or
 * from the CommonJS build, where `require("node:process")` is the object
 * itself and has no `default`.
 *
 * @module
 */
import * as nodeProcess from "node:process";

/** An output stream of the process. */
export interface NodeOutput {
  write(text: string, done: (error?: Error | null) => void): boolean;
  isTTY?: boolean;
}

/** What the command uses of `process` (typed here: no @types/node needed). */
export interface NodeProcess {
  env: Record<string, string | undefined>;
  cwd(): string;
  stdin: unknown;
  stdout: NodeOutput;
  stderr: NodeOutput;
  once(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
}

const loaded = nodeProcess as unknown as { default?: NodeProcess };

/** This process. */
export const process: NodeProcess = loaded.default ??
  (loaded as unknown as NodeProcess);
