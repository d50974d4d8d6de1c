import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fernetDecrypt, fernetEncrypt, fernetKeyFromText } from "./fernet.js";

describe("fernet", () => {
  it("opens tokens of Python cryptography and Python opens ours", () => {
    const keyText = execFileSync("python3", [
      "-c",
      "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode(), end='')",
    ]).toString();
    const key = fernetKeyFromText(keyText)!;
    const token = execFileSync("python3", [
      "-c",
      `from cryptography.fernet import Fernet; print(Fernet(b"${keyText}").encrypt(b"hello").decode(), end='')`,
    ]).toString();
    const opened = fernetDecrypt(key, token);
    expect(opened.ok && opened.plaintext.toString()).toBe("hello");
    const ours = fernetEncrypt(key, Buffer.from("from node"));
    const back = execFileSync("python3", [
      "-c",
      `from cryptography.fernet import Fernet; print(Fernet(b"${keyText}").decrypt(b"${ours}").decode(), end='')`,
    ]).toString();
    expect(back).toBe("from node");
  });
  it("tells unauthentic from malformed", () => {
    const key = randomBytes(32);
    const token = fernetEncrypt(key, Buffer.from("x"));
    expect(fernetDecrypt(randomBytes(32), token)).toEqual({ ok: false, failure: "unauthentic" });
    expect(fernetDecrypt(key, token.slice(0, 30))).toEqual({ ok: false, failure: "malformed" });
    expect(fernetKeyFromText("short")).toBeUndefined();
  });
});
