#!/usr/bin/env node
// Runs the dev-node end-to-end tests, each in its own node process, against
// DURE_E2E_TARGET (anvil by default; dure needs DURE_BIN). Prints one line
// per test and a closing "e2e-dev: N passed, N failed, N skipped"; a
// skipped test (exit 77) is neither a pass nor a failure. Exits 1 when any
// test failed or none passed.
// usage: node run.mjs [NAME-SUBSTRING...]
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const target = process.env.DURE_E2E_TARGET || 'anvil'
const filters = process.argv.slice(2)
const tests = readdirSync(here)
	.filter((f) => /^\d\d-.*\.mjs$/.test(f))
	.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
	.sort()
const TIMEOUT_MS = 150000

function runOne(file) {
	return new Promise((ok) => {
		const t0 = Date.now()
		const p = spawn(process.execPath, [join(here, file)], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env })
		let out = ''
		p.stdout.on('data', (d) => (out += d))
		p.stderr.on('data', (d) => (out += d))
		const timer = setTimeout(() => p.kill('SIGKILL'), TIMEOUT_MS)
		p.on('exit', (code, sig) => {
			clearTimeout(timer)
			ok({ code: sig ? `signal ${sig}` : code, out, ms: Date.now() - t0 })
		})
	})
}

let passed = 0
let failed = 0
let skipped = 0
console.log(`e2e-dev: target ${target}, ${tests.length} tests`)
for (const f of tests) {
	const r = await runOne(f)
	const secs = (r.ms / 1000).toFixed(1)
	if (r.code === 0) {
		passed++
		console.log(`PASS ${f} (${secs} s)`)
	} else if (r.code === 77) {
		skipped++
		const why = (r.out.match(/^skipped: .*$/m) || ['skipped'])[0]
		console.log(`SKIP ${f}: ${why.replace(/^skipped: /, '')}`)
	} else {
		failed++
		console.log(`FAIL ${f} (${r.code}, ${secs} s)`)
		// The test's own account of the failure, then the node's output.
		const at = r.out.indexOf('FAIL ')
		console.log((at >= 0 ? r.out.slice(at) : r.out).replace(/^/gm, '    '))
	}
}
console.log(`e2e-dev: ${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
