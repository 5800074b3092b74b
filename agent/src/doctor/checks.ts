/**
 * `treasury-agent doctor`'s judgements, pure: facts read from the chain and the disk go in (probe.ts reads them), one
 * check comes out per fact, `ok`, `warn` or `fail`, with the config field at fault and how to fix it. No RPC, no
 * clock, no file system here.
 */
import { formatEther } from "ethers";
import type { VaultSnapshot } from "../chain/types.js";
import { assessVault, type SessionPolicy } from "../session/assess.js";
import type { SessionEnd } from "../session/why-ended.js";
import { formatAmount, formatChainTime, formatDuration } from "../util/format.js";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface Check {
  /**
   * What was checked: `rpc <endpoint>`, `lens`, `vault <label>`, `key`, `session <label>`, `gas`, `dataDir`, `clock`,
   * `journal`.
   */
  name: string;
  status: CheckStatus;
  /** What was found, in one sentence. */
  detail: string;
  /** The configuration field to change (dotted path), when one is at fault. */
  field?: string;
  /** What to do about a warning or failure. */
  fix?: string;
}

/** The latest block may lag the wall clock by a few block times; beyond this the host's clock is suspect. */
export const CLOCK_SKEW_WARN_SECONDS = 120;

/** 0 when nothing failed (warnings included), 1 otherwise. */
export function exitCode(checks: readonly Check[]): 0 | 1 {
  return checks.some((c) => c.status === "fail") ? 1 : 0;
}

/**
 * One line per check: `ok    rpc http://127.0.0.1:8545: chain 31337, block 42`, and the fix after a warning or failure.
 */
export function renderChecks(checks: readonly Check[]): string {
  const lines = checks.map((c) => `${c.status.padEnd(4)}  ${c.name}: ${c.detail}${c.fix ? `. Fix: ${c.fix}` : ""}`);
  const failed = checks.filter((c) => c.status === "fail").length;
  const warned = checks.filter((c) => c.status === "warn").length;
  const warnings = `${warned} warning${warned === 1 ? "" : "s"}`;
  lines.push(
    "",
    failed === 0
      ? `no failure${warned ? `, ${warnings}` : ""}: ready to run`
      : `${failed} failed, ${warnings}: fix the failures before running`,
  );
  return lines.join("\n");
}

/** What one endpoint answered to eth_chainId (`error` when it did not answer). */
export interface EndpointAnswer {
  endpoint: string;
  chainId?: bigint;
  error?: string;
}

/**
 * Each endpoint: it must answer, and name the configured chain. One that does not answer while another does is a
 * warning (the daemon fails over past it); none answering, or any on another chain, is a failure.
 */
export function judgeEndpoints(
  answers: readonly EndpointAnswer[],
  expected: number,
  field: "network.rpcUrl" | "network.rpcUrls",
): Check[] {
  const anyUp = answers.some((a) => a.chainId !== undefined);
  return answers.map((a): Check => {
    const name = `rpc ${a.endpoint}`;
    if (a.chainId === undefined) {
      return {
        name,
        status: anyUp ? "warn" : "fail",
        field,
        detail: `does not answer (${a.error ?? "no answer"})`,
        fix: `start the node or correct ${field} (or AGENT_RPC_URL)${anyUp ? "; the daemon uses the other endpoints meanwhile" : ""}`,
      };
    }
    if (a.chainId !== BigInt(expected)) {
      return {
        name,
        status: "fail",
        field: "network.chainId",
        detail: `serves chain ${a.chainId}, but network.chainId is ${expected}`,
        fix: `point ${field} at a node of chain ${expected}, or set network.chainId (AGENT_CHAIN_ID) to ${a.chainId} if that is the chain meant`,
      };
    }
    return { name, status: "ok", detail: `serves chain ${expected}` };
  });
}

/** Whether the chain checks can run: some endpoint answers and every one that answers is on the configured chain. */
export function chainUsable(endpoints: readonly Check[]): boolean {
  return endpoints.some((c) => c.status === "ok") && !endpoints.some((c) => c.status === "fail");
}

