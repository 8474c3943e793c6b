// A lease whose time to live is beyond what one timer holds (2^31 - 1 ms,
// about 24.8 days; renewals are due after a third of it) must not renew at
// once and then again every millisecond.
import { acquireLease } from "../kv.ts";
import { assertEquals } from "./deps.ts";

const DAY = 24 * 60 * 60 * 1000;

for (const days of [80, 365, 10_000]) {
  Deno.test(`a lease living ${days} days is not renewed in its first 100 ms`, async () => {
    const kv = await Deno.openKv(":memory:");
    let commits = 0;
    const counting = new Proxy(kv, {
      get(target, name) {
        if (name === "atomic") {
          return () => {
            const op = target.atomic();
            const commit = op.commit.bind(op);
            op.commit = () => {
              commits++;
              return commit();
            };
            return op;
          };
        }
        const value = Reflect.get(target, name);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    try {
      const lease = await acquireLease(counting, ["lease", "42"], {
        timeToLive: days * DAY,
      });
      const afterAcquire = commits;
      await new Promise((resolve) => setTimeout(resolve, 100));
      assertEquals(commits - afterAcquire, 0, "renewal commits in 100 ms");
      await lease.release();
    } finally {
      kv.close();
    }
  });
}
