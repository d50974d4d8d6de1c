// Preloaded into the benchmarked `credstack` child (node --import): on exit, writes the process's peak
// resident set size (process.resourceUsage().maxRSS, KiB) to the file named by CREDSTACK_BENCH_RSS_FILE.
import { writeFileSync } from "node:fs";

process.on("exit", () => {
  const file = process.env.CREDSTACK_BENCH_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));
});
