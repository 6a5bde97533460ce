#!/usr/bin/env node
// Runs this Hardhat project's unchanged test suite against a dev node:
// starts DURE_E2E_TARGET (dure by default, `dure dev --ephemeral`; anvil
// for the reference run) on a free loopback port, runs
// `hardhat test --network dure` with the node's URL in DURE_RPC_URL, stops
// the node and exits with Hardhat's status. Extra arguments go to
// `hardhat test` (a test file, --grep ...).
//
// DURE_BIN     the dure binary (default: <repo>/build/dure)
// ANVIL_BIN    Foundry's anvil (default: the one tests/e2e/dev installs)
// DURE_E2E_RPC_LOG=FILE  puts a proxy between Hardhat and the node that
//              writes every JSON-RPC request and response to FILE, one
//              JSON object a line (for reporting what a node answered).
//
// Nothing is fetched at run time: the compiler is the npm `solc` package
// (see hardhat.config.js) and Hardhat's telemetry prompt is off.
import { spawn } from 'node:child_process'
import { accessSync, constants, createWriteStream, existsSync } from 'node:fs'
import { createServer as createHttpServer, request as httpRequest } from 'node:http'
import { createServer } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const REPO = resolve(HERE, '..', '..', '..')
const HOST = '127.0.0.1'
const TARGET = process.env.DURE_E2E_TARGET || 'dure'
const READY_MS = 30000
const SUITE_MS = 600000

function die(msg) {
	console.error(`e2e-hardhat: ${msg}`)
	process.exit(2)
}

if (TARGET !== 'dure' && TARGET !== 'anvil') die(`DURE_E2E_TARGET must be dure or anvil, not ${TARGET}`)

function executable(p) {
	try {
		accessSync(p, constants.X_OK)
		return true
	} catch {
		return false
	}
}

function nodeCommand(port) {
	if (TARGET === 'anvil') {
		const bin = process.env.ANVIL_BIN || join(REPO, 'tests', 'e2e', 'dev', 'node_modules', '@foundry-rs', 'anvil-linux-amd64', 'bin', 'anvil')
		if (!executable(bin)) die(`no anvil at ${bin} (npm ci --prefix tests/e2e/dev installs it, or set ANVIL_BIN)`)
		return [bin, ['--port', String(port)]]
	}
	const bin = resolve(process.env.DURE_BIN || join(REPO, 'build', 'dure'))
	if (!executable(bin)) die(`no dure at ${bin} (build it, or set DURE_BIN)`)
	return [bin, ['dev', '--ephemeral', '--rpc.port', String(port)]]
}

function freePort() {
	return new Promise((ok, fail) => {
		const s = createServer()
		s.once('error', fail)
		s.listen(0, HOST, () => {
			const p = s.address().port
			s.close(() => ok(p))
		})
	})
}

// Starts the node and resolves with { proc, url, logs() } once it printed
// "Listening on 127.0.0.1:PORT"; retries on another port when the one it
// was given got taken in between.
async function startNode() {
	for (let attempt = 0; ; attempt++) {
		const port = await freePort()
		const [bin, args] = nodeCommand(port)
		const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
		let out = ''
		const keep = (d) => (out = (out + d).slice(-16384))
		proc.stdout.on('data', keep)
		proc.stderr.on('data', keep)
		const line = `Listening on ${HOST}:${port}`
		const state = await new Promise((ok) => {
			const timer = setTimeout(() => ok('timeout'), READY_MS)
			const look = () => {
				if (out.includes(line)) {
					clearTimeout(timer)
					ok('ready')
				}
			}
			proc.stdout.on('data', look)
			proc.stderr.on('data', look)
			proc.once('exit', () => {
				clearTimeout(timer)
				ok('exited')
			})
			proc.once('error', (e) => {
				out += String(e)
				clearTimeout(timer)
				ok('exited')
			})
		})
		const node = { proc, url: `http://${HOST}:${port}`, logs: () => out }
		if (state === 'ready') return node
		proc.kill('SIGKILL')
		if (state === 'exited' && /in use/i.test(out) && attempt < 3) continue
		die(`${bin} ${args.join(' ')}: ${state === 'timeout' ? `no "${line}" within ${READY_MS / 1000} s` : 'exited before listening'}\n${out}`)
	}
}

