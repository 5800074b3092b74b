/**
 * The `ha` section: the PostgreSQL URL from the environment or a file, never logged with its credentials; the
 * defaults (lease 15 s, node id the host name); absent `ha`, the daemon keeps the file journal.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig, redactedConfig } from "../../src/config/load.js";
import { nodeIdOf } from "../../src/ha/node.js";

const valid = () => ({
  network: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337 },
  lens: "0x1111111111111111111111111111111111111111",
  tx: { maxFeePerGasGwei: "100" },
  planner: { minMove: "1000", nativePriceInAsset: "3000" },
  vaults: [{ address: "0x2222222222222222222222222222222222222222", label: "main" }],
});

describe("config: ha", () => {
  it("absent: no HA (the file journal); the environment's URL turns it on with the defaults", () => {
    expect(parseConfig(valid(), {}).ha).toBeUndefined();
    const c = parseConfig(valid(), { AGENT_HA_DATABASE_URL: "postgresql://agent:s3cret@db.internal:5432/treasury" });
    expect(c.ha).toMatchObject({
      leaseSeconds: 15,
      databaseUrl: "postgresql://agent:s3cret@db.internal:5432/treasury",
    });
    expect(nodeIdOf(c.ha!)).toBe(os.hostname());
  });

  it("the URL never appears in the logged configuration: host, port and database only", () => {
    const c = parseConfig(
      { ...valid(), ha: { nodeId: "node-a", leaseSeconds: 10 } },
      { AGENT_HA_DATABASE_URL: "postgresql://agent:s3cret@db.internal:5432/treasury?sslmode=require" },
    );
    const logged = JSON.stringify(redactedConfig(c));
    expect(logged).not.toContain("s3cret");
    expect(logged).not.toContain("agent:");
    expect(logged).toContain("postgresql://db.internal:5432/treasury");
    expect(logged).toContain('"nodeId":"node-a"');
  });

  it("one chain per HA daemon: with several networks, ha is refused naming it", () => {
    const { network: _, vaults: __, ...rest } = valid();
    const several = {
      ...rest,
      networks: [
        { name: "local", rpcUrl: "http://127.0.0.1:8545", chainId: 31337 },
        { name: "dev", rpcUrl: "http://127.0.0.1:8546", chainId: 1337 },
      ],
      vaults: [{ address: "0x2222222222222222222222222222222222222222", network: "local", label: "main" }],
      ha: { nodeId: "a" },
    };
    expect(() => parseConfig(several, { AGENT_HA_DATABASE_URL: "postgresql://db/agent" })).toThrow(
      /invalid config: ha: high availability runs one chain per daemon/,
    );
  });

  it("the URL from a file (relative to the config's folder), one line", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ha-config-"));
    fs.writeFileSync(path.join(dir, "db-url"), "postgresql://agent:pw@127.0.0.1:5432/treasury\n");
    const c = parseConfig({ ...valid(), ha: { databaseUrlFile: "db-url" } }, {}, dir);
    expect(c.ha?.databaseUrl).toBe("postgresql://agent:pw@127.0.0.1:5432/treasury");
    fs.writeFileSync(path.join(dir, "bad-url"), "mysql://x/y\n");
    expect(() => parseConfig({ ...valid(), ha: { databaseUrlFile: "bad-url" } }, {}, dir)).toThrow(
      /ha\.databaseUrlFile: the file .*bad-url does not hold a postgresql:\/\/ URL/,
    );
  });
});
