// debug_traceTransaction, debug_traceCall and debug_traceBlockByNumber on
// Dure and on Anvil in the same run: the same signed transactions go to
// both (contracts/Trace.sol: cold and warm SLOAD/SSTORE, refunds, a log, a
// CALL with value to a fresh account, a CREATE with value, a revert, a
// revert caught one frame up), and the traces are compared field by field:
// struct logs (pc, op, gas, gasCost, depth, stack, storage, refund, error),
// callTracer trees and prestateTracer states.
//
// Where Anvil is known to part from geth (KNOWN below, each with the
// reason from geth's source: eth/tracers/logger, native/call.go,
// native/prestate.go), a difference is accepted and counted in the log;
// any other fails the test. The last step checks that a block carrying a
// dev node's state edits is refused rather than replayed wrongly.
// Needs DURE_BIN and Anvil (npm ci --prefix tests/e2e/dev); DURE_E2E_TARGET
// is ignored: both nodes run.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { Interface, Wallet } from 'ethers'
import { DEV_ACCOUNTS, HOST, anvilBin, compile, dureBin, freePort, log, rpc, run, step } from './lib.mjs'

const procs = []
process.on('exit', () => procs.forEach((p) => p.kill('SIGKILL')))

async function start(name, bin, args, port) {
	const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
	procs.push(proc)
	let out = ''
	await new Promise((ok, fail) => {
		const timer = setTimeout(() => fail(new Error(`${name}: not listening within 30 s\n${out}`)), 30000)
		const look = (d) => {
			out += d
			if (out.includes(`Listening on ${HOST}:${port}`)) {
				clearTimeout(timer)
				ok()
			}
		}
		proc.stdout.on('data', look)
		proc.stderr.on('data', look)
		proc.once('exit', () => fail(new Error(`${name} exited\n${out}`)))
	})
	return { name, url: `http://${HOST}:${port}`, proc }
}

// Compares a and b (JSON values) and returns the paths where they differ.
function diff(a, b, path = '', out = []) {
	if (out.length > 40) return out
	if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) {
		out.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`)
	} else if (Array.isArray(a)) {
		if (a.length !== b.length) out.push(`${path}.length: ${a.length} vs ${b.length}`)
		for (let i = 0; i < Math.min(a.length, b.length); i++) diff(a[i], b[i], `${path}[${i}]`, out)
	} else if (a && typeof a === 'object') {
		for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
			if (!(k in a)) out.push(`${path}.${k}: missing vs ${JSON.stringify(b[k])}`)
			else if (!(k in b)) out.push(`${path}.${k}: ${JSON.stringify(a[k])} vs missing`)
			else diff(a[k], b[k], `${path}.${k}`, out)
		}
	} else if (a !== b) {
		out.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`)
	}
	return out
}

// Lowercases hex strings and addresses so that checksummed output compares.
const norm = (v) => JSON.parse(JSON.stringify(v, (k, x) => (typeof x === 'string' && /^0x[0-9a-fA-F]*$/.test(x) ? x.toLowerCase() : x)))

// The struct-log fields the comparison covers. geth prints storage slots
// and memory words as bare hex (logger.go: %x); Anvil prefixes them with
// 0x: the prefix is dropped on both sides.
const FIELDS = ['pc', 'op', 'gas', 'gasCost', 'depth', 'stack', 'storage', 'refund', 'error']
const bare = (x) => x.replace(/^0x/, '')
function structView(r) {
	return {
		gas: r.gas,
		failed: r.failed,
		returnValue: bare(r.returnValue || ''),
		// Anvil prints "refund": 0 on every step, geth omits a zero
		// refund (StructLogRes.RefundCounter omitempty): a zero compares
		// as absent.
		structLogs: r.structLogs.map((l) => {
			const o = Object.fromEntries(FIELDS.filter((f) => f in l && !(f === 'refund' && l[f] === 0)).map((f) => [f, l[f]]))
			if (o.storage) o.storage = Object.fromEntries(Object.entries(o.storage).map(([k, v]) => [bare(k), bare(v)]))
			return o
		}),
	}
}

