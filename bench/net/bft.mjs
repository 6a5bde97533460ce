// Finality latency and ERC-20 throughput of a BFT network of --validators
// `dure node` processes on loopback.
//
// usage: node bench/net/bft.mjs [--dure PATH] [--validators 4]
//        [--block-time 1] [--latency-txs 60] [--rate R] [--duration 20]
//        [--gas-limit 200000000] [--accounts 5000] [--batch 100]
//        [--senders 4] [--window 4096] [--warmup 2] [--verbosity 4]
// (DURE_BIN=PATH works too; default build/dure.) Needs the npm packages
// of tests/net (ethers, ws): `npm ci --prefix tests/net` once.
//
// The network: a `dure bootnode` and --validators validators (power 1
// each, `--bft.key`, `--bft.block-time` --block-time s), no followers. The
// genesis (chain id 1337) is the alloc of `dure chaingen --kind erc20
// --accounts N` (N funded accounts, N token holders, the token contract)
// plus 8 funded latency senders, under a bftGenesis of --gas-limit gas.
// The head of a BFT node is a committed block, so a transaction is final
// when a newHeads notification names a block holding it. Every validator
// has one WebSocket open here (eth_subscribe newHeads on
// ws://127.0.0.1:RPCPORT); the benchmark starts once every validator is
// at height 2.
//
// 1. Finality latency: --latency-txs ether transfers signed here with
//    ethers (EIP-1559, from the 8 senders in turn), one at a time at
//    intervals uniform in 100..600 ms, each to a random validator with
//    eth_sendRawTransaction. A transaction's latency is the time from just
//    before its send to the arrival of the newHeads notification, from
//    the validator it was sent to, of the block holding it (the block's
//    hashes fetched with eth_getBlockByHash after the notification;
//    the time is the notification's). Median and p95.
//
// 2. Throughput: the pre-signed ERC-20 transfers of chaingen's blocks
//    (split here into raw transactions, in file order) are sent with
//    JSON-RPC batches of --batch eth_sendRawTransaction calls, from
//    --senders concurrent connections, each batch to the next validator
//    in turn, for --duration s. Without --rate as fast as the validators
//    answer, but with at most --window transactions accepted and not yet
//    committed (each pool holds 5120; 0: no bound); with --rate R paced at
//    R transactions a second. "txpool is full" answers are resent later
//    (a dropped transfer would leave its sender's later nonces stuck) and
//    counted; "already known" counts as accepted. A full pool may also
//    take a transaction by evicting a cheaper sender's last one, and
//    chaingen's later transfers pay more (their fee caps follow its own
//    climbing base fee): such losses, and the later nonces stuck behind
//    them, show as accepted but never committed once the chain has
//    drained (5 s without a commit). Committed transactions
//    are counted from the first validator's newHeads (eth_getBlockByHash,
//    full=false; its txpool_status is printed beside each block). The
//    sustained figures are over the blocks whose interval (previous
//    block's arrival to their own) lies inside the window from --warmup s
//    after the first send to the last send: committed tx/s, blocks/s, txs
//    and gas per block. A proposer takes transactions whose gas limits
//    (60,000 each here, ~35,500 used) fit the block's: at most
//    gas-limit / 60000 a block, 3333 at the default. The send rate
//    achieved (accepted transactions per second of sending) is reported
//    too, so the reader can tell whether the sender or the network
//    saturated.
//
// Where the time goes: the CPU seconds of the validators, this process
// and the rest of the machine over the sending (/proc), the validators'
// CPU per committed transaction and validator, and as a reference the
// rate of one `dure import` of chaingen's blocks (each transaction
// executed once, no network). At --verbosity 4 (the default; the driver's
// DEBUG lines are a few per block) this process stamps the nodes' log
// lines as they appear and splits a block's interval: the proposer's
// decision of the parent to its proposal built (the block time, then the
// build), the proposal to the decision on each validator (transfer, check,
// votes), and the decision to the import. With one validator the build,
// the decision and the import share one loop turn and the split says
// little.
//
// At the end every validator's chain is compared height by height, and
// the WARN/ERROR lines of the node logs counted. Everything shares this
// machine's cores (printed, with the load average before and after): the
// validators, the bootnode and this process, and whatever else runs.
// Not a test. The scratch directory is removed at exit (DURE_NET_KEEP=1
// keeps it, the node logs included).
import { execFileSync, spawnSync } from 'node:child_process'
import { closeSync, fstatSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { DURE, args, ethers, opt, quantile, subscribe } from './common.mjs'
import { Cluster, bftGenesis, initChain, rpc, freePort, waitRpc, waitFor, sleep } from '../../tests/net/lib.mjs'

const { Wallet, keccak256, toUtf8Bytes, decodeRlp } = ethers

const VALIDATORS = Number(opt('validators', 4))
const BLOCK_TIME = Number(opt('block-time', 1))
const LATENCY_TXS = Number(opt('latency-txs', 60))
const RATE = opt('rate') === undefined ? 0 : Number(opt('rate'))
const DURATION = Number(opt('duration', 20))
const GAS_LIMIT = Number(opt('gas-limit', 200000000))
const ACCOUNTS = Number(opt('accounts', 5000))
const BATCH = Number(opt('batch', 100))
const SENDERS = Number(opt('senders', 4))
const WINDOW = Number(opt('window', 4096))
const WARMUP = Number(opt('warmup', 2))
const VERBOSITY = opt('verbosity', '4')
const HOST = '127.0.0.1'
const CHAIN_ID = 1337
const LATENCY_SENDERS = 8
// chaingen fills its 30M-gas blocks with about 840 transfers each.
const CHAINGEN_TXS_PER_BLOCK = 840

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN)
const fix = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a')
// CPU seconds: of a process (utime + stime), and of the whole machine
// (busy, i.e. all but idle and iowait), from /proc at USER_HZ 100.
const procCpu = (pid) => {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = st.slice(st.lastIndexOf(') ') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return NaN
  }
}
const machineCpu = () => {
  const v = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number)
  return (v.reduce((a, b) => a + b, 0) - v[3] - v[4]) / 100
}
const selfCpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ')

