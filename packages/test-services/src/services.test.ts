import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { startMoto, startPostgres, startRedis } from "./index.js";

async function ping(port: number, payload: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = new Socket();
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk.toString();
      socket.end();
    });
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
    socket.connect(port, "127.0.0.1", () => socket.write(payload));
  });
}

describe("test services", () => {
  it("starts and stops a throwaway Redis on a random loopback port, and restarts it after a kill", async () => {
    const redis = await startRedis();
    try {
      expect(await ping(redis.port, "PING\r\n")).toBe("+PONG\r\n");
      await redis.kill();
      await expect(ping(redis.port, "PING\r\n")).rejects.toThrow();
      await redis.restart();
      expect(await ping(redis.port, "PING\r\n")).toBe("+PONG\r\n");
    } finally {
      await redis.stop();
    }
  }, 120_000);

  it("starts and stops a throwaway PostgreSQL cluster, and restarts it after a crash", async () => {
    const pg = await startPostgres();
    // An SSLRequest packet: a PostgreSQL server answers with one byte, 'N' (no TLS here).
    const sslRequest = () =>
      new Promise<string>((resolve, reject) => {
        const socket = new Socket();
        socket.once("data", (chunk) => {
          socket.destroy();
          resolve(chunk.toString());
        });
        socket.on("error", reject);
        socket.connect(pg.port, "127.0.0.1", () => socket.write(Buffer.from([0, 0, 0, 8, 4, 210, 22, 47])));
      });
    try {
      expect(pg.url).toMatch(/^postgres:\/\/credstack@127\.0\.0\.1:\d+\/postgres$/);
      expect(await sslRequest()).toBe("N");
      await pg.kill();
      await expect(sslRequest()).rejects.toThrow();
      await pg.restart();
      expect(await sslRequest()).toBe("N");
    } finally {
      await pg.stop();
    }
  }, 120_000);

  it("starts and stops moto_server", async () => {
    const moto = await startMoto();
    try {
      const response = await fetch(`${moto.endpoint}/moto-api/`);
      expect(response.status).toBeLessThan(500);
    } finally {
      await moto.stop();
    }
  }, 120_000);
});
