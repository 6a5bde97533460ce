// Block timestamps and pending-transaction replacement.
//  - automine node: timestamps across evm_mine, after evm_revert, after
//    evm_setNextBlockTimestamp and evm_increaseTime. Ethereum's header rule
//    is timestamp > parent's, and Dure keeps it; Anvil 1.7.1 lets blocks
//    mined within one second share a timestamp (EXPECT.strictTimestamps).
//  - --block-time 1 node: a pending tx replaced by one paying +10% is mined
//    instead of it; a replacement at the same fees is refused with
//    "replacement transaction underpriced" (Anvil's and geth's wording);
//    +5% is refused by geth's 10% price bump, which Dure follows, while
//    Anvil takes any strictly higher fee (EXPECT.replacementBumpPercent).
import assert from 'node:assert/strict'
import { Wallet } from 'ethers'
import { DEV_ACCOUNTS, EXPECT, hexNum, log, rpc, rpcRaw, run, startNode, step } from './lib.mjs'

async function head(url) {
	const b = await rpc(url, 'eth_getBlockByNumber', ['latest', false])
	return { number: hexNum(b.number), timestamp: hexNum(b.timestamp), hash: b.hash, parent: b.parentHash }
}

// Mines one block with evm_mine; checks it follows `prev` and returns it.
async function mineAfter(url, prev, what) {
	assert.equal(await rpc(url, 'evm_mine'), '0x0')
	const b = await head(url)
	assert.equal(b.number, prev.number + 1n, `${what}: number`)
	assert.equal(b.parent, prev.hash, `${what}: parent hash`)
	if (EXPECT.strictTimestamps) assert.ok(b.timestamp > prev.timestamp, `${what}: timestamp ${b.timestamp} > parent's ${prev.timestamp}`)
	else assert.ok(b.timestamp >= prev.timestamp, `${what}: timestamp ${b.timestamp} >= parent's ${prev.timestamp}`)
	return b
}

