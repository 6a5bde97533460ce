// Block and transaction propagation on a proof-of-work network of 16
// `dure node` processes on loopback.
//
// usage: node bench/net/propagation.mjs [--dure PATH] [--nodes 16]
//        [--miners 2] [--blocks 30] [--txs 50] [--warmup 3]
//        [--block-time 2] [--hashrate H] [--peers P]
// (DURE_BIN=PATH works too; default build/dure.) Needs the npm packages
// of tests/net (ethers, ws): `npm ci --prefix tests/net` once.
//
// The network: a `dure bootnode`; --miners nodes mining with one thread
// each, every miner to its own etherbase; the rest followers. The genesis
// is a "pow" chain of targetBlockTime --block-time seconds, its difficulty
// set from --hashrate (hashes/s a miner is guessed to do here; the
// difficulty then follows the real rate). The benchmark waits until every
// node has --peers peers (default: all the others; net_peerCount), with
// one WebSocket per node (eth_subscribe newHeads and
// newPendingTransactions on ws://127.0.0.1:RPCPORT) open from before.
//
// Blocks: this process records when each block hash reaches each node as
// a new head (performance.now() at the notification). A block's seal time
// is its arrival at the node that mined it (the node whose etherbase is
// its miner field); its delay on another node is arrival - seal, and its
// propagation delay the largest of those over the nodes. Counted: the
// blocks of the final canonical chain sealed after the network was
// peered, past --warmup blocks (the difficulty settling), at least
// --blocks of them. A node that never reported a counted block as a head
// (it came in a batch, or through a reorg) is counted as missing it.
// Reported: median and p95 of the propagation delay, and per node the
// median, p95 and max of arrival - seal. A miner's node sends its
// notifications from an idle handler (rpc/server.c's flusher), after the
// rest of the loop's turn, which on a miner includes building the next
// block to mine: other nodes can report a block before its miner does
// (negative arrival - seal). So the spread is reported too: a block's last
// arrival minus its first over all nodes, whoever reported it first.
//
// Transactions: --txs ether transfers signed here with ethers, sent one at
// a time (every 250 ms, while the blocks are being counted) to one
// follower with eth_sendRawTransaction; a transaction's delay on a node is
// the time from just before the send to its newPendingTransactions
// notification there; its propagation delay the largest over the nodes.
// Median and p95, and per node.
//
// Everything shares this machine's cores (printed): the miners' hashing
// threads, the 16 nodes and this process. Not a test (no CTest timing).
// The scratch directory is removed at exit (DURE_NET_KEEP=1 keeps it).
import { cpus } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { DURE, args, ethers, opt, quantile, subscribe } from './common.mjs'
import { Cluster, HOST, freePort, initChain, powGenesis, rpc, sleep, waitFor, waitRpc } from '../../tests/net/lib.mjs'

const { Wallet, keccak256, toUtf8Bytes, parseEther } = ethers

const NODES = Number(opt('nodes', 16))
const MINERS = Number(opt('miners', 2))
const BLOCKS = Number(opt('blocks', 30))
const TXS = Number(opt('txs', 50))
const WARMUP = Number(opt('warmup', 3))
const BLOCK_TIME = Number(opt('block-time', 2))
const HASHRATE = Number(opt('hashrate', 2e6))
const PEERS = Number(opt('peers', NODES - 1))
const CHAIN_ID = 4343
const SENDERS = 4

const ms = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a')
const stats = (xs) => `median ${ms(quantile(xs, 0.5))} ms, p95 ${ms(quantile(xs, 0.95))} ms, max ${ms(Math.max(...xs))} ms (n=${xs.length})`

// One WebSocket per node: newHeads and newPendingTransactions, each
// notification stamped on arrival.
const subscribeNode = (n, onHead, onTx) =>
  subscribe(HOST, n, ['newHeads', 'newPendingTransactions'],
    (node, kind, r, t) => (kind === 'newHeads' ? onHead : onTx)(node, r, t))