export function skipped(name: string, why: string): Check {
  return { name, status: "skip", detail: `not checked: ${why}` };
}

/** The lens address: a contract must be there. */
export function judgeLens(lens: string, hasCode: boolean, chainId: number): Check {
  if (hasCode) return { name: "lens", status: "ok", detail: `contract at ${lens}` };
  return {
    name: "lens",
    status: "fail",
    field: "lens",
    detail: `no contract at ${lens} on chain ${chainId}`,
    fix: `set lens (or AGENT_LENS) to the TreasuryLens deployment on chain ${chainId}`,
  };
}

/** What was read about one configured vault. */
export interface VaultFacts {
  index: number;
  label: string;
  address: string;
  hasCode: boolean;
  /** The vault's own `asset()`, when it answers (an ERC-4626 vault does). */
  asset?: string;
  /** The lens's snapshot of the vault for the agent, when the lens answered. */
  snapshot?: VaultSnapshot;
  /** Why the lens did not answer. */
  lensError?: string;
}

/**
 * A vault: a contract at its address, and the lens answers for it. When the lens cannot read a contract that answers
 * `asset()` like an ERC-4626 vault, the lens is the field at fault; otherwise the vault's address is.
 */
export function judgeVault(v: VaultFacts, lens: string, symbol: string): Check {
  const name = `vault ${v.label}`;
  const field = `vaults.${v.index}.address`;
  if (!v.hasCode) {
    return {
      name,
      status: "fail",
      field,
      detail: `no contract at ${v.address}`,
      fix: `set ${field} to the treasury vault's address on this chain`,
    };
  }
  if (!v.snapshot) {
    const why = v.lensError ? ` (${v.lensError})` : "";
    if (v.asset !== undefined) {
      return {
        name,
        status: "fail",
        field: "lens",
        detail: `the vault answers asset() = ${v.asset}, but the lens ${lens} cannot read it${why}`,
        fix: "set lens (or AGENT_LENS) to the TreasuryLens deployment of this chain",
      };
    }
    return {
      name,
      status: "fail",
      field,
      detail: `${v.address} is not an ERC-4626 vault the lens ${lens} can read${why}`,
      fix: `set ${field} to the treasury vault's address (and lens to its TreasuryLens)`,
    };
  }
  const s = v.snapshot;
  const asset = `${symbol ? `${symbol} ` : ""}${s.asset}, ${s.assetDecimals} decimals`;
  return {
    name,
    status: "ok",
    detail:
      `${s.vault}: asset ${asset}; ${formatAmount(s.totalAssets, s.assetDecimals)} under management, ` +
      `${s.strategies.length} strategies; the lens reads it at block ${s.blockNumber}`,
  };
}

/** The signing key: its address, or why it cannot be opened (the message of the key loader, which names the file). */
export function judgeKey(facts: {
  address?: string;
  source: string;
  error?: string;
  field?: string;
  agentAddress?: string;
}): Check {
  if (facts.error !== undefined) {
    return {
      name: "key",
      status: "fail",
      field: facts.field ?? "key",
      detail: facts.error,
      fix: keyFix(facts.field ?? "key"),
    };
  }
  if (facts.agentAddress && facts.address && facts.agentAddress !== facts.address) {
    return {
      name: "key",
      status: "fail",
      field: "agentAddress",
      detail: `agentAddress ${facts.agentAddress} is not the key's address ${facts.address}`,
      fix: "remove agentAddress (or AGENT_ADDRESS), or set it to the key's address",
    };
  }
  return { name: "key", status: "ok", detail: `${facts.source} opens: agent ${facts.address}` };
}

