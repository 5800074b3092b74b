// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IMorpho, MarketParams} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";
import {MorphoBalancesLib} from "@morpho-org/morpho-blue/src/libraries/periphery/MorphoBalancesLib.sol";

import {TreasuryFixture} from "../Base.t.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {CuratedLendingVault} from "../../contracts/mocks/lending/CuratedLendingVault.sol";
import {KinkedIrm} from "../../contracts/mocks/lending/KinkedIrm.sol";
import {LendingBorrower} from "../../contracts/mocks/lending/LendingBorrower.sol";
import {LendingOracle} from "../../contracts/mocks/lending/LendingOracle.sol";

/// @notice The lending-market world in Solidity: Morpho Blue (deployed from its 0.8.19 artifact), a kinked rate
/// model, two markets lending a 6-decimal USDC against an 18-decimal WETH (one oracle each), a curated vault over both,
/// outside suppliers and a borrower holding each market at 80% utilization.
abstract contract LendingBase is TreasuryFixture {
    using MorphoBalancesLib for IMorpho;

    uint256 internal constant WAD = 1e18;
    uint256 internal constant LLTV = 0.86e18; // 86%, a common Morpho LLTV
    /// @dev Debt / collateral value of the borrower that moves utilization: far from LLTV, so price moves never
    /// make it liquidatable.
    uint256 internal constant SAFE_LTV = 0.4e18;
    /// @dev Debt / collateral value of a borrower about to default: just under LLTV.
    uint256 internal constant RISKY_LTV = 0.85e18;
    /// @dev 2,000 USDC per WETH at IOracle's scale: 1e36 x 1e6 / 1e18 x 2,000.
    uint256 internal constant WETH_PRICE = 2_000e24;
    uint256 internal constant VAULT_FEE = 0.1e18; // 10% of the interest
    uint256 internal constant CAP0 = 1_000_000e6;
    uint256 internal constant CAP1 = 500_000e6;
    uint256 internal constant OUTSIDE_SUPPLY = 400_000e6; // supplied straight to each market by others
    uint256 internal constant START_UTILIZATION = 0.8e18;

    address internal curator = makeAddr("curator");
    address internal feeRecipient = makeAddr("feeRecipient");
    address internal supplier = makeAddr("supplier");

    MockERC20 internal usdc;
    MockERC20 internal weth;
    IMorpho internal morpho;
    KinkedIrm internal irm;
    LendingOracle[] internal oracles;
    MarketParams[] internal markets;
    CuratedLendingVault internal curated;
    LendingBorrower internal borrower;
    LendingBorrower internal risky;
    LendingBorrower internal liquidator;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        vm.roll(100);
        usdc = new MockERC20("USD Coin (mock)", "USDC", 6);
        weth = new MockERC20("Wrapped Ether (mock)", "WETH", 18);
        // Morpho.sol pins solc 0.8.19: deployed from its artifact, never imported here.
        morpho = IMorpho(deployCode("Morpho.sol:Morpho", abi.encode(address(this))));
        irm = new KinkedIrm(0.005e18, 0.05e18, 0.5e18, 0.9e18);
        morpho.enableIrm(address(irm));
        morpho.enableLltv(LLTV);
        for (uint256 i; i < 2; ++i) {
            LendingOracle oracle = new LendingOracle(WETH_PRICE);
            MarketParams memory p = MarketParams(address(usdc), address(weth), address(oracle), address(irm), LLTV);
            morpho.createMarket(p);
            oracles.push(oracle);
            markets.push(p);
        }
        curated = _curatedVault("Curated USDC", CAP0, CAP1);
        borrower = new LendingBorrower(morpho);
        risky = new LendingBorrower(morpho);
        liquidator = new LendingBorrower(morpho);
        vm.label(address(morpho), "morpho");
        vm.label(address(curated), "curated");

        for (uint256 i; i < markets.length; ++i) {
            _supplyDirect(i, OUTSIDE_SUPPLY);
        }
        _deposit(alice, curated, 600_000e6);
        for (uint256 i; i < markets.length; ++i) {
            _setUtilization(i, START_UTILIZATION);
        }
    }

    // ---------------------------------------------------------------- world

    function _curatedVault(string memory name, uint256 cap0, uint256 cap1) internal returns (CuratedLendingVault v) {
        v = new CuratedLendingVault(morpho, usdc, name, "cUSDC", curator, feeRecipient, VAULT_FEE);
        vm.startPrank(curator);
        v.addMarket(markets[0], cap0);
        v.addMarket(markets[1], cap1);
        vm.stopPrank();
    }

    function _deposit(address user, IERC4626 v, uint256 assets) internal returns (uint256 shares) {
        usdc.mint(user, assets);
        vm.startPrank(user);
        usdc.approve(address(v), assets);
        shares = v.deposit(assets, user);
        vm.stopPrank();
    }

    /// @dev `supplier` supplies `assets` to market `i` straight, as other vaults and lenders do.
    function _supplyDirect(uint256 i, uint256 assets) internal {
        usdc.mint(supplier, assets);
        vm.startPrank(supplier);
        usdc.approve(address(morpho), assets);
        morpho.supply(markets[i], assets, 0, supplier, "");
        vm.stopPrank();
    }

    /// @dev Borrows or repays in market `i` until its utilization is `utilization` (WAD; 1e18 borrows every unit of
    /// liquidity).
    function _setUtilization(uint256 i, uint256 utilization) internal {
        borrower.moveUtilization(markets[i], utilization, SAFE_LTV);
    }

    function _liquidity(uint256 i) internal view returns (uint256) {
        (uint256 supplied,, uint256 borrowed,) = morpho.expectedMarketBalances(markets[i]);
        return supplied - borrowed;
    }

    /// @dev A borrower takes `debt` in market `i` just under LLTV, the collateral's price halves, a liquidator seizes
    /// all of it, and Morpho realizes the rest of the debt as bad debt; the price then recovers. Returns the bad debt.
    function _realizeBadDebt(uint256 i, uint256 debt) internal returns (uint256 badDebt) {
        risky.borrow(markets[i], debt, RISKY_LTV);
        (uint256 supplyBefore,,,) = morpho.expectedMarketBalances(markets[i]);
        oracles[i].setPrice(WETH_PRICE / 2);
        liquidator.liquidate(markets[i], address(risky));
        oracles[i].setPrice(WETH_PRICE);
        (uint256 supplyAfter,,,) = morpho.expectedMarketBalances(markets[i]);
        badDebt = supplyBefore - supplyAfter;
    }

    /// @dev The next block, `seconds_` later.
    function _advance(uint256 seconds_) internal {
        vm.warp(block.timestamp + seconds_);
        vm.roll(block.number + 1);
    }
}
