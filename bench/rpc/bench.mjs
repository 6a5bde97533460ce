// Side-by-side JSON-RPC benchmark of `dure dev` and Anvil on this machine,
// both in automine with the default dev accounts. Started by ./run (see
// there for usage). For each node, one after the other:
//  (a) transactions per second from eth_sendRawTransaction to a receipt,
//      one at a time (dev key 0) and 8 in flight (dev keys 1..8, one sender
//      each), from ether transfers signed ahead of time with ethers;
//  (b) eth_call of an ERC-20 balanceOf and eth_getBalance per second over 8
//      keep-alive connections, with wrk;
//  (c) VmRSS idle (after start) and after the run.
// Each measurement runs DURATION seconds after WARMUP seconds of the same
// load. Loopback only; every loop is bounded in time and count.
import { spawn, spawnSync, execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, accessSync, constants } from 'node:fs'
import http from 'node:http'
import { createServer } from 'node:net'
import { loadavg, tmpdir, cpus } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AbiCoder, Interface, Wallet, getCreateAddress } from 'ethers'
import solc from 'solc'

const HERE = dirname(fileURLToPath(import.meta.url))
const REPO = resolve(HERE, '..', '..')
const HOST = '127.0.0.1'

const args = process.argv.slice(2)
const opt = (name, dflt) => {
	const i = args.indexOf(`--${name}`)
	return i >= 0 ? args[i + 1] : dflt
}
const DURATION = Number(opt('duration', process.env.BENCH_DURATION || 5))
const WARMUP = Number(opt('warmup', process.env.BENCH_WARMUP || 1))
// Pre-signed transfers per sender: the ceiling of what one phase can count.
const PER_SENDER = Number(opt('txs', process.env.BENCH_TXS || 6000))
const ONLY = opt('only', null)

// The dev accounts' keys (Anvil's banner for the test mnemonic).
const KEYS = [
	'0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
	'0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
	'0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
	'0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
	'0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
	'0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
	'0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
	'0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
	'0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
	'0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
]
const SINK = '0x000000000000000000000000000000000000bEEF'
const FEES = { maxFeePerGas: 10_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n }

function executable(p) {
	try {
		accessSync(p, constants.X_OK)
		return true
	} catch {
		return false
	}
}

async function freePort() {
	return new Promise((ok, fail) => {
		const s = createServer()
		s.once('error', fail)
		s.listen(0, HOST, () => {
			const p = s.address().port
			s.close(() => ok(p))
		})
	})
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// --- JSON-RPC over keep-alive HTTP ------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })
let rpcId = 0

function rpc(port, method, params = []) {
	const body = JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params })
	return new Promise((ok, fail) => {
		const req = http.request({ host: HOST, port, path: '/', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
			let data = ''
			res.setEncoding('utf8')
			res.on('data', (d) => (data += d))
			res.on('end', () => {
				try {
					const r = JSON.parse(data)
					if (r.error) fail(new Error(`${method}: ${r.error.code} ${r.error.message}`))
					else ok(r.result)
				} catch (e) {
					fail(e)
				}
			})
		})
		req.on('error', fail)
		req.end(body)
	})
}

// --- the nodes ---------------------------------------------------------------

function commandFor(target, port) {
	if (target === 'anvil') return [process.env.ANVIL_BIN || join(HERE, 'node_modules', '@foundry-rs', 'anvil-linux-amd64', 'bin', 'anvil'), ['--port', String(port)]]
	return [process.env.DURE_BIN, ['dev', '--ephemeral', '--rpc.port', String(port)]]
}

