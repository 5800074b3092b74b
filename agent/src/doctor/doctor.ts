/**
 * `treasury-agent doctor`'s reads: each endpoint's chain id, the lens and the vaults, the key, the sessions, the key's
 * balance, the latest block, the data directory and the journal. What is read is judged by checks.ts. Nothing is
 * sent; the only write is a probe file, created and removed at once, in each directory the daemon writes to.
 */
import fs from "node:fs";
import path from "node:path";
import { computeAddress, Contract, parseEther, ZeroAddress } from "ethers";
import { assetSymbol } from "../chain/asset-symbol.js";
import { endpointName } from "../chain/provider.js";
import type { FailoverProvider } from "../chain/provider.js";
import { LensReader } from "../chain/reader.js";
import type { VaultSnapshot } from "../chain/types.js";
import { loadWallet, openRemoteSigner } from "../config/key.js";
import type { AgentConfig, RemoteSignerConfig } from "../config/schema.js";
import { dataPaths, vaultSetup } from "../daemon/build.js";
import { ChainSessionEnds, type SessionEnd } from "../session/why-ended.js";
import { FileJournal, JOURNAL_FORMAT } from "../executor/journal.js";
import { checkHaDatabase } from "../ha/node.js";
import { AgentError, ConfigError, errorDetail, LensFaultError, RpcError } from "../failures.js";
import {
  chainUsable,
  judgeClock,
  judgeDataDir,
  judgeEndpoints,
  judgeGas,
  judgeJournal,
  judgeKey,
  judgeLens,
  judgeSession,
  judgeVault,
  skipped,
  type Check,
  type JournalFacts,
  type PathFacts,
  type VaultFacts,
} from "./checks.js";

export interface DoctorDeps {
  provider: FailoverProvider;
  /** Wall-clock milliseconds, for the clock-skew check. */
  nowMs: () => number;
}

export async function runDoctor(config: AgentConfig, deps: DoctorDeps): Promise<Check[]> {
  const { provider } = deps;
  const field = config.network.rpcUrls.length > 1 ? "network.rpcUrls" : "network.rpcUrl";
  const answers = (await provider.probeEach("eth_chainId")).map((a) => {
    if (a.result === undefined) return { endpoint: a.endpoint, error: a.error };
    try {
      return { endpoint: a.endpoint, chainId: BigInt(a.result as string) };
    } catch {
      return { endpoint: a.endpoint, error: `answered eth_chainId with ${JSON.stringify(a.result)}` };
    }
  });
  const endpoints = judgeEndpoints(answers, config.network.chainId, field);
  const checks: Check[] = [...endpoints];

  const key = await readKey(config);
  checks.push(judgeKey({ ...key, agentAddress: config.agentAddress }));
  const agent = key.address ?? config.agentAddress;

  if (chainUsable(endpoints)) checks.push(...(await chainChecks(config, provider, agent, deps.nowMs)));
  else {
    const why = "no RPC endpoint of the configured chain answers";
    checks.push(
      skipped("lens", why),
      ...config.vaults.map((v) => skipped(`vault ${v.label ?? v.address}`, why)),
      skipped("gas", why),
      skipped("clock", why),
    );
  }

  checks.push(judgeDataDir(config.dataDir, dataDirFacts(config, agent)));
  checks.push(
    agent
      ? judgeJournal(journalFacts(dataPaths(config, agent).journal))
      : skipped("journal", "no agent address (no key, no agentAddress)"),
  );
  if (config.ha) checks.push(await checkHaDatabase(config.ha, BigInt(config.network.chainId), agent));
  return checks;
}

/** Opens the key as `run` does (the keystore is decrypted with the configured password). */
async function readKey(
  config: AgentConfig,
): Promise<{ address?: string; source: string; error?: string; field?: string }> {
  const { key } = config;
  if (key.remoteSigner) return readRemoteSigner(key.remoteSigner);
  if (key.privateKey)
    return { address: computeAddress(key.privateKey), source: "the raw development key (AGENT_PRIVATE_KEY)" };
  if (!key.keystorePath) {
    return {
      source: "no key",
      error: `no signing key: \`run\` cannot sign${config.agentAddress ? " (agentAddress alone serves the read-only commands)" : ""}`,
      field: "key.keystorePath",
    };
  }
  const source = `the keystore ${key.keystorePath} with the password from ${key.keystorePasswordFile ? `the file ${key.keystorePasswordFile}` : "AGENT_KEYSTORE_PASSWORD"}`;
  try {
    const wallet = await loadWallet(config, BigInt(config.network.chainId));
    return { address: wallet.address, source };
  } catch (err) {
    if (!(err instanceof AgentError)) throw err;
    const wrongPassword = /wrong password/.test(err.message);
    const field = wrongPassword
      ? key.keystorePasswordFile
        ? "key.keystorePasswordFile"
        : "key.keystorePassword"
      : "key.keystorePath";
    return { source, error: err.message, field };
  }
}

