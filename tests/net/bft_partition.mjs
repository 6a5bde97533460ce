// A network partition of a BFT network, healed, on the network namespaces
// of netns.mjs (management links in a free 10.79.X.0/24): cutting the
// switch's link splits the 4 validators 2 | 2, so neither side holds the
// 3 of 4 votes a commit needs.
//  - before: validators A1, A2 (side A) and B1, B2 (side B) find each
//    other through a bootnode and commit a common chain of 3 blocks;
//  - during the partition (8 s) no node's head rises by more than one
//    block (the one being decided at the cut may finish), every block a
//    node holds is the one every other node holding that height has, and
//    a transfer sent to A1 is not mined;
//  - after healing, within 30 s every node's head is 3 blocks above where
//    the partition left it, the 4 nodes hold the same block at every
//    height up to the lowest head, and the transfer is mined (status 1)
//    on every node.
// Needs root (ip netns); otherwise prints SKIP and exits 77.
// Usage: node bft_partition.mjs PATH-TO-dure
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Wallet } from 'ethers'
import { Cluster, bftGenesis, check, dureBinary, failed, initChain, sleep, waitFor } from './lib.mjs'
import { Netns, RPC_PORT, call, runAsRoot } from './netns.mjs'

const CHAIN_ID = 4243
// Its own names and management subnet: it may run beside partition.mjs.
const net = new Netns({ prefix: 'dure-b', veth: 'db', data: '10.77.0', boot: '10.77.0.100', mgmtOctet: 79 })
const ETH = 10n ** 18n
const PARTITION_MS = 8000
const HEAL_MS = 30000
const TEST_MS = 118000

const hex = (n) => '0x' + n.toString(16)

const blockAt = (n, num) => call(n, 'eth_getBlockByNumber', [typeof num === 'string' ? num : hex(num), false])

// A node's committed head: eth_blockNumber and the block at that height
// (read twice when a commit lands in between).
async function headOf(n) {
  for (;;) {
    const num = Number(await call(n, 'eth_blockNumber'))
    const b = await blockAt(n, num)
    if (b && Number(b.number) === num) return { num, hash: b.hash }
  }
}
const heads = (nodes) => Promise.all(nodes.map(headOf))

// The nodes agree on the block at the lowest of their heads, at least
// `min`; returns that height or 0.
async function agreedHeight(nodes, min = 0) {
  const low = Math.min(...(await heads(nodes)).map((h) => h.num))
  if (low < min) return 0
  const blocks = await Promise.all(nodes.map((n) => blockAt(n, low)))
  return blocks.every((b) => b && b.hash === blocks[0].hash) ? low : 0
}

// The last `count` lines of n's log matching re.
const logLines = (cl, n, re, count) => (cl.log(n.name).match(re) || []).slice(-count)

function dumpLogs(cl, nodes, why) {
  console.log(`  (${why}) last head and consensus lines of each log:`)
  for (const n of nodes) {
    const lines = logLines(cl, n, /^.*(chain: head|bft: (decided|dropping|holding|height|cannot|validator)|WARN|ERROR).*$/gm, 8)
    console.log(`  ${n.name}:\n    ` + lines.join('\n    '))
  }
}

