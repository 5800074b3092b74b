/**
 * The commands an operator runs, against the embedded chain: `plan --dry-run`, `status` and `sessions` print
 * readable reports and send nothing; `run --once` loads an encrypted keystore and rebalances.
 */
import fs from "node:fs";
import path from "node:path";
import { encryptKeystoreJson, Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalChain } from "../../devnet/chain.js";
import type { Stack } from "../../devnet/stack.js";
import { planCommand, sessionsCommand, statusCommand } from "../../src/cli/report-commands.js";
import { runCommand } from "../../src/cli/run.js";
import { AGENT, AGENT_KEY, cliConfig, rebalancedEvents, startStack, tempDir } from "../support/daemon-harness.js";

let chain: LocalChain;
let stack: Stack;
let configPath: string;

beforeAll(async () => {
  ({ chain, stack } = await startStack({ session: { perCall: 900_000n, perEpoch: 3_000_000n } }));
  const dir = tempDir("agent-cli-");
  fs.writeFileSync(
    path.join(dir, "agent.keystore.json"),
    await encryptKeystoreJson({ address: AGENT, privateKey: AGENT_KEY }, "s3cret-pass", { scrypt: { N: 1 << 10 } }),
  );
  configPath = path.join(dir, "agent.config.json");
  const config = cliConfig(chain, stack, {
    network: { rpcUrl: chain.url, chainId: 31337, pollIntervalMs: 100 },
    key: { keystorePath: "agent.keystore.json" },
    vaults: [{ address: stack.vaultAddress, label: "treasury" }],
  });
  fs.writeFileSync(configPath, JSON.stringify(config));
  process.env.AGENT_KEYSTORE_PASSWORD = "s3cret-pass";
}, 60_000);

afterAll(async () => {
  delete process.env.AGENT_KEYSTORE_PASSWORD;
  await chain?.close();
});

const capture = () => {
  const lines: string[] = [];
  return { print: (t: string) => lines.push(t), text: () => lines.join("\n") };
};
const nonce = () => chain.provider.getTransactionCount(new Wallet(AGENT_KEY).address, "latest");

describe("operator commands", () => {
  it("plan --dry-run prints the plan, the mirror's verdict and the simulation, and sends nothing", async () => {
    const before = await nonce();
    const out = capture();
    await planCommand({ config: configPath }, out.print);
    const text = out.text();
    expect(text).toContain("Vault treasury");
    expect(text).toMatch(/strategy\s+enabled\s+value\s+share\s+abs cap\s+rel cap\s+est\. APR\s+withdrawable/);
    expect(text).toContain("Decision: rebalance");
    expect(text).toContain("check mirror: passes");
    expect(text).toContain("simulation: would pass");
    expect(text, "equal thirds of what is above the buffer and its 5 bps margin").toContain("+299,833.33");
    expect(text).toContain("dry run: nothing was signed or sent.");
    expect(await nonce()).toBe(before);
  });

  it("run --once decrypts the keystore and rebalances; status shows it; sessions lists the session", async () => {
    await runCommand({ config: configPath, once: true }, new AbortController().signal);
    const events = await rebalancedEvents(stack);
    expect(events).toHaveLength(1);

    const status = capture();
    await statusCommand({ config: configPath }, status.print);
    const text = status.text();
    expect(text).toContain(`Agent ${AGENT} on chain 31337`);
    expect(text).toContain("circuit breaker: closed");
    expect(text).toMatch(/299,833\.33\s+29\.98%/);
    expect(text).toMatch(/#1\s+cooldown/);
    expect(text).toContain(`${events[0]!.args.intentHash.slice(0, 10)}…`);
    expect(text).toMatch(/confirmed\s+899,500/);

    const sessions = capture();
    await sessionsCommand({ config: configPath }, sessions.print);
    expect(sessions.text()).toMatch(
      /session\s+state\s+valid\s+left\s+per call\s+epoch volume\s+calls\s+next call\s+scope\s+moves\s+loss allowance/,
    );
    expect(sessions.text()).toMatch(/#1\s+cooldown\s+.*→.*\s+6d 23h\s+.*2,100,500\s+23\s+.*#0 #1 #2/);
    expect(sessions.text(), "may raise strategies, no loss allowance of its own").toMatch(
      /#0 #1 #2\s+any\s+none of its own/,
    );
  });
});
