// The dev node's defaults and flags: the ten accounts of the test mnemonic
// (checked against an ethers HD derivation too) with 10000 ether each,
// chain id 31337, unlocked accounts for eth_sendTransaction; then
// --chain-id, --accounts, --balance, --mnemonic, and
// --disable-code-size-limit (a 30000-byte runtime, over EIP-170's 24576).
import assert from 'node:assert/strict'
import { HDNodeWallet, Mnemonic, getCreateAddress, parseEther } from 'ethers'
import { DEV_ACCOUNTS, DEV_BALANCE, MNEMONIC, hexNum, receiptAfterSend, rpc, run, startNode, step } from './lib.mjs'

// Init code returning 30000 zero bytes: PUSH2 0x7530 PUSH1 0 RETURN.
const BIG_INIT = '0x6175306000f3'
const OTHER_MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'

const derive = (phrase, i) => HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(phrase), `m/44'/60'/0'/0/${i}`)

// Deploys BIG_INIT from dev account 0 with a fixed gas limit; returns the
// receipt and the code at the new address.
async function deployBig(url, from) {
	const h = await rpc(url, 'eth_sendTransaction', [{ from, data: BIG_INIT, gas: '0x6acfc0' }])
	return receiptAfterSend(() => rpc(url, 'eth_getTransactionReceipt', [h]))
}

await run('flags', async () => {
	step('the derivation table in lib.mjs is the mnemonic\'s')
	for (let i = 0; i < 10; i++) {
		const w = derive(MNEMONIC, i)
		assert.equal(w.address, DEV_ACCOUNTS[i].address)
		assert.equal(w.privateKey, DEV_ACCOUNTS[i].key)
	}

	step('defaults')
	let node = await startNode()
	assert.equal(await rpc(node.url, 'eth_chainId'), '0x7a69')
	assert.equal(await rpc(node.url, 'net_version'), '31337')
	const accounts = await rpc(node.url, 'eth_accounts')
	assert.deepEqual(accounts.map((a) => a.toLowerCase()), DEV_ACCOUNTS.map((a) => a.address.toLowerCase()))
	for (const a of accounts) assert.equal(hexNum(await rpc(node.url, 'eth_getBalance', [a, 'latest'])), DEV_BALANCE)
	const g = await rpc(node.url, 'eth_getBlockByNumber', ['0x0', false])
	assert.equal(g.number, '0x0')
	assert.equal(hexNum(g.baseFeePerGas), 1_000_000_000n)
	assert.equal(hexNum(g.gasLimit), 30_000_000n)
	// Unlocked: the node signs for its dev accounts.
	const h = await rpc(node.url, 'eth_sendTransaction', [{ from: accounts[7], to: accounts[8], value: '0x2a' }])
	const rc = await receiptAfterSend(() => rpc(node.url, 'eth_getTransactionReceipt', [h]))
	assert.equal(rc.status, '0x1')
	assert.equal(rc.from.toLowerCase(), accounts[7].toLowerCase())
	assert.equal(hexNum(await rpc(node.url, 'eth_getBalance', [accounts[8], 'latest'])), DEV_BALANCE + 42n)
	step('EIP-170 code size limit by default')
	const small = await deployBig(node.url, accounts[0])
	assert.equal(small.status, '0x0', 'a 30000-byte runtime fails by default')
	// A failed creation's receipt still names the address (as geth does).
	const smallAddr = getCreateAddress({ from: accounts[0], nonce: 0 })
	assert.equal(small.contractAddress?.toLowerCase(), smallAddr.toLowerCase())
	assert.equal(await rpc(node.url, 'eth_getCode', [smallAddr, 'latest']), '0x')
	assert.equal(hexNum(small.gasUsed), 7_000_000n, 'a failed creation burns all its gas')
	await node.stop()

	step('--chain-id --accounts --balance --mnemonic --disable-code-size-limit')
	node = await startNode({ chainId: 1337, accounts: 3, balance: 42, mnemonic: OTHER_MNEMONIC, noCodeSizeLimit: true })
	assert.equal(await rpc(node.url, 'eth_chainId'), '0x539')
	const mine = await rpc(node.url, 'eth_accounts')
	assert.deepEqual(mine.map((a) => a.toLowerCase()), [0, 1, 2].map((i) => derive(OTHER_MNEMONIC, i).address.toLowerCase()))
	for (const a of mine) assert.equal(hexNum(await rpc(node.url, 'eth_getBalance', [a, 'latest'])), parseEther('42'))
	assert.equal(hexNum(await rpc(node.url, 'eth_getBalance', [DEV_ACCOUNTS[0].address, 'latest'])), 0n)
	const big = await deployBig(node.url, mine[0])
	assert.equal(big.status, '0x1', 'a 30000-byte runtime deploys with --disable-code-size-limit')
	assert.equal(big.contractAddress.toLowerCase(), getCreateAddress({ from: mine[0], nonce: 0 }).toLowerCase())
	const code = await rpc(node.url, 'eth_getCode', [big.contractAddress, 'latest'])
	assert.equal(code, '0x' + '00'.repeat(30000))
})