// Starts a node with its output in a log file (no pipe for us to drain
// while measuring); resolves once the log says "Listening on HOST:PORT".
async function start(target, dir) {
	const port = await freePort()
	const [bin, argv] = commandFor(target, port)
	const logPath = join(dir, `${target}.log`)
	const fd = openSync(logPath, 'w')
	const proc = spawn(bin, argv, { stdio: ['ignore', fd, fd] })
	const line = `Listening on ${HOST}:${port}`
	let exited = null
	proc.once('exit', (code, sig) => (exited = sig || code))
	const t0 = Date.now()
	while (Date.now() - t0 < 30000) {
		if (exited !== null) throw new Error(`${target} exited (${exited}):\n${readFileSync(logPath, 'utf8').slice(-4000)}`)
		if (readFileSync(logPath, 'utf8').includes(line)) return { target, port, proc, logPath }
		await sleep(50)
	}
	proc.kill('SIGKILL')
	throw new Error(`${target}: no "${line}" in 30 s`)
}

async function stop(node) {
	if (node.proc.exitCode !== null || node.proc.signalCode !== null) return
	const done = new Promise((r) => node.proc.once('exit', r))
	node.proc.kill('SIGTERM')
	const t = setTimeout(() => node.proc.kill('SIGKILL'), 5000)
	await done
	clearTimeout(t)
}

function rssKiB(pid) {
	const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)
	return m ? Number(m[1]) : NaN
}

// --- pre-signed transactions -------------------------------------------------

// Transfers of 1 wei to SINK, nonces 0..n-1, for each key index; cached
// under build/bench-rpc/ since signing is the slow part (~1.5 ms each) and
// the transactions are the same for every run and both nodes.
async function presigned(keyIndexes, n) {
	const dir = join(REPO, 'build', 'bench-rpc')
	mkdirSync(dir, { recursive: true })
	const out = {}
	for (const k of keyIndexes) {
		const file = join(dir, `transfers-key${k}-n${n}.json`)
		if (existsSync(file)) {
			out[k] = JSON.parse(readFileSync(file, 'utf8'))
			continue
		}
		process.stderr.write(`signing ${n} transfers from dev key ${k} (cached in ${file}) ...\n`)
		const w = new Wallet(KEYS[k])
		const txs = []
		for (let i = 0; i < n; i++) txs.push(await w.signTransaction({ type: 2, chainId: 31337, nonce: i, to: SINK, value: 1n, gasLimit: 21000n, ...FEES }))
		writeFileSync(file, JSON.stringify(txs))
		out[k] = txs
	}
	return out
}

// --- (a) send -> receipt -----------------------------------------------------

// One sender's loop: send the next pre-signed tx, ask for its receipt until
// there is one, repeat until `until` (ms clock) or the supply runs out.
// Returns { done, polls } (receipt requests that found nothing).
async function senderLoop(port, txs, from, until) {
	let i = from
	let polls = 0
	while (Date.now() < until && i < txs.length) {
		let misses = 0
		const h = await rpc(port, 'eth_sendRawTransaction', [txs[i]])
		const deadline = Date.now() + 10000
		while (!(await rpc(port, 'eth_getTransactionReceipt', [h]))) {
			// Not mined yet: ask again at once, then every millisecond, so that
			// eight pollers do not starve the node of the two cores.
			polls++
			if (misses++ > 0) await sleep(1)
			if (Date.now() > deadline) throw new Error(`no receipt for ${h} within 10 s`)
		}
		i++
	}
	return { next: i, polls }
}

// Runs `senders` (one pre-signed list each) in parallel: WARMUP seconds,
// then DURATION seconds counted. Returns tx/s, and whether any sender ran
// out of pre-signed transactions.
async function txRate(port, lists) {
	const warmEnd = Date.now() + WARMUP * 1000
	const warm = await Promise.all(lists.map((txs) => senderLoop(port, txs, 0, warmEnd)))
	const t0 = Date.now()
	const end = t0 + DURATION * 1000
	const res = await Promise.all(lists.map((txs, j) => senderLoop(port, txs, warm[j].next, end)))
	const secs = (Date.now() - t0) / 1000
	const done = res.reduce((a, r, j) => a + (r.next - warm[j].next), 0)
	const short = res.some((r, j) => r.next >= lists[j].length)
	const total = res.reduce((a, r) => a + r.next, 0)
	return { rate: done / secs, short, polls: res.reduce((a, r) => a + r.polls, 0), total }
}

