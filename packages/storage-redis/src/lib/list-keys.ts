import { type CredentialKey, checkListOptions, type ListOptions } from "@credstack/storage";
import type { RunCommand } from "./commands.js";
import { type KeyLayout, listRange } from "./keys.js";
import { pruneScript, type RedisClient, runScript } from "./scripts.js";

/** Index members read per round trip. @internal */
export const listPageSize = 256;

/**
 * Lists keys from the sorted index: ZRANGEBYLEX pages, each resumed after the previous page's last
 * member, so the order is the index's byte order (= `compareKeys`) and never SCAN's. Members whose record
 * has expired (TTL) are skipped and removed from the index. @internal
 */
export async function* listKeys(
  client: RedisClient,
  run: RunCommand,
  layout: KeyLayout,
  options: ListOptions,
): AsyncGenerator<CredentialKey> {
  const { provider, after, limit } = checkListOptions(options);
  const range = listRange(provider, after);
  if (range === undefined || limit === 0) return;
  let min = range.min;
  let left = limit ?? Number.POSITIVE_INFINITY;
  for (;;) {
    const count = Math.min(listPageSize, left);
    const page = await run("ZRANGEBYLEX", () =>
      client.zrangebylex(layout.index, min, range.max, "LIMIT", 0, count),
    );
    if (page.length === 0) return;
    const live = (await run("list prune script", () =>
      runScript(client, pruneScript, [layout.index, ...page.map(layout.recordKeyOfMember)], page),
    )) as string[];
    for (const member of live) {
      yield layout.keyOfMember(member);
      left--;
    }
    if (page.length < count || left <= 0) return;
    min = `(${page[page.length - 1]}`;
  }
}