async function main() {
  const dure = dureBinary()
  const t0 = Date.now()
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`
  const cl = new Cluster('bft-partition')
  setTimeout(() => {
    console.log(`FAIL: the test ran out of its ${TEST_MS / 1000} s`)
    process.exit(1)
  }, TEST_MS).unref()
  net.setUp()

  const validators = [0, 1, 2, 3].map(() => Wallet.createRandom())
  const payer = Wallet.createRandom()
  const payee = Wallet.createRandom().address
  const genesis = bftGenesis({ chainId: CHAIN_ID, validators: validators.map((v) => v.address),
    alloc: { [payer.address]: 100n * ETH } })

  const boot = await cl.start('boot', 'ip', ['netns', 'exec', net.sw, dure, 'bootnode', '--addr', `${net.boot}:30301`])
  const spec = [
    { name: 'A1', side: 'A', dataIp: 1 },
    { name: 'A2', side: 'A', dataIp: 3 },
    { name: 'B1', side: 'B', dataIp: 2 },
    { name: 'B2', side: 'B', dataIp: 4 },
  ]
  const nodes = []
  for (const [k, s] of spec.entries()) {
    const host = net.buildHost(s.name, k, s.side, s.dataIp)
    const dir = join(cl.dir, s.name)
    initChain(dure, dir, genesis)
    const key = join(dir, 'bftkey')
    writeFileSync(key, validators[k].privateKey.slice(2), { mode: 0o600 })
    const args = ['netns', 'exec', host.ns, dure, 'node', '--datadir', dir, '--addr', host.addr,
      '--port', '30303', '--rpc.addr', host.rpcAddr, '--rpc.port', String(RPC_PORT), '--bootnodes', boot.enode,
      '--bft.key', key, '--verbosity', '4']
    const p = await cl.start(s.name, 'ip', args)
    nodes.push({ ...s, ...host, p })
  }
  for (const n of nodes) await waitFor(`${n.name}'s RPC`, 10000, () => call(n, 'web3_clientVersion').catch(() => null))
  const a1 = nodes[0]

  await waitFor('every node peered with the 3 others', 30000, async () =>
    (await Promise.all(nodes.map((n) => call(n, 'net_peerCount')))).every((c) => Number(c) === 3))
  check(true, `the 4 validators, each in its own namespace, peer with each other through the bootnode (${elapsed()})`)
  const common = await waitFor('a common chain of 3 blocks', 20000, () => agreedHeight(nodes, 3)).catch((e) => {
    dumpLogs(cl, nodes, e.message)
    throw e
  })
  check(common >= 3, `the validators commit a common chain up to block ${common} (${elapsed()})`)
  // The head is only ever a committed block: "finalized" is the head.
  for (const n of nodes) {
    let h, f
    do {
      h = await headOf(n)
      f = await blockAt(n, 'finalized')
    } while (f && f.hash !== h.hash && Number(f.number) > h.num)
    check(f && f.hash === h.hash, `${n.name}: the finalized block is the head #${h.num}`)
  }

  // ---- partition ----
  // At a random point of the block time, so that runs vary where in a
  // height the cut falls (amid a height's votes, rare on one host, one
  // side may decide it and the other not).
  const phase = Math.floor(Math.random() * 1000)
  await sleep(phase)
  net.cut()
  const tPart = Date.now()
  const atCut = await heads(nodes)
  console.log(`partitioned at ${elapsed()} (${phase} ms after a common head): A1, A2 | B1, B2; heads ` +
    nodes.map((n, i) => `${n.name} #${atCut[i].num}`).join(', '))
  const nonce = Number(await call(a1, 'eth_getTransactionCount', [payer.address, 'latest']))
  const raw = await payer.signTransaction({ type: 2, chainId: CHAIN_ID, nonce, to: payee, value: 1n * ETH,
    gasLimit: 21000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n })
  const tx = await call(a1, 'eth_sendRawTransaction', [raw])
  // Every hash seen at each height, on any node, during the partition.
  const seen = new Map()
  const see = (num, hash, who) => {
    if (!seen.has(num)) seen.set(num, new Map())
    seen.get(num).set(hash, who)
  }
  const top = atCut.map((h) => h.num)
  let minedDuring = null
  while (Date.now() - tPart < PARTITION_MS) {
    const hs = await heads(nodes)
    for (const [i, n] of nodes.entries()) {
      see(hs[i].num, hs[i].hash, n.name)
      top[i] = Math.max(top[i], hs[i].num)
    }
    for (const n of nodes) {
      const r = await call(n, 'eth_getTransactionReceipt', [tx])
      if (r && !minedDuring) minedDuring = `${n.name}, block #${Number(r.blockNumber)}`
    }
    await sleep(250)
  }
  // Every block each node holds from the lowest head at the cut up, too.
  const lowCut = Math.min(...atCut.map((h) => h.num))
  for (const [i, n] of nodes.entries())
    for (let num = lowCut; num <= top[i]; num++) {
      const b = await blockAt(n, num)
      if (b) see(num, b.hash, n.name)
    }
  const partHeads = await heads(nodes)
  console.log(`after ${((Date.now() - tPart) / 1000).toFixed(1)} s of partition: heads ` +
    nodes.map((n, i) => `${n.name} #${partHeads[i].num}`).join(', '))
  for (const [i, n] of nodes.entries()) {
    const rise = Math.max(top[i], partHeads[i].num) - atCut[i].num
    check(rise <= 1, `${n.name}: its head rose by ${rise} block(s) during the ${PARTITION_MS / 1000} s partition ` +
      `(#${atCut[i].num} -> #${partHeads[i].num}; at most the block in flight at the cut)`)
  }
  const forks = [...seen.entries()].filter(([, hs]) => hs.size > 1)
  check(forks.length === 0, 'during the partition every height has one block on all 4 nodes' +
    (forks.length ? `; forks: ${forks.map(([num, hs]) => `#${num} ` +
      [...hs.entries()].map(([h, who]) => `${who} ${h.slice(0, 10)}`).join(' / ')).join(', ')}` : ''))
  check(!minedDuring, `the transfer sent to A1 during the partition was not mined then` +
    (minedDuring ? ` (it was: ${minedDuring})` : ''))
  if (minedDuring || forks.length) dumpLogs(cl, nodes, 'partition')

  // ---- heal ----
  net.heal()
  const tHeal = Date.now()
  console.log(`healed at ${elapsed()}`)
  let last, receipts, firstS
  const resumed = await waitFor('the chain to resume and mine the transfer', HEAL_MS, async () => {
    last = await heads(nodes)
    if (!firstS && last.some((h, i) => h.num > partHeads[i].num)) firstS = ((Date.now() - tHeal) / 1000).toFixed(1)
    receipts = await Promise.all(nodes.map((n) => call(n, 'eth_getTransactionReceipt', [tx])))
    return last.every((h, i) => h.num >= partHeads[i].num + 3) && receipts.every(Boolean)
  }).catch((e) => {
    console.log(`  ${e.message}: heads ` + nodes.map((n, i) => `${n.name} #${last?.[i].num} ` +
      `(partition #${partHeads[i].num}) receipt ${receipts?.[i] ? 'yes' : 'no'}`).join(', '))
    dumpLogs(cl, nodes, 'heal')
    return false
  })
  const healS = ((Date.now() - tHeal) / 1000).toFixed(1)
  check(resumed, `the chain resumed: every head 3 blocks above its partition height` +
    (resumed ? ` ${healS} s after the heal, the first new block after ${firstS} s (` + nodes.map((n, i) => `${n.name} #${last[i].num}`).join(', ') + ')'
      : ` within ${HEAL_MS / 1000} s`))
  for (const [i, n] of nodes.entries()) {
    const r = receipts?.[i]
    check(r && r.status === '0x1', `${n.name}: the partition's transfer has a receipt with status 1` +
      (r ? ` (block #${Number(r.blockNumber)})` : ''))
  }
  if (receipts?.every(Boolean)) {
    check(receipts.every((r) => r.blockHash === receipts[0].blockHash), 'the transfer is in the same block on every node')
    const bal = BigInt(await call(a1, 'eth_getBalance', [payee, 'latest']))
    check(bal === 1n * ETH, `the payee holds 1 ether (${bal})`)
  }

  // One chain: the same block at every height on every node.
  const low = Math.min(...(await heads(nodes)).map((h) => h.num))
  const differ = []
  for (let num = 1; num <= low; num++) {
    const bs = await Promise.all(nodes.map((n) => blockAt(n, num)))
    if (!bs.every((b) => b && b.hash === bs[0].hash)) differ.push(num)
    else {
      const was = seen.get(num)
      if (was && !was.has(bs[0].hash)) differ.push(num)
    }
  }
  check(differ.length === 0, `the 4 nodes hold the same block at every height 1..${low}` +
    (differ.length ? `; they differ (or differ from the partition's) at ${differ.map((d) => '#' + d).join(', ')}` : ''))
  if (differ.length) dumpLogs(cl, nodes, 'fork')
  console.log(`total ${elapsed()}`)

  cl.close()
  net.teardown()
  process.exit(failed() ? 1 : 0)
}

runAsRoot('bft_partition.mjs', main)