// The items of concatenated RLP (chaingen's blocks file), as byte arrays.
function splitRlp(bytes) {
  const items = []
  let off = 0
  while (off < bytes.length) {
    const b = bytes[off]
    let len
    if (b < 0xc0) throw new Error(`blocks file: not a list at byte ${off}`)
    if (b <= 0xf7) len = 1 + (b - 0xc0)
    else {
      const ll = b - 0xf7
      let n = 0
      for (let i = 1; i <= ll; i++) n = n * 256 + bytes[off + i]
      len = 1 + ll + n
    }
    items.push(bytes.subarray(off, off + len))
    off += len
  }
  return items
}

// The raw transactions of every block: a block is [header, txs, uncles,
// withdrawals]; a typed transaction is the string type || payload, what
// eth_sendRawTransaction takes.
function blockTxs(file) {
  const out = []
  for (const enc of splitRlp(readFileSync(file))) {
    const [, txs] = decodeRlp(enc)
    for (const t of txs) {
      if (typeof t !== 'string') throw new Error('blocks file: a legacy transaction')
      out.push(t)
    }
  }
  return out
}

// One WebSocket on node n: newHeads, each notification stamped on arrival.
const subscribeHeads = (n, onHead) =>
  subscribe(HOST, n, ['newHeads'], (node, kind, r, t) => onHead(node, r, t))

// Stamps the lines the nodes write to their logs (stderr, unbuffered) as
// they appear, polling every 20 ms: at --verbosity 4 the driver's
// "proposing #N" (the proposer's block is built), "decided #N" (the
// precommits are in) and the chain's "head #N" (imported) give each
// block's timeline.
class LogTail {
  constructor(files) {
    this.files = files.map((f) => ({ ...f, off: 0, rest: '' }))
    this.events = []
    this.timer = setInterval(() => this.poll(), 20)
  }
  poll() {
    const t = performance.now()
    for (const f of this.files) {
      let fd
      try {
        fd = openSync(f.path, 'r')
        const size = fstatSync(fd).size
        if (size <= f.off) continue
        const b = Buffer.alloc(size - f.off)
        readSync(fd, b, 0, b.length, f.off)
        f.off = size
        const lines = (f.rest + b.toString('utf8')).split('\n')
        f.rest = lines.pop()
        for (const l of lines) {
          const m = /bft: (proposing|decided) #(\d+)|chain: (head) #(\d+)/.exec(l)
          if (m) this.events.push({ node: f.node, kind: m[1] || m[3], height: Number(m[2] || m[4]), t })
        }
      } catch {
        // not there yet
      } finally {
        if (fd !== undefined) closeSync(fd)
      }
    }
  }
  at(node, kind, height) {
    const e = this.events.find((x) => x.node === node && x.kind === kind && x.height === height)
    return e ? e.t : NaN
  }
  stop() {
    this.poll()
    clearInterval(this.timer)
  }
}