/** Asks the remote signer for its accounts as `run` does: reachable, TLS as configured, credential accepted, address held. */
async function readRemoteSigner(
  remote: RemoteSignerConfig,
): Promise<{ address?: string; source: string; error?: string; field?: string }> {
  const tlsNote =
    remote.certSha256 !== undefined
      ? "pinned certificate"
      : remote.caFile !== undefined
        ? `certificate from the CA in ${remote.caFile}`
        : "certificate from a system CA";
  const name = endpointName(remote.url);
  const source = `the remote signer ${name}${name.startsWith("https:") ? ` (TLS: ${tlsNote})` : ""} holds ${remote.address}`;
  try {
    return { address: (await openRemoteSigner(remote)).address, source };
  } catch (err) {
    if (!(err instanceof AgentError)) throw err;
    const m = err.message;
    const field =
      err instanceof ConfigError
        ? err.field
        : /credentials/.test(m)
          ? "key.remoteSigner.auth"
          : /does not hold/.test(m)
            ? "key.remoteSigner.address"
            : /pinned/.test(m)
              ? "key.remoteSigner.certSha256"
              : /not trusted/.test(m)
                ? "key.remoteSigner.caFile"
                : "key.remoteSigner.url";
    return { source, error: m, field };
  }
}

async function chainChecks(
  config: AgentConfig,
  provider: FailoverProvider,
  agent: string | undefined,
  nowMs: () => number,
): Promise<Check[]> {
  const checks: Check[] = [];
  const chainId = config.network.chainId;
  checks.push(judgeLens(config.lens, await hasCode(provider, config.lens), chainId));
  const reader = new LensReader(provider, config.lens);
  const sessions: Check[] = [];
  for (const [index, v] of config.vaults.entries()) {
    const label = v.label ?? v.address;
    const facts: VaultFacts = { index, label, address: v.address, hasCode: await hasCode(provider, v.address) };
    if (facts.hasCode) {
      facts.asset = await vaultAsset(provider, v.address);
      try {
        // A read-only view needs some agent address: the zero address has no sessions.
        facts.snapshot = await reader.snapshot(v.address, agent ?? ZeroAddress);
      } catch (err) {
        if (err instanceof LensFaultError)
          facts.lensError = `it reverts: ${err.detail.revert === undefined ? "no revert data" : err.detail.revert}`;
        else if (err instanceof RpcError && !isContractAnswer(err))
          throw err; // the node, not the lens: nothing to judge
        else facts.lensError = err instanceof Error ? errorDetail(err) : String(err);
      }
    }
    checks.push(judgeVault(facts, config.lens, facts.snapshot ? await assetSymbol(provider, v.address) : ""));
    if (!facts.snapshot) sessions.push(skipped(`session ${label}`, "the vault could not be read"));
    else if (!agent) sessions.push(skipped(`session ${label}`, "no agent address (no key, no agentAddress)"));
    else {
      try {
        const { policy } = vaultSetup(config, index, agent, facts.snapshot.assetDecimals).runnerConfig;
        const ends = await configuredSessionEnd(provider, facts.snapshot, v.address, agent, policy.preferredSessionId);
        sessions.push(judgeSession(label, index, facts.snapshot, agent, policy, ends));
      } catch (err) {
        // A setting in token units the asset cannot hold (too many decimals): the message names the field.
        const message = (err as Error).message;
        sessions.push({
          name: `session ${label}`,
          status: "fail",
          field: (err as { field?: string }).field,
          detail: message,
          fix: "correct that field",
        });
      }
    }
  }
  checks.push(...sessions);
  if (agent) checks.push(judgeGas(agent, await provider.getBalance(agent), parseEther(config.tx.lowBalanceEth)));
  else checks.push(skipped("gas", "no agent address (no key, no agentAddress)"));
  const block = await provider.getBlock("latest");
  if (block) checks.push(judgeClock(Math.floor(nowMs() / 1000), BigInt(block.timestamp), block.number));
  return checks;
}

