/**
 * The lending-market world: Morpho Blue, kinked interest rate models, one oracle per market, markets lending one asset
 * against a mock collateral, curated ERC-4626 vaults over them (contracts/mocks/lending), outside suppliers and
 * borrowers. The strategies a treasury meets in production are vaults like these, not the mocks of deployStack.
 *
 * Morpho Blue is BUSL-1.1 and a test dependency: this world serves tests, the devnet and the demo only. Nothing in
 * deploy/ deploys it, and neither may the product's deploy path.
 *
 * Deploys with the typechain factories from any ethers Signer (Hardhat's signers in mocha tests, a JSON-RPC signer in
 * the agent's integration tests, the demo's), which is the world's deployer, Morpho's owner, every vault's curator, the
 * outside supplier and depositor. Borrowers are LendingBorrower contracts anyone may drive (see borrowers.ts).
 */
import { AbiCoder, keccak256, type ContractTransactionResponse, type Signer } from "ethers";
import {
  CuratedLendingVault__factory,
  KinkedIrm__factory,
  LendingBorrower__factory,
  LendingOracle__factory,
  MockERC20__factory,
  Morpho__factory,
  type CuratedLendingVault,
  type KinkedIrm,
  type LendingBorrower,
  type LendingOracle,
  type MockERC20,
  type Morpho,
} from "../../types/ethers-contracts/index.js";
import { BPS } from "../src/index.js";

const WAD = 10n ** 18n;

/**
 * Debt / collateral value of the borrowers that move utilization: far from any LLTV, so a crash leaves them healthy.
 */
export const SAFE_LTV = (4n * WAD) / 10n;

/** A kinked borrow-rate curve (KinkedIrm), in bps a year and bps of utilization. */
export interface CurveSpec {
  baseAprBps: number;
  kinkAprBps: number;
  fullAprBps: number;
  kinkBps: number;
}

export interface MarketSpec {
  /** Supplied straight to the market by others, in whole tokens (default 1,000,000). */
  outsideSupply?: bigint;
  /** Utilization the borrowers hold it at after deployment, in bps (default 8,000). */
  utilizationBps?: number;
  /** Its rate model (default DEFAULT_CURVE). */
  curve?: CurveSpec;
  /** Liquidation LTV in bps (default 8,600). */
  lltvBps?: number;
  /** Morpho's own fee on the market's interest, in bps (default 0; at most 2,500). */
  feeBps?: number;
}

export interface VaultSpec {
  name: string;
  symbol?: string;
  /** Its markets (indices into `markets`), in deposit and withdrawal order, each with its cap in whole tokens. */
  markets: { market: number; cap: bigint }[];
  /** Performance fee, bps of the interest (default 1,000). */
  feeBps?: number;
  /** Deposited by outside depositors at deployment, in whole tokens (default 0). */
  deposits?: bigint;
}

export interface LendingWorldOptions {
  /** A MockERC20 to lend (its decimals are used); a new 6-decimal "USDC" by default. */
  asset?: string;
  /** Decimals of a new asset (default 6, like USDC). */
  decimals?: number;
  markets?: MarketSpec[];
  vaults?: VaultSpec[];
}

/** 0.5% at 0% utilization, 5% at the 90% kink, 50% at 100%: a stable-coin market's curve. */
export const DEFAULT_CURVE: CurveSpec = { baseAprBps: 50, kinkAprBps: 500, fullAprBps: 5_000, kinkBps: 9_000 };

/**
 * The default world: four markets and three vaults over a 6-decimal asset, shaped like a treasury's choice of
 * curated vaults. Markets differ in size, utilization and curve, so their rates differ and move apart; no two vaults
 * share a market (two that did would have to be declared in one liquidity group).
 */
export const DEFAULT_MARKETS: MarketSpec[] = [
  { outsideSupply: 2_000_000n, utilizationBps: 8_000, curve: DEFAULT_CURVE },
  {
    outsideSupply: 1_000_000n,
    utilizationBps: 8_500,
    curve: { baseAprBps: 100, kinkAprBps: 800, fullAprBps: 8_000, kinkBps: 9_000 },
  },
  {
    outsideSupply: 500_000n,
    utilizationBps: 7_000,
    curve: { baseAprBps: 200, kinkAprBps: 1_000, fullAprBps: 10_000, kinkBps: 8_000 },
  },
  {
    outsideSupply: 300_000n,
    utilizationBps: 6_000,
    curve: { baseAprBps: 200, kinkAprBps: 1_200, fullAprBps: 12_000, kinkBps: 8_000 },
    feeBps: 1_000,
  },
];

