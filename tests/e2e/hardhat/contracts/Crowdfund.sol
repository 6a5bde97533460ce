// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

// Campaigns that collect one ERC-20 until a deadline: the creator claims the
// pledges when the goal was reached, otherwise each backer takes theirs back.
contract Crowdfund {
    using SafeERC20 for IERC20;

    struct Campaign {
        address creator;
        uint128 goal;
        uint128 pledged;
        uint64 startAt;
        uint64 endAt;
        bool claimed;
    }

    uint256 public constant MAX_DURATION = 90 days;

    IERC20 public immutable token;
    uint256 public count;
    mapping(uint256 => Campaign) public campaigns;
    mapping(uint256 => mapping(address => uint256)) public pledgedAmount;

    event Launched(uint256 indexed id, address indexed creator, uint128 goal, uint64 startAt, uint64 endAt);
    event Cancelled(uint256 indexed id);
    event Pledged(uint256 indexed id, address indexed backer, uint256 amount);
    event Unpledged(uint256 indexed id, address indexed backer, uint256 amount);
    event Claimed(uint256 indexed id, uint256 amount);
    event Refunded(uint256 indexed id, address indexed backer, uint256 amount);

    error StartInPast(uint64 startAt, uint256 now_);
    error BadSchedule(uint64 startAt, uint64 endAt);
    error NotCreator(address caller);
    error NotStarted(uint256 id);
    error Ended(uint256 id);
    error NotEnded(uint256 id);
    error GoalNotReached(uint128 pledged, uint128 goal);
    error GoalReached();
    error AlreadyClaimed();
    error NothingPledged();
    error UnknownCampaign(uint256 id);

    constructor(IERC20 _token) {
        token = _token;
    }

    // Percent of the goal pledged so far.
    function progress(uint256 id) external view returns (uint256) {
        Campaign memory c = campaigns[id];
        if (c.creator == address(0)) revert UnknownCampaign(id);
        return (uint256(c.pledged) * 100) / c.goal;
    }

    function launch(uint128 goal, uint64 startAt, uint64 endAt) external returns (uint256 id) {
        if (startAt < block.timestamp) revert StartInPast(startAt, block.timestamp);
        if (endAt < startAt || endAt > block.timestamp + MAX_DURATION) revert BadSchedule(startAt, endAt);
        id = ++count;
        campaigns[id] = Campaign(msg.sender, goal, 0, startAt, endAt, false);
        emit Launched(id, msg.sender, goal, startAt, endAt);
    }

    function cancel(uint256 id) external {
        Campaign memory c = campaigns[id];
        if (c.creator != msg.sender) revert NotCreator(msg.sender);
        if (block.timestamp >= c.startAt) revert NotStarted(id);
        delete campaigns[id];
        emit Cancelled(id);
    }

    function pledge(uint256 id, uint256 amount) external {
        Campaign storage c = campaigns[id];
        if (block.timestamp < c.startAt) revert NotStarted(id);
        if (block.timestamp > c.endAt) revert Ended(id);
        c.pledged += uint128(amount);
        pledgedAmount[id][msg.sender] += amount;
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit Pledged(id, msg.sender, amount);
    }

    function unpledge(uint256 id, uint256 amount) external {
        Campaign storage c = campaigns[id];
        if (block.timestamp > c.endAt) revert Ended(id);
        c.pledged -= uint128(amount);
        pledgedAmount[id][msg.sender] -= amount;
        token.safeTransfer(msg.sender, amount);
        emit Unpledged(id, msg.sender, amount);
    }

    function claim(uint256 id) external {
        Campaign storage c = campaigns[id];
        if (c.creator != msg.sender) revert NotCreator(msg.sender);
        if (block.timestamp <= c.endAt) revert NotEnded(id);
        if (c.pledged < c.goal) revert GoalNotReached(c.pledged, c.goal);
        if (c.claimed) revert AlreadyClaimed();
        c.claimed = true;
        token.safeTransfer(c.creator, c.pledged);
        emit Claimed(id, c.pledged);
    }

    function refund(uint256 id) external {
        Campaign memory c = campaigns[id];
        if (block.timestamp <= c.endAt) revert NotEnded(id);
        if (c.pledged >= c.goal) revert GoalReached();
        uint256 bal = pledgedAmount[id][msg.sender];
        if (bal == 0) revert NothingPledged();
        pledgedAmount[id][msg.sender] = 0;
        token.safeTransfer(msg.sender, bal);
        emit Refunded(id, msg.sender, bal);
    }
}
