// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IMorpho, Id, MarketParams} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";
import {IOracle} from "@morpho-org/morpho-blue/src/interfaces/IOracle.sol";
import {MarketParamsLib} from "@morpho-org/morpho-blue/src/libraries/MarketParamsLib.sol";
import {MorphoLib} from "@morpho-org/morpho-blue/src/libraries/periphery/MorphoLib.sol";
import {MorphoBalancesLib} from "@morpho-org/morpho-blue/src/libraries/periphery/MorphoBalancesLib.sol";
import {MockERC20} from "../MockERC20.sol";

/// @title LendingBorrower
/// @notice Test-only borrower (and liquidator) on Morpho Blue markets whose tokens are MockERC20s (the lending-market
/// test world): it mints the collateral it posts and the loan tokens it lacks, so a driver moves a market's
/// utilization with one call. Anyone may call it: it holds nothing of value outside a test chain.
contract LendingBorrower {
    using Math for uint256;
    using SafeERC20 for IERC20;
    using MarketParamsLib for MarketParams;
    using MorphoLib for IMorpho;
    using MorphoBalancesLib for IMorpho;

    uint256 internal constant WAD = 1e18;
    uint256 internal constant ORACLE_PRICE_SCALE = 1e36;

    /// @notice The Morpho Blue singleton.
    IMorpho public immutable MORPHO;

    constructor(IMorpho morpho) {
        MORPHO = morpho;
    }

    /// @notice Borrows `assets` (to this contract), first posting the collateral that puts its whole debt at `ltv`
    /// (WAD, below the market's LLTV) of the collateral's value at the oracle's price.
    function borrow(MarketParams calldata params, uint256 assets, uint256 ltv) public {
        Id id = params.id();
        uint256 debt = MORPHO.expectedBorrowAssets(params, address(this)) + assets;
        uint256 price = IOracle(params.oracle).price();
        uint256 needed =
            debt.mulDiv(ORACLE_PRICE_SCALE, price, Math.Rounding.Ceil).mulDiv(WAD, ltv, Math.Rounding.Ceil);
        uint256 held = MORPHO.collateral(id, address(this));
        if (needed > held) {
            MockERC20(params.collateralToken).mint(address(this), needed - held);
            _approve(params.collateralToken, needed - held);
            MORPHO.supplyCollateral(params, needed - held, address(this), "");
        }
        MORPHO.borrow(params, assets, 0, address(this), address(this));
    }

    /// @notice Repays `assets` of its debt, or all of it when `assets` covers it (minting the loan tokens it lacks,
    /// such as the interest). Returns what it repaid.
    function repay(MarketParams calldata params, uint256 assets) public returns (uint256 repaid) {
        Id id = params.id();
        uint256 shares = MORPHO.borrowShares(id, address(this));
        if (shares == 0 || assets == 0) return 0;
        uint256 debt = MORPHO.expectedBorrowAssets(params, address(this));
        bool all = assets >= debt;
        _fund(params.loanToken, all ? debt + 1 : assets);
        (repaid,) = all
            ? MORPHO.repay(params, 0, shares, address(this), "")
            : MORPHO.repay(params, assets, 0, address(this), "");
    }

    /// @notice Borrows or repays until the market's utilization is `utilization` (WAD; 1e18 borrows every unit of
    /// liquidity), repaying at most its own debt; borrows at `ltv` as `borrow` does. Returns the assets borrowed (> 0)
    /// or repaid (< 0).
    function moveUtilization(MarketParams calldata params, uint256 utilization, uint256 ltv)
        external
        returns (int256 moved)
    {
        (uint256 supplied, uint256 borrowed) = totalsOf(params);
        uint256 target = supplied.mulDiv(Math.min(utilization, WAD), WAD);
        if (target > borrowed) {
            borrow(params, target - borrowed, ltv);
            // Safe: below the market's supply, a uint128.
            moved = int256(target - borrowed);
        } else if (target < borrowed) {
            // Safe: at most its debt, a uint128.
            moved = -int256(repay(params, borrowed - target));
        }
    }

    /// @notice A market's supply and borrow, interest accrued up to now.
    function totalsOf(MarketParams calldata params) public view returns (uint256 supplyAssets, uint256 borrowAssets) {
        (supplyAssets,, borrowAssets,) = MORPHO.expectedMarketBalances(params);
    }

    /// @notice Seizes every unit of `borrower`'s collateral (paying with loan tokens it mints). On a position whose
    /// debt is worth more than its collateral, Morpho realizes what is left of the debt as bad debt: a loss to the
    /// market's suppliers. Returns the collateral seized and the debt repaid.
    function liquidate(MarketParams calldata params, address borrower)
        external
        returns (uint256 seized, uint256 repaid)
    {
        uint256 collateral = MORPHO.collateral(params.id(), borrower);
        _fund(params.loanToken, MORPHO.expectedBorrowAssets(params, borrower) + 1);
        (seized, repaid) = MORPHO.liquidate(params, borrower, collateral, 0, "");
    }

    /// @notice Its debt in `params`' market, interest accrued up to now.
    function debtOf(MarketParams calldata params) external view returns (uint256) {
        return MORPHO.expectedBorrowAssets(params, address(this));
    }

    /// @dev Mints what it lacks of `amount` loan tokens and lets Morpho pull them.
    function _fund(address token, uint256 amount) internal {
        uint256 balance = IERC20(token).balanceOf(address(this));
        if (balance < amount) MockERC20(token).mint(address(this), amount - balance);
        _approve(token, amount);
    }

    function _approve(address token, uint256 amount) internal {
        if (IERC20(token).allowance(address(this), address(MORPHO)) < amount) {
            IERC20(token).forceApprove(address(MORPHO), type(uint256).max);
        }
    }
}
