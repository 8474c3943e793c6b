// The stored forms of values that JSON cannot say, pinned to the byte: rows
// PostgresStorage wrote, Redis values, and files the session tools exported
// must read back forever, and new writes must stay the same. The tools' form
// and PostgreSQL's share their tags but differ on purpose (arrays with
// holes, shared references, error names): both are pinned here.
import { Buffer } from "node:buffer";
import * as v8 from "node:v8";
import { decodeValue, encodeValue } from "../cli.ts";
import {
  decodeSession as pgDecode,
  encodeSession as pgEncode,
} from "../src/stores/postgres/codec.ts";
import {
  decodeSession as redisDecode,
  encodeSession as redisEncode,
  V8_MARK,
} from "../src/stores/redis/codec.ts";
import { assert, assertEquals, assertStrictEquals } from "./deps.ts";

function rangeError(): RangeError {
  const error = new RangeError("bad", { cause: 42n });
  error.stack = "RangeError: bad\n    at somewhere";
  return error;
}

// An error whose name is not its type's (an own, non-enumerable `name`).
function renamed(): TypeError {
  const error = new TypeError("odd");
  Object.defineProperty(error, "name", {
    value: "Custom",
    writable: true,
    configurable: true,
  });
  delete (error as { stack?: string }).stack;
  return error;
}

/** One of every kind both forms tag, the same in both. */
function common() {
  return {
    u: undefined,
    nan: NaN,
    negZero: -0,
    inf: Infinity,
    ninf: -Infinity,
    big: -12345678901234567890n,
    at: new Date(0),
    bad: new Date(NaN),
    re: /a+\//gi,
    map: new Map<unknown, unknown>([["k", 1n], [{ o: 1 }, [undefined]]]),
    set: new Set([1, "s"]),
    u8: new Uint8Array([1, 2, 255]),
    i16: new Int16Array([-2]),
    f64: new Float64Array([0.5]),
    big64: new BigInt64Array([-1n]),
    buf: new Uint8Array([9, 8]).buffer,
    dv: new DataView(new Uint8Array([7]).buffer),
    num: Object(1),
    str: Object("s"),
    bool: Object(false),
    bigBox: Object(5n),
    err: rangeError(),
    renamed: renamed(),
    sparse: [1, , 3],
    tagLike: { $date: "plain" },
    dollar: { $: 1, b: 2 },
    text: 'é\u{1F600}"\\',
  };
}

const COMMON_TAGS = '"u":{"$undefined":null},"nan":{"$number":"NaN"},' +
  '"negZero":{"$number":"-0"},"inf":{"$number":"Infinity"},' +
  '"ninf":{"$number":"-Infinity"},"big":{"$bigint":"-12345678901234567890"},' +
  '"at":{"$date":"1970-01-01T00:00:00.000Z"},"bad":{"$date":null},' +
  '"re":{"$regexp":["a+\\\\/","gi"]},' +
  '"map":{"$map":[["k",{"$bigint":"1"}],[{"o":1},[{"$undefined":null}]]]},' +
  '"set":{"$set":[1,"s"]},"u8":{"$Uint8Array":"AQL/"},' +
  '"i16":{"$Int16Array":"/v8="},"f64":{"$Float64Array":"AAAAAAAA4D8="},' +
  '"big64":{"$BigInt64Array":"//////////8="},"buf":{"$ArrayBuffer":"CQg="},' +
  '"dv":{"$DataView":"Bw=="},"num":{"$boxed":1},"str":{"$boxed":"s"},' +
  '"bool":{"$boxed":false},"bigBox":{"$boxed":{"$bigint":"5"}},' +
  '"err":{"$error":{"name":"RangeError","message":"bad",' +
  '"stack":"RangeError: bad\\n    at somewhere","cause":{"$bigint":"42"}}},';

const PG_TEXT = '{"$sessionkit":1,"value":{' + COMMON_TAGS +
  '"renamed":{"$error":{"name":"Custom","message":"odd"}},' +
  '"sparse":{"$array":{"length":3,"entries":[["0",1],["2",3]]}},' +
  '"tagLike":{"$object":{"$date":"plain"}},"dollar":{"$":1,"b":2},' +
  '"text":"é\u{1F600}\\"\\\\","f16":{"$Float16Array":"AD4="},' +
  '"a":{"n":1},"b":{"$ref":24},"cyclic":{"name":"loop","self":{"$ref":25}}}}';

