// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ErrorsLib
/// @notice Every custom error of the treasury. Each carries the figures a caller needs to act on it.
library ErrorsLib {
    // ---------------------------------------------------------------- roles

    /// @notice Thrown when a governance-only function is called by another address.
    error NotGovernance(address caller);

    /// @notice Thrown when a guardian-or-governance function is called by another address.
    error NotGuardianOrGovernance(address caller);

    /// @notice Thrown when the guardian tries a change that loosens a bound; only governance loosens.
    error GuardianCannotLoosen();

    /// @notice Thrown when an address argument that must be set is zero.
    error ZeroAddress();

    /// @notice Thrown when `acceptGovernance` is called by an address other than the pending governance (`pending`,
    /// zero when no handover is pending).
    error NotPendingGovernance(address caller, address pending);

    // ---------------------------------------------------------------- strategies and bounds

    /// @notice Thrown when adding a strategy that is already listed.
    error StrategyAlreadyListed(address strategy);

    /// @notice Thrown when a strategy is not listed in the vault.
    error StrategyNotListed(address strategy);

    /// @notice Thrown when a strategy's asset differs from the vault's.
    error StrategyAssetMismatch(address strategy, address strategyAsset, address vaultAsset);

    /// @notice Thrown when listing one more strategy would pass a vault limit (listed at once, or indices ever used).
    error TooManyStrategies(uint256 limit);

    /// @notice Thrown when a forced write-down names a strategy whose views answer: `realizeLoss` (anyone) marks it to
    /// its live value.
    error StrategyViewsWork(address strategy, uint256 liveValue);

    /// @notice Thrown when a forced write-down would not lower the strategy's book value.
    error WriteDownNotBelowBook(address strategy, uint256 value, uint256 book);

    /// @notice Thrown when removing a strategy in which the vault still holds shares.
    error StrategyNotEmpty(address strategy, uint256 shares);

    /// @notice Thrown when a rebalance would raise the allocation of a disabled strategy.
    error StrategyDisabled(address strategy);

    /// @notice Thrown when a new withdraw queue is not a permutation of the listed strategies.
    error InvalidWithdrawQueue();

    /// @notice Thrown when governance loosens a risk-increasing parameter past what its rolling budget allows now;
    /// `limit` is the furthest value allowed now, and the change asked for fits the budget at `readyAt`.
    error ChangeTooLarge(uint256 value, uint256 limit, uint256 readyAt);

    /// @notice Thrown when a basis-point or duration bound is outside its allowed range.
    error BoundOutOfRange(uint256 value, uint256 min, uint256 max);

    // ---------------------------------------------------------------- deposits and user exits

    /// @notice Thrown when a deposit brought the vault fewer assets than it moved (a fee-on-transfer asset, which the
    /// vault does not support).
    error DepositShortfall(uint256 expected, uint256 received);

    /// @notice Thrown when idle plus what strategies release cannot cover a withdrawal.
    error InsufficientLiquidity(uint256 requested, uint256 available);

    /// @notice Thrown when a strategy returns fewer assets than it was asked for (inside a user exit, the strategy is
    /// then skipped).
    error StrategyShortfall(address strategy, uint256 expected, uint256 received);

    /// @notice Thrown when anyone but the vault itself calls its `pullFromStrategy`.
    error OnlyVault(address caller);

    /// @notice Thrown at a vault's deployment when the admin module given was deployed for another asset or session
    /// manager (or is no TreasuryVaultAdmin).
    error AdminModuleMismatch(address admin);

    // ---------------------------------------------------------------- rebalance: shape

    /// @notice Thrown when a rebalance names no strategy.
    error EmptyRebalance();

    /// @notice Thrown when a rebalance names the same strategy twice.
    error DuplicateTarget(address strategy);

    /// @notice Thrown when a withdrawal leg asks a strategy for more than it lets the vault withdraw now.
    error StrategyWithdrawLimited(address strategy, uint256 requested, uint256 available);

    /// @notice Thrown when a deposit leg gives a strategy more than its `maxDeposit(vault)` accepts now (a full
    /// strategy, e.g. a lending vault at its supply caps): the strategy refused nothing and is not at fault.
    error StrategyDepositLimited(address strategy, uint256 requested, uint256 available);

    /// @notice Thrown when a strategy's deposit, withdraw or redeem reverts inside a rebalance leg; `reason` is the
    /// strategy's own revert data. The whole rebalance reverts, and nothing of the session's budget is spent.
    error StrategyCallFailed(address strategy, bytes reason);

    /// @notice Thrown when a deposit leg needs more idle assets than the vault holds at that point.
    error InsufficientIdle(uint256 needed, uint256 idle);

    // ---------------------------------------------------------------- rebalance: bounds after the moves

    /// @notice Thrown when a strategy's allocation after a rebalance exceeds its absolute cap (assets).
    error AbsoluteCapExceeded(address strategy, uint256 allocation, uint256 cap);

    /// @notice Thrown when a strategy's allocation after a rebalance exceeds its relative cap (assets).
    error RelativeCapExceeded(address strategy, uint256 allocation, uint256 cap);

    /// @notice Thrown when a rebalance raised a strategy of risk group `id` and the group's members are together worth
    /// `value` after it, above the tighter of the group's absolute and relative caps (`cap`, assets).
    error RiskGroupCapExceeded(uint8 id, uint256 value, uint256 cap);

    /// @notice Thrown when idle after a rebalance is below the buffer and lower than before.
    error IdleBufferBreached(uint256 idle, uint256 required);

    /// @notice Thrown when the value lost by the moves of one rebalance exceeds the per-call limit.
    error LossExceedsCallLimit(uint256 loss, uint256 limit);

    /// @notice Thrown when the value lost by rebalances in the current loss epoch would exceed the budget.
    error LossBudgetExceeded(uint256 lossInEpoch, uint256 budget);

    // ---------------------------------------------------------------- sessions

    /// @notice Thrown when a session id was never granted.
    error UnknownSession(uint256 sessionId);

    /// @notice Thrown when the caller is not the session's agent.
    error NotSessionAgent(uint256 sessionId, address caller);

    /// @notice Thrown when a session is used before its `validAfter`.
    error SessionNotStarted(uint256 sessionId, uint256 validAfter);

    /// @notice Thrown when a session is used at or after its `validUntil`.
    error SessionExpired(uint256 sessionId, uint256 validUntil);

    /// @notice Thrown when a session has been revoked.
    error SessionRevoked(uint256 sessionId);

    /// @notice Thrown when the guardian (or governance) has paused every agent.
    error AgentsPaused();

    /// @notice Thrown when a rebalance touches strategies outside the session's scope (mask of vault strategy indices).
    error OutOfScope(uint256 sessionId, uint256 outOfScopeMask);

    /// @notice Thrown when one call's volume exceeds the session's per-call limit.
    error VolumeExceedsCallLimit(uint256 sessionId, uint256 volume, uint256 limit);

    /// @notice Thrown when the epoch's volume would exceed the session's per-epoch limit.
    error VolumeExceedsEpochLimit(uint256 sessionId, uint256 volumeInEpoch, uint256 limit);

    /// @notice Thrown when the session already made its allowed number of calls this epoch.
    error TooManyCalls(uint256 sessionId, uint256 limit);

    /// @notice Thrown when the minimum interval since the session's last call has not passed.
    error CooldownActive(uint256 sessionId, uint256 nextCallAt);

    /// @notice Thrown when a reduce-only session's rebalance would raise strategies (mask of vault strategy indices).
    error ReduceOnlySession(uint256 sessionId, uint256 raisedMask);

    /// @notice Thrown when a rebalance's loss is more than the session's own loss allowance has left. `rebalance`
    /// catches it, undoes the moves and revokes the session.
    error SessionLossBudgetExceeded(uint256 sessionId, uint256 loss, uint256 lossLeft);

    /// @notice Thrown when a revocation for loss names a session whose allowance the loss does not exceed.
    error SessionLossWithinBudget(uint256 sessionId, uint256 loss);

    /// @notice Thrown when a session cannot move to `newAgent` (the zero address or its current agent).
    error InvalidRotation(uint256 sessionId, address newAgent);

    /// @notice Thrown when a session is consumed by an address other than its vault.
    error NotSessionVault(uint256 sessionId, address caller);

    /// @notice Thrown when session parameters are malformed (zero agent or vault, empty window, zero limits).
    error InvalidSessionParams();

    /// @notice Thrown when a session would last longer than allowed (governance ceiling or the protocol maximum).
    error DurationAboveCeiling(uint256 duration, uint256 ceiling);

    /// @notice Thrown when a session's volume limit exceeds the governance ceiling for its vault.
    error VolumeAboveCeiling(uint256 volume, uint256 ceiling);

    /// @notice Thrown when the session admin's grant would raise the sum of the per-call volume limits of the agent's
    /// active sessions for the vault (`active`, before the grant, plus `requested`) above the vault's ceiling.
    error AgentCallVolumeAboveCeiling(address agent, uint256 active, uint256 requested, uint256 ceiling);

    /// @notice Thrown when the session admin's grant would raise the sum of the per-epoch volume limits of the agent's
    /// active sessions for the vault (`active`, before the grant, plus `requested`) above the vault's ceiling.
    error AgentEpochVolumeAboveCeiling(address agent, uint256 active, uint256 requested, uint256 ceiling);

    /// @notice Thrown when a grant would give an agent more than `limit` active sessions at once.
    error TooManyActiveSessions(address agent, uint256 limit);

    /// @notice Thrown when a caller may not grant sessions.
    error NotGranter(address caller);

    /// @notice Thrown when a caller may not revoke this session.
    error NotRevoker(uint256 sessionId, address caller);

    // ---------------------------------------------------------------- valuation and guards

    /// @notice Thrown when a strategy call failed with less gas than its cap available: the caller forwarded too
    /// little gas, so the failure cannot be blamed on the strategy. Retry with a higher gas limit.
    error InsufficientGas();

    /// @notice Thrown by the router when an entry or exit would give less (or cost more) than the caller's limit.
    error SlippageExceeded(uint256 amount, uint256 limit);

    /// @notice Thrown when `rebalanceBefore` is mined after its deadline.
    error DeadlinePassed(uint256 deadline);

    /// @notice Thrown when a rebalance would leave the share price more than the drawdown limit below its high-water
    /// mark (`price` and `floor` in assets per whole share); agents stay stopped until governance resets the mark.
    error DrawdownLimitReached(uint256 price, uint256 floor);

    /// @notice Thrown when a rebalance that raises a strategy would leave idle plus what the strategies let go now
    /// (`available`, a liquidity group counted once, without the block's deposits) below the liquidity floor's share of
    /// total assets (`required`, without the block's deposits, rounded up).
    error LiquidityFloorBreached(uint256 available, uint256 required);

    /// @notice Thrown when a rebalance's volume is above the step-up threshold and it did not arrive through
    /// `rebalanceCosigned` with the policy signer's co-signature.
    error CoSignatureRequired(uint256 volume, uint256 threshold);

    /// @notice Thrown when a co-signature's digest was already used by an earlier rebalance.
    error CoSignatureUsed(bytes32 digest);

    /// @notice Thrown when a co-signature does not verify for `policySigner` (ECDSA, or ERC-1271 for a contract).
    error CoSignatureInvalid(address policySigner, bytes32 digest);

    /// @notice Thrown when a step-up threshold is set without a policy signer to co-sign above it.
    error StepUpWithoutSigner(uint128 threshold);
    /// @notice Thrown when a rebalance would raise a strategy frozen to exit-only by the share-price rate bound, or one
    /// whose price (`convertToAssets(PRICE_UNIT)`, 0 when the view fails) moved from its mark (`markPrice`) beyond it.
    error StrategyFrozen(address strategy, uint256 markPrice, uint256 price);

    /// @notice Thrown when governance clears a freeze while the strategy's price view fails (no price to mark).
    error PriceViewFailed(address strategy);

    /// @notice Thrown when `deRisk` is called while the dead-man's switch is off.
    error DeadManSwitchOff();

    /// @notice Thrown when `deRisk` is called before `staleAfter` seconds passed since the last successful rebalance
    /// (`lastRebalanceAt`, or when the switch was set).
    error AgentStillActive(uint256 lastRebalanceAt, uint256 staleAfter);

    /// @notice Thrown when `deRisk` names a strategy whose price (`convertToAssets(PRICE_UNIT)`, 0 when the view fails)
    /// is not more than `dropBps` below its mark (`mark`, 0 when never marked).
    error PriceNotDown(uint256 mark, uint256 price, uint256 dropBps);

    /// @notice Thrown when `deRisk` would move nothing: no position, nothing the strategy lets go now, or a zero bound.
    error NothingToDeRisk(address strategy, uint256 position, uint256 available, uint256 bound);

    // ---------------------------------------------------------------- lens

    /// @notice Thrown when the lens has less gas left (`gasLeft`) than a strategy view's full allowance needs
    /// (`needed`): the caller should send the snapshot with more gas.
    error LensOutOfGas(uint256 gasLeft, uint256 needed);
}
