// What the node.js network benchmarks share: the npm packages of
// tests/net (ethers, ws), the command line's --name value options and
// --dure, quantiles, and eth_subscribe over one WebSocket per node.
import { createRequire } from 'node:module'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

const require = createRequire(join(REPO, 'tests', 'net', 'package.json'))
let ethersMod, wsMod
try {
  ethersMod = require('ethers')
  wsMod = require('ws')
} catch {
  console.error('bench/net: run `npm ci --prefix tests/net` first (ethers, ws)')
  process.exit(2)
}
export const ethers = ethersMod
export const WebSocket = wsMod

export const args = process.argv.slice(2)
// The value after --name on the command line, else dflt.
export const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
export const DURE = resolve(opt('dure', process.env.DURE_BIN || join(REPO, 'build', 'dure')))

// The q-quantile of xs (nearest rank), NaN for none.
export const quantile = (xs, q) => {
  if (!xs.length) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]
}

// Subscribes to each of `kinds` on node n (n.rpcPort, n.name or n.label
// for errors) over one WebSocket; resolves with it once every
// subscription is confirmed. onNote(n, kind, result, t) gets each
// notification, t its arrival (performance.now()).
export function subscribe(host, n, kinds, onNote) {
  return new Promise((ok, fail) => {
    const ws = new WebSocket(`ws://${host}:${n.rpcPort}`)
    const subs = {}
    const pending = {}
    ws.on('error', fail)
    ws.on('open', () => {
      kinds.forEach((kind, i) => {
        pending[i + 1] = kind
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: i + 1, method: 'eth_subscribe', params: [kind] }))
      })
    })
    ws.on('message', (data) => {
      const t = performance.now()
      const m = JSON.parse(data)
      if (m.id && pending[m.id]) {
        if (m.error) return fail(new Error(`${n.name || n.label}: eth_subscribe ${pending[m.id]}: ${JSON.stringify(m.error)}`))
        subs[m.result] = pending[m.id]
        delete pending[m.id]
        if (!Object.keys(pending).length) ok(ws)
        return
      }
      if (m.method === 'eth_subscription' && subs[m.params.subscription])
        onNote(n, subs[m.params.subscription], m.params.result, t)
    })
  })
}
