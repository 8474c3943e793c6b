// Placeholder, replaced by the optimised version on the util branch.
/** A canonical string for change detection, or undefined if unknown. */
export function fingerprint(value: unknown): string | undefined {
  try {
    return JSON.stringify(value, (_k, v) => {
      if (typeof v === "bigint") return `${v}n`;
      if (v instanceof Map || v instanceof Set) throw new Error("unsupported");
      if (typeof v === "function" || typeof v === "symbol") {
        throw new Error("unsupported");
      }
      return v;
    });
  } catch {
    return undefined;
  }
}