/** A call the contract answered with something other than a snapshot (as `buildRunners` tells it at start). */
function isContractAnswer(err: RpcError): boolean {
  const code = (err.cause as { code?: string } | undefined)?.code;
  return code === "CALL_EXCEPTION" || code === "BAD_DATA";
}

async function hasCode(provider: FailoverProvider, address: string): Promise<boolean> {
  return (await provider.getCode(address)) !== "0x";
}

/** The vault's `asset()`, or undefined when it does not answer like an ERC-4626 vault. */
async function vaultAsset(provider: FailoverProvider, vault: string): Promise<string | undefined> {
  try {
    return (await new Contract(vault, ["function asset() view returns (address)"], provider).getFunction(
      "asset",
    )()) as string;
  } catch {
    return undefined;
  }
}

/**
 * Every directory and file the daemon writes: the directory itself, the journal, the published decision records, and
 * each vault's state files.
 */
function dataDirFacts(config: AgentConfig, agent: string | undefined): PathFacts[] {
  const facts: PathFacts[] = [{ path: config.dataDir, what: "data directory", problem: dirProblem(config.dataDir) }];
  if (!agent) return facts;
  const paths = dataPaths(config, agent);
  facts.push({ path: paths.journal, what: "journal", problem: fileProblem(paths.journal) });
  facts.push({ path: paths.records, what: "published decision records", problem: dirProblem(paths.records) });
  for (const v of config.vaults) {
    facts.push({ path: paths.prices(v.address), what: "price history", problem: fileProblem(paths.prices(v.address)) });
    facts.push({
      path: paths.breaker(v.address),
      what: "circuit breaker",
      problem: fileProblem(paths.breaker(v.address)),
    });
    facts.push({
      path: paths.quarantine(v.address),
      what: "quarantine list",
      problem: fileProblem(paths.quarantine(v.address)),
    });
  }
  return facts;
}

/** Why a file cannot be written: an existing one must open for writing; a missing one needs a writable directory. */
function fileProblem(file: string): string | undefined {
  if (!fs.existsSync(file)) return dirProblem(path.dirname(file));
  try {
    fs.closeSync(fs.openSync(file, "r+"));
    return undefined;
  } catch (err) {
    return `cannot be opened for writing (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
}

/**
 * Why files cannot be created in `dir` (which the daemon creates when missing): the nearest existing directory up
 * the path must be one, and take a file. A probe file proves it where permission bits cannot (a read-only mount, root).
 */
function dirProblem(dir: string): string | undefined {
  let existing = dir;
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  if (!fs.statSync(existing).isDirectory()) return `${existing} is not a directory`;
  const probe = path.join(existing, `.treasury-agent-doctor-${process.pid}`);
  try {
    fs.closeSync(fs.openSync(probe, "wx"));
    fs.rmSync(probe);
    return undefined;
  } catch (err) {
    return `cannot create files in ${existing} (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
}

function journalFacts(file: string): JournalFacts {
  if (!fs.existsSync(file)) return { file, exists: false, current: JOURNAL_FORMAT };
  try {
    const journal = new FileJournal(file, { readOnly: true });
    return {
      file,
      exists: true,
      format: journal.foundFormat,
      current: JOURNAL_FORMAT,
      entries: journal.entries().length,
      inFlight: journal.inFlight().length,
    };
  } catch (err) {
    return {
      file,
      exists: true,
      current: JOURNAL_FORMAT,
      error: err instanceof Error ? errorDetail(err) : String(err),
    };
  }
}

/**
 * What the chain says of the configured session when it is not the agent's (moved to another key), so the failure
 * says so; nothing when it is listed, unknown, or the read fails (the failure then says it is not the agent's).
 */
async function configuredSessionEnd(
  provider: FailoverProvider,
  snapshot: VaultSnapshot,
  vault: string,
  agent: string,
  sessionId: bigint | undefined,
): Promise<Map<bigint, SessionEnd>> {
  if (sessionId === undefined || snapshot.sessions.some((s) => s.id === sessionId)) return new Map();
  const end = await new ChainSessionEnds(provider)
    .explain({
      sessionManager: snapshot.sessionManager,
      sessionId,
      vault,
      agent,
      sinceBlock: snapshot.blockNumber,
      toBlock: snapshot.blockNumber,
    })
    .catch(() => undefined);
  return end ? new Map([[sessionId, end]]) : new Map();
}