export const DEFAULT_VAULTS: VaultSpec[] = [
  { name: "Prime USDC", symbol: "primeUSDC", markets: [{ market: 0, cap: 3_000_000n }], deposits: 500_000n },
  { name: "Core USDC", symbol: "coreUSDC", markets: [{ market: 1, cap: 1_500_000n }], deposits: 300_000n },
  {
    name: "High Yield USDC",
    symbol: "hyUSDC",
    markets: [
      { market: 2, cap: 700_000n },
      { market: 3, cap: 400_000n },
    ],
    deposits: 200_000n,
  },
];

/** Morpho's MarketParams. */
export interface MarketParams {
  loanToken: string;
  collateralToken: string;
  oracle: string;
  irm: string;
  lltv: bigint;
}

export interface LendingMarket {
  params: MarketParams;
  /** Morpho's market id. */
  id: string;
  oracle: LendingOracle;
  irm: KinkedIrm;
  /** The oracle's price at deployment (the driver returns to it after a crash). */
  price: bigint;
}

export interface LendingWorld {
  deployer: Signer;
  morpho: Morpho;
  asset: MockERC20;
  collateral: MockERC20;
  markets: LendingMarket[];
  vaults: CuratedLendingVault[];
  vaultAddresses: string[];
  /** Moves utilization (borrows and repays at a safe LTV). */
  borrower: LendingBorrower;
  /** Borrows just under LLTV when the driver stages a default. */
  risky: LendingBorrower;
  liquidator: LendingBorrower;
  unit: bigint;
  /** Which vaults supply to each market (vaults that share one belong in one liquidity group). */
  vaultsOfMarket: number[][];
}

/** An oracle price of `value` loan tokens per collateral token, at IOracle's scale (1e36, adjusted for decimals). */
export function collateralPrice(loanDecimals: number, collateralDecimals: number, value: bigint): bigint {
  return (10n ** 36n * 10n ** BigInt(loanDecimals) * value) / 10n ** BigInt(collateralDecimals);
}