// One JSON-RPC batch by HTTP; the responses in the order of the calls.
async function rpcBatch(port, method, paramsList) {
  const body = paramsList.map((params, i) => ({ jsonrpc: '2.0', id: i, method, params }))
  const r = await fetch(`http://${HOST}:${port}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
  const j = await r.json()
  if (!Array.isArray(j)) throw new Error(`batch answered ${JSON.stringify(j).slice(0, 200)}`)
  const out = new Array(paramsList.length)
  for (const x of j) out[x.id] = x
  return out
}

async function main() {
  console.log(`machine: ${cpus().length} cores, load average ${load()}`)
  console.log(`parameters: ${VALIDATORS} validators, block time ${BLOCK_TIME} s, gas limit ${GAS_LIMIT}, ` +
    `${LATENCY_TXS} latency txs, throughput ${DURATION} s ${RATE ? `at ${RATE} tx/s` : `as fast as accepted (window ${WINDOW || 'none'})`}, ` +
    `batches of ${BATCH} from ${SENDERS} connections, ${ACCOUNTS} token accounts`)
  const cl = new Cluster('bench-bft')

  // The token chain and its transactions.
  const t0 = performance.now()
  const want = (RATE || 5000) * DURATION * 1.2
  const nblocks = Math.ceil(want / CHAINGEN_TXS_PER_BLOCK) + 1
  const cgGenesis = join(cl.dir, 'chaingen.json')
  const cgBlocks = join(cl.dir, 'chaingen.rlp')
  execFileSync(DURE, ['chaingen', '--out', cgBlocks, '--genesis', cgGenesis, '--kind', 'erc20',
    '--accounts', String(ACCOUNTS), '--blocks', String(nblocks), '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] })
  const pool = blockTxs(cgBlocks)
  console.log(`chaingen: ${pool.length} ERC-20 transfers in ${nblocks} blocks, ${fix((performance.now() - t0) / 1000)} s`)

  // The reference: one process importing the same blocks (execution,
  // state root and commit once per block; senders on a second thread).
  const refDir = join(cl.dir, 'import')
  execFileSync(DURE, ['init', cgGenesis, '--datadir', refDir], { stdio: 'ignore' })
  const imp = spawnSync(DURE, ['import', cgBlocks, '--datadir', refDir], { encoding: 'utf8' }).stderr
  const impLines = imp.split('\n').filter((l) => l.startsWith('import:'))
  const impRate = impLines.length > 1 ? Number(/([\d.]+) txs\/s/.exec(impLines.at(-2))?.[1]) : NaN
  console.log(`reference, \`dure import\` of these blocks in one process: ${fix(impRate, 0)} tx/s; ${impLines.at(-1)?.replace(/^import: /, '')}`)
  rmSync(refDir, { recursive: true, force: true })

  const vkeys = Array.from({ length: VALIDATORS }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`dure bench/net bft validator ${i}`))))
  const lsenders = Array.from({ length: LATENCY_SENDERS }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`dure bench/net bft sender ${i}`))))
  const funds = {}
  for (const w of lsenders) funds[w.address] = 10n ** 22n
  const genesis = bftGenesis({ chainId: CHAIN_ID, validators: vkeys.map((k) => k.address), alloc: funds, gasLimit: GAS_LIMIT })
  Object.assign(genesis.alloc, JSON.parse(readFileSync(cgGenesis, 'utf8')).alloc)

  const bootPort = await freePort()
  const boot = await cl.start('boot', DURE, ['bootnode', '--addr', `${HOST}:${bootPort}`])
  const nodes = []
  for (let i = 0; i < VALIDATORS; i++) {
    const label = `v${i + 1}`
    const n = { i, label, dir: join(cl.dir, label), port: await freePort(), rpcPort: await freePort() }
    initChain(DURE, n.dir, genesis)
    n.keyFile = join(cl.dir, `${label}.key`)
    writeFileSync(n.keyFile, vkeys[i].privateKey.slice(2), { mode: 0o600 })
    nodes.push(n)
  }
  for (const n of nodes) {
    n.p = await cl.start(n.label, DURE, ['node', '--datadir', n.dir, '--addr', HOST, '--port', String(n.port),
      '--rpc.port', String(n.rpcPort), '--bootnodes', boot.enode, '--bft.key', n.keyFile,
      '--bft.block-time', String(BLOCK_TIME), '--verbosity', VERBOSITY])
  }
  await Promise.all(nodes.map((n) => waitRpc(n.rpcPort)))
  const tail = Number(VERBOSITY) >= 4 ? new LogTail(nodes.map((n) => ({ node: n.i, path: join(cl.dir, `${n.label}.log`) }))) : null

  // newHeads from every validator; what each notification is matched with
  // depends on the phase.
  let phase = 'start'
  const latPending = new Map()   // hash -> { t0, node }
  const latencies = []
  const heads = []               // the first validator's: { number, hash, t, txs, gas }
  const onHead = async (n, h, t) => {
    if (phase === 'latency' || n.i === 0) {
      let b
      try {
        b = await rpc(n.rpcPort, 'eth_getBlockByHash', [h.hash, false])
      } catch (e) {
        console.log(`warning: ${n.label}: block ${h.hash}: ${e.message}`)
        return
      }
      if (!b) return
      if (n.i === 0) {
        const e = { number: Number(b.number), hash: b.hash, t, txs: b.transactions.length, gas: Number(b.gasUsed) }
        heads.push(e)
        if (phase === 'throughput') {
          const ps = await rpc(n.rpcPort, 'txpool_status').catch(() => null)
          if (ps) e.pool = Number(ps.pending) + Number(ps.queued)
        }
      }
      for (const x of b.transactions) {
        const e = latPending.get(x)
        if (e && e.node === n) {
          latencies.push(t - e.t0)
          latPending.delete(x)
        }
      }
    }
  }
  const sockets = await Promise.all(nodes.map((n) => subscribeHeads(n, onHead)))
  const tReady0 = performance.now()
  await waitFor('every validator at height 2', 180000, async () =>
    (await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'eth_blockNumber')))).every((h) => Number(h) >= 2))
  const peers = (await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'net_peerCount')))).map(Number)
  console.log(`network: ${VALIDATORS} validators at height 2 after ${fix((performance.now() - tReady0) / 1000)} s; peer counts ${peers.join(' ')}`)

  // 1. Finality latency.
  phase = 'latency'
  const nonces = new Array(LATENCY_SENDERS).fill(0)
  const sink = '0x000000000000000000000000000000000000bEEF'
  const latFailed = []
  for (let k = 0; k < LATENCY_TXS; k++) {
    const s = k % LATENCY_SENDERS
    const raw = await lsenders[s].signTransaction({ type: 2, chainId: CHAIN_ID, nonce: nonces[s]++, to: sink,
      value: 1000n, gasLimit: 21000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n })
    const hash = keccak256(raw)
    const n = nodes[Math.floor(Math.random() * VALIDATORS)]
    latPending.set(hash, { t0: performance.now(), node: n })
    try {
      await rpc(n.rpcPort, 'eth_sendRawTransaction', [raw])
    } catch (e) {
      latPending.delete(hash)
      latFailed.push(`${n.label}: ${e.message}`)
    }
    await sleep(100 + Math.random() * 500)
  }
  await waitFor('the latency transfers committed', 30000, async () => latPending.size === 0).catch(() => {})
  const latLost = latPending.size
  phase = 'throughput'
  await sleep(2 * BLOCK_TIME * 1000)

  // 2. Throughput.
  const headsBefore = heads.length
  const st = { accepted: 0, known: 0, full: 0, other: {}, httpErrors: 0, sent: 0, batches: 0 }
  const retry = []
  let next = 0
  let rr = 0
  const committed = () => {
    let c = 0
    for (let i = headsBefore; i < heads.length; i++) c += heads[i].txs
    return c
  }
  const cpu0 = { nodes: nodes.map((n) => procCpu(n.p.pid)), self: selfCpu(), all: machineCpu() }
  const tStart = performance.now()
  const tEnd = tStart + DURATION * 1000
  let tLastSend = tStart
  let ranOut = false
  const lane = async () => {
    while (performance.now() < tEnd) {
      if (!RATE && WINDOW && st.accepted - committed() >= WINDOW) {
        await sleep(10)
        continue
      }
      const batch = retry.splice(0, BATCH)
      while (batch.length < BATCH && next < pool.length) batch.push(pool[next++])
      if (!batch.length) {
        ranOut = true
        return
      }
      if (RATE) {
        const due = tStart + ((st.sent + batch.length) / RATE) * 1000
        const wait = due - performance.now()
        if (wait > 0) await sleep(wait)
      }
      st.sent += batch.length
      st.batches++
      const n = nodes[rr++ % VALIDATORS]
      let res
      try {
        res = await rpcBatch(n.rpcPort, 'eth_sendRawTransaction', batch.map((raw) => [raw]))
      } catch (e) {
        st.httpErrors++
        retry.push(...batch)
        await sleep(50)
        continue
      }
      let full = false
      for (let i = 0; i < batch.length; i++) {
        const r = res[i]
        if (r && r.result) st.accepted++
        else {
          const msg = r && r.error ? r.error.message : 'no answer'
          if (msg === 'already known') {
            st.accepted++
            st.known++
          } else if (msg === 'txpool is full') {
            st.full++
            retry.push(batch[i])
            full = true
          } else st.other[msg] = (st.other[msg] ?? 0) + 1
        }
      }
      tLastSend = performance.now()
      if (full) await sleep(50)
    }
  }
  await Promise.all(Array.from({ length: SENDERS }, lane))
  const sendSpan = (tLastSend - tStart) / 1000
  const tSendEnd = performance.now()
  const cpu1 = { nodes: nodes.map((n) => procCpu(n.p.pid)), self: selfCpu(), all: machineCpu() }
  // Drain: until everything accepted is committed, or no progress for 5 s.
  let last = committed()
  let lastT = performance.now()
  while (committed() < st.accepted && performance.now() - lastT < 5000) {
    await sleep(200)
    if (committed() !== last) {
      last = committed()
      lastT = performance.now()
    }
  }
  const drained = committed()
  const cpu2 = { nodes: nodes.map((n) => procCpu(n.p.pid)) }
  if (tail) tail.stop()
  phase = 'done'
  console.log(`load average after: ${load()}`)

  // The blocks of the window.
  const run = heads.slice(Math.max(0, headsBefore - 1)).sort((a, b) => a.number - b.number)
  const wStart = tStart + WARMUP * 1000
  const inWin = []
  for (let i = 1; i < run.length; i++)
    if (run[i - 1].t >= wStart && run[i].t <= tSendEnd && run[i].number === run[i - 1].number + 1) inWin.push([run[i - 1], run[i]])
  const span = inWin.length ? (inWin.at(-1)[1].t - inWin[0][0].t) / 1000 : NaN
  const winTxs = inWin.reduce((a, [, b]) => a + b.txs, 0)
  const tps = winTxs / span
  const bps = inWin.length / span
  const gasPer = mean(inWin.map(([, b]) => b.gas))
  const txsPer = mean(inWin.map(([, b]) => b.txs))
  const intervals = inWin.map(([a, b]) => b.t - a.t)
  const sendRate = (st.accepted - st.known) / sendSpan
  const rejected = st.full + Object.values(st.other).reduce((a, b) => a + b, 0)

  // Agreement and the logs.
  const top = Math.min(...(await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'eth_blockNumber')))).map(Number))
  let differ = -1
  for (let h = 1; h <= top && differ < 0; h++) {
    const bs = await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'eth_getBlockByNumber', ['0x' + h.toString(16), false])))
    if (!bs.every((b) => b && b.hash === bs[0].hash)) differ = h
  }
  const logNotes = []
  for (const n of nodes) {
    const lines = cl.log(n.label).split('\n').filter((l) => /^(WARN|ERROR)/.test(l))
    if (lines.length) logNotes.push(`  ${n.label}: ${lines.length} WARN/ERROR lines, e.g. ${[...new Set(lines)].slice(0, 3).join(' | ')}`)
  }
  const died = nodes.filter((n) => n.p.exitCode !== null || n.p.signalCode !== null)

  const wall = (tSendEnd - tStart) / 1000
  const nodeCpu = nodes.map((n, i) => cpu1.nodes[i] - cpu0.nodes[i])
  const sumNode = nodeCpu.reduce((a, b) => a + b, 0)
  const selfUsed = cpu1.self - cpu0.self
  const allUsed = cpu1.all - cpu0.all
  console.log(`\nCPU over the ${fix(wall)} s of sending (${fix(wall * cpus().length)} core-s on ${cpus().length} cores): ` +
    `machine busy ${fix(allUsed)} core-s; validators ${fix(sumNode)} (each ${fix(Math.min(...nodeCpu))}..${fix(Math.max(...nodeCpu))}); ` +
    `this process ${fix(selfUsed)}; everything else ${fix(allUsed - sumNode - selfUsed)}`)
  // Per committed transaction and validator, from the first send to the
  // end of the drain: everything a validator does for it (admission by
  // RPC or gossip, the check or the build, the import) and its share of
  // the rest.
  const cpuPerTx = (cpu2.nodes.reduce((a, b) => a + b, 0) - cpu0.nodes.reduce((a, b) => a + b, 0)) / (drained * VALIDATORS) * 1e6
  console.log(`validator CPU per committed transaction and validator: ${fix(cpuPerTx, 0)} us ` +
    `(the import reference: ${fix(1e6 / impRate, 0)} us of wall time per transaction)`)
  console.log('\nthroughput blocks in the window (number: txs, gas, interval from the previous block):')
  console.log('  ' + inWin.map(([a, b]) => `#${b.number}: ${b.txs} txs ${(b.gas / 1e6).toFixed(1)}M gas ${((b.t - a.t) / 1000).toFixed(2)} s, v1's pool then ${b.pool ?? '?'}`).join('\n  '))
  console.log(`\nlatency: ${latencies.length} of ${LATENCY_TXS} committed` +
    (latLost ? `, ${latLost} not seen committed within 30 s` : '') +
    (latFailed.length ? `, ${latFailed.length} refused (${latFailed[0]})` : ''))
  console.log(`sending: ${st.sent} sends in ${st.batches} batches over ${fix(sendSpan)} s; accepted ${st.accepted} ` +
    `(${st.known} already known), txpool full ${st.full} (resent), other rejections ${JSON.stringify(st.other)}, ` +
    `HTTP errors ${st.httpErrors}${ranOut ? '; ran out of transactions' : ''}`)
  console.log(`committed after the window: ${drained} of ${st.accepted} accepted (drain ${fix((performance.now() - tSendEnd) / 1000)} s)` +
    (drained < st.accepted ? `; ${st.accepted - drained} accepted but never committed: a full pool evicts the cheapest ` +
      `sender's last transaction for one that pays more, and a sender's later nonces wait behind the gap` : ''))
  console.log(`agreement: ${differ < 0 ? `every validator holds the same block at heights 1..${top}` : `validators differ at #${differ}`}` +
    `${died.length ? `; exited: ${died.map((n) => n.label).join(' ')}` : ''}`)
  if (logNotes.length) console.log('node logs:\n' + logNotes.join('\n'))

  // Where a block's interval goes (medians over the window's blocks that
  // took one round). On the proposer, from its decision of the parent to
  // its proposal built: the block time (a libuv timer, counted from the
  // loop turn that decided, so the parent's import runs inside it), then
  // the build from the pool; then, to the decision on each validator: the
  // proposal's transfer, its check (an execution), the two vote rounds.
  // The import (decision to "chain: head", the second execution) is shown
  // apart: it overlaps the next block time unless it is longer.
  let breakdown = null
  if (tail) {
    const toProposal = []
    const decide = []
    const imp = []
    let rounds = 0
    for (const [a, b] of inWin) {
      const props = tail.events.filter((e) => e.kind === 'proposing' && e.height === b.number)
      if (props.length !== 1) {
        rounds += props.length > 1
        continue
      }
      const p = props[0]
      toProposal.push(p.t - tail.at(p.node, 'decided', a.number))
      const ds = nodes.map((n) => tail.at(n.i, 'decided', b.number))
      const hs = nodes.map((n) => tail.at(n.i, 'head', b.number))
      decide.push(quantile(ds.filter(Number.isFinite), 0.5) - p.t)
      imp.push(quantile(hs.map((h, i) => h - ds[i]).filter(Number.isFinite), 0.5))
    }
    breakdown = { toProposal: quantile(toProposal, 0.5), decide: quantile(decide, 0.5), imp: quantile(imp, 0.5), n: toProposal.length, rounds }
    console.log(`\nblock interval, medians over ${breakdown.n} one-round blocks (log lines stamped as they appear, 20 ms polls):\n` +
      `  proposer's decision of the parent -> its proposal built   ${fix(breakdown.toProposal, 0).padStart(5)} ms ` +
      `(block time ${BLOCK_TIME * 1000} ms, then the build: ~${fix(breakdown.toProposal - Math.max(BLOCK_TIME * 1000, breakdown.imp), 0)} ms)\n` +
      `  proposal built -> decided (transfer, check, 2 vote rounds) ${fix(breakdown.decide, 0).padStart(5)} ms\n` +
      `  decided -> imported ("chain: head"), inside the next wait ${fix(breakdown.imp, 0).padStart(5)} ms\n` +
      `  ${rounds} blocks took more than one round (left out)`)
  } else console.log('\n(--verbosity 4, the default, adds where each block interval goes, from the node logs)')

  const rows = [
    ['finality latency median', fix(quantile(latencies, 0.5), 0), 'ms'],
    ['finality latency p95', fix(quantile(latencies, 0.95), 0), 'ms'],
    ['finality latency max', fix(Math.max(...latencies), 0), 'ms'],
    ['ERC-20 committed', fix(tps, 0), 'tx/s'],
    ['blocks', fix(bps, 2), 'blocks/s'],
    ['block interval median', fix(quantile(intervals, 0.5), 0), 'ms'],
    ['txs per block', fix(txsPer, 0), 'txs'],
    ['gas per block', fix(gasPer / 1e6, 1), 'Mgas'],
    ['send rate achieved', fix(sendRate, 0), 'tx/s'],
    ['rejected sends', String(rejected), 'txs'],
    ['accepted, never committed', String(st.accepted - drained), 'txs'],
    ['CPU per tx per validator', fix(cpuPerTx, 0), 'us'],
  ]
  console.log(`\n${VALIDATORS} validators, ${BLOCK_TIME} s blocks, window ${fix(span)} s (${inWin.length} blocks), ${cpus().length} cores`)
  for (const [k, v, u] of rows) console.log(`  ${k.padEnd(26)} ${v.padStart(10)} ${u}`)
  const fig = (name, v, u) => console.log(`figure: bft_v${VALIDATORS}_${name} ${v} ${u}`)
  fig('finality_median', fix(quantile(latencies, 0.5), 0), 'ms')
  fig('finality_p95', fix(quantile(latencies, 0.95), 0), 'ms')
  fig('erc20_tps', fix(tps, 0), 'tx/s')
  fig('blocks_per_s', fix(bps, 2), 'blocks/s')
  fig('txs_per_block', fix(txsPer, 0), 'txs')
  fig('gas_per_block', fix(gasPer, 0), 'gas')
  fig('send_rate', fix(sendRate, 0), 'tx/s')
  fig('rejected', rejected, 'txs')
  fig('lost', st.accepted - drained, 'txs')
  fig('cpu_per_tx_per_validator', fix(cpuPerTx, 0), 'us')
  console.log(`rerun: node bench/net/bft.mjs ${args.join(' ')}`)

  for (const ws of sockets) ws.close()
  process.exit(0)  // the Cluster's exit handler stops the nodes and removes the scratch directory
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
