// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// What 08-trace.mjs traces on Dure and on Anvil: cold and warm SLOAD and
// SSTORE (set, reset, refunds), a log, a CALL with value to a fresh account,
// a CREATE with value, a revert, and a revert caught one frame up.
contract Child {
	uint256 public v;

	constructor(uint256 x) payable {
		v = x;
	}
}

contract Trace {
	uint256 public a;
	uint256 public b;

	event Poked(uint256 indexed x, uint256 y);

	function poke(uint256 x) external payable {
		a = a + x;
		b = a * 2;
		emit Poked(x, b);
	}

	function clear() external {
		a = 0;
		b = 0;
	}

	function pay(address payable to) external payable {
		(bool ok, ) = to.call{value: msg.value}("");
		require(ok, "pay failed");
	}

	function make(uint256 x) external payable returns (address) {
		return address(new Child{value: msg.value}(x));
	}

	function fail(uint256 x) external {
		a = x;
		revert("nope");
	}

	function inner(uint256 x) external {
		try this.fail(x) {} catch {}
		a = a + 1;
	}
}
