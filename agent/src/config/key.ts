/**
 * The signing key: an encrypted JSON keystore (ethers `Wallet.fromEncryptedJson`), or a raw key on the local chain
 * only. Neither the key nor the password is ever logged or put in an error message.
 */
import fs from "node:fs";
import { computeAddress, getAddress, Wallet, type BaseWallet } from "ethers";
import { ConfigError, KeyError } from "../failures.js";
import { LOCAL_CHAIN_ID, type AgentConfig } from "./schema.js";

export async function loadWallet(config: AgentConfig, actualChainId: bigint): Promise<BaseWallet> {
  const { key } = config;
  if (key.privateKey) {
    if (config.network.chainId !== LOCAL_CHAIN_ID || actualChainId !== BigInt(LOCAL_CHAIN_ID)) {
      throw new KeyError(`a raw private key is accepted only on the local chain (${LOCAL_CHAIN_ID})`);
    }
    return new Wallet(key.privateKey);
  }
  if (key.keystorePath) {
    let json: string;
    try {
      json = fs.readFileSync(key.keystorePath, "utf8");
    } catch (err) {
      throw new KeyError(`cannot read the keystore ${key.keystorePath}`, { cause: err });
    }
    try {
      return await Wallet.fromEncryptedJson(json, key.keystorePassword!);
    } catch (err) {
      throw new KeyError(`cannot decrypt the keystore ${key.keystorePath} (wrong password or damaged file)`, {
        cause: new Error((err as Error).message),
      });
    }
  }
  throw new ConfigError(
    "invalid config: key: no signing key (set AGENT_KEYSTORE and AGENT_KEYSTORE_PASSWORD, or AGENT_PRIVATE_KEY on the local chain)",
    "key",
  );
}

/** The agent's address without decrypting anything: from the config, the keystore's clear-text address, or the raw key. */
export function agentAddressOf(config: AgentConfig): string {
  if (config.agentAddress) return config.agentAddress;
  if (config.key.privateKey) return computeAddress(config.key.privateKey);
  if (config.key.keystorePath) {
    try {
      const json = JSON.parse(fs.readFileSync(config.key.keystorePath, "utf8")) as { address?: string };
      if (json.address) return getAddress(json.address.startsWith("0x") ? json.address : `0x${json.address}`);
    } catch (err) {
      throw new KeyError(`cannot read the address in the keystore ${config.key.keystorePath}`, { cause: err });
    }
  }
  throw new ConfigError("invalid config: agentAddress: set agentAddress (or a key) to know which agent to report on", "agentAddress");
}
