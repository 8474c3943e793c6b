// The public API of an entry point as lines of text, from `deno doc --json`:
// every export with its kind and signature, and every member of its classes
// and interfaces. tests/public_api_test.ts compares them with the committed
// snapshot, tests/fixtures/public_api.txt.

// deno-lint-ignore-file no-explicit-any
type Node = any;

/** The entry points whose API is kept: every export of deno.json. */
async function entries(root: URL): Promise<string[]> {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("deno.json", root)),
  ) as { exports: Record<string, string> };
  return Object.values(config.exports).map((path) => path.replace(/^\.\//, ""));
}

/** Renders a type of `deno doc --json`. */
function type(t: Node): string {
  if (t === undefined || t === null) return "?";
  const v = t.value;
  switch (t.kind) {
    case "keyword":
      return v;
    case "literal":
      return v.kind === "string"
        ? JSON.stringify(v.string)
        : String(v.number ?? v.boolean ?? v.bigint ?? v.string ?? t.repr);
    case "typeRef":
      return v.typeName + typeArgs(v.typeParams);
    case "union":
      return v.map(type).join(" | ");
    case "intersection":
      return v.map(type).join(" & ");
    case "array":
      return `${wrap(v)}[]`;
    case "tuple":
      return `[${v.map(type).join(", ")}]`;
    case "typeOperator":
      return `${v.operator} ${type(v.tsType)}`;
    case "indexedAccess":
      return `${type(v.objType)}[${type(v.indexType)}]`;
    case "parenthesized":
      return `(${type(v)})`;
    case "fnOrConstructor":
      return `${v.constructor ? "new " : ""}${typeParams(v.typeParams)}(${
        params(v.params)
      }) => ${type(v.tsType)}`;
    case "typeLiteral":
      return `{ ${members(v).join("; ")} }`;
    case "conditional":
      return `${type(v.checkType)} extends ${type(v.extendsType)} ? ${
        type(v.trueType)
      } : ${type(v.falseType)}`;
    case "mapped":
      return `{ [${v.typeParam.name} in ${type(v.typeParam.constraint)}]${
        v.optional ? "?" : ""
      }: ${type(v.tsType)} }`;
    case "typeQuery":
      return `typeof ${v}`;
    case "typePredicate":
      return `${v.param?.name ?? "this"} is ${type(v.type)}`;
    default:
      return t.repr ?? t.kind;
  }
}

function wrap(t: Node): string {
  const text = type(t);
  return ["union", "intersection", "fnOrConstructor"].includes(t.kind)
    ? `(${text})`
    : text;
}

function typeArgs(args: Node[] | undefined): string {
  return args?.length ? `<${args.map(type).join(", ")}>` : "";
}

function typeParams(list: Node[] | undefined): string {
  if (!list?.length) return "";
  return `<${
    list.map((p) =>
      p.name + (p.constraint ? ` extends ${type(p.constraint)}` : "") +
      (p.default ? ` = ${type(p.default)}` : "")
    ).join(", ")
  }>`;
}

function param(p: Node): string {
  switch (p.kind) {
    case "identifier":
      return `${p.name}${p.optional ? "?" : ""}: ${type(p.tsType)}`;
    case "assign":
      return `${param(p.left).replace(/^(\w+)/, "$1?")}`;
    case "rest":
      return `...${p.arg?.name ?? "rest"}: ${type(p.tsType)}`;
    case "object":
      return `{}${p.optional ? "?" : ""}: ${type(p.tsType)}`;
    case "array":
      return `[]${p.optional ? "?" : ""}: ${type(p.tsType)}`;
    default:
      return p.kind;
  }
}

function params(list: Node[] | undefined): string {
  return (list ?? []).map(param).join(", ");
}

function signature(f: Node): string {
  return `${typeParams(f.typeParams)}(${params(f.params)})${
    f.returnType ? `: ${type(f.returnType)}` : ""
  }`;
}

/** The members of a class, interface or type literal, one line each. */
function members(def: Node): string[] {
  const lines: string[] = [];
  for (const c of def.constructors ?? []) {
    if (!c.hasBody || (def.constructors.length === 1)) {
      lines.push(`${c.accessibility ?? ""}constructor(${params(c.params)})`);
    }
  }
  for (const p of def.properties ?? []) {
    const flags = `${p.accessibility ? `${p.accessibility} ` : ""}${
      p.isStatic ? "static " : ""
    }${p.readonly ? "readonly " : ""}`;
    const name = p.computed ? `[${p.name}]` : p.name;
    lines.push(`${flags}${name}${p.optional ? "?" : ""}: ${type(p.tsType)}`);
  }
  for (const m of def.methods ?? []) {
    const overloads = (def.methods as Node[]).filter((o) =>
      o.name === m.name && o.kind === m.kind
    );
    const fn = m.functionDef ?? m;
    if (overloads.length > 1 && fn.hasBody) continue;
    const prefix = `${m.isStatic ? "static " : ""}${
      m.kind === "getter" ? "get " : m.kind === "setter" ? "set " : ""
    }`;
    lines.push(`${prefix}${m.name}${m.optional ? "?" : ""}${signature(fn)}`);
  }
  for (const i of def.indexSignatures ?? []) {
    lines.push(`[${params(i.params)}]: ${type(i.tsType)}`);
  }
  return lines;
}

/** One export, as its heading line and its members. */
function symbol(name: string, declaration: Node): string[] {
  const { kind, def } = declaration;
  switch (kind) {
    case "function":
      return def.hasBody && declaration.overloaded
        ? []
        : [`function ${name}${signature(def)}`];
    case "class":
      return [
        `class ${name}${typeParams(def.typeParams)}${
          def.extends ? ` extends ${def.extends}` : ""
        }${
          def.implements?.length
            ? ` implements ${def.implements.map(type).join(", ")}`
            : ""
        }`,
        ...members(def).map((line) => `  ${line}`),
      ];
    case "interface":
      return [
        `interface ${name}${typeParams(def.typeParams)}${
          def.extends?.length
            ? ` extends ${def.extends.map(type).join(", ")}`
            : ""
        }`,
        ...members(def).map((line) => `  ${line}`),
      ];
    case "typeAlias":
      return [
        `type ${name}${typeParams(def.typeParams)} = ${type(def.tsType)}`,
      ];
    case "variable":
      return [`${def.kind} ${name}: ${type(def.tsType)}`];
    default:
      return [`${kind} ${name}`];
  }
}

/** The API of one entry point, as sorted blocks of lines. */
export async function apiOf(entry: string, root: URL): Promise<string[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", entry],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `deno doc --json ${entry} failed: ${
        new TextDecoder().decode(output.stderr)
      }`,
    );
  }
  const doc = JSON.parse(new TextDecoder().decode(output.stdout));
  const blocks: string[] = [];
  for (const node of Object.values(doc.nodes) as Node[]) {
    for (const s of node.symbols ?? []) {
      const overloaded = s.declarations.filter((d: Node) =>
        d.kind === "function"
      ).length > 1;
      for (const declaration of s.declarations) {
        const lines = symbol(s.name, { ...declaration, overloaded });
        if (lines.length > 0) blocks.push(lines.join("\n"));
      }
    }
  }
  return blocks.sort();
}

/** The API of every entry point, as the snapshot file holds it. */
export async function snapshot(root: URL): Promise<string> {
  const parts: string[] = [];
  for (const entry of await entries(root)) {
    parts.push(`# ${entry}\n\n${(await apiOf(entry, root)).join("\n")}\n`);
  }
  return parts.join("\n");
}
