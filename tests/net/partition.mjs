// A network partition of a proof-of-work network, healed, on the network
// namespaces of netns.mjs (management links in a free 10.78.X.0/24).
//  - before: 4 nodes (A1, A2 mining on side A; B1 mining, B2 not, on side
//    B) find each other through a bootnode and share a chain;
//  - during the partition account X spends the same nonce twice, to RA on
//    side A and to RB on side B, and account Y pays RY on side B only; both
//    halves mine their own fork (side A, with two miners, gets heavier);
//  - after healing, every node ends on the heavier fork (by total
//    difficulty), exactly one of RA / RB was paid, the same one on every
//    node, X's nonce advanced once, the losing double spend has no receipt,
//    and Y's transaction, if its fork lost, came back to the pools and is
//    mined on the final chain.
// Needs root (ip netns); otherwise prints SKIP and exits 77.
// Usage: node partition.mjs PATH-TO-dure
import { join } from 'node:path'
import { HDNodeWallet, Wallet } from 'ethers'
import { Cluster, check, dureBinary, failed, initChain, powGenesis, sleep, waitFor } from './lib.mjs'
import { Netns, RPC_PORT, call, runAsRoot } from './netns.mjs'

const MNEMONIC = 'test test test test test test test test test test test junk'
const CHAIN_ID = 4242
const MIN_DIFFICULTY = 1000000 // near 1 s of one thread's hashing a block
// Its own names and management subnet: it may run beside bft_partition.mjs.
const net = new Netns({ prefix: 'dure-p', veth: 'dm', data: '10.77.0', boot: '10.77.0.100', mgmtOctet: 78 })
const ETH = 10n ** 18n