const TOOLS_TEXT = "{" + COMMON_TAGS +
  '"renamed":{"$error":{"name":"Error","message":"odd"}},' +
  '"sparse":{"$array":{"length":3,"items":{"0":1,"2":3}}},' +
  '"tagLike":{"$object":{"$date":"plain"}},"dollar":{"$":1,"b":2},' +
  '"text":"é\u{1F600}\\"\\\\","a":{"n":1},"b":{"n":1}}';

// Errors compared by what the forms keep.
function errorParts(error: unknown) {
  assert(error instanceof Error, String(error));
  return {
    type: Object.getPrototypeOf(error).constructor.name,
    name: error.name,
    message: error.message,
    stack: error.stack,
    cause: error.cause,
  };
}

function assertSameValue(
  actual: Record<string, unknown>,
  expected: Record<string, unknown>,
) {
  const { err, renamed: odd, ...rest } = actual;
  const { err: err2, renamed: odd2, ...rest2 } = expected;
  assertEquals(rest, rest2);
  assertEquals(errorParts(err), errorParts(err2));
  assertEquals(errorParts(odd), errorParts(odd2));
}

Deno.test("PostgreSQL's tagged JSON: the bytes written and read", () => {
  const shared = { n: 1 };
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  const value = {
    ...common(),
    f16: new Float16Array([1.5]),
    a: shared,
    b: shared,
    cyclic,
  };
  assertStrictEquals(pgEncode("k", value), PG_TEXT);
  const back = pgDecode(PG_TEXT) as typeof value;
  assert(back.a === back.b, "a shared reference stays shared");
  assert(back.cyclic.self === back.cyclic, "a cycle stays a cycle");
  // The name is written as it is; a name no type has reads as an Error.
  assertEquals(errorParts(back.renamed), {
    type: "Error",
    name: "Error",
    message: "odd",
    stack: undefined,
    cause: undefined,
  });
  assertSameValue(
    { ...back, renamed: renamed() },
    { ...value, renamed: renamed() },
  );
  const kv = new Deno.KvU64(5n);
  assertStrictEquals(
    pgEncode("k", kv),
    '{"$sessionkit":1,"value":{"$kvu64":"5"}}',
  );
  assertEquals(pgDecode('{"$sessionkit":1,"value":{"$kvu64":"5"}}'), kv);
  // Plain JSON stays plain, a null prototype too.
  const plain = Object.assign(Object.create(null), { a: [1, "x"] });
  assertStrictEquals(pgEncode("k", plain), '{"a":[1,"x"]}');
});

Deno.test("the session tools' tagged JSON: the bytes written and read", () => {
  const shared = { n: 1 };
  const value = { ...common(), a: shared, b: shared };
  assertStrictEquals(JSON.stringify(encodeValue(value)), TOOLS_TEXT);
  const back = decodeValue(JSON.parse(TOOLS_TEXT)) as typeof value;
  assert(back.a !== back.b, "a shared reference comes back as two copies");
  // Only the listed names are written: any other is "Error".
  assertEquals(errorParts(back.renamed), {
    type: "Error",
    name: "Error",
    message: "odd",
    stack: back.renamed.stack,
    cause: undefined,
  });
  assertSameValue(
    { ...back, renamed: renamed() },
    { ...value, renamed: renamed() },
  );
  const kv = { kv: new Deno.KvU64(5n) };
  assertStrictEquals(JSON.stringify(encodeValue(kv)), '{"kv":{"$kvu64":"5"}}');
  assertEquals(decodeValue({ kv: { $kvu64: "5" } }), kv);
});

Deno.test("Redis: plain JSON as storage-redis writes it, else V8", () => {
  const plain = { s: "é\u{1F600}", n: [1, 2.5, null, true], o: {} };
  const text = '{"s":"é\u{1F600}","n":[1,2.5,null,true],"o":{}}';
  assertStrictEquals(redisEncode("k", plain), text);
  assertEquals(redisDecode("k", text), plain);
  const rich = { d: new Date(0), m: new Map([[1, 2]]) };
  const v8Text = V8_MARK +
    Buffer.from(v8.serialize(rich)).toString("base64");
  assertStrictEquals(redisEncode("k", rich), v8Text);
  // Written by this version; V8 reads its older formats.
  const written = "#sessionkit:v8:/w9vIgFkRAAAAAAAAAAAIgFtO0kCSQQ6AnsC";
  assertEquals(redisDecode("k", written), rich);
  // Unlike PostgreSQL, an object of null prototype goes to V8.
  const nullProto = Object.assign(Object.create(null), { a: 1 });
  assertStrictEquals(
    redisEncode("k", nullProto),
    V8_MARK + Buffer.from(v8.serialize(nullProto)).toString("base64"),
  );
});
