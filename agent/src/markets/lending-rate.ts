/**
 * What a lending strategy pays now, and what it would pay after the agent's own move: the strategy's markets read once
 * per tick through the market-rate adapter views (`MARKET_RATE_ADAPTER_ABI`), then a pure local model of the curated
 * vault's `rateAfter(int256)` in bigint WAD math, floor for floor, so the planner can ask "what if I move Δ?" for any
 * number of Δ without another call.
 *
 * A strategy that does not answer the views has no model here (`estimate` and `rateAfter` give undefined): the
 * planner keeps its trailing APR for it. Structurally a YieldModel source:
 * `{ estimate(strategy): { aprWad } | undefined; rateAfter(strategy, delta): bigint | undefined }`; nothing in the
 * planner uses it yet (see `MarketRateModel`).
 */
import { Interface, type Provider } from "ethers";

const WAD = 10n ** 18n;
const YEAR = 31_536_000n;

/**
 * The views the agent relies on, as a strategy (or an adapter governance registers for it) must offer them:
 * - `marketCount()`: how many markets it supplies, in deposit and withdrawal order;
 * - `marketState(i)`: market i now, interest accrued: the strategy's cap and supply there, the market's supply and
 *   borrow, the market's fee and its kinked rate curve (per second, WAD); the other fields are read but not needed;
 * - `fee()`: the strategy's own performance fee on the interest (WAD).
 * The curated lending vault of the test world (contracts/mocks/lending/CuratedLendingVault.sol) offers them.
 */
export const MARKET_RATE_ADAPTER_ABI = [
  "function marketCount() view returns (uint256)",
  "function fee() view returns (uint256)",
  "function marketState(uint256 index) view returns (tuple(bytes32 id, uint256 cap, uint256 vaultSupplyAssets, uint256 totalSupplyAssets, uint256 totalBorrowAssets, uint256 liquidity, uint256 utilization, uint256 borrowRate, uint256 supplyRate, uint256 marketFee, tuple(uint256 baseRate, uint256 slope1, uint256 slope2, uint256 kink) curve))",
] as const;

export const marketRateAdapterInterface = new Interface(MARKET_RATE_ADAPTER_ABI);

/** A kinked borrow-rate curve: rate(u) = base + slope1 x min(u, kink) + slope2 x max(u - kink, 0), per second, WAD. */
export interface KinkedCurve {
  baseRate: bigint;
  slope1: bigint;
  slope2: bigint;
  kink: bigint;
}

/** One market of a strategy, as the model needs it (assets; fee WAD). */
export interface LendingMarketState {
  cap: bigint;
  vaultSupplyAssets: bigint;
  totalSupplyAssets: bigint;
  totalBorrowAssets: bigint;
  marketFee: bigint;
  curve: KinkedCurve;
}

/** A strategy's markets at one block, in deposit and withdrawal order, and its own fee (WAD). */
export interface LendingStrategyState {
  fee: bigint;
  markets: LendingMarketState[];
}

// ---------------------------------------------------------------- pure model (mirrors KinkedIrm and the vault)

/** KinkedIrm.utilizationOf: borrow / supply (WAD), 0 with no supply, at most 1. */
export function utilizationOf(totalSupply: bigint, totalBorrow: bigint): bigint {
  if (totalSupply === 0n) return 0n;
  const u = (totalBorrow * WAD) / totalSupply;
  return u > WAD ? WAD : u;
}

/** KinkedIrm.rateAt: the borrow rate per second (WAD) at `utilization` (above 1 counts as 1). */
export function borrowRateAt(curve: KinkedCurve, utilization: bigint): bigint {
  const u = utilization > WAD ? WAD : utilization;
  if (u <= curve.kink) return curve.baseRate + (curve.slope1 * u) / WAD;
  return curve.baseRate + (curve.slope1 * curve.kink) / WAD + (curve.slope2 * (u - curve.kink)) / WAD;
}

/** The vault's `_supplyRate`: what a market's suppliers earn per second (WAD) at these totals, after the market fee. */
export function supplyRateOf(curve: KinkedCurve, totalSupply: bigint, totalBorrow: bigint, marketFee: bigint): bigint {
  const u = utilizationOf(totalSupply, totalBorrow);
  return (((borrowRateAt(curve, u) * u) / WAD) * (WAD - marketFee)) / WAD;
}