// Where Anvil (1.7.1, revm-inspectors) is known to part from geth: a test
// of a differing path (and Dure's value there) and why. Dure follows geth.
const opAt = (d, p) => d.structLogs?.[Number(/^\.structLogs\[(\d+)\]/.exec(p)?.[1])]?.op
const KNOWN = [
	// geth's callTracer gives the top call the transaction's gas limit
	// (call.go: OnTxStart keeps tx.Gas(), OnEnter uses it at depth 0);
	// Anvil gives the gas left after the intrinsic gas, as geth did before
	// 1.11.
	{ test: (p) => /^(\[\d+\]\.result)?\.gas: /.test(p), why: "geth's top call shows the tx gas limit" },
	// geth's callLog is {address, topics, data, position}; Anvil adds
	// an index.
	{ test: (p) => /\.logs\[\d+\]\.index: missing vs/.test(p), why: "geth's call logs carry no index" },
	// geth's prestateTracer drops a contract the transaction created
	// when it was empty before (prestate.go OnTxEnd); Anvil lists it
	// with a zero balance.
	{ test: (p) => /^\.0x[0-9a-f]{40}: missing vs \{"balance":"0x0"(,"storage":\{[^}]*\})?\}$/.test(p), why: 'geth leaves created accounts out of the pre-state' },
	// geth prices SSTORE in its dynamic gas function, which adds the
	// refund before the step is logged: the SSTORE's own refund shows on
	// its step. Anvil shows the counter from before it.
	{ test: (p, d) => /\.refund: /.test(p) && opAt(d, p) === 'SSTORE', why: "geth counts an SSTORE's refund on its own step" },
	// geth's CREATE cost is what the interpreter charges before opCreate
	// runs (32000, memory, initcode words); the gas handed to the
	// initcode is taken inside opCreate. Anvil adds that gas in.
	{ test: (p, d) => /\.gasCost: /.test(p) && /^CREATE2?$/.test(opAt(d, p)), why: "geth's CREATE cost leaves out the initcode's gas" },
]

function compare(what, dure, anvil) {
	const d = diff(norm(dure), norm(anvil))
	const nd = norm(dure)
	const unknown = d.filter((p) => !KNOWN.some((k) => k.test(p, nd)))
	const known = d.length - unknown.length
	if (known) log(`  ${what}: ${known} differences Anvil is known to have from geth`)
	assert.deepEqual(unknown, [], `${what}: Dure vs Anvil differ at:\n${unknown.join('\n')}`)
}

