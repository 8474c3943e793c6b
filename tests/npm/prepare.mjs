// Packs the npm mirror and installs the tarball into the cached test project
// (see _project.mjs), with the runtime scripts of tests/runtimes/ beside it
// and the Worker bundled for workerd. Run by `deno task test` after
// `deno task build:npm`, before `node --test tests/npm/`.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  bunBinary,
  mirror,
  name,
  NEIGHBOURS,
  project,
  root,
  run,
} from "./_project.mjs";

const started = Date.now();
if (!existsSync(join(mirror, "package.json"))) {
  throw new Error("npm/ is missing: run `deno task build:npm` first");
}
mkdirSync(project, { recursive: true });

// The neighbours, installed once and kept.
const manifest = {
  name: "sessionkit-test-project",
  private: true,
  type: "module",
  dependencies: { ...NEIGHBOURS },
};
const manifestFile = join(project, "package.json");
const current = existsSync(manifestFile)
  ? JSON.parse(readFileSync(manifestFile, "utf8"))
  : {};
const { [name]: _ours, ...currentNeighbours } = current.dependencies ?? {};
const neighboursChanged =
  JSON.stringify(currentNeighbours) !== JSON.stringify(NEIGHBOURS);

// The package, packed as it would be published.
const [packed] = JSON.parse(
  run("npm", ["pack", "--json", "--pack-destination", project], mirror),
);
const tarball = join(project, "sessionkit-grammy.tgz");
renameSync(join(project, packed.filename), tarball);
manifest.dependencies[name] = "file:./sessionkit-grammy.tgz";
writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + "\n");

// A fresh copy of our package every time; the rest stays unless it changed.
rmSync(join(project, "node_modules", ...name.split("/")), {
  recursive: true,
  force: true,
});
const lockFile = join(project, "package-lock.json");
if (neighboursChanged) {
  rmSync(lockFile, { force: true });
} else if (existsSync(lockFile)) {
  // The lock records the integrity of the tarball installed last time, and
  // npm, offline first, installs that one from its cache instead of the
  // tarball just packed: forget it, so that the new one is read.
  const lock = JSON.parse(readFileSync(lockFile, "utf8"));
  delete lock.packages?.[`node_modules/${name}`];
  delete lock.dependencies?.[name];
  writeFileSync(lockFile, JSON.stringify(lock, null, 2) + "\n");
}
const install = () =>
  run("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--no-update-notifier",
    "--prefer-offline",
  ], project);
install();
if (!existsSync(bunBinary())) {
  // Seen once: the platform package installed without its binary.
  rmSync(join(bunBinary(), "..", ".."), { recursive: true, force: true });
  install();
}

// What is installed must be what was just packed, file by file.
const installed = join(project, "node_modules", ...name.split("/"));
const stale = packed.files.map((file) => file.path).filter((path) =>
  path !== "package.json" && (!existsSync(join(installed, path)) ||
    !readFileSync(join(mirror, path)).equals(
      readFileSync(join(installed, path)),
    ))
);
if (stale.length > 0) {
  throw new Error(
    `npm installed another build of ${name} than the one just packed (${
      stale.slice(0, 3).join(", ")
    } differ)`,
  );
}

// The runtime scripts, beside the installed package.
const runtimes = join(project, "runtimes");
rmSync(runtimes, { recursive: true, force: true });
mkdirSync(runtimes);
for (const file of readdirSync(join(root, "tests", "runtimes"))) {
  if (/\.(mjs|cjs)$/.test(file)) {
    cpSync(join(root, "tests", "runtimes", file), join(runtimes, file));
  }
}
// The Worker: one ES module with grammY's web build and our ESM build.
// `deno bundle` (esbuild inside Deno) resolves the package through the
// project's node_modules with browser conditions: the ES module build.
run("deno", [
  "bundle",
  "--quiet",
  "--platform=browser",
  "--output=runtimes/worker.bundle.js",
  "runtimes/worker.mjs",
], project);
console.log(
  `prepared ${project} with ${packed.filename} in ${Date.now() - started} ms`,
);