/**
 * The vault's `rateAfter(assets)`: its supply rate per second (WAD, after its fee) if `delta` were deposited (> 0) or
 * withdrawn (< 0) now, spread over the markets in order up to each cap (deposits) or each market's liquidity and the
 * vault's supply there (withdrawals); what does not fit is left out. 0 when the vault would supply nothing.
 */
export function ratePerSecondAfter(state: LendingStrategyState, delta: bigint): bigint {
  let left = delta < 0n ? -delta : delta;
  let weighted = 0n;
  let supplied = 0n;
  for (const m of state.markets) {
    let mine = m.vaultSupplyAssets;
    let supply = m.totalSupplyAssets;
    const borrow = m.totalBorrowAssets;
    let move: bigint;
    if (delta >= 0n) {
      move = min(floorSub(m.cap, mine), left);
      mine += move;
      supply += move;
    } else {
      move = min(min(mine, floorSub(supply, borrow)), left);
      mine -= move;
      supply -= move;
    }
    left -= move;
    weighted += mine * supplyRateOf(m.curve, supply, borrow, m.marketFee);
    supplied += mine;
  }
  if (supplied === 0n) return 0n;
  return ((weighted / supplied) * (WAD - state.fee)) / WAD;
}

/** How much of a move fits now: a deposit up to the caps' room, a withdrawal up to what the markets can pay out. */
export function roomOf(state: LendingStrategyState): { in: bigint; out: bigint } {
  let roomIn = 0n;
  let roomOut = 0n;
  for (const m of state.markets) {
    roomIn += floorSub(m.cap, m.vaultSupplyAssets);
    roomOut += min(m.vaultSupplyAssets, floorSub(m.totalSupplyAssets, m.totalBorrowAssets));
  }
  return { in: roomIn, out: roomOut };
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function floorSub(a: bigint, b: bigint): bigint {
  return a > b ? a - b : 0n;
}

// ---------------------------------------------------------------- reading (one batch per tick)

/** The market-rate estimate of a strategy: its net supply APR now (WAD, simple: per-second rate x 365 days). */
export interface MarketRateEstimate {
  aprWad: bigint;
  /** The same, per second (WAD), as the vault's `rateAfter(0)` gives it. */
  ratePerSecondWad: bigint;
  source: "market-rate";
}

/**
 * Reads the adapter views of the strategies it is asked about, then answers from the last read without I/O.
 * `refresh` once per tick (every call at one block, issued together so the daemon's provider sends them as one JSON-RPC
 * batch; a second batch only when a strategy's market count changed since the last tick); then `estimate` and
 * `rateAfter` are pure. A strategy whose views revert or do not decode is remembered as having no model, and asked
 * again at the next refresh.
 *
 * Wiring (for the planner's YieldModel): `estimate(strategy)?.aprWad` in place of the trailing APR when defined;
 * `rateAfter(strategy, delta)` for the marginal APR of moving `delta` (assets; > 0 in, < 0 out), both annualized WAD.
 */
export class MarketRateModel {
  private states = new Map<string, LendingStrategyState | undefined>();
  private counts = new Map<string, number>();

  constructor(private readonly provider: Provider) {}

  /** Reads every strategy's markets at `blockTag` (default: latest). */
  async refresh(strategies: readonly string[], blockTag?: bigint | number | string): Promise<void> {
    const tag =
      blockTag === undefined
        ? "latest"
        : typeof blockTag === "string"
          ? blockTag
          : `0x${BigInt(blockTag).toString(16)}`;
    const call = (to: string, data: string) => this.provider.call({ to, data, blockTag: tag }).catch(() => undefined);
    const stateData = (i: number) => marketRateAdapterInterface.encodeFunctionData("marketState", [i]);
    const read = (s: string, from: number, to: number) =>
      Promise.all(range(from, to).map((i) => call(s, stateData(i))));
    // One batch: count, fee and the markets the last read saw, for every strategy.
    const first = await Promise.all(
      strategies.map((s) =>
        Promise.all([
          call(s, marketRateAdapterInterface.encodeFunctionData("marketCount")),
          call(s, marketRateAdapterInterface.encodeFunctionData("fee")),
          read(s, 0, this.counts.get(key(s)) ?? 0),
        ]),
      ),
    );
    // A second batch only for strategies with new markets.
    const more = await Promise.all(
      strategies.map((s, j) => {
        const count = decodeCount(first[j]![0]);
        const seen = first[j]![2].length;
        return count !== undefined && count > seen ? read(s, seen, count) : Promise.resolve([]);
      }),
    );
    const next = new Map<string, LendingStrategyState | undefined>();
    for (const [j, s] of strategies.entries()) {
      const [countData, feeData, seenData] = first[j]!;
      const count = decodeCount(countData);
      const data = [...seenData, ...more[j]!];
      let state: LendingStrategyState | undefined;
      if (count !== undefined && count > 0 && data.length >= count) state = decodeState(feeData, data.slice(0, count));
      next.set(key(s), state);
      if (count !== undefined) this.counts.set(key(s), count);
      else this.counts.delete(key(s));
    }
    this.states = next;
  }

  /** The state read last for `strategy`; undefined when it has no model. */
  stateOf(strategy: string): LendingStrategyState | undefined {
    return this.states.get(key(strategy));
  }

  /** Whether `strategy` answered the adapter views at the last refresh. */
  has(strategy: string): boolean {
    return this.stateOf(strategy) !== undefined;
  }

  /** The strategy's net supply APR now, or undefined with no model (the planner falls back to trailing APR). */
  estimate(strategy: string): MarketRateEstimate | undefined {
    const state = this.stateOf(strategy);
    if (!state) return undefined;
    const ratePerSecondWad = ratePerSecondAfter(state, 0n);
    return { aprWad: ratePerSecondWad * YEAR, ratePerSecondWad, source: "market-rate" };
  }

  /** The strategy's net supply APR (WAD) after the agent moves `delta` assets in (> 0) or out (< 0); undefined with
   *  no model. What does not fit (caps, liquidity) is left out, as the vault's own `rateAfter` leaves it out. */
  rateAfter(strategy: string, delta: bigint): bigint | undefined {
    const state = this.stateOf(strategy);
    return state ? ratePerSecondAfter(state, delta) * YEAR : undefined;
  }

  /**
   * How much the strategy could take in and pay out now, by its markets' caps and liquidity; undefined with no model.
   */
  room(strategy: string): { in: bigint; out: bigint } | undefined {
    const state = this.stateOf(strategy);
    return state ? roomOf(state) : undefined;
  }
}

function key(address: string): string {
  return address.toLowerCase();
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/** Market counts above this are not a lending strategy's (and would make the batch unbounded). */
const MAX_MARKETS = 64;

function decodeCount(data: string | undefined): number | undefined {
  if (data === undefined) return undefined;
  try {
    const [count] = marketRateAdapterInterface.decodeFunctionResult("marketCount", data) as unknown as [bigint];
    return count <= BigInt(MAX_MARKETS) ? Number(count) : undefined;
  } catch {
    return undefined;
  }
}

function decodeState(
  feeData: string | undefined,
  marketData: (string | undefined)[],
): LendingStrategyState | undefined {
  if (feeData === undefined || marketData.some((d) => d === undefined)) return undefined;
  try {
    const [fee] = marketRateAdapterInterface.decodeFunctionResult("fee", feeData) as unknown as [bigint];
    if (fee > WAD) return undefined;
    const markets = marketData.map((d) => {
      const [s] = marketRateAdapterInterface.decodeFunctionResult("marketState", d!);
      const c = s.curve;
      const market: LendingMarketState = {
        cap: s.cap as bigint,
        vaultSupplyAssets: s.vaultSupplyAssets as bigint,
        totalSupplyAssets: s.totalSupplyAssets as bigint,
        totalBorrowAssets: s.totalBorrowAssets as bigint,
        marketFee: s.marketFee as bigint,
        curve: {
          baseRate: c.baseRate as bigint,
          slope1: c.slope1 as bigint,
          slope2: c.slope2 as bigint,
          kink: c.kink as bigint,
        },
      };
      if (market.marketFee > WAD) throw new RangeError("market fee above 100%");
      return market;
    });
    return { fee, markets };
  } catch {
    return undefined;
  }
}
