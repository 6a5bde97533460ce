// Foundry's cast against the dev node, signing with dev account 1: send
// (ether and a contract creation and a call), call, receipt, block,
// block-number, balance, storage (with the mapping slot computed here by
// keccak, independently of cast's `index`), rpc evm_mine, chain-id. Only
// commands that need no network beyond the node (no signature look-ups).
import assert from 'node:assert/strict'
import { AbiCoder, getCreateAddress, id, keccak256, parseEther, zeroPadValue, toBeHex } from 'ethers'
import { DEV_ACCOUNTS, DEV_BALANCE, castBin, compile, run, runTool, startNode, step } from './lib.mjs'

await run('cast', async () => {
	const { Token } = compile('Token')
	const node = await startNode()
	const bin = castBin()
	const rpcUrl = ['--rpc-url', node.url]
	// Options go right after the subcommand: `send --create` takes the rest
	// of the line as constructor arguments.
	const cast = (sub, ...args) => runTool(bin, [sub, ...rpcUrl, ...args])
	const castJson = (sub, ...args) => JSON.parse(cast(sub, '--json', ...args))
	const offline = (...args) => runTool(bin, args)
	const me = DEV_ACCOUNTS[1]
	const carol = DEV_ACCOUNTS[3].address
	const key = ['--private-key', me.key]

	step('chain-id')
	assert.equal(cast('chain-id'), '31337')

	step('balance')
	assert.equal(cast('balance', me.address), DEV_BALANCE.toString())
	assert.equal(cast('balance', me.address, '--ether'), '10000.000000000000000000')

	step('send ether')
	const r1 = castJson('send', carol, '--value', '1ether', ...key)
	assert.equal(r1.status, '0x1')
	assert.equal(r1.from.toLowerCase(), me.address.toLowerCase())
	assert.equal(r1.to.toLowerCase(), carol.toLowerCase())
	assert.equal(BigInt(r1.gasUsed), 21000n)
	assert.equal(BigInt(r1.blockNumber), 1n)
	assert.equal(cast('balance', carol), (DEV_BALANCE + parseEther('1')).toString())
	const fee1 = BigInt(r1.gasUsed) * BigInt(r1.effectiveGasPrice)
	assert.equal(cast('balance', me.address), (DEV_BALANCE - parseEther('1') - fee1).toString())

	step('send --create')
	const r2 = castJson('send', ...key, '--create', Token.bytecode, 'constructor(uint256)', '1000')
	assert.equal(r2.status, '0x1')
	const token = getCreateAddress({ from: me.address, nonce: 1 })
	assert.equal(r2.contractAddress.toLowerCase(), token.toLowerCase())
	assert.equal(cast('code', token), Token.deployedBytecode)

	step('call')
	assert.equal(cast('call', token, 'balanceOf(address)(uint256)', me.address), '1000')
	assert.equal(cast('call', token, 'name()(string)'), '"Dure Test Token"')
	assert.equal(cast('call', token, 'totalSupply()'), zeroPadValue(toBeHex(1000), 32))

	step('send a contract call')
	const r3 = castJson('send', token, 'transfer(address,uint256)', carol, '250', ...key)
	assert.equal(r3.status, '0x1')
	assert.equal(r3.logs.length, 1)
	assert.equal(r3.logs[0].topics[0], id('Transfer(address,address,uint256)'))
	assert.equal(r3.logs[0].topics[2], zeroPadValue(carol, 32).toLowerCase())
	assert.equal(BigInt(r3.logs[0].data), 250n)
	assert.equal(cast('call', token, 'balanceOf(address)(uint256)', carol), '250')
	assert.equal(cast('call', token, 'balanceOf(address)(uint256)', me.address), '750')

	step('receipt')
	const h = r3.transactionHash
	const rc = castJson('receipt', h)
	assert.equal(rc.transactionHash, h)
	assert.equal(rc.status, '0x1')
	assert.equal(BigInt(rc.blockNumber), 3n)
	assert.equal(rc.blockHash, r3.blockHash)
	assert.equal(cast('receipt', h, 'status'), 'true')
	assert.equal(cast('receipt', h, 'gasUsed'), BigInt(r3.gasUsed).toString())
	assert.equal(cast('receipt', h, 'blockNumber'), '3')

	step('block and block-number')
	assert.equal(cast('block-number'), '3')
	const blk = castJson('block', 'latest')
	assert.equal(BigInt(blk.number), 3n)
	assert.equal(blk.hash, r3.blockHash)
	assert.deepEqual(blk.transactions, [h])
	assert.equal(blk.gasUsed, r3.gasUsed)
	assert.equal(cast('block', '3', '--field', 'hash'), r3.blockHash)
	const b2 = castJson('block', '2')
	assert.equal(blk.parentHash, b2.hash)
	assert.deepEqual(b2.transactions, [r2.transactionHash])
	assert.ok(BigInt(blk.timestamp) >= BigInt(b2.timestamp))

	step('storage')
	assert.equal(cast('storage', token, '0'), zeroPadValue(toBeHex(1000), 32))
	const slot = keccak256(AbiCoder.defaultAbiCoder().encode(['address', 'uint256'], [me.address, 1]))
	assert.equal(offline('index', 'address', me.address, '1'), slot)
	assert.equal(cast('storage', token, slot), zeroPadValue(toBeHex(750), 32))
	assert.equal(cast('storage', token, '5'), zeroPadValue('0x', 32))

	step('rpc evm_mine')
	assert.equal(cast('rpc', 'evm_mine'), '"0x0"')
	assert.equal(cast('block-number'), '4')
	const b4 = castJson('block', '4')
	assert.deepEqual(b4.transactions, [])
	assert.equal(b4.parentHash, blk.hash)
	assert.equal(cast('rpc', 'eth_chainId'), '"0x7a69"')
})
