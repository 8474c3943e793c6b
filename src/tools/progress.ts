/**
 * The progress bar of `export` and `import`, drawn on one terminal line
 * (stderr), redrawn at most ten times a second.
 *
 * @module
 */

/**
 * Formats a byte count for people: `1.5 KiB`, `12.0 MiB`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBytes } from "./progress.ts";
 *
 * assert.equal(formatBytes(1536), "1.5 KiB");
 * ```
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * A progress line: a bar when the total is known, a counter otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Progress } from "./progress.ts";
 *
 * const drawn: string[] = [];
 * const progress = new Progress("export", (text) => drawn.push(text), {
 *   total: 4,
 *   unit: "sessions",
 * });
 * progress.update(2, 2048);
 * progress.done();
 * assert.match(drawn.join(""), /export \[#{10}-{10}\]  50% 2\/4 sessions, 2\.0 KiB/);
 * ```
 */
export class Progress {
  readonly #label: string;
  readonly #write: (text: string) => void;
  readonly #total: number | undefined;
  readonly #unit: string;
  #last = 0;
  #count = 0;
  #bytes = 0;
  #drawn = false;

  /**
   * Creates a progress line.
   *
   * @param label What is in progress (`export`).
   * @param write Writes text to the terminal.
   * @param options `total` for a bar (in `unit`s, or in bytes if `unit` is
   * `"bytes"`).
   */
  constructor(
    label: string,
    write: (text: string) => void,
    options: { total?: number | undefined; unit?: string } = {},
  ) {
    this.#label = label;
    this.#write = write;
    this.#total = options.total;
    this.#unit = options.unit ?? "sessions";
  }

  /** Records progress: `count` items, `bytes` bytes so far. */
  update(count: number, bytes: number): void {
    this.#count = count;
    this.#bytes = bytes;
    const now = Date.now();
    if (this.#drawn && now - this.#last < 100) return;
    this.#last = now;
    this.#draw();
  }

  /** Draws the final state and ends the line. */
  done(): void {
    this.#draw();
    this.#write("\n");
  }

  #draw(): void {
    this.#drawn = true;
    const counted = `${this.#count} sessions, ${formatBytes(this.#bytes)}`;
    const total = this.#total;
    if (total === undefined || total <= 0) {
      this.#write(`\r\x1b[K${this.#label} ${counted}`);
      return;
    }
    const done = this.#unit === "bytes" ? this.#bytes : this.#count;
    const ratio = Math.min(1, done / total);
    const filled = Math.round(ratio * 20);
    const percent = String(Math.round(ratio * 100)).padStart(3);
    const of = this.#unit === "bytes"
      ? `${counted} of ${formatBytes(total)}`
      : `${this.#count}/${total} ${this.#unit}, ${formatBytes(this.#bytes)}`;
    this.#write(
      `\r\x1b[K${this.#label} [${"#".repeat(filled)}${
        "-".repeat(20 - filled)
      }] ${percent}% ${of}`,
    );
  }
}
