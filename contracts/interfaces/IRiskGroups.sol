// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IRiskGroups
/// @notice A treasury vault's risk-group caps. Governance tags strategies with risk ids 0..31 (a protocol, a
/// collateral, an oracle, an issuer: the labels live off chain; a strategy's ids are the bits of
/// `ITreasuryVault.StrategyConfig.riskGroups`), and each id has an absolute and a relative cap checked like a
/// strategy's: after a rebalance that raised a member of a group, the group's listed members together hold at most the
/// tighter of its two caps, measured without the block's deposits. So two strategies on the same underlying cannot
/// together pass the group's limit, whatever their own caps. An id no strategy carries binds nothing; an id whose
/// caps were never set caps at 0, so set a group's caps before tagging strategies with it.
/// @dev Served at the vault's address (its fallback runs TreasuryVaultAdmin's code on the vault's storage).
interface IRiskGroups {
    /// @notice The caps of one risk group.
    struct RiskGroupCap {
        /// Most assets the group's listed members may hold together.
        uint128 absoluteCap;
        /// Most share of total assets the group's listed members may hold together, in bps.
        uint16 relativeCapBps;
    }

    /// @notice Sets the caps of risk group `id` (0..31). Governance any value (a relative cap raise spends the
    /// exposure ramp, as `setCaps` does); the guardian only lower or equal. Emits `RiskGroupCapSet`.
    function setRiskGroupCap(uint8 id, uint128 absoluteCap, uint16 relativeCapBps) external;

    /// @notice Sets the risk groups of a listed strategy (bit `id` set for each risk id it carries). Governance any
    /// mask; the guardian only adds ids (a tag only tightens), never removes one. Emits `RiskGroupsSet`.
    function setRiskGroups(address strategy, uint32 riskGroups) external;

    /// @notice The caps of risk group `id` (zero when never set).
    function riskGroupCap(uint8 id) external view returns (RiskGroupCap memory);
}
