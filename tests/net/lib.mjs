// Helpers for the node.js network tests: `dure` processes that are always
// stopped, a scratch directory that is always removed, JSON-RPC calls, and
// bounded waits. Loopback only.
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, openSync, rmSync, readFileSync, accessSync, constants, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { createSocket } from 'node:dgram'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const HOST = '127.0.0.1'

export function dureBinary() {
  const p = process.env.DURE_BIN || process.argv[2]
  try {
    accessSync(p, constants.X_OK)
  } catch {
    console.error(`usage: ${process.argv[1]} PATH-TO-dure (or DURE_BIN=...)`)
    process.exit(2)
  }
  return resolve(p)
}

// A port free for both TCP and UDP on loopback right now.
export async function freePort() {
  for (;;) {
    const port = await new Promise((ok, fail) => {
      const s = createServer()
      s.once('error', fail)
      s.listen(0, HOST, () => {
        const p = s.address().port
        s.close(() => ok(p))
      })
    })
    const udpFree = await new Promise((ok) => {
      const u = createSocket('udp4')
      u.once('error', () => ok(false))
      u.bind(port, HOST, () => u.close(() => ok(true)))
    })
    if (udpFree) return port
  }
}

export class Cluster {
  constructor(name) {
    this.dir = mkdtempSync(join(tmpdir(), `dure-net-${name}-`))
    this.procs = []
    const cleanup = () => this.close()
    process.on('exit', cleanup)
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
      process.on(sig, () => {
        cleanup()
        process.exit(130)
      })
  }

  // Starts `dure args...`; resolves with the process once it printed its
  // enode URL (p.enode).
  async start(label, dure, args) {
    const log = openSync(join(this.dir, `${label}.log`), 'w')
    const p = spawn(dure, args, { stdio: ['ignore', 'pipe', log] })
    p.label = label
    this.procs.push(p)
    p.enode = await new Promise((ok, fail) => {
      let out = ''
      const timer = setTimeout(() => fail(new Error(`${label} printed no enode URL`)), 10000)
      p.stdout.on('data', (d) => {
        out += d
        const nl = out.indexOf('\n')
        if (nl >= 0 && timer) {
          clearTimeout(timer)
          ok(out.slice(0, nl))
        }
      })
      p.once('exit', (code) => fail(new Error(`${label} exited with ${code}`)))
    })
    return p
  }

  log(label) {
    return readFileSync(join(this.dir, `${label}.log`), 'utf8')
  }

  close() {
    for (const p of this.procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
    this.procs = []
    if (process.env.DURE_NET_KEEP) console.log('kept logs in', this.dir)
    else rmSync(this.dir, { recursive: true, force: true })
  }
}

export async function rpc(port, method, params = []) {
  const r = await fetch(`http://${HOST}:${port}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  const j = await r.json()
  if (j.error) throw new Error(`${method}: ${JSON.stringify(j.error)}`)
  return j.result
}

export async function waitRpc(port, ms = 10000) {
  const end = Date.now() + ms
  for (;;) {
    try {
      return await rpc(port, 'web3_clientVersion')
    } catch (e) {
      if (Date.now() > end) throw e
      await sleep(100)
    }
  }
}

// A node's head number (n.rpcPort), and those of several nodes.
export const height = async (n) => Number(await rpc(n.rpcPort, 'eth_blockNumber'))
export const heights = (nodes) => Promise.all(nodes.map(height))

// Every node holds the same block at every height from 1 to the lowest
// head: returns that height, or -1 (and says where) if they differ.
export async function sameChain(nodes) {
  const low = Math.min(...(await heights(nodes)))
  for (let h = 1; h <= low; h++) {
    const bs = await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'eth_getBlockByNumber', ['0x' + h.toString(16), false])))
    if (!bs.every((b) => b && b.hash === bs[0].hash)) {
      console.log(`nodes differ at #${h}: ${bs.map((b) => b && b.hash.slice(0, 10)).join(' ')}`)
      return -1
    }
  }
  return low
}

export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms))

// Polls cond() until it is truthy; returns its value, or throws `what`
// after ms.
export async function waitFor(what, ms, cond) {
  const end = Date.now() + ms
  for (;;) {
    const v = await cond()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(200)
  }
}

export const idOf = (enode) => enode.slice('enode://'.length).split('@')[0]

let failures = 0
export function check(cond, msg) {
  if (cond) console.log(`ok: ${msg}`)
  else {
    failures++
    console.log(`FAIL: ${msg}`)
  }
}
export const failed = () => failures

// A proof-of-work chain for test nodes: every fork through Cancun from
// genesis (mergeNetsplitBlock 0), blocks every `targetBlockTime` seconds
// at a low difficulty, `alloc` funding {address: wei}.
export function powGenesis({ chainId = 4242, targetBlockTime = 2, minDifficulty = 20000,
  reward = 2n * 10n ** 18n, alloc = {} } = {}) {
  const config = { chainId, mergeNetsplitBlock: 0, shanghaiTime: 0, cancunTime: 0,
    pow: { targetBlockTime, minimumDifficulty: minDifficulty, blockReward: reward.toString() } }
  for (const k of ['homesteadBlock', 'eip150Block', 'eip155Block', 'eip158Block', 'byzantiumBlock',
    'constantinopleBlock', 'petersburgBlock', 'istanbulBlock', 'berlinBlock', 'londonBlock'])
    config[k] = 0
  const a = {}
  for (const [addr, wei] of Object.entries(alloc)) a[addr] = { balance: '0x' + BigInt(wei).toString(16) }
  return { config, alloc: a, gasLimit: '0x1c9c380', baseFeePerGas: '0x3b9aca00',
    difficulty: '0x' + minDifficulty.toString(16),
    timestamp: '0x' + Math.floor(Date.now() / 1000).toString(16), extraData: '0x' }
}

// A BFT chain for test nodes: every fork through Cancun from genesis,
// `validators` (addresses, power 1 each) agreeing on every block, `alloc`
// funding {address: wei}.
export function bftGenesis({ chainId = 4243, validators, alloc = {}, gasLimit = 30000000 } = {}) {
  const g = powGenesis({ chainId, alloc })
  delete g.config.pow
  g.config.bft = { validators }
  g.difficulty = '0x1'
  g.gasLimit = '0x' + gasLimit.toString(16)
  return g
}

// Writes `genesis` into the data directory `dir` with `dure init`, so that
// a node started on it holds a chain and speaks eth/68.
export function initChain(dure, dir, genesis) {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'genesis.json')
  writeFileSync(file, JSON.stringify(genesis))
  execFileSync(dure, ['init', file, '--datadir', dir], { stdio: 'ignore' })
}
