// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "hardhat/console.sol";

// Slot 0: count; slot 1: owner. Tests read and write these slots directly.
contract Counter {
    uint256 public count;
    address public owner;

    event Incremented(address indexed by, uint256 count);

    error Unauthorized(address caller);

    constructor() {
        owner = msg.sender;
    }

    function increment() external {
        count += 1;
        console.log("increment by %s to %d", msg.sender, count);
        emit Incremented(msg.sender, count);
    }

    function reset() external {
        if (msg.sender != owner) revert Unauthorized(msg.sender);
        count = 0;
    }

    function blockInfo() external view returns (uint256 number, uint256 timestamp, address coinbase) {
        return (block.number, block.timestamp, block.coinbase);
    }
}