const devAccount = (i) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`)
const hex = (n) => '0x' + n.toString(16)

const head = (n) => call(n, 'eth_getBlockByNumber', ['latest', false])
const blockAt = (n, num) => call(n, 'eth_getBlockByNumber', [hex(num), false])

async function transfer(n, from, nonce, to, value) {
  const raw = await new Wallet(from.privateKey).signTransaction({ type: 2, chainId: CHAIN_ID, nonce,
    to, value, gasLimit: 21000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n })
  return call(n, 'eth_sendRawTransaction', [raw])
}

// The nodes agree on the block at the lowest of their heads, at least
// `min`; returns that height or 0.
async function agreedHeight(nodes, min = 0) {
  const heads = await Promise.all(nodes.map(head))
  const low = Math.min(...heads.map((b) => Number(b.number)))
  if (low < min) return 0
  const blocks = await Promise.all(nodes.map((n) => blockAt(n, low)))
  return blocks.every((b) => b && b.hash === blocks[0].hash) ? low : 0
}

async function main() {
  const dure = dureBinary()
  const t0 = Date.now()
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`
  const cl = new Cluster('partition')
  net.setUp()

  const [x, y, m1, m2, m3] = [0, 1, 2, 3, 4].map(devAccount)
  const alloc = {}
  for (const acc of [x, y]) alloc[acc.address] = 100n * ETH
  const genesis = powGenesis({ chainId: CHAIN_ID, targetBlockTime: 1, minDifficulty: MIN_DIFFICULTY, alloc })

  const boot = await cl.start('boot', 'ip', ['netns', 'exec', net.sw, dure, 'bootnode', '--addr', `${net.boot}:30301`])
  const spec = [
    { name: 'A1', side: 'A', dataIp: 1, miner: m1 },
    { name: 'A2', side: 'A', dataIp: 3, miner: m2 },
    { name: 'B1', side: 'B', dataIp: 2, miner: m3 },
    { name: 'B2', side: 'B', dataIp: 4, miner: null },
  ]
  const nodes = []
  for (const [k, s] of spec.entries()) {
    const host = net.buildHost(s.name, k, s.side, s.dataIp)
    const dir = join(cl.dir, s.name)
    initChain(dure, dir, genesis)
    const args = ['netns', 'exec', host.ns, dure, 'node', '--datadir', dir, '--addr', host.addr,
      '--port', '30303', '--rpc.addr', host.rpcAddr, '--rpc.port', String(RPC_PORT), '--bootnodes', boot.enode,
      '--verbosity', '3']
    if (s.miner) args.push('--mine', '--miner.threads', '1', '--etherbase', s.miner.address)
    const p = await cl.start(s.name, 'ip', args)
    nodes.push({ ...s, ...host, p })
  }
  for (const n of nodes) await waitFor(`${n.name}'s RPC`, 10000, () => call(n, 'web3_clientVersion').catch(() => null))
  const [a1, a2, b1, b2] = nodes
  const sideA = [a1, a2]
  const sideB = [b1, b2]

  await waitFor('every node peered with the 3 others', 45000, async () =>
    (await Promise.all(nodes.map((n) => call(n, 'net_peerCount')))).every((c) => Number(c) === 3))
  check(true, `the 4 nodes, each in its own namespace, peer with each other through the bootnode (${elapsed()})`)
  const common = await waitFor('a common chain of 3 blocks', 30000, () => agreedHeight(nodes, 3))
  check(common >= 3, `the nodes share a chain up to block ${common} (${elapsed()})`)

  // ---- partition ----
  net.cut()
  const tPart = Date.now()
  console.log(`partitioned at ${elapsed()}: A1, A2 | B1, B2`)
  const RA = Wallet.createRandom().address
  const RB = Wallet.createRandom().address
  const RY = Wallet.createRandom().address
  const nonceX = Number(await call(a1, 'eth_getTransactionCount', [x.address, 'latest']))
  const txA = await transfer(a1, x, nonceX, RA, 1n * ETH)
  const txB = await transfer(b2, x, nonceX, RB, 2n * ETH)
  const txY = await transfer(b2, y, 0, RY, 3n * ETH)
  check(txA !== txB, 'X signed two transactions with the same nonce, one to each side')

  // Both forks grow; the partition lasts until each side mined its
  // transactions, each node follows its side, each fork is 3 blocks deep,
  // and side A is heavier (2 miners against 1), or 12 s: a peer whose
  // pings go unanswered for P2P_PONG_MS (20 s) is dropped, and redialled
  // only 30 s later.
  const receiptOn = (n, h) => call(n, 'eth_getTransactionReceipt', [h])
  // Each side's heaviest head (and a node that holds it), its ancestry
  // back to below the common chain, and the fork point: the highest block
  // both ancestries hold. A block mined as the link went down may have
  // reached some nodes of the other side, so the fork point can be above
  // `common`, and need not be what a1 and b1 hold at one height.
  let fork, hA, hB, ancA, ancB
  const ancestry = async (n, b, down) => {
    const m = new Map()
    while (b && Number(b.number) >= down) {
      m.set(Number(b.number), b.hash)
      b = Number(b.number) > down ? await call(n, 'eth_getBlockByHash', [b.parentHash, false]) : null
    }
    return m
  }
  const sideState = async () => {
    const heads = await Promise.all(nodes.map(head))
    const heaviest = (side) => {
      let k = -1
      for (const [i, n] of nodes.entries())
        if (n.side === side && (k < 0 || BigInt(heads[i].totalDifficulty) > BigInt(heads[k].totalDifficulty))) k = i
      return [nodes[k], heads[k]]
    }
    const [nA, hA_] = heaviest('A')
    const [nB, hB_] = heaviest('B')
    hA = hA_
    hB = hB_
    const down = Math.max(0, common - 3)
    ancA = await ancestry(nA, hA, down)
    ancB = await ancestry(nB, hB, down)
    fork = down
    for (let i = Math.min(Number(hA.number), Number(hB.number)); i > down; i--)
      if (ancA.get(i) === ancB.get(i)) {
        fork = i
        break
      }
    // Which nodes follow their side's heaviest head (their head is on its
    // branch, at most 1 block behind: a block may be on its way) and
    // hold their side's transfers.
    const has = {}
    const follows = {}
    for (const [i, n] of nodes.entries()) {
      const anc = n.side === 'A' ? ancA : ancB
      const top = n.side === 'A' ? hA : hB
      const num = Number(heads[i].number)
      follows[n.name] = anc.get(num) === heads[i].hash && num >= Number(top.number) - 1
      has[n.name] = n.side === 'A' ? Boolean(await receiptOn(n, txA))
        : Boolean((await receiptOn(n, txB)) && (await receiptOn(n, txY)))
    }
    const all = nodes.every((n) => has[n.name] && follows[n.name])
    return { has, follows, all }
  }
  // A node that lags its side at the 12 s mark gets one request timeout
  // (ETH_REQUEST_MS, 5 s) more to catch up.
  const partEnd = Date.now() + 12000
  let st
  for (;;) {
    st = await sideState()
    const deep = Number(hA.number) - fork >= 3 && Number(hB.number) - fork >= 3
    const aHeavier = BigInt(hA.totalDifficulty) > BigInt(hB.totalDifficulty)
    if ((st.all && deep && aHeavier) || Date.now() > partEnd + (st.all ? 0 : 6000)) break
    await sleep(500)
  }
  for (const n of nodes) {
    check(st.follows[n.name], `${n.name} follows side ${n.side}'s heaviest head`)
    check(st.has[n.name], `${n.name} holds its side's fork with ` +
      (n.side === 'A' ? 'X -> RA' : "X -> RB (the double spend) and Y's transfer"))
    if (!st.has[n.name] || !st.follows[n.name])
      console.log(`  ${n.name}'s sync log:\n    ` + (cl.log(n.name).match(/^.*eth: sync.*$/gm) || []).slice(-4).join('\n    '))
  }
  const knownB = await Promise.all(sideB.map((n) => call(n, 'eth_getBlockByHash', [hA.hash, false])))
  const knownA = await Promise.all(sideA.map((n) => call(n, 'eth_getBlockByHash', [hB.hash, false])))
  check(![...knownA, ...knownB].some(Boolean) && hA.hash !== hB.hash,
    'the two sides hold different forks (neither knows the other\'s head)')
  const yOnB = st.has.B1 ? (await receiptOn(b1, txY)).blockHash : null
  const tdA = BigInt(hA.totalDifficulty)
  const tdB = BigInt(hB.totalDifficulty)
  console.log(`after ${((Date.now() - tPart) / 1000).toFixed(1)} s of partition: fork point #${fork}; ` +
    `side A head #${Number(hA.number)} td ${tdA}, side B head #${Number(hB.number)} td ${tdB}`)
  const heavierAtHeal = tdA > tdB ? 'A' : tdA < tdB ? 'B' : 'neither'
  if (heavierAtHeal !== 'A') console.log(`note: side A (two miners) is not the heavier at the heal (${heavierAtHeal} is)`)

  // Which fork a block is on: its ancestor at fork + 1, found by its
  // parents (remembered).
  const sideOfHash = new Map([[ancA.get(fork + 1), 'A'], [ancB.get(fork + 1), 'B']])
  async function sideOf(n, b) {
    const path = []
    let side
    while (!(side = sideOfHash.get(b.hash)) && Number(b.number) > fork + 1) {
      path.push(b.hash)
      b = await call(n, 'eth_getBlockByHash', [b.parentHash, false])
    }
    for (const h of path) sideOfHash.set(h, side ?? '?')
    return side ?? '?'
  }

  // ---- heal ----
  net.heal()
  const tHeal = Date.now()
  console.log(`healed at ${elapsed()}`)
  // Until every node is on one chain: the heaviest head of each fork seen.
  const best = { A: hA, B: hB }
  const agreedAt = await waitFor('every node on one chain', 40000, async () => {
    for (const n of nodes) {
      const h = await head(n)
      const side = await sideOf(n, h)
      if (best[side] && BigInt(h.totalDifficulty) > BigInt(best[side].totalDifficulty)) best[side] = h
    }
    return agreedHeight(nodes, fork + 1)
  }).catch(async (e) => {
    for (const n of nodes) {
      const h = await head(n)
      console.log(`  ${n.name}: head #${Number(h.number)} ${h.hash.slice(0, 10)} td ${BigInt(h.totalDifficulty)} ` +
        `fork ${await sideOf(n, h)}, ${Number(await call(n, 'net_peerCount'))} peers`)
    }
    throw e
  })
  const conv = (Date.now() - tHeal) / 1000
  const winSide = await sideOf(a1, await blockAt(a1, agreedAt))
  check(winSide !== '?', `the final chain is side A's or side B's fork (${winSide})`)
  const loseSide = winSide === 'A' ? 'B' : 'A'
  const win = winSide === 'A' ? { side: 'A', to: RA, tx: txA, value: 1n * ETH } : { side: 'B', to: RB, tx: txB, value: 2n * ETH }
  const lose = winSide === 'A' ? { side: 'B', tx: txB } : { side: 'A', tx: txA }
  check(conv <= 30, `every node converged on side ${win.side}'s fork ${conv.toFixed(1)} s after the heal`)
  const finalHead = await head(a1)
  const tdWin = BigInt(finalHead.totalDifficulty)
  const tdLose = BigInt(best[loseSide].totalDifficulty)
  check(tdWin > tdLose, `the final chain is the heaviest: td ${tdWin} at #${Number(finalHead.number)} against ` +
    `${tdLose} at #${Number(best[loseSide].number)}, side ${loseSide}'s heaviest head` +
    (heavierAtHeal === loseSide ? ` (side ${win.side} outmined side ${loseSide} while they reconnected)` : ''))
  // The reorg each losing node went through, from its log: the heads it
  // announced that the final chain does not hold.
  for (const n of lose.side === 'A' ? sideA : sideB) {
    let dropped = []
    for (const m of cl.log(n.name).matchAll(/chain: head #(\d+) ([0-9a-f]{8})\.\./g)) {
      const num = Number(m[1])
      if (num <= fork) continue
      const b = await blockAt(n, num)
      if (!b || !b.hash.startsWith('0x' + m[2])) dropped.push(num)
    }
    dropped = [...new Set(dropped)]
    const deepest = dropped.length ? Math.max(...dropped) : fork
    console.log(`${n.name}'s log: reorg from its fork's head #${deepest} to side ${win.side}'s chain, ` +
      `depth ${deepest - fork} (blocks #${fork + 1}..#${deepest} dropped)`)
  }

  // The double spend: one payment, the winner's, everywhere.
  const agreed = await waitFor('an agreed height', 10000, () => agreedHeight(nodes, agreedAt))
  for (const n of nodes) {
    const ra = BigInt(await call(n, 'eth_getBalance', [RA, hex(agreed)]))
    const rb = BigInt(await call(n, 'eth_getBalance', [RB, hex(agreed)]))
    const paid = BigInt(await call(n, 'eth_getBalance', [win.to, hex(agreed)]))
    check((ra === 0n) !== (rb === 0n) && paid === win.value,
      `${n.name}: only side ${win.side}'s recipient was paid (RA ${ra}, RB ${rb})`)
    const nonce = Number(await call(n, 'eth_getTransactionCount', [x.address, hex(agreed)]))
    check(nonce === nonceX + 1, `${n.name}: X's nonce advanced once (${nonceX} -> ${nonce})`)
    const rw = await receiptOn(n, win.tx)
    const rl = await receiptOn(n, lose.tx)
    check(rw && rw.status === '0x1' && !rl, `${n.name}: the winning spend has a receipt, the losing one none`)
  }

  // Y's transfer: on side B's fork only; when that fork lost, it is back in
  // the pools and gets mined on the final chain.
  const ry = await waitFor("Y's transfer mined on the final chain on every node", 40000, async () => {
    const rs = await Promise.all(nodes.map((n) => receiptOn(n, txY)))
    if (!rs.every((r) => r && r.blockHash === rs[0].blockHash)) return null
    const bs = await Promise.all(nodes.map((n) => blockAt(n, Number(rs[0].blockNumber))))
    return bs.every((b) => b && b.hash === rs[0].blockHash) ? rs[0] : null
  }).catch((e) => {
    console.log(e.message)
    return null
  })
  check(ry && ry.status === '0x1', `Y's transfer (side B's other transaction) is mined on the final chain, ` +
    `receipt on every node${ry ? ` (block #${Number(ry.blockNumber)}${lose.side === 'B' && yOnB ? ', re-mined after the reorg' : ''})` : ''}`)
  if (ry && lose.side === 'B' && yOnB)
    check(ry.blockHash !== yOnB, "Y's transfer now sits in a block of side A's fork, not in side B's dropped one")
  if (ry) {
    const bal = BigInt(await call(a1, 'eth_getBalance', [RY, 'latest']))
    check(bal === 3n * ETH, `RY holds 3 ether (${bal})`)
  }
  console.log(`total ${elapsed()}`)

  cl.close()
  net.teardown()
  process.exit(failed() ? 1 : 0)
}

runAsRoot('partition.mjs', main)
