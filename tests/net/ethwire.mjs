// What interop.mjs and misbehave.mjs share to speak eth/68 to `dure node`
// processes: the proof-of-work chain they run (genesis, the ethereumjs
// Common for it), an independent implementation of Dure's PoW rules
// (src/consensus/pow.h: the difficulty formula, the keccak-256 seal and a
// nonce search), header field access, and an eth/68 session over
// @ethereumjs/devp2p's RLPx and ETH classes with request/response
// matching.
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { createCommonFromGethGenesis } from '@ethereumjs/common'
import { ETH, RLPx } from '@ethereumjs/devp2p'
import { RLP } from '@ethereumjs/rlp'
import {
  bigIntToUnpaddedBytes, bytesToBigInt, bytesToHex, concatBytes, equalsBytes, hexToBytes,
} from '@ethereumjs/util'
import { keccakP, keccak_256 } from '@noble/hashes/sha3.js'
import { HDNodeWallet } from 'ethers'
import { HOST, freePort, idOf, waitRpc } from './lib.mjs'

export const CHAIN_ID = 4242
export const TARGET_BLOCK_TIME = 2n
export const MIN_DIFFICULTY = 20000n
export const POW_MAX_FUTURE_S = 15
const MNEMONIC = 'test test test test test test test test test test test junk'

export const keccak = (b) => keccak_256(b)
export const hex = (b) => bytesToHex(b)
export const num = (b) => bytesToBigInt(b)
export const enc = (n) => bigIntToUnpaddedBytes(BigInt(n))

export function devAccount(i) {
  return HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`)
}

// The genesis of powchain.mjs: every fork through Cancun at block 0 /
// time 0 (mergeNetsplitBlock 0), a "pow" object, difficulty 20000.
export function genesis(accounts, time = Math.floor(Date.now() / 1000)) {
  const alloc = {}
  for (const a of accounts) alloc[a.address] = { balance: '0x' + (10n ** 22n).toString(16) }
  const config = { chainId: CHAIN_ID, mergeNetsplitBlock: 0, shanghaiTime: 0, cancunTime: 0,
    pow: { targetBlockTime: Number(TARGET_BLOCK_TIME), minimumDifficulty: Number(MIN_DIFFICULTY),
      blockReward: (2n * 10n ** 18n).toString() } }
  for (const k of ['homesteadBlock', 'eip150Block', 'eip155Block', 'eip158Block', 'byzantiumBlock',
    'constantinopleBlock', 'petersburgBlock', 'istanbulBlock', 'berlinBlock', 'londonBlock'])
    config[k] = 0
  return { config, alloc, gasLimit: '0x1c9c380', baseFeePerGas: '0x3b9aca00', difficulty: '0x4e20',
    timestamp: '0x' + time.toString(16), extraData: '0x' }
}

// `dure init` of gfile into the datadir `label`; returns the genesis hash
// it prints.
export function initDure(cl, dure, label, gfile) {
  const out = execFileSync(dure, ['init', gfile, '--datadir', join(cl.dir, label)],
    { stdio: ['ignore', 'pipe', 'pipe'] }).toString()
  const m = out.match(/genesis (0x[0-9a-f]{64})/)
  if (!m) throw new Error(`dure init printed no genesis hash: ${out}`)
  return m[1]
}

// A chain for these tests: the genesis, its file, its hash (as `dure
// init` computes it) and ethereumjs' Common for it. ethereumjs writes a
// fork hash below 2^24 in 3 bytes (intToBytes drops the leading zero)
// where eth/68 has 4, so a genesis whose CRC32 is that small is skipped
// (one in 256) by moving its timestamp a second.
export function makeChain(cl, dure, accounts) {
  const gfile = join(cl.dir, 'genesis.json')
  for (let i = 0; ; i++) {
    const gen = genesis(accounts, Math.floor(Date.now() / 1000) - i)
    writeFileSync(gfile, JSON.stringify(gen))
    const genesisHash = initDure(cl, dure, `probe${i}`, gfile)
    rmSync(join(cl.dir, `probe${i}`), { recursive: true, force: true })
    if (crc32(hexToBytes(genesisHash)) >>> 24 !== 0)
      return { gen, gfile, genesisHash, common: chainCommon(gen, genesisHash) }
  }
}

// ethereumjs' view of the same chain, hardfork Cancun, with the EIP-2124
// fork hashes of this genesis. Its geth-genesis parser wants the nonce
// and mix hash spelled out (they are zero in ours).
export function chainCommon(gen, genesisHash) {
  const g = { ...gen, nonce: '0x0000000000000000', mixHash: '0x' + '00'.repeat(32),
    coinbase: '0x' + '00'.repeat(20) }
  return createCommonFromGethGenesis(g, { chain: 'dure-pow', hardfork: 'cancun',
    genesisHash: hexToBytes(genesisHash) })
}

// `dure node` on loopback over the initialised datadir `label`; resolves
// with the process, its ports, id and RPC port once its RPC answers.
export async function runDure(cl, dure, label, { mine, bootnodes, verbosity = 3, port, rpcPort } = {}) {
  port = port ?? (await freePort())
  rpcPort = rpcPort ?? (await freePort())
  const args = ['node', '--datadir', join(cl.dir, label), '--addr', HOST, '--port', String(port),
    '--rpc.port', String(rpcPort), '--verbosity', String(verbosity)]
  if (bootnodes) args.push('--bootnodes', bootnodes)
  if (mine) args.push('--mine', '--miner.threads', '1', '--etherbase', mine)
  const p = await cl.start(label, dure, args)
  await waitRpc(rpcPort)
  return { label, p, port, rpcPort, enode: p.enode, id: idOf(p.enode) }
}

export async function startDure(cl, dure, label, gfile, opts) {
  initDure(cl, dure, label, gfile)
  return runDure(cl, dure, label, opts)
}

// ---- headers: the RLP field list of a Cancun header ----

export const H = {
  parentHash: 0, ommersHash: 1, coinbase: 2, stateRoot: 3, txRoot: 4, receiptsRoot: 5, bloom: 6,
  difficulty: 7, number: 8, gasLimit: 9, gasUsed: 10, timestamp: 11, extraData: 12, mixHash: 13,
  nonce: 14, baseFee: 15, withdrawalsRoot: 16, blobGasUsed: 17, excessBlobGas: 18,
  parentBeaconRoot: 19,
}
export const headerHash = (fields) => keccak(RLP.encode(fields))

// ---- Dure's proof of work (src/consensus/pow.h), written from its text ----

// d(parent, t): a block faster than T raises the difficulty by up to 1/8,
// a slower one lowers it by up to 1/4; never below the minimum.
export function powDifficulty(parentDiff, parentTime, time) {
  const T = TARGET_BLOCK_TIME
  const dt = time > parentTime ? time - parentTime : 0n
  const step = parentDiff / 8n
  let d
  if (dt < T) d = parentDiff + (step * (T - dt)) / T
  else d = parentDiff - (step * (dt - T < 2n * T ? dt - T : 2n * T)) / T
  return d < MIN_DIFFICULTY ? MIN_DIFFICULTY : d
}

// floor(2^256 / d) as 32 big-endian bytes (2^256 - 1 for d <= 1).
export function powTarget(d) {
  const t = d <= 1n ? (1n << 256n) - 1n : (1n << 256n) / d
  return hexToBytes('0x' + t.toString(16).padStart(64, '0'))
}

// S: the RLP of the header's fields without mixHash and nonce.
export function sealRlp(fields) {
  return RLP.encode(fields.filter((_, i) => i !== H.mixHash && i !== H.nonce))
}

export const sealHash = (fields) => keccak(concatBytes(sealRlp(fields), fields[H.nonce]))

const leq = (a, b) => {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i] < b[i]
  return true
}
export const sealValid = (fields) => leq(sealHash(fields), powTarget(num(fields[H.difficulty])))