async function main() {
  const cl = new Cluster('bench-propagation')
  const keys = Array.from({ length: SENDERS }, (_, i) => keccak256(toUtf8Bytes(`dure bench/net sender ${i}`)))
  const senders = keys.map((k) => new Wallet(k))
  const alloc = {}
  for (const w of senders) alloc[w.address] = 10n ** 22n
  const genesis = powGenesis({ chainId: CHAIN_ID, targetBlockTime: BLOCK_TIME, minDifficulty: 1000,
    reward: 2n * 10n ** 18n, alloc })
  // The start difficulty for one block every BLOCK_TIME s from all miners.
  genesis.difficulty = '0x' + BigInt(Math.round(HASHRATE * MINERS * BLOCK_TIME)).toString(16)

  const bootPort = await freePort()
  const boot = await cl.start('boot', DURE, ['bootnode', '--addr', `${HOST}:${bootPort}`])
  const nodes = []
  for (let i = 0; i < NODES; i++) {
    const name = i < MINERS ? `miner${i}` : `node${i}`
    const dir = join(cl.dir, name)
    initChain(DURE, dir, genesis)
    const port = await freePort()
    const rpcPort = await freePort()
    const a = ['node', '--datadir', dir, '--addr', HOST, '--port', String(port),
      '--rpc.port', String(rpcPort), '--bootnodes', boot.enode, '--verbosity', '3']
    let etherbase = null
    if (i < MINERS) {
      etherbase = Wallet.createRandom().address.toLowerCase()
      a.push('--mine', '--miner.threads', '1', '--etherbase', etherbase)
    }
    const p = await cl.start(name, DURE, a)
    nodes.push({ i, name, p, rpcPort, etherbase })
  }
  await Promise.all(nodes.map((n) => waitRpc(n.rpcPort)))

  const heads = new Map()   // hash -> { number, miner, t: [per node] }
  const txs = new Map()     // hash -> [per node]
  const onHead = (n, h, t) => {
    let e = heads.get(h.hash)
    if (!e) heads.set(h.hash, (e = { number: parseInt(h.number, 16), miner: h.miner.toLowerCase(), t: new Array(NODES) }))
    if (e.t[n.i] === undefined) e.t[n.i] = t
  }
  const onTx = (n, hash, t) => {
    const e = txs.get(hash)
    if (e && e[n.i] === undefined) e[n.i] = t
  }
  const sockets = await Promise.all(nodes.map((n) => subscribeNode(n, onHead, onTx)))

  const tPeer0 = performance.now()
  try {
    await waitFor(`every node with ${PEERS} peers`, 60000, async () => {
      const c = await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'net_peerCount')))
      return c.every((x) => Number(x) >= PEERS)
    })
  } catch (e) {
    const c = await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'net_peerCount')))
    console.log(`warning: ${e.message}; peer counts ${c.map(Number).join(' ')}`)
  }
  const counts = (await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'net_peerCount')))).map(Number)
  const tStart = performance.now()
  console.log(`${NODES} nodes (${MINERS} mining, 1 thread each) peered in ${((tStart - tPeer0) / 1000).toFixed(1)} s; peer counts ${counts.join(' ')}; ${cpus().length} cores`)

  // Transactions, one every 250 ms, to the first follower.
  const target = nodes[MINERS]
  const nonces = new Array(SENDERS).fill(0)
  const sendTimes = new Map()
  const sink = '0x000000000000000000000000000000000000bEEF'
  const sendAll = (async () => {
    for (let k = 0; k < TXS; k++) {
      const s = k % SENDERS
      const raw = await senders[s].signTransaction({ type: 2, chainId: CHAIN_ID, nonce: nonces[s]++, to: sink,
        value: parseEther('0.001'), gasLimit: 21000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n })
      const hash = keccak256(raw)
      txs.set(hash, new Array(NODES))
      sendTimes.set(hash, performance.now())
      await rpc(target.rpcPort, 'eth_sendRawTransaction', [raw])
      await sleep(250)
    }
  })()

  // Blocks: until BLOCKS canonical ones past the warm-up were sealed
  // after the start, or 10 minutes.
  const sealOf = (e) => {
    const m = nodes.find((n) => n.etherbase === e.miner)
    return m && e.t[m.i] !== undefined ? { miner: m, seal: e.t[m.i] } : null
  }
  const counted = () => [...heads.values()].filter((e) => { const s = sealOf(e); return s && s.seal > tStart }).length
  const deadline = Date.now() + 600000
  while (counted() < BLOCKS + WARMUP + 2 && Date.now() < deadline) await sleep(500)
  await sendAll
  await sleep(3000)  // stragglers

  // The canonical chain, as the target node holds it.
  const tip = Number(await rpc(target.rpcPort, 'eth_blockNumber'))
  const canon = new Map()
  for (let i = 1; i <= tip; i++) {
    const b = await rpc(target.rpcPort, 'eth_getBlockByNumber', ['0x' + i.toString(16), false])
    canon.set(b.hash, b)
  }
  const blockDelays = []
  const spreads = []
  const perNode = nodes.map(() => [])
  let missing = 0
  let rows = [...heads.entries()].filter(([h, e]) => { const s = sealOf(e); return s && s.seal > tStart && canon.has(h) })
  const forks = [...heads.entries()].filter(([h, e]) => e.number <= tip && !canon.has(h)).length
  rows.sort((a, b) => a[1].number - b[1].number)
  rows = rows.slice(WARMUP)
  // The last block may not have reached everyone when the run stopped.
  rows = rows.filter(([, e]) => e.number < tip)
  const numbers = rows.map(([, e]) => e.number)
  for (const [, e] of rows) {
    const { miner, seal } = sealOf(e)
    let worst = 0
    for (const n of nodes) {
      if (n === miner) continue
      if (e.t[n.i] === undefined) { missing++; continue }
      const d = e.t[n.i] - seal
      perNode[n.i].push(d)
      if (d > worst) worst = d
    }
    blockDelays.push(worst)
    const seen = e.t.filter((x) => x !== undefined)
    spreads.push(Math.max(...seen) - Math.min(...seen))
  }
  const byMiner = {}
  for (const [, e] of rows) byMiner[sealOf(e).miner.name] = (byMiner[sealOf(e).miner.name] ?? 0) + 1

  const txDelays = []
  const txPerNode = nodes.map(() => [])
  let txMissing = 0
  for (const [hash, t] of txs) {
    const t0 = sendTimes.get(hash)
    let worst = 0
    for (const n of nodes) {
      if (t[n.i] === undefined) { txMissing++; continue }
      const d = t[n.i] - t0
      txPerNode[n.i].push(d)
      if (d > worst) worst = d
    }
    txDelays.push(worst)
  }
  const interval = rows.length > 1 ? (sealOf(rows.at(-1)[1]).seal - sealOf(rows[0][1]).seal) / (rows.length - 1) / 1000 : NaN

  console.log(`\nblocks: ${rows.length} counted (numbers ${numbers[0]}..${numbers.at(-1)}, ${JSON.stringify(byMiner)}), ` +
    `mean interval ${interval.toFixed(2)} s; ${forks} non-canonical blocks seen; ${missing} (block, node) arrivals never reported`)
  console.log(`block propagation delay (max over nodes of arrival - seal): ${stats(blockDelays)}`)
  console.log(`block spread (last arrival - first arrival over all ${NODES} nodes, the miner's included): ${stats(spreads)}`)
  console.log('per node, arrival - seal of the blocks it did not mine:')
  for (const n of nodes) console.log(`  ${n.name.padEnd(7)} ${stats(perNode[n.i])}`)
  console.log(`\ntransactions: ${txs.size} sent to ${target.name}; ${txMissing} (tx, node) arrivals never reported`)
  console.log(`transaction propagation delay (max over nodes of arrival - send): ${stats(txDelays)}`)
  console.log('per node, arrival - send:')
  for (const n of nodes) console.log(`  ${n.name.padEnd(7)} ${stats(txPerNode[n.i])}`)
  console.log(`\n${cpus().length} cores shared by ${NODES} nodes (${MINERS} hashing threads) and this process`)
  console.log(`rerun: node bench/net/propagation.mjs ${args.join(' ')}`)

  for (const ws of sockets) ws.close()
  cl.close()
  process.exit(0)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
