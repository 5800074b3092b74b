/**
 * The signing key: an encrypted JSON keystore (ethers `Wallet.fromEncryptedJson`), or a raw key on the local chain
 * only. Neither the key nor the password is ever logged or put in an error message. Wherever the keystore is opened
 * its password is checked: a wrong one fails at once, naming the keystore and where the password came from.
 */
import fs from "node:fs";
import { computeAddress, Wallet, type BaseWallet } from "ethers";
import { ConfigError, KeyError } from "../failures.js";
import { keystoreOrigin, relativeNote } from "./load.js";
import { LOCAL_CHAIN_IDS, type AgentConfig } from "./schema.js";

export async function loadWallet(config: AgentConfig, actualChainId: bigint): Promise<BaseWallet> {
  const { key } = config;
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
    "invalid config: key: no signing key (set AGENT_KEYSTORE and AGENT_KEYSTORE_PASSWORD, or AGENT_PRIVATE_KEY on the local chain)",
    "key",
  );
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
  if (config.key.keystorePath) return (await openKeystore(config)).address;
  throw new ConfigError(
    "invalid config: agentAddress: set agentAddress (or a key) to know which agent to report on",
    "agentAddress",
  );
}