// keccak-f[1600] on 25 lanes held as 50 32-bit words (low, high), the
// layout of noble's keccakP, unrolled into straight-line code: the nonce
// search below runs it once per try, and the unrolled form is about twice
// as fast as the looped one. Checked against keccakP when built.
function buildKeccakF() {
  const rot = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2,
    61, 56, 14]
  const rc = []
  for (let i = 0, r = 1; i < 24; i++) {
    let lo = 0, hi = 0
    for (let j = 0; j < 7; j++) {
      r = ((r << 1) ^ ((r >> 7) * 0x71)) % 256
      const bit = (1 << j) - 1
      if (r & 2) {
        if (bit < 32) lo ^= 1 << bit
        else hi ^= 1 << (bit - 32)
      }
    }
    rc.push(lo >>> 0, hi >>> 0)
  }
  const lo = (i) => `a${i}l`, hi = (i) => `a${i}h`
  const L = []
  for (let i = 0; i < 25; i++) L.push(`let ${lo(i)} = s[${2 * i}], ${hi(i)} = s[${2 * i + 1}], b${i}l, b${i}h;`)
  L.push('let dl, dh;')
  for (let x = 0; x < 5; x++) L.push(`let cl${x}, ch${x};`)
  L.push('for (let r = 0; r < 48; r += 2) {')
  for (let x = 0; x < 5; x++) {
    L.push(`cl${x} = ${[0, 1, 2, 3, 4].map((y) => lo(x + 5 * y)).join(' ^ ')};`)
    L.push(`ch${x} = ${[0, 1, 2, 3, 4].map((y) => hi(x + 5 * y)).join(' ^ ')};`)
  }
  for (let x = 0; x < 5; x++) {
    const p = (x + 4) % 5, n = (x + 1) % 5
    L.push(`dl = cl${p} ^ ((cl${n} << 1) | (ch${n} >>> 31)); dh = ch${p} ^ ((ch${n} << 1) | (cl${n} >>> 31));`)
    for (let y = 0; y < 5; y++) L.push(`${lo(x + 5 * y)} ^= dl; ${hi(x + 5 * y)} ^= dh;`)
  }
  for (let x = 0; x < 5; x++)
    for (let y = 0; y < 5; y++) {
      const i = x + 5 * y, j = y + 5 * ((2 * x + 3 * y) % 5), k = rot[i]
      if (k === 0) L.push(`b${j}l = ${lo(i)}; b${j}h = ${hi(i)};`)
      else if (k < 32)
        L.push(`b${j}l = (${lo(i)} << ${k}) | (${hi(i)} >>> ${32 - k}); b${j}h = (${hi(i)} << ${k}) | (${lo(i)} >>> ${32 - k});`)
      else
        L.push(`b${j}l = (${hi(i)} << ${k - 32}) | (${lo(i)} >>> ${64 - k}); b${j}h = (${lo(i)} << ${k - 32}) | (${hi(i)} >>> ${64 - k});`)
    }
  for (let y = 0; y < 5; y++)
    for (let x = 0; x < 5; x++) {
      const i = x + 5 * y, i1 = ((x + 1) % 5) + 5 * y, i2 = ((x + 2) % 5) + 5 * y
      L.push(`${lo(i)} = b${i}l ^ (~b${i1}l & b${i2}l); ${hi(i)} = b${i}h ^ (~b${i1}h & b${i2}h);`)
    }
  L.push('a0l ^= RC[r]; a0h ^= RC[r + 1];', '}')
  for (let i = 0; i < 25; i++) L.push(`s[${2 * i}] = ${lo(i)}; s[${2 * i + 1}] = ${hi(i)};`)
  const f = new Function('RC', `return function keccakF(s) {\n${L.join('\n')}\n}`)(Uint32Array.from(rc))
  const a = new Uint32Array(50).map((_, i) => Math.imul(i + 1, 0x9e3779b9))
  const b = a.slice()
  keccakP(a, 24)
  f(b)
  if (!a.every((x, i) => x === b[i])) throw new Error('unrolled keccak-f disagrees with keccakP')
  return f
}
const keccakF = buildKeccakF()

