/**
 * `doctor`: checks an operator's setup (endpoints and chain id, lens and vaults, key, sessions, gas, data directory,
 * clock, journal), one line per check with the fix, or `--json`. Exit 0 when nothing failed, 1 otherwise. Sends
 * nothing.
 */
import { createProvider } from "../daemon/build.js";
import { chainConfigs } from "../daemon/chains.js";
import { loadConfig } from "../config/load.js";
import type { AgentConfig } from "../config/schema.js";
import { exitCode, renderChecks, runDoctor, type Check } from "../doctor/index.js";
import { AgentError, ConfigError } from "../failures.js";

/** Some check failed: the report says which and how to fix it. */
export class DoctorFailedError extends AgentError {
  constructor(readonly failed: number) {
    super(`doctor: ${failed} check${failed === 1 ? "" : "s"} failed (see the report)`);
  }
}

export async function doctorCommand(
  options: { config?: string; json?: boolean },
  print: (text: string) => void,
): Promise<void> {
  const checks = await check(options.config);
  print(options.json ? JSON.stringify({ ok: exitCode(checks) === 0, checks }, null, 2) : renderChecks(checks));
  const failed = checks.filter((c) => c.status === "fail").length;
  if (failed > 0) throw new DoctorFailedError(failed);
}

async function check(file: string | undefined): Promise<Check[]> {
  let config: AgentConfig;
  try {
    config = loadConfig(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return [
      {
        name: "config",
        status: "fail",
        field: err.field,
        detail: err.message,
        fix: `correct ${err.field} in the config file (or the environment variable that sets it)`,
      },
    ];
  }
  const chains = chainConfigs(config);
  const several = chains.length > 1;
  const ok: Check = {
    name: "config",
    status: "ok",
    detail: `parsed: ${several ? `chains ${config.networks.map((n) => `${n.name} (${n.chainId})`).join(", ")}` : `chain ${config.network.chainId}`}, ${config.vaults.length} vault${config.vaults.length === 1 ? "" : "s"}`,
  };
  // Each chain checked with its own endpoints and vaults; on several, every check names its chain.
  const checks: Check[] = [ok];
  for (const c of chains) {
    const provider = createProvider(c);
    try {
      const found = await runDoctor(c, { provider, nowMs: () => Date.now() });
      checks.push(...(several ? found.map((x) => ({ ...x, name: `${x.name} [${c.network.name}]` })) : found));
    } finally {
      provider.destroy();
    }
  }
  return checks;
}
