/**
 * Several chains in one config (`networks`, each vault naming its network): the single-chain shape keeps meaning one
 * network, each chain's config is cut out for its agent, and a bad list stops the start with a message naming the
 * field.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { chainConfigs } from "../../src/daemon/chains.js";
import { ConfigError } from "../../src/failures.js";

const V1 = "0x2222222222222222222222222222222222222222";
const V2 = "0x3333333333333333333333333333333333333333";
const single = () => ({
  network: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337 },
  lens: "0x1111111111111111111111111111111111111111",
  tx: { maxFeePerGasGwei: "100" },
  planner: { minMove: "1000", nativePriceInAsset: "3000" },
  vaults: [{ address: V1 }],
});
const several = (over: Record<string, unknown> = {}) => {
  const { network: _, ...rest } = single();
  return {
    ...rest,
    networks: [
      { name: "mainnet", rpcUrl: "https://eth.example/v1/KEY", chainId: 1, confirmations: 3 },
      {
        name: "base",
        rpcUrls: ["https://base.example", "https://base2.example"],
        chainId: 8453,
        maxFeePerGasGwei: "2",
      },
    ],
    vaults: [
      { address: V1, network: "mainnet", label: "dao-eth" },
      { address: V1, network: "base", chainId: 8453, label: "dao-base" },
      { address: V2, network: "base", label: "grants-base" },
    ],
    ...over,
  };
};

/** Two networks, the second named `name` on `chainId`, and one vault on the first. */
const secondNetwork = (name: string, chainId: number) => ({
  networks: [
    { name: "mainnet", rpcUrl: "https://a.example", chainId: 1 },
    { name, rpcUrl: "https://b.example", chainId },
  ],
  vaults: [{ address: V1, network: "mainnet" }],
});

function failure(file: unknown, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parseConfig(file, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("no ConfigError");
}

describe("networks", () => {
  it("a single-chain config is one network named default, every vault on it", () => {
    const c = parseConfig(single(), {});
    expect(c.networks.map((n) => [n.name, n.chainId])).toEqual([["default", 31337]]);
    expect(c.network).toBe(c.networks[0]);
    expect(c.vaults.map((v) => v.network)).toEqual(["default"]);
    expect(chainConfigs(c)).toHaveLength(1);
    expect(chainConfigs(c)[0]!.vaults).toEqual(c.vaults);
  });

  it("a list of networks: each chain's config holds its network, its vaults and its fee ceiling", () => {
    const c = parseConfig(several(), {});
    expect(c.network.name, "network is the first, for commands on one chain").toBe("mainnet");
    const [eth, base] = chainConfigs(c);
    expect(eth!.network).toMatchObject({
      name: "mainnet",
      chainId: 1,
      confirmations: 3,
      rpcUrls: ["https://eth.example/v1/KEY"],
    });
    expect(eth!.networks).toEqual([eth!.network]);
    expect(eth!.vaults.map((v) => v.label)).toEqual(["dao-eth"]);
    expect(eth!.tx.maxFeePerGasGwei, "tx's ceiling where the network sets none").toBe("100");
    expect(base!.network.rpcUrls).toEqual(["https://base.example", "https://base2.example"]);
    expect(base!.vaults.map((v) => v.label)).toEqual(["dao-base", "grants-base"]);
    expect(base!.tx.maxFeePerGasGwei, "the network's own ceiling").toBe("2");
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    [
      "a vault naming no listed network",
      { vaults: [{ address: V1, network: "arbitrum", label: "a" }] },
      "vaults.0.network",
      /no network named "arbitrum" \(networks: "mainnet", "base"\)/,
    ],
    [
      "a vault naming no network among several",
      { vaults: [{ address: V1, label: "a" }] },
      "vaults.0.network",
      /required with several networks/,
    ],
    [
      "two networks on one chain id",
      secondNetwork("mainnet-b", 1),
      "networks.1.chainId",
      /chain 1 is also networks\.0 \("mainnet"\): one network per chain/,
    ],
    ["a network name used twice", secondNetwork("mainnet", 10), "networks.1.name", /used twice/],
    [
      "a vault whose chain id is not its network's",
      { vaults: [{ address: V1, network: "base", chainId: 1, label: "a" }] },
      "vaults.0.chainId",
      /chain 1, but its network "base" is chain 8453/,
    ],
    [
      "one address on two networks without labels",
      {
        vaults: [
          { address: V1, network: "mainnet" },
          { address: V1, network: "base" },
        ],
      },
      "vaults.1.label",
      /required: the address is on two networks/,
    ],
    [
      "one address twice on one network",
      {
        vaults: [
          { address: V1, network: "base", label: "a" },
          { address: V1, network: "base", label: "b" },
        ],
      },
      "vaults.1.address",
      /listed twice on its network/,
    ],
    [
      "a network without endpoints",
      { networks: [{ name: "mainnet", chainId: 1 }], vaults: [{ address: V1 }] },
      "networks.0.rpcUrl",
      /required \(or rpcUrls, a list\)/,
    ],
    [
      "a network with a bad name",
      { networks: [{ name: "main net", rpcUrl: "https://a.example", chainId: 1 }], vaults: [{ address: V1 }] },
      "networks.0.name",
      /letters, digits/,
    ],
  ])("%s stops the start, naming the field", (_what, over, field, message) => {
    const err = failure(several(over));
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
  });

  it("both network and networks, or neither, is refused", () => {
    expect(failure({ ...several(), network: single().network }).field).toBe("networks");
    const { network: _, ...none } = single();
    const err = failure(none);
    expect(err.field).toBe("network");
    expect(err.message).toMatch(/required \(or networks: a list of chains\)/);
  });

  it("the environment's one-chain settings are refused beside a list of networks, naming the variable", () => {
    const err = failure(several(), { AGENT_RPC_URL: "http://127.0.0.1:8545" });
    expect(err.field).toBe("networks");
    expect(err.message).toMatch(/AGENT_RPC_URL sets network\.rpcUrl, but the config lists several networks/);
  });

  it("a raw key only when every network is a local chain", () => {
    const local = several({
      networks: [
        { name: "a", rpcUrl: "http://127.0.0.1:8545", chainId: 31337 },
        { name: "b", rpcUrl: "http://127.0.0.1:8546", chainId: 1337 },
      ],
      vaults: [
        { address: V1, network: "a", label: "x" },
        { address: V1, network: "b", label: "y" },
      ],
    });
    expect(parseConfig(local, { AGENT_PRIVATE_KEY: `0x${"ab".repeat(32)}` }).networks).toHaveLength(2);
    expect(failure(several(), { AGENT_PRIVATE_KEY: `0x${"ab".repeat(32)}` }).field).toBe("key.privateKey");
  });
});
