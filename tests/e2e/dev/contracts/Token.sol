// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// A minimal ERC-20 for the dev-node tests. Storage layout is part of the
// tests (cast storage, setStorageAt): slot 0 totalSupply, slot 1 balances,
// slot 2 allowances.
contract Token {
	uint256 public totalSupply;
	mapping(address => uint256) public balanceOf;
	mapping(address => mapping(address => uint256)) public allowance;

	string public constant name = "Dure Test Token";
	string public constant symbol = "DTT";
	uint8 public constant decimals = 18;

	event Transfer(address indexed from, address indexed to, uint256 value);
	event Approval(address indexed owner, address indexed spender, uint256 value);

	error Insufficient(uint256 have, uint256 want);

	constructor(uint256 supply) {
		totalSupply = supply;
		balanceOf[msg.sender] = supply;
		emit Transfer(address(0), msg.sender, supply);
	}

	function transfer(address to, uint256 value) external returns (bool) {
		_move(msg.sender, to, value);
		return true;
	}

	function approve(address spender, uint256 value) external returns (bool) {
		allowance[msg.sender][spender] = value;
		emit Approval(msg.sender, spender, value);
		return true;
	}

	function transferFrom(address from, address to, uint256 value) external returns (bool) {
		uint256 allowed = allowance[from][msg.sender];
		if (allowed < value) revert Insufficient(allowed, value);
		allowance[from][msg.sender] = allowed - value;
		_move(from, to, value);
		return true;
	}

	// Always reverts with a reason string: the tests read it back.
	function fail() external pure {
		require(false, "Token: always fails");
	}

	function _move(address from, address to, uint256 value) internal {
		uint256 have = balanceOf[from];
		if (have < value) revert Insufficient(have, value);
		balanceOf[from] = have - value;
		balanceOf[to] += value;
		emit Transfer(from, to, value);
	}
}
