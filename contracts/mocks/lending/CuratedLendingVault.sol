// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20, IERC20Metadata, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IMorpho, Id, MarketParams} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";
import {MarketParamsLib} from "@morpho-org/morpho-blue/src/libraries/MarketParamsLib.sol";
import {MorphoBalancesLib} from "@morpho-org/morpho-blue/src/libraries/periphery/MorphoBalancesLib.sol";
import {KinkedIrm} from "./KinkedIrm.sol";

/// @title CuratedLendingVault
/// @notice Test-only curated ERC-4626 lending vault (the lending-market test world): it supplies one loan asset to
/// one or more Morpho Blue markets and behaves as the third-party curated vaults a treasury lists as strategies do.
///
/// BEHAVIOUR (each one what a real curated vault does, and what a strategy's holder has to live with)
/// - Per-market supply caps set by the curator. Deposits fill the markets in order, each up to its cap;
///   `maxDeposit`/`maxMint` are the cap room left (0 when every cap is full), and a deposit above it reverts
///   `AllCapsReached()`. Interest accrues on what the vault supplies, so the room shrinks every block.
/// - Exits pull the markets in the same order, each up to what its borrowers left (supply less borrow):
///   `maxWithdraw`/`maxRedeem` are limited by that liquidity, and a withdrawal above it reverts `NotEnoughLiquidity()`.
/// - Shares have 18 decimals (a decimals offset of 18 - asset decimals) and every conversion rounds in the vault's
///   favour, so with a 6-decimal asset `maxRedeem(owner)` sits up to ~1e12 share units below `balanceOf(owner)`
///   whenever the share price is not exact, even with full liquidity.
/// - Interest accrues every block: `totalAssets()` is what the vault supplies with the interest accrued up to now
///   (Morpho's expected balances), without any transaction.
/// - A performance fee (`fee`, WAD share of the interest) is taken as shares minted to `feeRecipient` on the next
///   deposit or exit. Previews and conversions already count those shares, but `totalSupply()` does not until they
///   are minted: read before an accrual, it is below the supply the next call sees.
/// - Bad debt a market realizes on a liquidation lowers its suppliers' assets at once: `totalAssets()` falls and the
///   loss is the holders' (the accrual that sees it takes no fee).
/// - `marketState(i)` and `rateAfter(assets)` tell what a market pays now and what the vault would pay after a move,
///   from the markets' interest rate model (`KinkedIrm`), so an allocator can foresee the effect of its own move.
///
/// ROLES: the curator adds markets, sets caps, the fee and its recipient, at once (a test world: no timelock).
contract CuratedLendingVault is ERC4626 {
    using Math for uint256;
    using SafeERC20 for IERC20;
    using MarketParamsLib for MarketParams;
    using MorphoBalancesLib for IMorpho;

    /// @notice One market as an allocator sees it, interest accrued up to now. Amounts in assets; rates per second,
    /// scaled by WAD (multiply by 365 days for an APR).
    struct MarketState {
        Id id;
        uint256 cap; // the vault's supply cap in this market
        uint256 vaultSupplyAssets; // what the vault supplies here
        uint256 totalSupplyAssets; // the market's supply
        uint256 totalBorrowAssets; // the market's borrow
        uint256 liquidity; // supply less borrow: what suppliers may withdraw now
        uint256 utilization; // borrow / supply (WAD)
        uint256 borrowRate; // at `utilization`
        uint256 supplyRate; // borrowRate x utilization x (1 - marketFee)
        uint256 marketFee; // Morpho's fee on the market's interest (WAD)
        KinkedIrm.Curve curve; // the market's rate model: KinkedIrm.rateAt(u) at any other utilization
    }

    /// @notice Thrown by a deposit or mint when the markets' caps cannot take all its assets.
    error AllCapsReached();
    /// @notice Thrown by a withdrawal or redemption when the markets' liquidity cannot pay all its assets.
    error NotEnoughLiquidity();
    /// @notice Thrown when a curator-only function is called by someone else.
    error NotCurator(address caller);
    /// @notice Thrown for a market index the vault does not have.
    error UnknownMarket(uint256 index);
    /// @notice Thrown when a market is added twice.
    error MarketAlreadyAdded(Id id);
    /// @notice Thrown when a market's loan token is not the vault's asset.
    error LoanTokenMismatch(address loanToken, address asset);
    /// @notice Thrown when a market is added before Morpho created it.
    error MarketNotCreated(Id id);
    /// @notice Thrown when the fee is set above MAX_FEE.
    error FeeTooHigh(uint256 fee, uint256 max);
    /// @notice Thrown by the constructor for an asset with more than 18 decimals, or a zero fee recipient.
    error BadSetup();

    /// @notice Emitted when the curator adds a market.
    event MarketAdded(uint256 indexed index, Id indexed id, uint256 cap);
    /// @notice Emitted when the curator sets a market's cap.
    event CapSet(uint256 indexed index, uint256 cap);
    /// @notice Emitted when the fee changes.
    event FeeSet(uint256 fee);
    /// @notice Emitted when the fee recipient changes.
    event FeeRecipientSet(address feeRecipient);
    /// @notice Emitted on each accrual: interest since the last one, fee shares minted, total assets now.
    event Accrued(uint256 interest, uint256 feeShares, uint256 totalAssets);

    /// @notice Highest fee, WAD: 0.5e18 = 50% of the interest.
    uint256 public constant MAX_FEE = 0.5e18;
    uint256 internal constant WAD = 1e18;

    /// @notice The Morpho Blue singleton.
    IMorpho public immutable MORPHO;
    uint8 internal immutable _offset;

    /// @notice Adds markets, sets caps and the fee.
    address public curator;
    /// @notice Receives the fee shares.
    address public feeRecipient;
    /// @notice Share of the interest taken as fee (WAD).
    uint256 public fee;
    /// @notice Total assets at the last accrual, plus deposits and less exits since.
    uint256 public lastTotalAssets;

    MarketParams[] internal _markets;
    uint256[] internal _caps;
    mapping(Id id => bool) internal _added;

    /// @param morpho The Morpho Blue singleton.
    /// @param asset_ The loan asset (at most 18 decimals).
    /// @param curator_ Who adds markets and sets caps and the fee.
    /// @param feeRecipient_ Who receives the fee shares.
    /// @param fee_ Share of the interest taken as fee (WAD), at most MAX_FEE.
    constructor(
        IMorpho morpho,
        IERC20Metadata asset_,
        string memory name_,
        string memory symbol_,
        address curator_,
        address feeRecipient_,
        uint256 fee_
    ) ERC20(name_, symbol_) ERC4626(asset_) {
        uint8 assetDecimals = asset_.decimals();
        if (assetDecimals > 18 || feeRecipient_ == address(0)) revert BadSetup();
        if (fee_ > MAX_FEE) revert FeeTooHigh(fee_, MAX_FEE);
        MORPHO = morpho;
        // Safe: assetDecimals <= 18.
        _offset = uint8(18 - assetDecimals);
        curator = curator_;
        feeRecipient = feeRecipient_;
        fee = fee_;
        IERC20(address(asset_)).forceApprove(address(morpho), type(uint256).max);
    }

    modifier onlyCurator() {
        if (msg.sender != curator) revert NotCurator(msg.sender);
        _;
    }

    // ================================================================ curator

    /// @notice Appends a created Morpho market over the vault's asset, whose rate model is a KinkedIrm, with `cap`.
    function addMarket(MarketParams calldata params, uint256 cap) external onlyCurator {
        Id id = params.id();
        if (params.loanToken != asset()) revert LoanTokenMismatch(params.loanToken, asset());
        if (_added[id]) revert MarketAlreadyAdded(id);
        if (MORPHO.market(id).lastUpdate == 0) revert MarketNotCreated(id);
        // Reverts for any other rate model: marketState and rateAfter read the curve.
        KinkedIrm(params.irm).curve();
        _added[id] = true;
        _markets.push(params);
        _caps.push(cap);
        emit MarketAdded(_markets.length - 1, id, cap);
    }

    /// @notice Sets the cap of market `index`. A cap below what the vault supplies there only stops new deposits.
    function setCap(uint256 index, uint256 cap) external onlyCurator {
        if (index >= _markets.length) revert UnknownMarket(index);
        _caps[index] = cap;
        emit CapSet(index, cap);
    }

    /// @notice Sets the fee, after taking the fee accrued so far at the old one.
    function setFee(uint256 newFee) external onlyCurator {
        if (newFee > MAX_FEE) revert FeeTooHigh(newFee, MAX_FEE);
        _accrue();
        fee = newFee;
        emit FeeSet(newFee);
    }

    /// @notice Sets the fee recipient, after paying the fee accrued so far to the old one.
    function setFeeRecipient(address newFeeRecipient) external onlyCurator {
        if (newFeeRecipient == address(0)) revert BadSetup();
        _accrue();
        feeRecipient = newFeeRecipient;
        emit FeeRecipientSet(newFeeRecipient);
    }

    // ================================================================ markets

    /// @notice Number of markets, in deposit and withdrawal order.
    function marketCount() external view returns (uint256) {
        return _markets.length;
    }

    /// @notice Parameters of market `index`.
    function marketParams(uint256 index) external view returns (MarketParams memory) {
        if (index >= _markets.length) revert UnknownMarket(index);
        return _markets[index];
    }

    /// @notice Cap of market `index`.
    function capOf(uint256 index) external view returns (uint256) {
        if (index >= _markets.length) revert UnknownMarket(index);
        return _caps[index];
    }

    /// @notice Market `index` now: the vault's cap and supply, the market's totals, liquidity, utilization, rates and
    /// rate curve, interest accrued up to this block.
    function marketState(uint256 index) external view returns (MarketState memory s) {
        if (index >= _markets.length) revert UnknownMarket(index);
        MarketParams memory p = _markets[index];
        s.id = p.id();
        s.cap = _caps[index];
        s.vaultSupplyAssets = MORPHO.expectedSupplyAssets(p, address(this));
        (s.totalSupplyAssets,, s.totalBorrowAssets,) = MORPHO.expectedMarketBalances(p);
        s.liquidity = _zeroFloorSub(s.totalSupplyAssets, s.totalBorrowAssets);
        KinkedIrm irm = KinkedIrm(p.irm);
        s.utilization = irm.utilizationOf(s.totalSupplyAssets, s.totalBorrowAssets);
        s.borrowRate = irm.rateAt(s.utilization);
        s.marketFee = MORPHO.market(s.id).fee;
        s.supplyRate = _supplyRate(irm, s.totalSupplyAssets, s.totalBorrowAssets, s.marketFee);
        s.curve = irm.curve();
    }

    /// @notice The vault's supply rate per second (WAD, after its fee) if `assets` were deposited (> 0) or withdrawn
    /// (< 0) now: the move is spread over the markets as a deposit or withdrawal would spread it (in order, up to each
    /// cap or each market's liquidity; what does not fit is left out), then each market's rate is read off its curve
    /// at its new utilization and weighted by what the vault would supply there. 0 when the vault would supply nothing.
    function rateAfter(int256 assets) external view returns (uint256) {
        uint256 left = assets < 0 ? uint256(-assets) : uint256(assets);
        uint256 weighted;
        uint256 supplied;
        for (uint256 i; i < _markets.length; ++i) {
            MarketParams memory p = _markets[i];
            uint256 mine = MORPHO.expectedSupplyAssets(p, address(this));
            (uint256 totalSupply_,, uint256 totalBorrow,) = MORPHO.expectedMarketBalances(p);
            uint256 move;
            if (assets >= 0) {
                move = Math.min(_zeroFloorSub(_caps[i], mine), left);
                mine += move;
                totalSupply_ += move;
            } else {
                move = Math.min(Math.min(mine, _zeroFloorSub(totalSupply_, totalBorrow)), left);
                mine -= move;
                totalSupply_ -= move;
            }
            left -= move;
            uint256 marketFee = MORPHO.market(p.id()).fee;
            weighted += mine * _supplyRate(KinkedIrm(p.irm), totalSupply_, totalBorrow, marketFee);
            supplied += mine;
        }
        if (supplied == 0) return 0;
        return (weighted / supplied).mulDiv(WAD - fee, WAD);
    }

    // ================================================================ ERC-4626

    /// @notice What the vault supplies across its markets, interest accrued up to now.
    function totalAssets() public view override returns (uint256 total) {
        for (uint256 i; i < _markets.length; ++i) {
            total += MORPHO.expectedSupplyAssets(_markets[i], address(this));
        }
    }

    /// @notice Cap room left across the markets (0 when every cap is full).
    function maxDeposit(address) public view override returns (uint256 room) {
        for (uint256 i; i < _markets.length; ++i) {
            room += _zeroFloorSub(_caps[i], MORPHO.expectedSupplyAssets(_markets[i], address(this)));
        }
    }

    /// @notice Shares the cap room left would mint (rounded down).
    function maxMint(address) public view override returns (uint256) {
        return _convertToShares(maxDeposit(address(0)), Math.Rounding.Floor);
    }

    /// @notice The owner's assets (rounded down), at most what the markets' liquidity lets the vault withdraw now.
    function maxWithdraw(address owner) public view override returns (uint256) {
        return Math.min(_convertToAssets(balanceOf(owner), Math.Rounding.Floor), _withdrawable());
    }

    /// @notice `maxWithdraw(owner)` in shares, rounded down: below `balanceOf(owner)` whenever the price is not exact.
    function maxRedeem(address owner) public view override returns (uint256) {
        return _convertToShares(maxWithdraw(owner), Math.Rounding.Floor);
    }

    /// @dev Takes the fee first; reverts `AllCapsReached` when the caps cannot take `assets` (no maxDeposit check).
    function deposit(uint256 assets, address receiver) public override returns (uint256 shares) {
        _accrue();
        shares = _convertToShares(assets, Math.Rounding.Floor);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @dev Takes the fee first; reverts `AllCapsReached` when the caps cannot take the assets (no maxMint check).
    function mint(uint256 shares, address receiver) public override returns (uint256 assets) {
        _accrue();
        assets = _convertToAssets(shares, Math.Rounding.Ceil);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @dev Takes the fee first; reverts `NotEnoughLiquidity` when the markets cannot pay (no maxWithdraw check).
    function withdraw(uint256 assets, address receiver, address owner) public override returns (uint256 shares) {
        _accrue();
        shares = _convertToShares(assets, Math.Rounding.Ceil);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @dev Takes the fee first; reverts `NotEnoughLiquidity` when the markets cannot pay (no maxRedeem check).
    function redeem(uint256 shares, address receiver, address owner) public override returns (uint256 assets) {
        _accrue();
        assets = _convertToAssets(shares, Math.Rounding.Floor);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    // ================================================================ internal

    /// @dev Conversions count the fee shares not minted yet and the interest accrued up to now, so previews price
    /// exactly as the next call will.
    function _convertToShares(uint256 assets, Math.Rounding rounding) internal view override returns (uint256) {
        (uint256 feeShares, uint256 total) = _accruedFeeShares();
        return assets.mulDiv(totalSupply() + feeShares + 10 ** _offset, total + 1, rounding);
    }

    function _convertToAssets(uint256 shares, Math.Rounding rounding) internal view override returns (uint256) {
        (uint256 feeShares, uint256 total) = _accruedFeeShares();
        return shares.mulDiv(total + 1, totalSupply() + feeShares + 10 ** _offset, rounding);
    }

    function _decimalsOffset() internal view override returns (uint8) {
        return _offset;
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        super._deposit(caller, receiver, assets, shares);
        _supplyToMarkets(assets);
        lastTotalAssets += assets;
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        _withdrawFromMarkets(assets);
        super._withdraw(caller, receiver, owner, assets, shares);
        lastTotalAssets = _zeroFloorSub(lastTotalAssets, assets);
    }

    /// @dev Mints the fee shares on the interest since the last accrual and records total assets.
    function _accrue() internal {
        (uint256 feeShares, uint256 total) = _accruedFeeShares();
        uint256 interest = _zeroFloorSub(total, lastTotalAssets);
        if (feeShares != 0) _mint(feeRecipient, feeShares);
        lastTotalAssets = total;
        if (interest != 0) emit Accrued(interest, feeShares, total);
    }

    /// @dev Fee shares owed on the interest since the last accrual (none after a loss until it is made up), and
    /// total assets now. The fee's shares are priced on total assets less the fee, so that they are worth the fee.
    function _accruedFeeShares() internal view returns (uint256 feeShares, uint256 total) {
        total = totalAssets();
        uint256 interest = _zeroFloorSub(total, lastTotalAssets);
        if (interest == 0 || fee == 0) return (0, total);
        uint256 feeAssets = interest.mulDiv(fee, WAD);
        feeShares = feeAssets.mulDiv(totalSupply() + 10 ** _offset, total - feeAssets + 1, Math.Rounding.Floor);
    }

    /// @dev Fills the markets in order, each up to its cap; reverts `AllCapsReached` when assets are left over.
    function _supplyToMarkets(uint256 assets) internal {
        for (uint256 i; i < _markets.length && assets != 0; ++i) {
            MarketParams memory p = _markets[i];
            uint256 room = _zeroFloorSub(_caps[i], MORPHO.expectedSupplyAssets(p, address(this)));
            uint256 amount = Math.min(room, assets);
            if (amount == 0) continue;
            MORPHO.supply(p, amount, 0, address(this), "");
            assets -= amount;
        }
        if (assets != 0) revert AllCapsReached();
    }

    /// @dev Pulls the markets in order, each up to the vault's supply and the market's liquidity; reverts
    /// `NotEnoughLiquidity` when assets are left over.
    function _withdrawFromMarkets(uint256 assets) internal {
        for (uint256 i; i < _markets.length && assets != 0; ++i) {
            MarketParams memory p = _markets[i];
            uint256 amount = Math.min(_withdrawableFrom(p), assets);
            if (amount == 0) continue;
            // Withdrawing by assets rounds the shares burnt up, never above the vault's own: supply assets are its
            // shares rounded down.
            MORPHO.withdraw(p, amount, 0, address(this), address(this));
            assets -= amount;
        }
        if (assets != 0) revert NotEnoughLiquidity();
    }

    /// @dev What the vault can withdraw now across its markets.
    function _withdrawable() internal view returns (uint256 total) {
        for (uint256 i; i < _markets.length; ++i) {
            total += _withdrawableFrom(_markets[i]);
        }
    }

    /// @dev min(the vault's supply, the market's liquidity), interest accrued.
    function _withdrawableFrom(MarketParams memory p) internal view returns (uint256) {
        (uint256 totalSupply_,, uint256 totalBorrow,) = MORPHO.expectedMarketBalances(p);
        return Math.min(MORPHO.expectedSupplyAssets(p, address(this)), _zeroFloorSub(totalSupply_, totalBorrow));
    }

    /// @dev Supply rate per second (WAD) of a market with these totals.
    function _supplyRate(KinkedIrm irm, uint256 totalSupply_, uint256 totalBorrow, uint256 marketFee)
        internal
        view
        returns (uint256)
    {
        uint256 utilization = irm.utilizationOf(totalSupply_, totalBorrow);
        return irm.rateAt(utilization).mulDiv(utilization, WAD).mulDiv(WAD - marketFee, WAD);
    }

    function _zeroFloorSub(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a - b : 0;
    }
}
