// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IDeadManSwitch
/// @notice The treasury vault's dead-man's switch: a de-risk rule governance approves in advance. When no agent
/// rebalance succeeded for `staleAfter` seconds and a strategy's share price fell more than `dropBps` below its mark,
/// anyone may move part of that position to idle (`deRisk`), at most `maxExitBps` of total assets a call. It only
/// lowers exposure. The vault reaches these entry points through its fallback (TreasuryVaultAdmin's code, run on the
/// vault's storage): call them on the vault's address with this interface.
interface IDeadManSwitch {
    /// @notice The rule and the time of the last successful rebalance while it is armed. One storage slot.
    struct DeadManSwitch {
        /// Seconds without a successful rebalance after which the switch may fire (0: off).
        uint32 staleAfter;
        /// How far below its mark a strategy's price must fall, in bps (strictly more than this).
        uint16 dropBps;
        /// The most one `deRisk` call moves to idle, in bps of total assets (without the block's deposits).
        uint16 maxExitBps;
        /// The last successful rebalance, or when the switch was last set (0 while off).
        uint40 lastRebalanceAt;
    }

    /// @notice Sets the dead-man's switch (`staleAfter == 0` switches it off and clears the rule). Governance any value
    /// (bps at most 10,000); the guardian only a change that makes it harder to fire or smaller: off, or, while armed,
    /// a staleAfter at least as long, a dropBps at least as large and a maxExitBps at most as large. Arming or
    /// changing the rule records now as the last rebalance, so a setting never makes the switch fire at once.
    function setDeadManSwitch(uint32 staleAfter, uint16 dropBps, uint16 maxExitBps) external;

    /// @notice Moves part of `strategy`'s position to idle: min(position, what the strategy lets go now, maxExitBps of
    /// total assets without the block's deposits). Anyone, when the switch is armed
    /// (`DeadManSwitchOff`), no rebalance succeeded for staleAfter seconds (`AgentStillActive`), and the strategy's
    /// price `convertToAssets(PRICE_UNIT)` read now is more than dropBps below its mark (`PriceNotDown`; a failed view
    /// or an unmarked strategy is not down). Booked like a rebalance withdrawal leg; the loss (a fee, a short payment)
    /// is held to the per-call loss limit and the epoch loss budget. Repeat calls are allowed, each bounded.
    /// @return assets The assets that arrived in idle.
    /// @return loss The loss booked against the loss limits.
    function deRisk(address strategy) external returns (uint256 assets, uint256 loss);

    /// @notice The dead-man's switch rule and the last rebalance it counts from.
    function deadManSwitch() external view returns (DeadManSwitch memory);
}
