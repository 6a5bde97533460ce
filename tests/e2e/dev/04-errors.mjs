// JSON-RPC errors as clients parse them. For each refused request the
// block number, txpool_status and the sender's nonce and balance stay as
// they were.
//
// Messages asserted are Anvil 1.7.1's, matched as case-insensitive
// substrings; geth words most of them the same way with details after a
// colon (noted per case). Codes: Anvil refuses transactions with -32003
// ("transaction rejected", EIP-1474) except intrinsic gas (-32000); geth
// uses -32000 throughout, so either is accepted there.
import assert from 'node:assert/strict'
import { JsonRpcProvider, Wallet } from 'ethers'
import { FeeCapTooLowError, InsufficientFundsError, IntrinsicGasTooLowError, NonceTooLowError, createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { DEV_ACCOUNTS, DEV_BALANCE, EXPECT, hexNum, log, receiptAfterSend, rpc, rpcRaw, run, startNode, step } from './lib.mjs'

const TX_REJECTED = [-32000, -32003]

async function post(url, body) {
	const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
	return r.json()
}

await run('errors', async () => {
	const node = await startNode()
	const url = node.url
	const w = new Wallet(DEV_ACCOUNTS[5].key)
	const to = DEV_ACCOUNTS[6].address
	const provider = new JsonRpcProvider(url, undefined, { cacheTimeout: -1 })
	// viem maps node messages to its error classes in sendTransaction (not in
	// sendRawTransaction); every field given, so it sends what we ask.
	const viem = createWalletClient({ chain: foundry, transport: http(url), account: privateKeyToAccount(DEV_ACCOUNTS[5].key) })
	const viemSend = (over) => viem.sendTransaction({ to, value: 1n, gas: 21000n, maxFeePerGas: 10_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, ...over })
	const viemRefuses = (over, cls) => assert.rejects(viemSend(over), (e) => !!e.walk((x) => x instanceof cls))

	const state = async () => ({
		block: await rpc(url, 'eth_blockNumber'),
		pool: await rpc(url, 'txpool_status'),
		nonce: await rpc(url, 'eth_getTransactionCount', [w.address, 'latest']),
		pendingNonce: await rpc(url, 'eth_getTransactionCount', [w.address, 'pending']),
		balance: await rpc(url, 'eth_getBalance', [w.address, 'latest']),
	})
	const unchanged = async (before, what) => assert.deepEqual(await state(), before, `${what}: chain and pool unchanged`)
	const sign = (over) =>
		w.signTransaction({ type: 2, chainId: 31337, to, value: 1n, gasLimit: 21000n, maxFeePerGas: 10_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, ...over })
	// Sends a raw tx that must be refused with `pattern`; checks nothing moved.
	const refused = async (what, raw, pattern) => {
		const before = await state()
		const r = await rpcRaw(url, 'eth_sendRawTransaction', [raw])
		assert.ok(r.error, `${what}: refused (got ${JSON.stringify(r)})`)
		assert.ok(TX_REJECTED.includes(r.error.code), `${what}: code ${r.error.code}`)
		assert.match(r.error.message, pattern, what)
		await unchanged(before, what)
		return r.error
	}

	step('a first transaction (the sender now has nonce 1)')
	const ok = await rpc(url, 'eth_sendRawTransaction', [await sign({ nonce: 0 })])
	const okRcpt = await receiptAfterSend(() => rpc(url, 'eth_getTransactionReceipt', [ok]))
	assert.equal(okRcpt.status, '0x1')
	const s0 = await state()
	assert.deepEqual(s0.pool, { pending: '0x0', queued: '0x0' })
	assert.equal(s0.nonce, '0x1')
	assert.equal(s0.block, '0x1')

	step('unknown method: -32601')
	const um = await rpcRaw(url, 'dure_noSuchMethod', [])
	assert.equal(um.error.code, -32601)
	// geth: "the method dure_noSuchMethod does not exist/is not available".
	assert.match(um.error.message, /method not found/i)
	assert.equal(typeof um.id, 'number')
	await unchanged(s0, 'unknown method')

	step('malformed JSON')
	for (const body of ['{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"', 'not json', '{"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransaction","params":["0x02']) {
		const r = await post(url, body)
		// JSON-RPC 2.0 and geth: -32700 Parse error; Anvil: -32600.
		assert.equal(r.error?.code, EXPECT.parseErrorCode, `${body}: ${JSON.stringify(r)}`)
		assert.equal(r.id, null)
		assert.equal(r.result, undefined)
	}
	await unchanged(s0, 'malformed JSON')

	step('batches')
	const batch = await post(url, JSON.stringify([
		{ jsonrpc: '2.0', id: 10, method: 'eth_chainId', params: [] },
		{ jsonrpc: '2.0', id: 11, method: 'dure_noSuchMethod', params: [] },
	]))
	assert.ok(Array.isArray(batch) && batch.length === 2)
	const byId = Object.fromEntries(batch.map((x) => [x.id, x]))
	assert.equal(byId[10].result, '0x7a69')
	assert.equal(byId[11].error.code, -32601)
	const empty = await post(url, '[]')
	assert.equal(empty.error?.code, -32600, 'an empty batch is an invalid request')

	step('invalid params: -32602')
	// Anvil's messages here are its decoder's ("invalid string length",
	// "invalid length 0, expected ..."): only the code is common ground.
	for (const [method, params] of [
		['eth_getBalance', ['0x12', 'latest']],
		['eth_getBalance', []],
		['eth_getBalance', ['0xzz00000000000000000000000000000000000000', 'latest']],
		['eth_getBlockByNumber', [{}, false]],
		['eth_getTransactionReceipt', ['0x1234']],
	]) {
		const r = await rpcRaw(url, method, params)
		assert.equal(r.error?.code, -32602, `${method}(${JSON.stringify(params)}): ${JSON.stringify(r)}`)
	}
	const garbage = await rpcRaw(url, 'eth_sendRawTransaction', ['0x1234'])
	assert.ok(garbage.error, 'undecodable raw tx refused')
	// Anvil: -32602 "Failed to decode transaction"; geth: -32000 "typed
	// transaction too short" / "rlp: ...".
	assert.ok([-32602, -32000].includes(garbage.error.code), `code ${garbage.error.code}`)
	await unchanged(s0, 'invalid params')

	step('nonce too low')
	const low = await sign({ nonce: 0, value: 2n })
	// geth: "nonce too low: address 0x..., tx: 0 state: 1".
	await refused('nonce too low', low, /nonce too low/i)
	await assert.rejects(provider.broadcastTransaction(low), (e) => e.code === 'NONCE_EXPIRED')
	await viemRefuses({ nonce: 0 }, NonceTooLowError)

	step('insufficient funds for gas * price + value')
	const balance = hexNum(s0.balance)
	// Anvil: "Insufficient funds for gas * price + value"; geth: "insufficient
	// funds for gas * price + value: address 0x... have N want M".
	const poor = await sign({ nonce: 1, value: balance })
	await refused('value = whole balance', poor, /insufficient funds for gas \* price \+ value/i)
	await refused('gas * price over balance', await sign({ nonce: 1, value: 0n, gasLimit: 1_000_000n, maxFeePerGas: balance / 1_000_000n + 1n }), /insufficient funds for gas \* price \+ value/i)
	await assert.rejects(provider.broadcastTransaction(poor), (e) => e.code === 'INSUFFICIENT_FUNDS')
	await viemRefuses({ nonce: 1, value: balance }, InsufficientFundsError)
	assert.equal(balance, DEV_BALANCE - hexNum(okRcpt.gasUsed) * hexNum(okRcpt.effectiveGasPrice) - 1n)

	step('intrinsic gas too low')
	// geth: "intrinsic gas too low: gas 20999, minimum needed 21000".
	const starved = await sign({ nonce: 1, gasLimit: 20999n })
	await refused('gas 20999 for a transfer', starved, /intrinsic gas too low/i)
	const unpaid = await sign({ nonce: 1, gasLimit: 21000n, data: '0x' + 'ff'.repeat(64) })
	if (EXPECT.intrinsicCountsCalldata) await refused('calldata not paid for', unpaid, /intrinsic gas too low/i)
	else log('anvil quirk: takes a tx whose gas does not cover its calldata, answers its hash and drops it (not checked)')
	await viemRefuses({ nonce: 1, gas: 20999n }, IntrinsicGasTooLowError)

	step('max fee below base fee / underpriced')
	// geth: "max fee per gas less than block base fee: address 0x...,
	// maxFeePerGas: 1, baseFee: N"; for a legacy tx geth's pool says
	// "transaction underpriced", Anvil the same as for a 1559 tx.
	const cheap = await sign({ nonce: 1, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n })
	await refused('maxFeePerGas 1 wei', cheap, /max fee per gas less than block base fee/i)
	await refused('legacy gasPrice 1 wei', await w.signTransaction({ type: 0, chainId: 31337, nonce: 1, to, value: 1n, gasLimit: 21000n, gasPrice: 1n }), /max fee per gas less than block base fee|transaction underpriced/i)
	await viemRefuses({ nonce: 1, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }, FeeCapTooLowError)

	step('wrong chain id')
	// geth: "invalid sender: invalid chain id for signer".
	await refused('chain id 1', await sign({ nonce: 1, chainId: 1 }), /invalid chain id for signer/i)
	const legacy1 = await w.signTransaction({ type: 0, chainId: 1, nonce: 1, to, value: 1n, gasLimit: 21000n, gasPrice: 10_000_000_000n })
	if (EXPECT.poolChecksLegacyChainId) await refused('legacy EIP-155 chain id 1', legacy1, /invalid chain id for signer/i)
	else log('anvil quirk: takes a legacy tx signed for chain 1, answers its hash and drops it (not checked)')

	step('nothing reached the chain')
	await unchanged(s0, 'after all refusals')
	const next = await rpc(url, 'eth_sendRawTransaction', [await sign({ nonce: 1 })])
	const rc = await receiptAfterSend(() => rpc(url, 'eth_getTransactionReceipt', [next]))
	assert.equal(rc.status, '0x1')
	assert.equal(rc.blockNumber, '0x2')
	assert.equal(await rpc(url, 'eth_getTransactionCount', [w.address, 'latest']), '0x2')
})