// Searches a nonce for the header `fields` at their difficulty, as Dure's
// miner does (S absorbed once, then one permutation per try), yielding to
// the event loop now and then. Resolves with a copy of fields carrying the
// nonce, or null after ms. Every result is checked with sealValid, which
// hashes the plain way.
export async function mineSeal(fields, ms = 30000) {
  const R = 136
  const S = sealRlp(fields)
  const target = powTarget(num(fields[H.difficulty]))
  const full = Math.floor(S.length / R) * R
  const mid = new Uint32Array(50)
  const mid8 = new Uint8Array(mid.buffer)
  for (let off = 0; off < full; off += R) {
    for (let i = 0; i < R; i++) mid8[i] ^= S[off + i]
    keccakF(mid)
  }
  const tailLen = S.length - full + 8
  const nblk = Math.ceil((tailLen + 1) / R)
  const tail = new Uint8Array(nblk * R)
  tail.set(S.subarray(full))
  tail[tailLen] ^= 0x01
  tail[nblk * R - 1] ^= 0x80
  const tail32 = new Uint32Array(tail.buffer)
  const at = S.length - full
  const s = new Uint32Array(50)
  const s8 = new Uint8Array(s.buffer)
  const hi = (Math.random() * 2 ** 32) >>> 0
  const end = Date.now() + ms
  for (let lo = 0; Date.now() < end; ) {
    for (let k = 0; k < 50000; k++, lo++) {
      tail[at] = hi >>> 24
      tail[at + 1] = hi >>> 16
      tail[at + 2] = hi >>> 8
      tail[at + 3] = hi
      tail[at + 4] = lo >>> 24
      tail[at + 5] = lo >>> 16
      tail[at + 6] = lo >>> 8
      tail[at + 7] = lo
      s.set(mid)
      for (let b = 0; b < nblk; b++) {
        for (let i = 0; i < 34; i++) s[i] ^= tail32[b * 34 + i]
        keccakF(s)
      }
      if (leq(s8.subarray(0, 32), target)) {
        const out = fields.slice()
        out[H.nonce] = tail.slice(at, at + 8)
        if (!sealValid(out)) throw new Error('nonce search and plain seal hash disagree')
        return out
      }
    }
    await new Promise((ok) => setImmediate(ok))
  }
  return null
}

