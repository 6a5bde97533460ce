// Misbehaving eth/68 peers against an honest pair of proof-of-work nodes:
// node a mines, node b follows it. A harness speaking RLPx and eth/68
// (@ethereumjs/devp2p) connects to b, each time under a fresh node key (a
// banned id cannot come back), completes the Status handshake and then
//  1. sends a NewBlock whose seal is wrong (a block it mined, nonce + 1);
//  2. sends a NewBlock with a valid seal at the right difficulty (mined
//     here, src/consensus/pow.h's rules written again in ethwire.mjs) but
//     a wrong state root;
//  3. sends a NewBlock, validly sealed, timestamped 60 s in the future;
//  4. sends a Transactions message of 12 MiB (a small frame: zeros
//     compress), and one whose frame is 11 MiB (random bytes do not);
//  5. floods b with NewPooledTransactionHashes (20 x 4096 random hashes
//     in a second; b allows 4096 a second, burst 16384).
// Each time b must end the session and ban the harness (dure_p2pStats'
// bans rises, the log names the reason), store none of the bad blocks,
// and keep its head on a's chain; afterwards a and b are still peered,
// a banned no one, and b keeps following a's new blocks.
// Case 2 runs last: b passes a block whose header and seal hold on to its
// peers before it executes it, so that case also shows what a does with
// a relayed block that then fails execution, and a ban there would leave
// the later cases without an intact pair.
// Usage: node misbehave.mjs PATH-TO-dure
import { randomBytes } from 'node:crypto'
import { createBlockHeaderFromBytesArray } from '@ethereumjs/block'
import { KECCAK256_RLP, KECCAK256_RLP_ARRAY, bytesToHex, equalsBytes, hexToBytes } from '@ethereumjs/util'
import { Cluster, check, dureBinary, failed, rpc, sleep, waitFor } from './lib.mjs'
import {
  EthSession, H, MSG, POW_MAX_FUTURE_S, devAccount, enc, headerHash, hex, makeChain,
  mineSeal, num, powDifficulty, sealValid, startDure,
} from './ethwire.mjs'

const headNumber = async (n) => Number(await rpc(n.rpcPort, 'eth_blockNumber'))
const peerIds = async (n) => (await rpc(n.rpcPort, 'admin_peers')).map((p) => p.id)
const bans = async (n) => (await rpc(n.rpcPort, 'dure_p2pStats')).bans

