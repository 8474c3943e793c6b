/**
 * Where the CLI reads and writes: the process's standard streams
 * (`deno_io.ts` on Deno, `node_cli.ts` on Node.js), or, in tests and
 * scripts, anything with the same shape.
 *
 * @module
 */

/** The streams of one CLI run. */
export interface CliIo {
  /** Standard input. */
  stdin: ReadableStream<Uint8Array>;
  /** Writes to standard output. */
  out: (text: string) => Promise<void>;
  /** Writes to standard error. */
  err: (text: string) => Promise<void>;
  /** Whether standard error is a terminal (then progress is shown). */
  errIsTerminal: boolean;
  /** The size of standard input in bytes, if it is a file. */
  stdinSize?: number | undefined;
}
