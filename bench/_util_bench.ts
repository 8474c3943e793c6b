// Micro-benchmarks for the private copy and change-detection helpers:
// `deepClone` against `structuredClone`, `fingerprint` against
// `JSON.stringify`, on a tiny session, the realistic session of
// `bench/memory_bench.ts` (a count and the last 20 update ids), a ~1 KB one,
// a ~60 KiB one, and a sparse array indexed by user ids.
//
//   deno bench bench/_util_bench.ts
import { deepClone } from "../src/values/_clone.ts";
import { fingerprint } from "../src/values/_fingerprint.ts";

const small = { pizzaCount: 3 };

/** A count and the last 20 update ids. */
const realistic = {
  count: 1234,
  updates: Array.from({ length: 20 }, (_, i) => 987_654_300 + i),
};

/** Last-seen times indexed by user id: three elements, length 1e9 + 8. */
const sparse: number[] = [];
for (const id of [5, 98_765_432, 1_000_000_007]) sparse[id] = 1_700_000_000;

/** A ~1 KB session of nested plain objects, arrays, strings and numbers. */
const medium = {
  user: { id: 123456789, name: "Ada Lovelace", language: "en", premium: false },
  cart: {
    items: [
      { sku: "PZ-MARG-30", name: "Margherita", quantity: 2, price: 8.5 },
      { sku: "PZ-DIAV-30", name: "Diavola", quantity: 1, price: 10.25 },
      { sku: "DR-COLA-05", name: "Cola 0.5l", quantity: 3, price: 2.2 },
    ],
    coupon: null,
    total: 34.85,
  },
  step: "checkout",
  history: ["start", "menu", "pizza", "size", "toppings", "cart", "checkout"],
  settings: { notifications: true, theme: "dark", timezone: "Europe/Berlin" },
  counters: { messages: 42, callbacks: 17, errors: 0, pizzas: 3 },
  address: {
    street: "12 Analytical Engine Road",
    city: "London",
    postcode: "EC1A 1BB",
    notes:
      "Ring twice, the bell is quiet. Leave at the door if nobody answers.",
  },
  recentOrders: [
    {
      id: "A-1001",
      pizzas: ["Margherita", "Funghi"],
      paid: true,
      at: 1732450800000,
    },
    {
      id: "A-1002",
      pizzas: ["Quattro Formaggi"],
      paid: true,
      at: 1732537200000,
    },
  ],
  flags: [true, false, true, true],
  lastSeen: 1732537200000,
};

/** A ~60 KiB session of 60 independent copies of `medium` (~1,000 objects). */
const large = {
  chats: Array.from(
    { length: 60 },
    (_, i) => ({ ...structuredClone(medium), lastSeen: i }),
  ),
};

if (
  JSON.stringify(medium).length < 900 || JSON.stringify(medium).length > 1200
) {
  throw new Error(`medium is ${JSON.stringify(medium).length} bytes of JSON`);
}

Deno.bench("structuredClone, small", {
  group: "clone small",
  baseline: true,
}, () => {
  structuredClone(small);
});
Deno.bench("deepClone, small", { group: "clone small" }, () => {
  deepClone(small);
});

Deno.bench("structuredClone, realistic", {
  group: "clone realistic",
  baseline: true,
}, () => {
  structuredClone(realistic);
});
Deno.bench("deepClone, realistic", { group: "clone realistic" }, () => {
  deepClone(realistic);
});

Deno.bench("JSON.stringify, realistic", {
  group: "fingerprint realistic",
  baseline: true,
}, () => {
  JSON.stringify(realistic);
});
Deno.bench("fingerprint, realistic", {
  group: "fingerprint realistic",
}, () => {
  fingerprint(realistic);
});

Deno.bench("structuredClone, sparse", {
  group: "sparse array at user ids",
  baseline: true,
}, () => {
  structuredClone(sparse);
});
Deno.bench("deepClone, sparse", { group: "sparse array at user ids" }, () => {
  deepClone(sparse);
});
Deno.bench("fingerprint, sparse", {
  group: "sparse array at user ids",
}, () => {
  fingerprint(sparse);
});

Deno.bench("structuredClone, 1 KB", {
  group: "clone 1 KB",
  baseline: true,
}, () => {
  structuredClone(medium);
});
Deno.bench("deepClone, 1 KB", { group: "clone 1 KB" }, () => {
  deepClone(medium);
});

Deno.bench("JSON.stringify, small", {
  group: "fingerprint small",
  baseline: true,
}, () => {
  JSON.stringify(small);
});
Deno.bench("fingerprint, small", { group: "fingerprint small" }, () => {
  fingerprint(small);
});

Deno.bench("JSON.stringify, 1 KB", {
  group: "fingerprint 1 KB",
  baseline: true,
}, () => {
  JSON.stringify(medium);
});
Deno.bench("fingerprint, 1 KB", { group: "fingerprint 1 KB" }, () => {
  fingerprint(medium);
});

Deno.bench("structuredClone, 60 KiB", {
  group: "clone 60 KiB",
  baseline: true,
}, () => {
  structuredClone(large);
});
Deno.bench("deepClone, 60 KiB", { group: "clone 60 KiB" }, () => {
  deepClone(large);
});

Deno.bench("JSON.stringify, 60 KiB", {
  group: "fingerprint 60 KiB",
  baseline: true,
}, () => {
  JSON.stringify(large);
});
Deno.bench("fingerprint, 60 KiB", { group: "fingerprint 60 KiB" }, () => {
  fingerprint(large);
});

// What the middleware really pays: encode, then compare with the fingerprint
// taken when the session was read (comparing flattens the string).
const baseline1k = fingerprint(medium);
const json1k = JSON.stringify(medium);
Deno.bench("JSON.stringify and compare, 1 KB", {
  group: "encode and compare 1 KB",
  baseline: true,
}, () => {
  if (JSON.stringify(medium) !== json1k) throw new Error("changed");
});
Deno.bench("fingerprint and compare, 1 KB", {
  group: "encode and compare 1 KB",
}, () => {
  if (fingerprint(medium) !== baseline1k) throw new Error("changed");
});