async function main() {
  const dure = dureBinary()
  const cl = new Cluster('misbehave')
  const accounts = [0, 1, 2].map(devAccount)
  const t0 = Date.now()
  const { gfile, genesisHash: gh, common } = makeChain(cl, dure, accounts)

  const a = await startDure(cl, dure, 'a', gfile, { mine: accounts[1].address })
  const b = await startDure(cl, dure, 'b', gfile, { bootnodes: a.enode })
  const peered = async () => (await peerIds(a)).includes(b.id) && (await peerIds(b)).includes(a.id)
  check(await waitFor('a and b to peer', 15000, peered).catch(() => false), 'a and b are peered')
  const follows = await waitFor('b to follow a', 20000, async () => (await headNumber(b)) >= 3)
    .catch(() => false)
  check(follows, `b follows a's chain (b at block ${await headNumber(b)})`)

  const g = await rpc(b.rpcPort, 'eth_getBlockByNumber', ['0x0', false])
  check(g.hash === gh, 'b runs the chain dure init wrote')
  const genesisHash = hexToBytes(g.hash)
  // The harness claims to be at genesis: b has nothing to sync from it.
  const ourStatus = { td: enc(BigInt(g.difficulty)), bestHash: genesisHash, genesisHash }

  // A block on b's head as its Status names it: empty, its header right
  // for Dure's rules (difficulty d(parent, time); base fee and excess blob
  // gas by ethereumjs' formulas) but for the fields `over` replaces;
  // sealed here. Its state root is the parent's, which the block reward
  // makes wrong: b checks header and seal before it executes anything,
  // so only case 2 (a random root) gets that far.
  async function childOfHead(s, time, over = {}, parent = s.status.bestHash, parentTd = num(s.status.td)) {
    const hs = await s.request(MSG.GET_BLOCK_HEADERS, [parent, enc(1), enc(0), enc(0)],
      MSG.BLOCK_HEADERS)
    if (!hs || hs.length !== 1 || !equalsBytes(headerHash(hs[0]), parent))
      throw new Error("b did not serve the header of the head its Status named")
    const p = hs[0]
    const ph = createBlockHeaderFromBytesArray(p, { common, skipConsensusFormatValidation: true })
    const t = BigInt(time(num(p[H.timestamp])))
    const d = powDifficulty(num(p[H.difficulty]), num(p[H.timestamp]), t)
    const f = []
    f[H.parentHash] = parent
    f[H.ommersHash] = KECCAK256_RLP_ARRAY
    f[H.coinbase] = hexToBytes(accounts[2].address)
    f[H.stateRoot] = p[H.stateRoot]
    f[H.txRoot] = KECCAK256_RLP
    f[H.receiptsRoot] = KECCAK256_RLP
    f[H.bloom] = new Uint8Array(256)
    f[H.difficulty] = enc(d)
    f[H.number] = enc(num(p[H.number]) + 1n)
    f[H.gasLimit] = p[H.gasLimit]
    f[H.gasUsed] = enc(0)
    f[H.timestamp] = enc(t)
    f[H.extraData] = new Uint8Array(0)
    f[H.mixHash] = new Uint8Array(32)
    f[H.nonce] = new Uint8Array(8)
    f[H.baseFee] = enc(ph.calcNextBaseFee())
    f[H.withdrawalsRoot] = KECCAK256_RLP
    f[H.blobGasUsed] = enc(0)
    f[H.excessBlobGas] = enc(ph.calcNextExcessBlobGas(ph.common))
    f[H.parentBeaconRoot] = p[H.parentBeaconRoot]
    for (const [k, v] of Object.entries(over)) f[H[k]] = v
    const started = Date.now()
    const sealed = await mineSeal(f, 40000)
    if (!sealed) throw new Error(`could not mine a block at difficulty ${d} in 40 s`)
    console.log(`  (mined block #${num(f[H.number])} at difficulty ${d} in ${Date.now() - started} ms)`)
    return { fields: sealed, td: parentTd + d }
  }
  const newBlock = (s, blk) => s.send(MSG.NEW_BLOCK, [[blk.fields, [], [], []], enc(blk.td)])
  // A time for a child of a parent at pt that lowers the difficulty as
  // far as Dure's rule allows (dt >= 3T) without passing b's future bound.
  const cheapTime = (pt) => {
    const now = BigInt(Math.floor(Date.now() / 1000))
    const want = pt + 6n
    const cap = now + BigInt(POW_MAX_FUTURE_S) - 3n
    return want < cap ? want : pt + 1n > cap ? pt + 1n : cap
  }

  // One misbehaviour from a fresh identity: act(session) returns the
  // block it sent, if any. Checks the drop, the ban, its logged reason,
  // that the block is nowhere, and that a and b still hold together.
  async function attack(what, why, act) {
    console.log(`-- ${what}`)
    const before = await bans(b)
    const headBefore = await rpc(b.rpcPort, 'eth_getBlockByNumber', ['latest', false])
    let s
    try {
      s = await EthSession.open(randomBytes(32), b, common, ourStatus)
    } catch (e) {
      check(false, `${what}: the harness completes Status with b (${e.message})`)
      return
    }
    const short = hex(s.rlpx.id).slice(2, 18)
    let blk = null
    try {
      blk = await act(s)
    } catch (e) {
      check(false, `${what}: ${e.message}`)
      s.close()
      return
    }
    const closed = await s.waitClosed(10000)
    check(closed, `${what}: b ended the session (disconnect reason ${s.closeReason})`)
    let after = before
    await waitFor('the ban', 3000, async () => (after = await bans(b)) > before).catch(() => {})
    check(after > before, `${what}: b banned the harness (bans ${before} -> ${after})`)
    const line = cl.log('b').split('\n').find((l) => l.includes(short) && /\(banned\)/.test(l))
    check(line && why.test(line), `${what}: b's log gives the reason: ${line ? line.replace(/^\S+\s+/, '') : 'none'}`)
    s.close()
    if (blk) {
      const h = bytesToHex(headerHash(blk.fields))
      const stored = await Promise.all([a, b].map((n) => rpc(n.rpcPort, 'eth_getBlockByHash', [h, false])))
      check(stored.every((x) => x === null), `${what}: the block ${h.slice(0, 10)} is stored on neither a nor b`)
      const head = await rpc(b.rpcPort, 'eth_getBlockByNumber', ['latest', false])
      const n = Math.min(Number(head.number), Number(num(blk.fields[H.number])))
      const [ba, bb] = await Promise.all([a, b].map((x) => rpc(x.rpcPort, 'eth_getBlockByNumber', ['0x' + n.toString(16), false])))
      check(head.hash !== h && Number(head.number) >= Number(headBefore.number) && ba && bb && ba.hash === bb.hash,
        `${what}: b's head stays on a's chain (b at #${Number(head.number)}, same block #${n} as a)`)
    }
    check(await peered(), `${what}: a and b are still peered`)
  }

  await attack('1. NewBlock with an invalid seal', /invalid block #\d+: block: invalid seal/, async (s) => {
    const blk = await childOfHead(s, cheapTime)
    const bad = blk.fields.slice()
    let n = BigInt('0x' + Buffer.from(bad[H.nonce]).toString('hex'))
    do {
      n = (n + 1n) % (1n << 64n)
      bad[H.nonce] = hexToBytes('0x' + n.toString(16).padStart(16, '0'))
    } while (sealValid(bad))
    blk.fields = bad
    newBlock(s, blk)
    return blk
  })

  await attack('3. NewBlock 60 s in the future', /invalid block #\d+: block: timestamp in the future/, async (s) => {
    const blk = await childOfHead(s, () => BigInt(Math.floor(Date.now() / 1000) + 60))
    newBlock(s, blk)
    return blk
  })

  await attack('4a. a Transactions message of 12 MiB', /oversized message/, async (s) => {
    s.send(MSG.TRANSACTIONS, [new Uint8Array(12 << 20)])
    return null
  })

  await attack('4b. a message in an 11 MiB frame', /frame larger than allowed/, async (s) => {
    s.send(MSG.TRANSACTIONS, [randomBytes(11 << 20)])
    return null
  })

  await attack('5. a flood of transaction announcements', /flood of transaction announcements/, async (s) => {
    let i = 0
    for (; i < 20 && !s.peer._closed; i++) {
      const hashes = Array.from({ length: 4096 }, () => randomBytes(32))
      const sizes = hashes.map(() => enc(100 + Math.floor(Math.random() * 200)))
      s.send(MSG.NEW_POOLED_TX_HASHES, [new Uint8Array(4096).fill(2), sizes, hashes])
      await sleep(50)
    }
    console.log(`  (${i} announcements of 4096 hashes sent before the session closed)`)
    return null
  })

  await attack('2. NewBlock with a valid seal but a wrong state root',
    /block #\d+ does not import: block: state root differs from execution/, async (s) => {
      // The block must be one b would make its head: a child of b's head
      // at the highest difficulty (one second after its parent), sent
      // while that is still b's head. A block that lost the race to a's
      // next one (mined before, or arriving at b first with the same
      // difficulty) is a sibling that is not heavier, which b neither
      // stores nor executes, so its root goes unseen: then try again on
      // the new head, in the same session.
      for (let i = 0; i < 8; i++) {
        const head = await rpc(b.rpcPort, 'eth_getBlockByNumber', ['latest', false])
        const blk = await childOfHead(s, (pt) => pt + 1n, { stateRoot: randomBytes(32) },
          hexToBytes(head.hash), BigInt(head.totalDifficulty))
        const now = await rpc(b.rpcPort, 'eth_getBlockByNumber', ['latest', false])
        if (now.hash !== head.hash) continue
        newBlock(s, blk)
        if (await s.waitClosed(3000)) return blk
        const h = bytesToHex(headerHash(blk.fields))
        const sib = await rpc(b.rpcPort, 'eth_getBlockByNumber', ['0x' + num(blk.fields[H.number]).toString(16), false])
        if (!sib || sib.hash === h || BigInt(sib.totalDifficulty) < blk.td)
          throw new Error(`b kept the session although the block ${h.slice(0, 10)} was heavier than its sibling`)
        console.log(`  (block ${h.slice(0, 10)} lost the race to a's block #${Number(sib.number)}; again)`)
      }
      throw new Error("b's head moved on before every one of 8 blocks could be sent")
    })

  // The honest pair after all that.
  await sleep(1000)
  check(await peered(), 'a and b are still peered at the end')
  const banA = await bans(a)
  const aLog = cl.log('a').split('\n').filter((l) => /\(banned\)/.test(l))
  check(banA === 0, `a banned no one (bans ${banA}; b is ${b.id.slice(0, 16)}${aLog.length ? '; ' + aLog.join(' | ') : ''})`)
  const target = await headNumber(a)
  const caught = await waitFor(`b to pass a's block ${target}`, 20000, async () => (await headNumber(b)) > target)
    .catch(() => false)
  const hx = '0x' + target.toString(16)
  const [ba, bb] = await Promise.all([a, b].map((n) => rpc(n.rpcPort, 'eth_getBlockByNumber', [hx, false])))
  check(caught && ba && bb && ba.hash === bb.hash,
    `b still follows a: it passed a's block ${target} and holds the same block there (b at ${await headNumber(b)})`)
  console.log(`(${((Date.now() - t0) / 1000).toFixed(1)} s)`)
  if (failed()) {
    for (const n of ['a', 'b']) {
      console.log(`--- ${n}.log (last lines)`)
      console.log(cl.log(n).split('\n').filter((l) => !/DEBUG|chain: head|miner: sealed/.test(l)).slice(-25).join('\n'))
    }
  }
  for (const n of [a, b]) n.p.kill('SIGTERM')
  return failed() ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.log('FAIL:', err.stack || err.message)
    process.exit(1)
  },
)