function keyFix(field: string): string {
  if (field === "key.keystorePassword" || field === "key.keystorePasswordFile") {
    return "put the keystore's password in the file named by key.keystorePasswordFile (AGENT_KEYSTORE_PASSWORD_FILE), or in AGENT_KEYSTORE_PASSWORD";
  }
  if (field === "key.remoteSigner.auth")
    return "put the signer's credential (the auth header's whole value) in AGENT_SIGNER_AUTH or the file named by key.remoteSigner.authFile";
  if (field === "key.remoteSigner.address")
    return "set key.remoteSigner.address (AGENT_SIGNER_ADDRESS) to the agent's address, or load the agent's key into the signer";
  if (field === "key.remoteSigner.certSha256")
    return "set key.remoteSigner.certSha256 to the SHA-256 fingerprint of the signer's certificate (`openssl x509 -noout -fingerprint -sha256 -in cert.pem`)";
  if (field === "key.remoteSigner.caFile")
    return "set key.remoteSigner.caFile to the CA (or the self-signed certificate) of the signer, or pin it with key.remoteSigner.certSha256";
  if (field === "key.remoteSigner.url")
    return "start the remote signer, or correct key.remoteSigner.url (AGENT_SIGNER_URL); it must answer eth_accounts";
  if (field === "key.keystorePath")
    return "set key.keystorePath (AGENT_KEYSTORE) to the agent's keystore (`treasury-agent keystore create` writes one)";
  return "configure the agent's key: key.keystorePath (AGENT_KEYSTORE) and its password, or AGENT_PRIVATE_KEY on a local chain";
}

/** Scope bits as the strategies they name (by index in the vault). */
function scopeText(scope: bigint, snapshot: VaultSnapshot): string {
  const inScope = snapshot.strategies.filter((s) => (scope >> BigInt(s.index)) & 1n).map((s) => s.strategy);
  return `${inScope.length} of ${snapshot.strategies.length} strategies${inScope.length > 0 ? ` (${inScope.join(", ")})` : ""}`;
}

/**
 * The agent's sessions on a vault, judged as the daemon judges them (`assessVault`): one to act through now is ok;
 * one that only waits (cooldown, budget spent, not started) is ok and says until when; one that ends within
 * `sessions.warnBeforeExpirySeconds` is a warning; none the agent can use is a failure.
 */
export function judgeSession(
  label: string,
  index: number,
  snapshot: VaultSnapshot,
  agent: string,
  policy: SessionPolicy,
  /** What the chain says of the configured session when it is not the agent's (`why-ended.ts`). */
  ends?: ReadonlyMap<bigint, SessionEnd>,
): Check {
  const name = `session ${label}`;
  const a = assessVault(snapshot, policy, snapshot.timestamp, ends);
  const describe = (id: bigint) => {
    const s = snapshot.sessions.find((x) => x.id === id)!;
    const left = s.session.validUntil > snapshot.timestamp ? s.session.validUntil - snapshot.timestamp : 0n;
    return `session #${id} until ${formatChainTime(s.session.validUntil)} (in ${formatDuration(left)}), scope ${scopeText(s.session.scope, snapshot)}`;
  };
  if (a.mode === "stand-down") {
    const preferred = policy.preferredSessionId !== undefined;
    return {
      name,
      status: "fail",
      field: preferred ? `vaults.${index}.sessionId` : undefined,
      detail: `no active session for agent ${agent}: ${a.reason}`,
      fix: preferred
        ? `set vaults.${index}.sessionId to one of the agent's sessions, or remove it to use the one that lasts longest`
        : `governance grants agent ${agent} a session on ${snapshot.vault} (SessionManager ${snapshot.sessionManager})` +
          (snapshot.agentsPaused ? ", and the guardian unpauses the agents" : ""),
    };
  }
  const id = a.session?.id ?? a.sessions.find((s) => s.status !== "expired" && s.status !== "revoked")!.id;
  const waiting = a.mode === "wait" ? `; waiting: ${a.reason}` : "";
  const soon = a.expiringSoon.find((s) => s.id === id);
  if (soon) {
    return {
      name,
      status: "warn",
      detail: `${describe(id)}: ends within sessions.warnBeforeExpirySeconds (${formatDuration(policy.warnBeforeExpirySeconds)})${waiting}`,
      fix: `governance grants agent ${agent} a new session before this one ends`,
    };
  }
  return { name, status: "ok", detail: `${describe(id)}${waiting}` };
}

