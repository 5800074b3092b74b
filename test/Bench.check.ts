/**
 * `bash scripts/bench.sh --check`: the gas and code size figures recorded in bench/results.json and BENCHMARKS.md are
 * measured again and any that no longer match the code are named, with the recorded and the measured value. Runs the
 * bench the way the command does after its build (`hardhat run` with BENCH_MODE=check), on copies of the two files.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { REPO_ROOT } from "../scripts/lib/addresses.js";

const run = promisify(execFile);
const HARDHAT = path.join(REPO_ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");

/** The check over copies of the two files, each first changed by `tamper`; resolves with its exit code and output. */
async function checkCopies(tamper: {
  results: (r: Record<string, unknown>) => void;
  markdown: (md: string) => string;
}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-check-"));
  try {
    const results = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "bench", "results.json"), "utf8")) as Record<
      string,
      unknown
    >;
    tamper.results(results);
    fs.writeFileSync(path.join(dir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
    fs.writeFileSync(
      path.join(dir, "BENCHMARKS.md"),
      tamper.markdown(fs.readFileSync(path.join(REPO_ROOT, "BENCHMARKS.md"), "utf8")),
    );
    const env = {
      ...process.env,
      BENCH_MODE: "check",
      BENCH_RESULTS: path.join(dir, "results.json"),
      BENCH_MARKDOWN: path.join(dir, "BENCHMARKS.md"),
    };
    return await run(process.execPath, [HARDHAT, "run", "--no-compile", "bench/main.ts"], { cwd: REPO_ROOT, env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("Bench: --check fails when the recorded figures no longer match the code", function () {
  this.timeout(120_000);

  it("names a changed figure of results.json and a changed row of BENCHMARKS.md, with the recorded and the measured value", async () => {
    let recordedGas = 0;
    const out = await checkCopies({
      results: (r) => {
        recordedGas = (r.deposit_gas_1 as number) + 1;
        r.deposit_gas_1 = recordedGas;
      },
      markdown: (md) =>
        md.replace(
          /^\| TreasuryVault deployed code size \| [\d,]+ bytes/m,
          "| TreasuryVault deployed code size | 1 bytes",
        ),
    });
    expect(out.code, out.stderr).to.equal(1);
    expect(out.stderr, "the results.json field, recorded against measured").to.match(
      new RegExp(`results\\.json deposit_gas_1: recorded ${recordedGas}, measured \\d+`),
    );
    expect(out.stderr, "the BENCHMARKS.md row, recorded against measured").to.match(
      /BENCHMARKS\.md gas section, line \d+:\n {4}recorded \| TreasuryVault deployed code size \| 1 bytes \|.*\n {4}measured \| TreasuryVault deployed code size \| [\d,]+ bytes \|/,
    );
    expect(out.stderr, "how to refresh them").to.include("`bash scripts/bench.sh --gas`");
  });

  it("names a figure the code measures that results.json lacks", async () => {
    const out = await checkCopies({ results: (r) => delete r.tx_gas_cap, markdown: (md) => md });
    expect(out.code, out.stderr).to.equal(1);
    expect(out.stderr).to.match(/results\.json tx_gas_cap: recorded \(none\), measured \d+/);
  });
});