/** A world described by `options`, the default one otherwise. */
export async function deployLendingWorld(deployer: Signer, options: LendingWorldOptions = {}): Promise<LendingWorld> {
  const marketSpecs = options.markets ?? DEFAULT_MARKETS;
  const vaultSpecs = options.vaults ?? DEFAULT_VAULTS;
  checkSpecs(marketSpecs, vaultSpecs);
  const send = async (tx: Promise<ContractTransactionResponse>) => (await tx).wait();
  const deploy = async <T extends { waitForDeployment(): Promise<T> }>(contract: Promise<T>) =>
    (await contract).waitForDeployment();
  const me = await deployer.getAddress();

  const asset = options.asset
    ? MockERC20__factory.connect(options.asset, deployer)
    : await deploy(new MockERC20__factory(deployer).deploy("USD Coin (mock)", "USDC", options.decimals ?? 6));
  const decimals = Number(await asset.decimals());
  const unit = 10n ** BigInt(decimals);
  const collateral = await deploy(new MockERC20__factory(deployer).deploy("Wrapped Ether (mock)", "WETH", 18));
  const morpho = await deploy(new Morpho__factory(deployer).deploy(me));
  await send(morpho.setFeeRecipient(me));

  const irms = new Map<string, KinkedIrm>();
  const lltvs = new Set<bigint>();
  const markets: LendingMarket[] = [];
  const price = collateralPrice(decimals, 18, 2_000n);
  for (const spec of marketSpecs) {
    const curve = spec.curve ?? DEFAULT_CURVE;
    const key = JSON.stringify(curve);
    let irm = irms.get(key);
    if (irm === undefined) {
      const apr = (bps: number) => (BigInt(bps) * WAD) / BPS;
      irm = await deploy(
        new KinkedIrm__factory(deployer).deploy(
          apr(curve.baseAprBps),
          apr(curve.kinkAprBps),
          apr(curve.fullAprBps),
          apr(curve.kinkBps),
        ),
      );
      await send(morpho.enableIrm(await irm.getAddress()));
      irms.set(key, irm);
    }
    const lltv = (BigInt(spec.lltvBps ?? 8_600) * WAD) / BPS;
    if (!lltvs.has(lltv)) {
      await send(morpho.enableLltv(lltv));
      lltvs.add(lltv);
    }
    const oracle = await deploy(new LendingOracle__factory(deployer).deploy(price));
    const params: MarketParams = {
      loanToken: await asset.getAddress(),
      collateralToken: await collateral.getAddress(),
      oracle: await oracle.getAddress(),
      irm: await irm.getAddress(),
      lltv,
    };
    await send(morpho.createMarket(params));
    if (spec.feeBps) await send(morpho.setFee(params, (BigInt(spec.feeBps) * WAD) / BPS));
    markets.push({ params, id: marketId(params), oracle, irm, price });
  }

  const vaults: CuratedLendingVault[] = [];
  for (const spec of vaultSpecs) {
    const vault = await deploy(
      new CuratedLendingVault__factory(deployer).deploy(
        await morpho.getAddress(),
        await asset.getAddress(),
        spec.name,
        spec.symbol ?? spec.name.replace(/\W/g, ""),
        me,
        me,
        (BigInt(spec.feeBps ?? 1_000) * WAD) / BPS,
      ),
    );
    for (const m of spec.markets) await send(vault.addMarket(markets[m.market]!.params, m.cap * unit));
    vaults.push(vault);
  }

  // Money: outside suppliers straight into each market, outside depositors into each vault.
  const supplied = marketSpecs.reduce((s, m) => s + (m.outsideSupply ?? 1_000_000n), 0n);
  const deposited = vaultSpecs.reduce((s, v) => s + (v.deposits ?? 0n), 0n);
  await send(asset.mint(me, (supplied + deposited) * unit));
  await send(asset.approve(await morpho.getAddress(), supplied * unit));
  for (const [i, spec] of marketSpecs.entries()) {
    const amount = (spec.outsideSupply ?? 1_000_000n) * unit;
    if (amount > 0n) await send(morpho.supply(markets[i]!.params, amount, 0n, me, "0x"));
  }
  for (const [i, spec] of vaultSpecs.entries()) {
    const amount = (spec.deposits ?? 0n) * unit;
    if (amount === 0n) continue;
    await send(asset.approve(await vaults[i]!.getAddress(), amount));
    await send(vaults[i]!.deposit(amount, me));
  }

  const borrower = await deploy(new LendingBorrower__factory(deployer).deploy(await morpho.getAddress()));
  const risky = await deploy(new LendingBorrower__factory(deployer).deploy(await morpho.getAddress()));
  const liquidator = await deploy(new LendingBorrower__factory(deployer).deploy(await morpho.getAddress()));
  for (const [i, spec] of marketSpecs.entries()) {
    const u = spec.utilizationBps ?? 8_000;
    if (u > 0) await send(borrower.moveUtilization(markets[i]!.params, (BigInt(u) * WAD) / BPS, SAFE_LTV));
  }

  return {
    deployer,
    morpho,
    asset,
    collateral,
    markets,
    vaults,
    vaultAddresses: await Promise.all(vaults.map((v) => v.getAddress())),
    borrower,
    risky,
    liquidator,
    unit,
    vaultsOfMarket: markets.map((_, m) =>
      vaultSpecs.flatMap((v, i) => (v.markets.some((x) => x.market === m) ? [i] : [])),
    ),
  };
}

/** Morpho's market id: the hash of its parameters. */
export function marketId(p: MarketParams): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["address", "address", "address", "address", "uint256"],
      [p.loanToken, p.collateralToken, p.oracle, p.irm, p.lltv],
    ),
  );
}

function checkSpecs(markets: MarketSpec[], vaults: VaultSpec[]): void {
  if (markets.length === 0) throw new RangeError("a lending world needs at least one market");
  for (const [i, m] of markets.entries()) {
    if (m.utilizationBps !== undefined && (m.utilizationBps < 0 || m.utilizationBps > 10_000)) {
      throw new RangeError(`markets[${i}].utilizationBps must be from 0 to 10000, got ${m.utilizationBps}`);
    }
    if (m.feeBps !== undefined && (m.feeBps < 0 || m.feeBps > 2_500)) {
      throw new RangeError(`markets[${i}].feeBps must be from 0 to 2500 (Morpho's maximum fee), got ${m.feeBps}`);
    }
  }
  for (const [i, v] of vaults.entries()) {
    if (v.markets.length === 0) throw new RangeError(`vaults[${i}] (${v.name}) has no market`);
    for (const m of v.markets) {
      if (!Number.isInteger(m.market) || m.market < 0 || m.market >= markets.length) {
        throw new RangeError(
          `vaults[${i}] (${v.name}) names market ${m.market}; there are ${markets.length} (0 to ${markets.length - 1})`,
        );
      }
    }
  }
}
