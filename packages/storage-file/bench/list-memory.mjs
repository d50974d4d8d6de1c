// Memory of the file store's listing snapshot: heap and RSS before and after listing every key of a store
// of N records (default 100 000; files made directly, names only) in pages of 500, as `migrate` or a
// paging client would. Run with `node --expose-gc bench/list-memory.mjs [N]` after `pnpm build`.
// A report, not a target: memory has no baseline to compare with in the same run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileStore } from "../dist/index.js";
import { fileNameOf } from "../dist/lib/file-names.js";
import { racyWindowMs } from "../dist/lib/list-keys.js";

if (typeof gc !== "function") throw new Error("run with node --expose-gc");
process.removeAllListeners("warning"); // insecurePlaintext warns by design
const count = Number(process.argv[2] ?? 100_000);
const root = mkdtempSync(join(tmpdir(), "credstack-file-list-memory-"));
const dir = join(root, "records");
mkdirSync(dir, { mode: 0o700 });
for (let i = 0; i < count; i++) {
  const provider = i % 3 === 0 ? "microsoft" : "google";
  const account = `user.name${String(i).padStart(7, "0")}@example.com`;
  writeFileSync(join(dir, fileNameOf({ provider, account }).name), "");
}
await new Promise((resolve) => setTimeout(resolve, racyWindowMs + 200)); // so the snapshot is kept
const store = fileStore({ dir, insecurePlaintext: true });
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
/** Heap and RSS after full collections and finished sweeping (heapUsed counts unswept garbage). */
async function settledMemory() {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return process.memoryUsage();
}

const before = await settledMemory();
let peakRss = before.rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 5);
let listed = 0;
let after;
for (;;) {
  let inPage = 0;
  for await (const key of store.list({ ...(after === undefined ? {} : { after }), limit: 500 })) {
    after = key;
    inPage++;
  }
  listed += inPage;
  if (inPage < 500) break;
}
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const kept = await settledMemory(); // the store still holds its snapshot
console.log(
  `listed ${listed} keys: heap used ${mib(before.heapUsed)} MiB before, ${mib(kept.heapUsed)} MiB after ` +
    `(snapshot kept: +${mib(kept.heapUsed - before.heapUsed)} MiB); RSS ${mib(before.rss)} MiB before, ` +
    `peak ${mib(peakRss)} MiB`,
);
await store.close();
rmSync(root, { recursive: true, force: true });
