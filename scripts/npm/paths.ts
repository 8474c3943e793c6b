// Where the npm build reads and writes, and the three builds in `npm/`.

/** The project's root folder, with a trailing slash. */
export const rootDir: string = decodeURIComponent(
  new URL("../../", import.meta.url).pathname,
);
/** The npm package being built. */
export const outDir = `${rootDir}npm`;

/** The three builds in `npm/`. */
export const ESM_DIR = "esm";
export const CJS_DIR = "script";
export const NODE_DIR = "node";