// --- (b) wrk -----------------------------------------------------------------

function haveWrk() {
	const which = spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' })
	if (which.status === 0) return true
	if (process.getuid && process.getuid() !== 0) return false
	process.stderr.write('wrk missing: apt-get install -y wrk ...\n')
	const r = spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
	return r.status === 0 && spawnSync('sh', ['-c', 'command -v wrk']).status === 0
}

// wrk with 2 threads and 8 keep-alive connections POSTing `body`; returns
// requests per second of the measured run (after a warm-up run).
function wrkRate(port, body, dir, name) {
	const lua = join(dir, `${name}.lua`)
	writeFileSync(lua, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["Content-Type"] = "application/json"\n`)
	const url = `http://${HOST}:${port}/`
	const run = (secs) => execFileSync('wrk', ['-t2', '-c8', `-d${secs}s`, '-s', lua, url], { encoding: 'utf8', timeout: (secs + 30) * 1000 })
	if (WARMUP > 0) run(WARMUP)
	const out = run(DURATION)
	const m = out.match(/Requests\/sec:\s+([\d.]+)/)
	const errs = out.match(/Non-2xx or 3xx responses: (\d+)|Socket errors: .*/)
	if (!m) throw new Error(`wrk said:\n${out}`)
	return { rate: Number(m[1]), note: errs ? errs[0] : '' }
}

// --- one node ----------------------------------------------------------------

function compileToken() {
	const src = readFileSync(join(REPO, 'tests', 'e2e', 'dev', 'contracts', 'Token.sol'), 'utf8')
	const input = {
		language: 'Solidity',
		sources: { 'Token.sol': { content: src } },
		settings: { evmVersion: 'cancun', optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
	}
	const out = JSON.parse(solc.compile(JSON.stringify(input)))
	const c = out.contracts['Token.sol'].Token
	return { abi: c.abi, bytecode: '0x' + c.evm.bytecode.object }
}

async function benchNode(target, txs, token, dir, wrkOk) {
	const r = {}
	const node = await start(target, dir)
	try {
		await sleep(1000)
		r.rssIdle = rssKiB(node.proc.pid)

		// The token for eth_call, deployed from dev key 9 (not a bench sender).
		const w = new Wallet(KEYS[9])
		const init = token.bytecode + AbiCoder.defaultAbiCoder().encode(['uint256'], [10n ** 24n]).slice(2)
		const h = await rpc(node.port, 'eth_sendRawTransaction', [await w.signTransaction({ type: 2, chainId: 31337, nonce: 0, data: init, gasLimit: 1_000_000n, ...FEES })])
		let rc = null
		for (let i = 0; i < 200 && !rc; i++) rc = (await rpc(node.port, 'eth_getTransactionReceipt', [h])) || (await sleep(10), null)
		const tokenAddr = getCreateAddress({ from: w.address, nonce: 0 })
		if (!rc || rc.status !== '0x1' || rc.contractAddress.toLowerCase() !== tokenAddr.toLowerCase()) throw new Error(`token deployment failed: ${JSON.stringify(rc)}`)
		const call = new Interface(token.abi).encodeFunctionData('balanceOf', [w.address])

		if (!ONLY || ONLY.includes('tx')) {
			const one = await txRate(node.port, [txs[0]])
			r.seq = one
			const eight = await txRate(node.port, [1, 2, 3, 4, 5, 6, 7, 8].map((k) => txs[k]))
			r.par = eight
			// Each counted transfer sent SINK 1 wei: all of them landed.
			const bal = BigInt(await rpc(node.port, 'eth_getBalance', [SINK, 'latest']))
			if (bal !== BigInt(one.total + eight.total)) throw new Error(`${target}: SINK holds ${bal} wei after ${one.total + eight.total} transfers`)
		}
		if (wrkOk && (!ONLY || ONLY.includes('wrk'))) {
			const callBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ to: tokenAddr, data: call }, 'latest'] })
			const expect = AbiCoder.defaultAbiCoder().encode(['uint256'], [10n ** 24n])
			const got = await rpc(node.port, 'eth_call', [{ to: tokenAddr, data: call }, 'latest'])
			if (got !== expect) throw new Error(`eth_call balanceOf answered ${got}, want ${expect}`)
			r.call = wrkRate(node.port, callBody, dir, `${target}-call`)
			const balBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: [w.address, 'latest'] })
			await rpc(node.port, 'eth_getBalance', [w.address, 'latest'])
			r.balance = wrkRate(node.port, balBody, dir, `${target}-balance`)
		}
		r.rssAfter = rssKiB(node.proc.pid)
	} finally {
		await stop(node)
	}
	return r
}

