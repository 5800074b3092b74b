/**
 * The signing key: an encrypted JSON keystore (ethers `Wallet.fromEncryptedJson`), a raw key on the local chain
 * only, or a remote signer that holds it (the key then never enters the daemon; checked at start: reachable over the
 * configured TLS, the credential accepted, the configured address held). Neither the key nor the password is ever logged or put in an error message. Wherever the keystore is opened
 * its password is checked: a wrong one fails at once, naming the keystore and where the password came from.
 */
import fs from "node:fs";
import { computeAddress, Wallet, type BaseWallet } from "ethers";
import type { AgentKey } from "../executor/sender.js";
import { ConfigError, KeyError } from "../failures.js";
import { RemoteSigner } from "../signer/remote-signer.js";
import { keystoreOrigin, relativeNote } from "./load.js";
import { LOCAL_CHAIN_IDS, type AgentConfig, type RemoteSignerConfig } from "./schema.js";

export async function loadWallet(config: AgentConfig, actualChainId: bigint): Promise<AgentKey> {
  const { key } = config;
  if (key.remoteSigner) return openRemoteSigner(key.remoteSigner);
  if (key.privateKey) {
    if (!LOCAL_CHAIN_IDS.includes(config.network.chainId) || actualChainId !== BigInt(config.network.chainId)) {
      throw new KeyError(
        `a raw private key is accepted only on a local development chain (${LOCAL_CHAIN_IDS.join(" or ")})`,
      );
    }
    return new Wallet(key.privateKey);
  }
  if (key.keystorePath) return openKeystore(config);
  throw new ConfigError(
    "invalid config: key: no signing key (set AGENT_KEYSTORE and AGENT_KEYSTORE_PASSWORD, a remote signer (key.remoteSigner), or AGENT_PRIVATE_KEY on the local chain)",
    "key",
  );
}

/** The remote signer, checked: its CA file read (a `ConfigError` naming the field), then asked for its accounts. */
export async function openRemoteSigner(remote: RemoteSignerConfig): Promise<RemoteSigner> {
  let ca: string | undefined;
  if (remote.caFile) {
    try {
      ca = fs.readFileSync(remote.caFile, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ConfigError(
        `invalid config: key.remoteSigner.caFile: cannot read ${remote.caFile} (${code ?? String(err)})`,
        "key.remoteSigner.caFile",
        { cause: err },
      );
    }
  }
  return RemoteSigner.open({
    url: remote.url,
    address: remote.address,
    api: remote.api,
    authHeader: remote.authHeader,
    auth: remote.auth,
    ca,
    certSha256: remote.certSha256,
    timeoutMs: remote.timeoutMs,
  });
}

/** Reads and decrypts the configured keystore. A missing file, a file that is no keystore and a wrong password are
 * each a `KeyError` saying so, with the resolved path (and the folder a relative path was taken from). */
async function openKeystore(config: AgentConfig): Promise<BaseWallet> {
  const file = config.key.keystorePath!;
  const note = relativeNote(keystoreOrigin(config));
  let json: string;
  try {
    json = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new KeyError(`the keystore ${file} does not exist${note}`, { cause: err });
    throw new KeyError(`cannot read the keystore ${file} (${code ?? String(err)})${note}`, { cause: err });
  }
  try {
    JSON.parse(json);
  } catch (err) {
    throw new KeyError(`the keystore ${file} is not a JSON keystore${note}`, { cause: err });
  }
  try {
    return await Wallet.fromEncryptedJson(json, config.key.keystorePassword!);
  } catch (err) {
    const message = (err as Error).message;
    if (/incorrect password/i.test(message)) {
      const from = config.key.keystorePasswordFile
        ? `the password file ${config.key.keystorePasswordFile}`
        : "AGENT_KEYSTORE_PASSWORD";
      throw new KeyError(`wrong password for the keystore ${file} (the password from ${from} does not decrypt it)`);
    }
    throw new KeyError(`cannot decrypt the keystore ${file} (damaged or not an Ethereum keystore)${note}`, {
      cause: new Error(message),
    });
  }
}

/**
 * The agent's address, for the read-only commands: from the config, or the raw key, or the keystore, which is then
 * decrypted so a wrong password fails here as it would in `run` (never a report for a key the daemon cannot use).
 */
export async function agentAddressOf(config: AgentConfig): Promise<string> {
  if (config.agentAddress) return config.agentAddress;
  if (config.key.privateKey) return computeAddress(config.key.privateKey);
  if (config.key.remoteSigner) return config.key.remoteSigner.address;
  if (config.key.keystorePath) return (await openKeystore(config)).address;
  throw new ConfigError(
    "invalid config: agentAddress: set agentAddress (or a key) to know which agent to report on",
    "agentAddress",
  );
}
