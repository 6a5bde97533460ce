// eth_getProof (EIP-1186) checked by an independent verifier, the
// Merkle Patricia Trie of @ethereumjs/trie: the account proof against the
// block's state root, each storage proof against the account's storage
// hash, the proved values against eth_getBalance / eth_getCode /
// eth_getStorageAt, and absent accounts and slots proved absent.
import assert from 'node:assert/strict'
import { Trie } from '@ethereumjs/trie'
import { AbiCoder, Wallet, decodeRlp, getBytes, keccak256, toBeHex, zeroPadValue } from 'ethers'
import { DEV_ACCOUNTS, compile, rpc, run, startNode, step } from './lib.mjs'

const big = (x) => (x === '0x' ? 0n : BigInt(x))

// The value the proof proves for key under root, or null when it proves
// the key absent; a proof that does not hold throws.
async function verify(root, key, proof) {
	const trie = new Trie({ useKeyHashing: true })
	const v = await trie.verifyProof(getBytes(root), getBytes(key), proof.map((n) => getBytes(n)))
	return v ? '0x' + Buffer.from(v).toString('hex') : null
}

await run('proof', async () => {
	const { Token } = compile('Token')
	const node = await startNode()
	const url = node.url
	const me = new Wallet(DEV_ACCOUNTS[2].key)
	const to = DEV_ACCOUNTS[5].address

	step('deploy a token and move some of it')
	const coder = AbiCoder.defaultAbiCoder()
	const send = async (tx) => {
		const h = await rpc(url, 'eth_sendTransaction', [{ from: me.address, ...tx }])
		for (let i = 0; i < 100; i++) {
			const r = await rpc(url, 'eth_getTransactionReceipt', [h])
			if (r) return r
			await new Promise((ok) => setTimeout(ok, 20))
		}
		throw new Error(`no receipt for ${h}`)
	}
	const deployed = await send({ data: Token.bytecode + coder.encode(['uint256'], [1000n]).slice(2) })
	const token = deployed.contractAddress
	const transfer = '0xa9059cbb' + coder.encode(['address', 'uint256'], [to, 250n]).slice(2)
	await send({ to: token, data: transfer })

	const block = await rpc(url, 'eth_getBlockByNumber', ['latest', false])
	// balances is slot 1 of Token: balanceOf[a] is at keccak(a . 1).
	const slotOf = (a) => keccak256(coder.encode(['address', 'uint256'], [a, 1n]))
	const slots = [slotOf(me.address), slotOf(to), slotOf(DEV_ACCOUNTS[7].address), zeroPadValue('0x00', 32)]

	step('the token account and its slots')
	const p = await rpc(url, 'eth_getProof', [token, slots, 'latest'])
	const acct = await verify(block.stateRoot, token, p.accountProof)
	assert.ok(acct, 'the account proof proves the account present')
	const [nonce, balance, storageHash, codeHash] = decodeRlp(acct)
	assert.equal(big(nonce), big(p.nonce))
	assert.equal(big(balance), big(p.balance))
	assert.equal(storageHash, p.storageHash)
	assert.equal(codeHash, p.codeHash)
	assert.equal(codeHash, keccak256(await rpc(url, 'eth_getCode', [token, 'latest'])))
	assert.equal(big(p.balance), big(await rpc(url, 'eth_getBalance', [token, 'latest'])))
	assert.equal(p.storageProof.length, slots.length)
	const want = [750n, 250n, 0n, 1000n] // the holders, a stranger, totalSupply
	for (let i = 0; i < slots.length; i++) {
		const sp = p.storageProof[i]
		assert.equal(big(sp.key), big(slots[i]))
		const v = await verify(p.storageHash, zeroPadValue(toBeHex(big(sp.key)), 32), sp.proof)
		const proved = v ? big(decodeRlp(v)) : 0n
		assert.equal(proved, want[i], `slot ${i}: proved value`)
		assert.equal(big(sp.value), want[i], `slot ${i}: answered value`)
		assert.equal(big(await rpc(url, 'eth_getStorageAt', [token, slots[i], 'latest'])), want[i])
		if (want[i] === 0n) assert.equal(v, null, 'a zero slot is proved absent')
	}

	step('an account with no code and one that does not exist')
	const q = await rpc(url, 'eth_getProof', [me.address, [], 'latest'])
	const mine = await verify(block.stateRoot, me.address, q.accountProof)
	const [n2, b2] = decodeRlp(mine)
	assert.equal(big(n2), 2n)
	assert.equal(big(b2), big(await rpc(url, 'eth_getBalance', [me.address, 'latest'])))
	const nobody = '0x' + '5a'.repeat(20)
	const r = await rpc(url, 'eth_getProof', [nobody, [], 'latest'])
	assert.equal(await verify(block.stateRoot, nobody, r.accountProof), null, 'proved absent')
	assert.equal(big(r.balance), 0n)
	assert.equal(big(r.nonce), 0n)

	step('a block below the head, after two more transfers')
	await send({ to: token, data: transfer })
	await send({ to: token, data: transfer })
	const past = await rpc(url, 'eth_getProof', [token, slots, block.number])
	assert.ok(await verify(block.stateRoot, token, past.accountProof), 'the past account proof holds')
	assert.equal(past.storageHash, p.storageHash, 'the storage hash of that block')
	for (let i = 0; i < slots.length; i++) {
		const sp = past.storageProof[i]
		const v = await verify(past.storageHash, zeroPadValue(toBeHex(big(sp.key)), 32), sp.proof)
		assert.equal(v ? big(decodeRlp(v)) : 0n, want[i], `slot ${i} at block ${block.number}`)
		assert.equal(big(sp.value), want[i])
	}
	const head = await rpc(url, 'eth_getBlockByNumber', ['latest', false])
	const now = await rpc(url, 'eth_getProof', [token, slots.slice(0, 2), 'latest'])
	assert.notEqual(now.storageHash, past.storageHash)
	const vals = []
	for (const sp of now.storageProof) {
		const v = await verify(now.storageHash, zeroPadValue(toBeHex(big(sp.key)), 32), sp.proof)
		vals.push(big(decodeRlp(v)))
	}
	assert.deepEqual(vals, [250n, 750n], 'the head has the later balances')
	const mePast = await rpc(url, 'eth_getProof', [me.address, [], block.number])
	const [n3] = decodeRlp(await verify(block.stateRoot, me.address, mePast.accountProof))
	assert.equal(big(n3), 2n, 'the sender\'s nonce at that block')
	assert.ok(await verify(head.stateRoot, me.address, (await rpc(url, 'eth_getProof', [me.address, [], 'latest'])).accountProof))
})