await run('timing', async () => {
	step('timestamps across evm_mine')
	const node = await startNode()
	const url = node.url
	let b = await head(url)
	assert.equal(b.number, 0n)
	// Ten blocks in well under a second: the case that needs the +1 rule.
	const t0 = Date.now()
	for (let i = 0; i < 10; i++) b = await mineAfter(url, b, `evm_mine #${i}`)
	log(`10 blocks in ${Date.now() - t0} ms, timestamps ending at ${b.timestamp}`)

	step('after evm_revert')
	const snap = await rpc(url, 'evm_snapshot')
	const atSnap = b
	for (let i = 0; i < 3; i++) b = await mineAfter(url, b, `before revert #${i}`)
	assert.equal(await rpc(url, 'evm_revert', [snap]), true)
	b = await head(url)
	assert.deepEqual(b, atSnap, 'head is the snapshot block again')
	assert.equal(await rpc(url, 'evm_revert', [snap]), false, 'a snapshot reverts once')
	for (let i = 0; i < 3; i++) b = await mineAfter(url, b, `after revert #${i}`)

	step('evm_setNextBlockTimestamp')
	const target = b.timestamp + 1000n
	await rpc(url, 'evm_setNextBlockTimestamp', [Number(target)])
	b = await mineAfter(url, b, 'setNextBlockTimestamp')
	assert.equal(b.timestamp, target)
	b = await mineAfter(url, b, 'after setNextBlockTimestamp')
	assert.ok(b.timestamp < target + 60n, 'time goes on from the set timestamp')
	// Going back in time is refused: Anvil says "Timestamp error: N is lower
	// than previous block's timestamp" (-32602).
	const back = await rpcRaw(url, 'evm_setNextBlockTimestamp', [Number(b.timestamp - 10n)])
	assert.ok(back.error, 'a timestamp before the head is refused')
	assert.match(back.error.message, /timestamp/i)
	b = await mineAfter(url, b, 'after a refused setNextBlockTimestamp')

	step('evm_increaseTime')
	const offset = await rpc(url, 'evm_increaseTime', [7200])
	assert.ok(typeof offset === 'number' || typeof offset === 'string', 'evm_increaseTime answers the total offset')
	const before = b
	b = await mineAfter(url, b, 'increaseTime')
	assert.ok(b.timestamp >= before.timestamp + 7200n && b.timestamp < before.timestamp + 7260n, `${b.timestamp} is ${before.timestamp} + 7200 s`)
	b = await mineAfter(url, b, 'after increaseTime')
	await node.stop()

	step('--block-time 1: blocks come by themselves')
	const timed = await startNode({ blockTime: 1 })
	const u = timed.url
	const first = await head(u)
	await new Promise((r) => setTimeout(r, 2500))
	const later = await head(u)
	assert.ok(later.number >= first.number + 2n, `mined ${later.number - first.number} blocks in 2.5 s`)
	assert.ok(later.timestamp >= first.timestamp + 2n)

	step('replacement of a pending tx')
	const w = new Wallet(DEV_ACCOUNTS[3].key)
	const to = DEV_ACCOUNTS[4].address
	const base = await rpc(u, 'eth_getBlockByNumber', ['latest', false]).then((x) => hexNum(x.baseFeePerGas))
	const fee = base * 4n + 1_000_000_000n
	const tip = 1_000_000_000n
	const bump = (pct) => ({ maxFeePerGas: (fee * (100n + pct)) / 100n, maxPriorityFeePerGas: (tip * (100n + pct)) / 100n })
	for (let attempt = 1; ; attempt++) {
		const nonce = Number(hexNum(await rpc(u, 'eth_getTransactionCount', [w.address, 'latest'])))
		const tx = (value, fees) => w.signTransaction({ type: 2, chainId: 31337, nonce, to, value, gasLimit: 21000n, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas })
		const [a, same, plus5, plus10] = await Promise.all([tx(1n, bump(0n)), tx(2n, bump(0n)), tx(3n, bump(5n)), tx(4n, bump(10n))])
		// Right after a new block, so the next one is about a second away.
		const h = (await head(u)).number
		while ((await head(u)).number === h) await new Promise((r) => setTimeout(r, 20))
		const t = Date.now()
		const ra = await rpcRaw(u, 'eth_sendRawTransaction', [a])
		const rs = await rpcRaw(u, 'eth_sendRawTransaction', [same])
		const r5 = await rpcRaw(u, 'eth_sendRawTransaction', [plus5])
		const r10 = await rpcRaw(u, 'eth_sendRawTransaction', [plus10])
		const pool = await rpc(u, 'txpool_status')
		const elapsed = Date.now() - t
		if (elapsed > 700 && attempt < 3) {
			log(`the four sends took ${elapsed} ms, a block may have come between: again`)
			continue
		}
		assert.ok(ra.result, `first send: ${JSON.stringify(ra.error)}`)
		assert.ok(rs.error, 'a replacement at the same fees is refused')
		assert.match(rs.error.message, /replacement transaction underpriced/)
		if (EXPECT.replacementBumpPercent > 5) {
			assert.ok(r5.error, '+5% is below the 10% bump')
			assert.match(r5.error.message, /replacement transaction underpriced/)
		} else {
			assert.ok(r5.result, `anvil takes +5%: ${JSON.stringify(r5.error)}`)
		}
		assert.ok(r10.result, `+10% replaces: ${JSON.stringify(r10.error)}`)
		assert.equal(hexNum(pool.pending), 1n, 'one tx per nonce in the pool')
		let rc = null
		for (let i = 0; i < 50 && !rc; i++) {
			rc = await rpc(u, 'eth_getTransactionReceipt', [r10.result])
			if (!rc) await new Promise((r) => setTimeout(r, 100))
		}
		assert.ok(rc, 'the +10% tx is mined within 5 s')
		assert.equal(rc.status, '0x1')
		assert.equal(await rpc(u, 'eth_getTransactionReceipt', [ra.result]), null, 'the replaced tx is not mined')
		if (r5.result) assert.equal(await rpc(u, 'eth_getTransactionReceipt', [r5.result]), null)
		const mined = await rpc(u, 'eth_getTransactionByHash', [r10.result])
		assert.equal(hexNum(mined.value), 4n)
		assert.equal(hexNum(mined.maxFeePerGas), bump(10n).maxFeePerGas)
		assert.equal(await rpc(u, 'eth_getTransactionByHash', [ra.result]), null, 'the replaced tx is gone')
		assert.equal(hexNum(await rpc(u, 'eth_getTransactionCount', [w.address, 'latest'])), BigInt(nonce + 1))
		assert.deepEqual(await rpc(u, 'txpool_status'), { pending: '0x0', queued: '0x0' })
		break
	}
})
