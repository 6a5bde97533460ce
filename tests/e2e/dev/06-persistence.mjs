// Dure only (Anvil has no data directory): a `dure dev --datadir` chain
// survives SIGKILL. Everything a client saw before the kill (every block,
// transaction, receipt, log, balance, code and storage slot) reads back the
// same after a restart on the same directory, and new transactions extend
// the same chain. A second restart after a clean SIGTERM too.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { ContractFactory, JsonRpcProvider, Wallet, parseEther } from 'ethers'
import { DEV_ACCOUNTS, TARGET, compile, hexNum, receiptAfterSend, rpc, run, startNode, step, tempDir } from './lib.mjs'

// What a client can read of the chain: every block with its transactions
// and receipts, and the given accounts' balances, nonces, code and slots.
async function snapshot(url, addrs, contract) {
	const head = hexNum(await rpc(url, 'eth_blockNumber'))
	const blocks = []
	const txs = {}
	const receipts = {}
	for (let n = 0n; n <= head; n++) {
		const b = await rpc(url, 'eth_getBlockByNumber', ['0x' + n.toString(16), true])
		blocks.push(b)
		assert.deepEqual(await rpc(url, 'eth_getBlockByHash', [b.hash, true]), b)
		for (const tx of b.transactions) {
			txs[tx.hash] = await rpc(url, 'eth_getTransactionByHash', [tx.hash])
			receipts[tx.hash] = await rpc(url, 'eth_getTransactionReceipt', [tx.hash])
		}
	}
	const accounts = {}
	for (const a of addrs)
		accounts[a] = {
			balance: await rpc(url, 'eth_getBalance', [a, 'latest']),
			nonce: await rpc(url, 'eth_getTransactionCount', [a, 'latest']),
			code: await rpc(url, 'eth_getCode', [a, 'latest']),
		}
	const slots = []
	for (let i = 0; i < 3; i++) slots.push(await rpc(url, 'eth_getStorageAt', [contract, '0x' + i.toString(16), 'latest']))
	const logs = await rpc(url, 'eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest', address: contract }])
	return { head, blocks, txs, receipts, accounts, slots, logs }
}

await run(
	'persistence',
	async () => {
		const { Token } = compile('Token')
		// Below directories that do not exist yet, as ~/.dure/dev is on a
		// fresh machine (`make run`).
		const dir = join(tempDir('persist'), 'home', '.dure', 'dev')
		const me = DEV_ACCOUNTS[0]
		const alice = DEV_ACCOUNTS[1].address
		const bob = DEV_ACCOUNTS[2].address

		step('first run: deploy and transfer')
		let node = await startNode({ datadir: dir })
		let provider = new JsonRpcProvider(node.url, undefined, { cacheTimeout: -1 })
		let wallet = new Wallet(me.key, provider)
		const token = await new ContractFactory(Token.abi, Token.bytecode, wallet).deploy(parseEther('1000'))
		await token.waitForDeployment()
		const tokenAddr = await token.getAddress()
		await (await token.transfer(alice, parseEther('10'))).wait()
		await (await wallet.sendTransaction({ to: bob, value: parseEther('3') })).wait()
		await (await token.transfer(bob, 5n)).wait()
		const addrs = [me.address, alice, bob, tokenAddr]
		const before = await snapshot(node.url, addrs, tokenAddr)
		assert.equal(before.head, 4n)
		assert.equal(Object.keys(before.receipts).length, 4)
		provider.destroy()

		step('SIGKILL and restart on the same datadir')
		await node.kill9()
		node = await startNode({ datadir: dir })
		const after = await snapshot(node.url, addrs, tokenAddr)
		assert.equal(after.head, before.head, 'head survives')
		for (let i = 0; i < before.blocks.length; i++) assert.deepEqual(after.blocks[i], before.blocks[i], `block ${i}`)
		assert.deepEqual(after.txs, before.txs, 'transactions')
		assert.deepEqual(after.receipts, before.receipts, 'receipts')
		assert.deepEqual(after.accounts, before.accounts, 'balances, nonces, code')
		assert.deepEqual(after.slots, before.slots, 'storage')
		assert.deepEqual(after.logs, before.logs, 'logs')
		assert.equal(await rpc(node.url, 'eth_chainId'), '0x7a69')

		step('new transactions extend the same chain')
		provider = new JsonRpcProvider(node.url, undefined, { cacheTimeout: -1 })
		wallet = new Wallet(me.key, provider)
		const t = token.connect(wallet)
		assert.equal(await t.balanceOf(alice), parseEther('10'))
		const tx = await t.transfer(alice, 1n)
		const rc = await receiptAfterSend(() => provider.getTransactionReceipt(tx.hash))
		assert.equal(rc.status, 1)
		assert.equal(BigInt(rc.blockNumber), before.head + 1n)
		const nb = await rpc(node.url, 'eth_getBlockByNumber', ['0x' + rc.blockNumber.toString(16), false])
		assert.equal(nb.parentHash, before.blocks[before.blocks.length - 1].hash)
		assert.equal(tx.nonce, Number(hexNum(before.accounts[me.address].nonce)))
		assert.equal(await t.balanceOf(alice), parseEther('10') + 1n)
		provider.destroy()

		step('clean stop and a second restart')
		const afterNew = await snapshot(node.url, addrs, tokenAddr)
		await node.stop()
		node = await startNode({ datadir: dir })
		assert.deepEqual(await snapshot(node.url, addrs, tokenAddr), afterNew)
	},
	{ skipReason: TARGET === 'anvil' ? 'anvil has no datadir (the persistence test is Dure-only)' : undefined },
)
