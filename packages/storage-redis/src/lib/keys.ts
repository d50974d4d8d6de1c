import {
  CorruptRecordError,
  type CredentialKey,
  InvalidArgumentError,
  providerPattern,
} from "@credstack/storage";

/**
 * The key layout of one store. Every key starts with the hash tag `{prefix}`, so a record, the sorted
 * index and the leases all live in one Redis Cluster slot and one Lua script may touch them together.
 *
 * - record hash: `{prefix}:c:<member>`
 * - lease:       `{prefix}:lease:<member>`
 * - index ZSET:  `{prefix}:index`, score 0, one `<member>` per record
 *
 * `<member>` is `<provider>#<hex of the account key's UTF-8 bytes>`. Provider slugs use only
 * `[a-z0-9._-]`, all above `#` (0x23), and hex keeps byte order, so the members' byte order is
 * {@link compareKeys} order; hex also keeps any account (NUL, `}`, emoji, 10 kB) inside its own key.
 * @internal
 */
export interface KeyLayout {
  /** The hash tag, `{prefix}`. */
  readonly tag: string;
  /** The sorted index of every record's member. */
  readonly index: string;
  /** The index member of a normal key. */
  member(key: CredentialKey): string;
  /** The record hash of a normal key. */
  recordKey(key: CredentialKey): string;
  /** The record hash of an index member. */
  recordKeyOfMember(member: string): string;
  /** The lease key of a normal key. */
  leaseKey(key: CredentialKey): string;
  /** The normal key an index member stands for. */
  keyOfMember(member: string): CredentialKey;
}

/** Prefixes: no braces (they would change the hash tag), no whitespace or control characters. */
const prefixPattern = /^[^{}\s\p{Cc}]{1,128}$/u;

/** Checks a store prefix. @internal */
export function checkPrefix(prefix: string): string {
  if (typeof prefix !== "string" || !prefixPattern.test(prefix)) {
    throw new InvalidArgumentError(
      "A Redis store prefix must be 1 to 128 characters without braces, whitespace or control characters.",
    );
  }
  return prefix;
}

const separator = "#";
const hexPattern = /^(?:[0-9a-f]{2})+$/;

/** The index member of a normal key: `<provider>#<hex(account)>`. @internal */
export function memberOf(key: CredentialKey): string {
  return `${key.provider}${separator}${Buffer.from(key.account, "utf8").toString("hex")}`;
}

/**
 * The normal key of an index member.
 * @throws CorruptRecordError when the member is not one this store writes.
 * @internal
 */
export function keyOfMember(member: string): CredentialKey {
  const at = member.indexOf(separator);
  const provider = member.slice(0, at);
  const hex = member.slice(at + 1);
  if (at <= 0 || !providerPattern.test(provider) || !hexPattern.test(hex)) {
    throw new CorruptRecordError("Index entry is not a credstack key.", `index member ${clip(member)}`);
  }
  return { provider, account: Buffer.from(hex, "hex").toString("utf8") };
}

/** The key layout under `prefix`. @internal */
export function keyLayout(prefix: string): KeyLayout {
  const tag = `{${checkPrefix(prefix)}}`;
  const records = `${tag}:c:`;
  const leases = `${tag}:lease:`;
  return {
    tag,
    index: `${tag}:index`,
    member: memberOf,
    recordKey: (key) => records + memberOf(key),
    recordKeyOfMember: (member) => records + member,
    leaseKey: (key) => leases + memberOf(key),
    keyOfMember,
  };
}

/** A ZRANGEBYLEX range: `min`/`max` in Redis syntax (`[x`, `(x`, `-`, `+`), or `undefined` when empty. */
export interface LexRange {
  readonly min: string;
  readonly max: string;
}

/**
 * The index range a listing covers: one provider's members or all, after `after` (exclusive). Both
 * keys normal. `undefined` when nothing can match (an `after` past the provider).
 * @internal
 */
export function listRange(
  provider: string | undefined,
  after: CredentialKey | undefined,
): LexRange | undefined {
  let min = "-";
  let max = "+";
  if (provider !== undefined) {
    // Every member of `provider` starts with `provider#`; `$` is the character after `#`.
    min = `[${provider}${separator}`;
    max = `(${provider}$`;
  }
  if (after !== undefined) {
    if (provider === undefined || after.provider === provider) min = `(${memberOf(after)}`;
    else if (Buffer.compare(Buffer.from(after.provider), Buffer.from(provider)) > 0) return undefined;
  }
  return { min, max };
}

/** A key clipped for an error location. @internal */
export function clip(value: string): string {
  return value.length > 120 ? `${value.slice(0, 120)}…` : value;
}