// A pass-through HTTP proxy to `target` that logs each exchange to `file`.
async function startLoggingProxy(target, file) {
	const log = createWriteStream(file)
	const to = new URL(target)
	const server = createHttpServer((req, res) => {
		const chunks = []
		req.on('data', (c) => chunks.push(c))
		req.on('end', () => {
			const body = Buffer.concat(chunks)
			const up = httpRequest(
				{ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: { 'content-type': 'application/json', 'content-length': body.length } },
				(upRes) => {
					const back = []
					upRes.on('data', (c) => back.push(c))
					upRes.on('end', () => {
						const answer = Buffer.concat(back)
						log.write(JSON.stringify({ request: body.toString(), status: upRes.statusCode, response: answer.toString() }) + '\n')
						res.writeHead(upRes.statusCode, { 'content-type': upRes.headers['content-type'] || 'application/json' })
						res.end(answer)
					})
				},
			)
			up.on('error', (e) => {
				log.write(JSON.stringify({ request: body.toString(), error: String(e) }) + '\n')
				res.writeHead(502)
				res.end()
			})
			up.end(body)
		})
	})
	await new Promise((ok) => server.listen(0, HOST, ok))
	return { url: `http://${HOST}:${server.address().port}`, close: () => new Promise((ok) => server.close(() => log.end(ok))) }
}

const hardhat = join(HERE, 'node_modules', '.bin', 'hardhat')
if (!existsSync(hardhat)) die(`no Hardhat in ${HERE}/node_modules (npm ci --prefix tests/e2e/hardhat)`)

const node = await startNode()
const stopNode = () => node.proc.kill('SIGKILL')
process.on('exit', stopNode)
const proxy = process.env.DURE_E2E_RPC_LOG ? await startLoggingProxy(node.url, process.env.DURE_E2E_RPC_LOG) : null
const url = proxy ? proxy.url : node.url
console.log(`e2e-hardhat: target ${TARGET} at ${node.url}${proxy ? ` (logged through ${proxy.url} to ${process.env.DURE_E2E_RPC_LOG})` : ''}`)

// `npx hardhat` runs this same local bin; spawning it directly keeps npx
// from ever looking at the registry.
const env = { ...process.env, DURE_RPC_URL: url, CI: 'true', HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true', FORCE_COLOR: '0' }
const child = spawn(hardhat, ['test', '--network', 'dure', ...process.argv.slice(2)], { cwd: HERE, env, stdio: ['ignore', 'pipe', 'inherit'] })
let mochaOut = ''
child.stdout.on('data', (d) => {
	process.stdout.write(d)
	mochaOut += d
})
const timer = setTimeout(() => {
	console.error(`e2e-hardhat: hardhat test still running after ${SUITE_MS / 1000} s, killed`)
	child.kill('SIGKILL')
}, SUITE_MS)
const code = await new Promise((ok) => child.on('exit', (c, sig) => ok(sig ? 1 : c)))
clearTimeout(timer)

const count = (word) => Number((mochaOut.match(new RegExp(`^\\s*(\\d+) ${word}\\b`, 'm')) || [0, 0])[1])
const passed = count('passing')
const failed = count('failing')
const pending = count('pending')
if (code !== 0) console.log(`--- ${TARGET} output (tail) ---\n${node.logs().slice(-4096)}`)
if (proxy) await proxy.close()
node.proc.kill('SIGTERM')
console.log(`e2e-hardhat: ${passed} passed, ${failed} failed, ${pending} skipped`)
process.exit(code !== 0 || passed === 0 ? 1 : 0)