// --- main --------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'dure-bench-rpc-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))

const targets = []
if (process.env.DURE_BIN && executable(process.env.DURE_BIN)) targets.push('dure')
else console.log(`dure: not available${process.env.DURE_BIN ? ` (${process.env.DURE_BIN} is not executable)` : ' (set DURE_BIN)'}`)
targets.push('anvil')

const wrkOk = haveWrk()
if (!wrkOk) console.log('wrk: not available (apt-get install wrk): eth_call/eth_getBalance rates skipped')

console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at start`)
console.log(`duration ${DURATION} s per measurement after ${WARMUP} s warm-up; ${PER_SENDER} pre-signed transfers per sender`)

const txs = await presigned([0, 1, 2, 3, 4, 5, 6, 7, 8], PER_SENDER)
const token = compileToken()
const results = {}
for (const t of targets) {
	process.stderr.write(`benchmarking ${t} ...\n`)
	results[t] = await benchNode(t, txs, token, dir, wrkOk)
}

const fmt = (x, digits = 0) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits))
const rows = [
	['tx/s, send->receipt, 1 at a time', (r) => r.seq?.rate, (r) => (r.seq?.short ? 'ran out of pre-signed txs' : '')],
	['tx/s, send->receipt, 8 in flight', (r) => r.par?.rate, (r) => (r.par?.short ? 'ran out of pre-signed txs' : '')],
	['eth_call balanceOf req/s (wrk, 8 conns)', (r) => r.call?.rate, (r) => r.call?.note ?? ''],
	['eth_getBalance req/s (wrk, 8 conns)', (r) => r.balance?.rate, (r) => r.balance?.note ?? ''],
	['RSS idle (MiB)', (r) => (r.rssIdle === undefined ? undefined : r.rssIdle / 1024), () => ''],
	['RSS after the run (MiB)', (r) => (r.rssAfter === undefined ? undefined : r.rssAfter / 1024), () => ''],
]
const d = results.dure
const a = results.anvil
const lines = [['metric', 'dure', 'anvil', 'dure/anvil', 'notes']]
for (const [name, get, note] of rows) {
	const dv = d ? get(d) : undefined
	const av = get(a)
	const digits = name.startsWith('RSS') ? 1 : 0
	const ratio = dv !== undefined && av ? (dv / av).toFixed(2) : 'n/a'
	const notes = [d && note(d) ? `dure: ${note(d)}` : '', note(a) ? `anvil: ${note(a)}` : ''].filter(Boolean).join('; ')
	lines.push([name, fmt(dv, digits), fmt(av, digits), ratio, notes])
}
const polls = (r) => (r?.seq ? String(r.seq.polls + r.par.polls) : 'n/a')
if (a.seq) lines.push(['receipt requests that found nothing', d ? polls(d) : 'n/a', polls(a), '', 'automine that answers the send before mining'])
const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)))
for (const l of lines) console.log(l.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd())
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end (the machine may be shared: compare runs taken together)`)
