// ethers v6 against the dev node: ERC-20 deploy, transfer, eth_call reads,
// receipts available on the very next call in automine, Transfer logs by
// topic (getLogs and queryFilter), a contract listener over WebSocket,
// estimateGas against gasUsed, a require() reason and a custom error
// decoded, a reverted tx mined with status 0, and a CREATE2 deployment at
// the address ethers predicts.
import assert from 'node:assert/strict'
import {
	AbiCoder,
	Contract,
	ContractFactory,
	JsonRpcProvider,
	WebSocketProvider,
	Wallet,
	getCreate2Address,
	getCreateAddress,
	id,
	keccak256,
	concat,
	zeroPadValue,
	parseEther,
} from 'ethers'
import { DEV_ACCOUNTS, CHAIN_ID, compile, receiptAfterSend, rpcRaw, run, startNode, step } from './lib.mjs'

const SUPPLY = parseEther('1000000')
const TRANSFER_TOPIC = id('Transfer(address,address,uint256)')
const REASON = 'Token: always fails'

await run('ethers', async () => {
	const { Token, Factory } = compile('Token', 'Factory')
	const node = await startNode()
	// cacheTimeout -1: ethers otherwise answers a repeated identical call
	// within 250 ms from its cache, hiding the new state.
	const provider = new JsonRpcProvider(node.url, undefined, { cacheTimeout: -1, pollingInterval: 100 })
	const me = new Wallet(DEV_ACCOUNTS[0].key, provider)
	const alice = DEV_ACCOUNTS[1].address
	const bob = DEV_ACCOUNTS[2].address

	step('network')
	assert.equal((await provider.getNetwork()).chainId, CHAIN_ID)

	step('deploy Token')
	const nonce0 = await provider.getTransactionCount(me.address)
	const token = await new ContractFactory(Token.abi, Token.bytecode, me).deploy(SUPPLY)
	const deployTx = token.deploymentTransaction()
	// Automine: the receipt exists as soon as eth_sendRawTransaction answered.
	const deployRcpt = await receiptAfterSend(() => provider.getTransactionReceipt(deployTx.hash))
	assert.ok(deployRcpt, 'deploy receipt on the next call')
	assert.equal(deployRcpt.status, 1)
	const tokenAddr = getCreateAddress({ from: me.address, nonce: nonce0 })
	assert.equal(deployRcpt.contractAddress, tokenAddr)
	assert.equal(await token.getAddress(), tokenAddr)
	assert.equal(await provider.getCode(tokenAddr), Token.deployedBytecode)
	assert.equal(await provider.getTransactionCount(me.address), nonce0 + 1)
	assert.equal(deployRcpt.logs.length, 1)
	assert.equal(deployRcpt.logs[0].topics[1], zeroPadValue('0x', 32))

	step('reads via eth_call')
	assert.equal(await token.name(), 'Dure Test Token')
	assert.equal(await token.symbol(), 'DTT')
	assert.equal(await token.decimals(), 18n)
	assert.equal(await token.totalSupply(), SUPPLY)
	assert.equal(await token.balanceOf(me.address), SUPPLY)
	assert.equal(await token.balanceOf(alice), 0n)

	step('estimateGas and transfer')
	const amount = 1234n
	const estimate = await token.transfer.estimateGas(alice, amount)
	const tx = await token.transfer(alice, amount)
	const rcpt = await receiptAfterSend(() => provider.getTransactionReceipt(tx.hash))
	assert.ok(rcpt, 'transfer receipt on the next call')
	assert.equal(rcpt.status, 1)
	assert.equal(rcpt.blockNumber, deployRcpt.blockNumber + 1, 'automine: one block per tx')
	assert.equal(rcpt.to, tokenAddr)
	assert.equal(rcpt.from, me.address)
	assert.ok(estimate >= rcpt.gasUsed, `estimate ${estimate} >= gasUsed ${rcpt.gasUsed}`)
	assert.ok(estimate <= (rcpt.gasUsed * 11n) / 10n, `estimate ${estimate} within 10% of gasUsed ${rcpt.gasUsed}`)
	// A first write of a zero slot: 21000 + calldata + cold SSTORE 20000 +
	// a warm-up of the other slot: 45000..60000 whatever the compiler.
	assert.ok(rcpt.gasUsed > 45000n && rcpt.gasUsed < 60000n, `gasUsed ${rcpt.gasUsed}`)
	assert.equal((await tx.wait()).hash, tx.hash)
	assert.equal(await token.balanceOf(alice), amount)
	assert.equal(await token.balanceOf(me.address), SUPPLY - amount)

	step('raw eth_call of balanceOf')
	const data = token.interface.encodeFunctionData('balanceOf', [alice])
	const ret = await provider.call({ to: tokenAddr, data })
	assert.equal(ret, zeroPadValue('0x04d2', 32))

	step('Transfer log in the receipt')
	assert.equal(rcpt.logs.length, 1)
	const lg = rcpt.logs[0]
	assert.equal(lg.address, tokenAddr)
	assert.deepEqual(lg.topics, [TRANSFER_TOPIC, zeroPadValue(me.address, 32).toLowerCase(), zeroPadValue(alice, 32).toLowerCase()])
	assert.equal(lg.data, zeroPadValue('0x04d2', 32))
	assert.equal(lg.transactionHash, tx.hash)

	step('getLogs by topics')
	const byTo = await provider.getLogs({ address: tokenAddr, fromBlock: 0, toBlock: 'latest', topics: [TRANSFER_TOPIC, null, zeroPadValue(alice, 32)] })
	assert.equal(byTo.length, 1)
	assert.equal(byTo[0].transactionHash, tx.hash)
	assert.equal(byTo[0].blockNumber, rcpt.blockNumber)
	const all = await provider.getLogs({ address: tokenAddr, fromBlock: 0, topics: [TRANSFER_TOPIC] })
	assert.deepEqual(all.map((l) => l.transactionHash), [deployTx.hash, tx.hash])
	const none = await provider.getLogs({ address: tokenAddr, fromBlock: 0, topics: [TRANSFER_TOPIC, null, zeroPadValue(bob, 32)] })
	assert.equal(none.length, 0)
	const otherBlock = await provider.getLogs({ address: tokenAddr, fromBlock: rcpt.blockNumber, toBlock: rcpt.blockNumber })
	assert.equal(otherBlock.length, 1)

	step('queryFilter')
	const mints = await token.queryFilter(token.filters.Transfer('0x0000000000000000000000000000000000000000'), 0)
	assert.equal(mints.length, 1)
	assert.equal(mints[0].args.to, me.address)
	assert.equal(mints[0].args.value, SUPPLY)
	const mine = await token.queryFilter(token.filters.Transfer(me.address, alice), 0, 'latest')
	assert.equal(mines(mine), `${me.address}>${alice}:${amount}`)

	step('contract.on over WebSocket')
	const ws = new WebSocketProvider(node.wsUrl, undefined, { cacheTimeout: -1 })
	assert.equal((await ws.getNetwork()).chainId, CHAIN_ID)
	const wsToken = new Contract(tokenAddr, Token.abi, ws)
	const seen = new Promise((ok) => wsToken.on('Transfer', (from, to, value, ev) => ok({ from, to, value, ev })))
	await ws.getBlockNumber()
	await new Promise((r) => setTimeout(r, 300))
	const tx2 = await token.transfer(bob, 77n)
	const got = await Promise.race([seen, new Promise((_, no) => setTimeout(() => no(new Error('no Transfer event over WebSocket in 10 s')), 10000))])
	assert.equal(got.from, me.address)
	assert.equal(got.to, bob)
	assert.equal(got.value, 77n)
	assert.equal(got.ev.log.transactionHash, tx2.hash)
	await wsToken.removeAllListeners()
	await ws.destroy()

	step('require() reason string')
	await assert.rejects(token.fail(), (e) => {
		assert.equal(e.code, 'CALL_EXCEPTION')
		assert.equal(e.reason, REASON)
		return true
	})
	// The raw answer clients decode: code 3, "execution reverted: ...", and
	// the Error(string) ABI encoding as data.
	const r = await rpcRaw(node.url, 'eth_call', [{ to: tokenAddr, data: token.interface.encodeFunctionData('fail') }, 'latest'])
	assert.equal(r.error.code, 3)
	assert.match(r.error.message, /execution reverted: Token: always fails/)
	assert.equal(r.error.data, concat(['0x08c379a0', AbiCoder.defaultAbiCoder().encode(['string'], [REASON])]))

	step('custom error Insufficient(have, want)')
	const have = await token.balanceOf(me.address)
	await assert.rejects(token.transfer.staticCall(bob, have + 1n), (e) => {
		assert.equal(e.code, 'CALL_EXCEPTION')
		assert.equal(e.revert?.name, 'Insufficient')
		assert.deepEqual([...e.revert.args], [have, have + 1n])
		const parsed = token.interface.parseError(e.data)
		assert.equal(parsed.signature, 'Insufficient(uint256,uint256)')
		return true
	})
	// ethers leaves estimateGas errors undecoded: decode the revert data.
	await assert.rejects(token.transfer.estimateGas(bob, have + 1n), (e) => {
		assert.equal(e.code, 'CALL_EXCEPTION')
		const parsed = token.interface.parseError(e.data)
		assert.equal(parsed.name, 'Insufficient')
		assert.deepEqual([...parsed.args], [have, have + 1n])
		return true
	})

	step('reverting tx mined with status 0')
	const nonceBefore = await provider.getTransactionCount(me.address)
	const bad = await token.transfer(bob, have + 1n, { gasLimit: 100000n })
	const badRcpt = await receiptAfterSend(() => provider.getTransactionReceipt(bad.hash))
	assert.ok(badRcpt, 'failed tx receipt on the next call')
	assert.equal(badRcpt.status, 0)
	assert.equal(badRcpt.logs.length, 0)
	assert.ok(badRcpt.gasUsed > 21000n && badRcpt.gasUsed < 100000n)
	assert.equal(await provider.getTransactionCount(me.address), nonceBefore + 1)
	assert.equal(await token.balanceOf(me.address), have)

	step('CREATE2 through a factory')
	const factory = await new ContractFactory(Factory.abi, Factory.bytecode, me).deploy()
	assert.equal((await receiptAfterSend(() => provider.getTransactionReceipt(factory.deploymentTransaction().hash))).status, 1)
	const factoryAddr = await factory.getAddress()
	const salt = id('dure dev e2e')
	const init = concat([Token.bytecode, AbiCoder.defaultAbiCoder().encode(['uint256'], [SUPPLY])])
	const predicted = getCreate2Address(factoryAddr, salt, keccak256(init))
	assert.equal(await factory.deploy.staticCall(salt, init), predicted)
	const ctx = await factory.deploy(salt, init)
	const crcpt = await receiptAfterSend(() => provider.getTransactionReceipt(ctx.hash))
	assert.equal(crcpt.status, 1)
	const deployed = crcpt.logs.map((l) => factory.interface.parseLog(l)).filter((p) => p && p.name === 'Deployed')
	assert.equal(deployed.length, 1)
	assert.equal(deployed[0].args.addr, predicted)
	assert.equal(deployed[0].args.salt, salt)
	assert.equal(await provider.getCode(predicted), Token.deployedBytecode)
	const child = new Contract(predicted, Token.abi, provider)
	assert.equal(await child.totalSupply(), SUPPLY)
	assert.equal(await child.balanceOf(factoryAddr), SUPPLY)
	// The same salt and code again: CREATE2 collides and the factory reverts.
	await assert.rejects(factory.deploy.staticCall(salt, init), (e) => e.revert?.name === 'DeployFailed')
})

function mines(evs) {
	return evs.map((e) => `${e.args.from}>${e.args.to}:${e.args.value}`).join(',')
}