/** The agent key's ETH against `tx.lowBalanceEth`: none is a failure (nothing can be sent), below it a warning. */
export function judgeGas(address: string, balance: bigint, lowBalance: bigint): Check {
  const held = `${formatEther(balance)} ETH`;
  if (balance === 0n) {
    return {
      name: "gas",
      status: "fail",
      detail: `the agent key ${address} holds 0 ETH: it cannot pay for any transaction`,
      fix: `send ETH to ${address}`,
    };
  }
  if (balance < lowBalance) {
    return {
      name: "gas",
      status: "warn",
      field: "tx.lowBalanceEth",
      detail: `the agent key ${address} holds ${held}, below tx.lowBalanceEth (${formatEther(lowBalance)} ETH)`,
      fix: `send ETH to ${address}`,
    };
  }
  return {
    name: "gas",
    status: "ok",
    detail: `the agent key ${address} holds ${held} (tx.lowBalanceEth ${formatEther(lowBalance)} ETH)`,
  };
}

/** A path the daemon writes, and whether it can: `problem` says why not. */
export interface PathFacts {
  path: string;
  /** journal, published decision records, price history, circuit breaker, quarantine list, or the directory itself. */
  what: string;
  problem?: string;
}

export function judgeDataDir(dataDir: string, paths: readonly PathFacts[]): Check {
  const bad = paths.filter((p) => p.problem !== undefined);
  if (bad.length === 0)
    return { name: "dataDir", status: "ok", detail: `${dataDir} is writable (${paths.map((p) => p.what).join(", ")})` };
  return {
    name: "dataDir",
    status: "fail",
    field: "dataDir",
    detail: bad.map((p) => `${p.what} ${p.path}: ${p.problem}`).join("; "),
    fix: `set dataDir (AGENT_DATA_DIR) to a directory the daemon's user can write, or give that user write access to ${dataDir}`,
  };
}

/** The host's clock against the latest block's timestamp (both in seconds). */
export function judgeClock(
  nowSeconds: number,
  blockTimestamp: bigint,
  blockNumber: number,
  warnAboveSeconds = CLOCK_SKEW_WARN_SECONDS,
): Check {
  const skew = nowSeconds - Number(blockTimestamp);
  const side = skew >= 0 ? "ahead of" : "behind";
  const detail = `the host's clock is ${formatDuration(Math.abs(skew))} ${side} block ${blockNumber}'s timestamp`;
  if (Math.abs(skew) <= warnAboveSeconds) return { name: "clock", status: "ok", detail };
  return {
    name: "clock",
    status: "warn",
    detail: `${detail} (more than ${formatDuration(warnAboveSeconds)})`,
    fix:
      skew > 0
        ? "synchronise the host's clock (NTP), or check the node is synced: a node that lags answers from the past"
        : "synchronise the host's clock (NTP): it is behind the chain",
  };
}

/** What was found of the journal file. */
export interface JournalFacts {
  file: string;
  exists: boolean;
  format?: number;
  current: number;
  entries?: number;
  inFlight?: number;
  error?: string;
}

export function judgeJournal(j: JournalFacts): Check {
  if (j.error !== undefined) {
    return {
      name: "journal",
      status: "fail",
      detail: j.error,
      fix: "run the agent version that wrote the journal, or move the file aside if it belongs to no agent (the daemon then starts a new one)",
    };
  }
  if (!j.exists)
    return {
      name: "journal",
      status: "ok",
      detail: `none yet at ${j.file} (the daemon creates it, format ${j.current}, before its first send)`,
    };
  const held = `${j.entries} intent${j.entries === 1 ? "" : "s"}, ${j.inFlight} in flight`;
  if (j.format! < j.current) {
    return {
      name: "journal",
      status: "warn",
      detail: `${j.file} is in format ${j.format} (${held})`,
      fix: `none needed: \`run\` migrates it to format ${j.current} on start and keeps the old file beside it`,
    };
  }
  return { name: "journal", status: "ok", detail: `${j.file}: format ${j.format}, ${held}` };
}