// ---- eth/68 ----

export const MSG = {
  STATUS: 0x00, NEW_BLOCK_HASHES: 0x01, TRANSACTIONS: 0x02, GET_BLOCK_HEADERS: 0x03,
  BLOCK_HEADERS: 0x04, GET_BLOCK_BODIES: 0x05, BLOCK_BODIES: 0x06, NEW_BLOCK: 0x07,
  NEW_POOLED_TX_HASHES: 0x08, GET_POOLED_TXS: 0x09, POOLED_TXS: 0x0a,
}

// An eth/68 session with a node, through ethereumjs' RLPx and ETH (which
// does the Status handshake and the EIP-2124 fork id check, and snappy).
export class EthSession {
  // Takes over the eth/68 protocol of a connected ethereumjs peer: sends
  // our Status ({td, bestHash, genesisHash} as bytes) and resolves once
  // the node's Status arrived (and passed ethereumjs' checks: version,
  // network id, genesis, fork id); rejects after ms or when the session
  // ends first.
  static attach(peer, status, ms = 8000) {
    const s = new EthSession()
    s.peer = peer
    s.eth = peer.getProtocols().find((p) => p instanceof ETH)
    s.closed = new Promise((ok) => peer.events.once('close', (reason) => {
      s.closeReason = reason
      ok(reason)
    }))
    return new Promise((ok, fail) => {
      if (!s.eth) return fail(new Error('eth/68 not shared'))
      const timer = setTimeout(() => fail(new Error('no eth/68 Status from the node')), ms)
      s.eth.events.on('message', (code, payload) => s._onMessage(code, payload))
      s.eth.events.on('status', (st) => {
        clearTimeout(timer)
        s.status = st
        ok(s)
      })
      s.closed.then(() => fail(new Error(`session closed before Status (reason ${s.closeReason})`)))
      s.eth.sendStatus(status)
    })
  }

  // Dials target ({id, port}) with node key `key` on an RLPx of its own
  // and attaches to the session (s.rlpx is that RLPx).
  static async open(key, target, common, status, ms = 8000) {
    const rlpx = new RLPx(key, { capabilities: [ETH.eth68], common, listenPort: null, maxPeers: 2 })
    const errors = []
    rlpx.events.on('error', (e) => errors.push(e))
    rlpx.events.on('peer:error', (_, e) => errors.push(e))
    const added = new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no RLPx session (${errors.join('; ')})`)), ms)
      rlpx.events.on('peer:added', (peer) => {
        clearTimeout(timer)
        ok(peer)
      })
      rlpx.events.on('peer:removed', (_, reason) => fail(new Error(`session refused (reason ${reason})`)))
    })
    rlpx.connect({ id: hexToBytes('0x' + target.id), address: HOST, tcpPort: target.port })
      .catch((e) => errors.push(e))
    try {
      const s = await EthSession.attach(await added, status, ms)
      s.rlpx = rlpx
      s.errors = errors
      return s
    } catch (e) {
      rlpx.destroy()
      throw e
    }
  }

  constructor() {
    this.log = [] // [code, payload] of every message the node sent
    this.waiters = []
    this.nextId = BigInt(Math.floor(Math.random() * 2 ** 40))
  }

  _onMessage(code, payload) {
    this.log.push([code, payload])
    for (const w of this.waiters.slice())
      if (w.code === code && w.pred(payload)) {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        w.ok(payload)
      }
    if (this.onMessage) this.onMessage(code, payload)
  }

  // Resolves with the first message `code` matching pred (seen already or
  // still to come), or null after ms.
  next(code, pred = () => true, ms = 8000) {
    const seen = this.log.find(([c, p]) => c === code && pred(p))
    if (seen) return Promise.resolve(seen[1])
    return new Promise((ok) => {
      const w = { code, pred, ok }
      this.waiters.push(w)
      setTimeout(() => {
        const i = this.waiters.indexOf(w)
        if (i >= 0) {
          this.waiters.splice(i, 1)
          ok(null)
        }
      }, ms)
    })
  }

  send(code, payload) {
    this.eth.sendMessage(code, payload)
  }

  // Sends [request-id, body] and resolves with the answer's body (the
  // response with the same id), or null after ms.
  async request(code, body, replyCode, ms = 8000) {
    const id = enc(this.nextId++)
    const reply = this.next(replyCode, (p) => equalsBytes(p[0], id), ms)
    this.send(code, [id, body])
    const p = await reply
    return p ? p[1] : null
  }

  // Resolves true once the node ended the session, false after ms.
  async waitClosed(ms) {
    return Promise.race([this.closed.then(() => true), new Promise((ok) => setTimeout(() => ok(false), ms))])
  }

  close() {
    if (this.rlpx) this.rlpx.destroy()
    else this.peer.disconnect()
  }
}
