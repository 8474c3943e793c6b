/**
 * The CLI's streams on Deno: this process's standard input, output and
 * error.
 *
 * @module
 */
import type { CliIo } from "./cli_io.ts";

const encoder = new TextEncoder();

async function writeAll(
  file: { write(p: Uint8Array): Promise<number> },
  text: string,
): Promise<void> {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(await file.write(bytes));
}

/**
 * The standard streams of this Deno process.
 *
 * @example
 * ```ts
 * import { processIo } from "./deno_io.ts";
 *
 * const io = await processIo();
 * await io.err("");
 * ```
 */
export async function processIo(): Promise<CliIo> {
  let stdinSize: number | undefined;
  try {
    // Linux and macOS: the file behind standard input, when it is one.
    const stat = await Deno.stat("/dev/stdin");
    if (stat.isFile) stdinSize = stat.size;
  } catch {
    stdinSize = undefined;
  }
  return {
    stdin: Deno.stdin.readable,
    out: (text) => writeAll(Deno.stdout, text),
    err: (text) => writeAll(Deno.stderr, text),
    errIsTerminal: Deno.stderr.isTerminal(),
    stdinSize,
  };
}
