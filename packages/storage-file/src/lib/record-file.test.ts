import { splitRecord } from "@credstack/storage";
import { describe, expect, it } from "vitest";
import { decodeRecordFile, encodeRecordFile, fileFormat } from "./record-file.js";

const record = {
  provider: "google",
  account: "A@x.com",
  tokenType: "Bearer",
  scopes: ["openid"],
  createdAt: 1,
  updatedAt: 2,
  version: 3,
  accessToken: "secret",
};
const { columns, secrets } = splitRecord(record as never);
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe("record files", () => {
  it("round-trips sealed and plaintext payloads and checks the key", () => {
    const sealed = encodeRecordFile(columns, { sealed: Buffer.from([1, 2, 3]) });
    const decoded = decodeRecordFile(sealed, "/p", true, { provider: "google", account: "a@x.com" });
    expect(decoded.columns).toMatchObject({ account: "A@x.com", version: 3 });
    expect(decoded.payload).toEqual({ sealed: Buffer.from([1, 2, 3]) });
    const plain = encodeRecordFile(columns, { secrets });
    expect(JSON.parse(plain.toString())).toMatchObject({
      format: fileFormat,
      secrets: { accessToken: "secret" },
    });
    expect(decodeRecordFile(plain, "/p", false, undefined).payload).toEqual({ secrets });
    expect(
      codeOf(() => decodeRecordFile(sealed, "/p", true, { provider: "google", account: "b@x.com" })),
    ).toBe("ERR_INTEGRITY");
  });

  it("refuses a plaintext payload that tries to override columns", () => {
    const body = { format: fileFormat, ...columns, secrets: { accessToken: "x", version: 99 } };
    expect(codeOf(() => decodeRecordFile(Buffer.from(JSON.stringify(body)), "/p", false, undefined))).toBe(
      "ERR_CORRUPT_RECORD",
    );
  });

  it("refuses a file with both payloads or none", () => {
    const both = { format: fileFormat, ...columns, secrets: {}, sealed: "AQID" };
    const none = { format: fileFormat, ...columns };
    expect(codeOf(() => decodeRecordFile(Buffer.from(JSON.stringify(both)), "/p", true, undefined))).toBe(
      "ERR_CORRUPT_RECORD",
    );
    expect(codeOf(() => decodeRecordFile(Buffer.from(JSON.stringify(none)), "/p", true, undefined))).toBe(
      "ERR_CORRUPT_RECORD",
    );
    expect(codeOf(() => decodeRecordFile(Buffer.from(JSON.stringify(none)), "/p", false, undefined))).toBe(
      "ERR_CORRUPT_RECORD",
    );
  });
});