await run('trace', async () => {
	const [pd, pa] = [await freePort(), await freePort()]
	// A zero base fee on both, so that balances agree whatever each
	// node's base fee rule; Anvil records steps only with --steps-tracing.
	const dure = await start('dure', dureBin(), ['dev', '--ephemeral', '--rpc.port', String(pd), '--base-fee', '0'], pd)
	const anvil = await start('anvil', anvilBin(), ['--port', String(pa), '--steps-tracing', '--block-base-fee-per-gas', '0'], pa)
	const nodes = [dure, anvil]
	const { Trace } = compile('Trace')
	const iface = new Interface(Trace.abi)
	const w = new Wallet(DEV_ACCOUNTS[3].key)
	const fresh = '0x000000000000000000000000000000000000beef'

	let nonce = 0
	const txs = []
	// The same signed transactions on both chains: fixed fees, gas and
	// nonces, so that hashes, addresses and gas agree.
	async function send(label, to, data, value = 0n, gasLimit = 600000n) {
		const raw = await w.signTransaction({ type: 2, chainId: 31337n, nonce: nonce++, to, data, value, gasLimit, maxFeePerGas: 20_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n })
		let hash
		for (const n of nodes) {
			hash = await rpc(n.url, 'eth_sendRawTransaction', [raw])
			for (let i = 0; i < 100 && !(await rpc(n.url, 'eth_getTransactionReceipt', [hash])); i++) await new Promise((r) => setTimeout(r, 50))
		}
		txs.push({ label, hash })
		return hash
	}

	step('send the transactions to both nodes')
	await send('deploy', null, Trace.bytecode)
	const rc = await rpc(dure.url, 'eth_getTransactionReceipt', [txs[0].hash])
	const addr = rc.contractAddress
	assert.equal((await rpc(anvil.url, 'eth_getTransactionReceipt', [txs[0].hash])).contractAddress.toLowerCase(), addr.toLowerCase())
	await send('poke (cold SSTORE set)', addr, iface.encodeFunctionData('poke', [5n]), 11n)
	await send('poke (warm reset)', addr, iface.encodeFunctionData('poke', [6n]))
	await send('clear (refunds)', addr, iface.encodeFunctionData('clear', []))
	await send('pay (CALL with value to a new account)', addr, iface.encodeFunctionData('pay', [fresh]), 1n)
	await send('make (CREATE with value)', addr, iface.encodeFunctionData('make', [7n]), 3n)
	await send('fail (revert)', addr, iface.encodeFunctionData('fail', [9n]))
	await send('inner (caught revert)', addr, iface.encodeFunctionData('inner', [2n]))

	for (const { label, hash } of txs) {
		step(`trace ${label}`)
		const [d, a] = await Promise.all(nodes.map((n) => rpc(n.url, 'debug_traceTransaction', [hash, {}])))
		assert.ok(d.structLogs.length > 0)
		compare(`${label}: struct logs`, structView(d), structView(a))
		const opts = { tracer: 'callTracer', tracerConfig: { withLog: true } }
		const [dc, ac] = await Promise.all(nodes.map((n) => rpc(n.url, 'debug_traceTransaction', [hash, opts])))
		compare(`${label}: callTracer`, dc, ac)
		const [dp, ap] = await Promise.all(nodes.map((n) => rpc(n.url, 'debug_traceTransaction', [hash, { tracer: 'prestateTracer' }])))
		compare(`${label}: prestateTracer`, dp, ap)
		const [dd, ad] = await Promise.all(nodes.map((n) => rpc(n.url, 'debug_traceTransaction', [hash, { tracer: 'prestateTracer', tracerConfig: { diffMode: true } }])))
		compare(`${label}: prestateTracer diffMode`, dd, ad)
	}

	step('memory and the options')
	{
		const h = txs[1].hash
		const [d, a] = await Promise.all(nodes.map((n) => rpc(n.url, 'debug_traceTransaction', [h, { enableMemory: true, disableStack: true }])))
		assert.ok(d.structLogs.every((l) => !('stack' in l) && Array.isArray(l.memory)))
		compare('memory', d.structLogs.map((l) => l.memory), a.structLogs.map((l) => l.memory.map(bare)))
	}

	step('debug_traceCall')
	{
		const call = { from: w.address, to: addr, data: iface.encodeFunctionData('poke', [1n]), gas: '0x100000' }
		const [d, a] = await Promise.all(nodes.map((n) => rpc(n.url, 'debug_traceCall', [call, 'latest', { tracer: 'callTracer' }])))
		compare('traceCall callTracer', d, a)
	}

	step('debug_traceBlockByNumber')
	{
		const n = (await rpc(dure.url, 'eth_getTransactionReceipt', [txs[2].hash])).blockNumber
		const [d, a] = await Promise.all(nodes.map((x) => rpc(x.url, 'debug_traceBlockByNumber', [n, { tracer: 'callTracer' }])))
		assert.equal(d.length, 1)
		assert.equal(d[0].txHash, txs[2].hash)
		compare('traceBlockByNumber', d, a)
	}

	step('a block carrying anvil_setBalance edits replays with them')
	{
		// Both nodes get the same edit, then the same transaction: its
		// block carries the edit, which the replay must apply first.
		const edited = '0x56bc75e2d63100000'
		const raw = await w.signTransaction({ type: 2, chainId: 31337n, nonce: nonce++, to: addr, data: iface.encodeFunctionData('poke', [1n]), gasLimit: 600000n, maxFeePerGas: 20_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n })
		const hashes = []
		for (const x of nodes) {
			await rpc(x.url, 'anvil_setBalance', [w.address, edited])
			const hash = await rpc(x.url, 'eth_sendRawTransaction', [raw])
			// Anvil answers before it mines: trace the mined block only.
			for (let i = 0; i < 100 && !(await rpc(x.url, 'eth_getTransactionReceipt', [hash])); i++) await new Promise((r) => setTimeout(r, 50))
			hashes.push(hash)
		}
		assert.equal(hashes[0], hashes[1])
		const [d, a] = await Promise.all(nodes.map((n) => rpc(n.url, 'debug_traceTransaction', [hashes[0], {}])))
		compare('after setBalance: struct logs', structView(d), structView(a))
		const [dp, ap] = await Promise.all(nodes.map((n) => rpc(n.url, 'debug_traceTransaction', [hashes[0], { tracer: 'prestateTracer' }])))
		const pre = Object.entries(dp).find(([k]) => k.toLowerCase() === w.address.toLowerCase())
		assert.ok(pre, 'the sender is in the pre-state')
		assert.equal(BigInt(pre[1].balance), BigInt(edited), 'the pre-state has the edited balance')
		compare('after setBalance: prestateTracer', dp, ap)
	}
}, { timeoutMs: 140000 })
