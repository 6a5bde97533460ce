// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// CREATE2 factory: deploys arbitrary init code at the address
// keccak256(0xff ++ this ++ salt ++ keccak256(code))[12:].
contract Factory {
	event Deployed(address indexed addr, bytes32 indexed salt);

	error DeployFailed();

	function deploy(bytes32 salt, bytes calldata code) external returns (address addr) {
		bytes memory init = code;
		assembly {
			addr := create2(0, add(init, 0x20), mload(init), salt)
		}
		if (addr == address(0)) revert DeployFailed();
		emit Deployed(addr, salt);
	}
}
