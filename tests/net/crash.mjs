// Crash recovery of a proof-of-work node: 3 `dure node` processes on
// loopback, a and b mining, c not, and a steady stream of transfers from
// 4 accounts sent to c. Three times: a burst of transfers, then a miner (a,
// b, a) is killed with SIGKILL the moment its log shows a new head with
// transactions (while it is busy with that block and the next); the others
// mine on for ~10 s, the stream's transfers included (what c got 5 s ago
// is mined); `dure db verify` on the killed node's data directory must
// succeed (its state root matches); restarted on the same directory and
// ports it still holds every head it logged, rejoins, catches up to the
// others (the same hash at the same height) and holds every receipt they
// hold. In the end every transfer is mined, its receipt on all nodes.
// Transactions are signed here with ethers (an independent signer).
// Usage: node crash.mjs PATH-TO-dure
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { HDNodeWallet, Wallet } from 'ethers'
import { Cluster, HOST, check, dureBinary, failed, freePort, initChain, powGenesis, rpc, sleep, waitFor, waitRpc } from './lib.mjs'

const MNEMONIC = 'test test test test test test test test test test test junk'
const CHAIN_ID = 4242
const CYCLES = 3
const OTHERS_MINE_MS = 10000

const devAccount = (i) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`)
const hex = (n) => '0x' + n.toString(16)

async function agreedHeight(nodes) {
  const heads = await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'eth_blockNumber')))
  const low = Math.min(...heads.map(Number))
  const blocks = await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'eth_getBlockByNumber', [hex(low), false])))
  return blocks.every((b) => b && b.hash === blocks[0].hash) ? low : -1
}

const headLines = (log) => [...log.matchAll(/INFO {2}chain: head #(\d+) [0-9a-f]{8}\.\. txs (\d+)/g)]

async function main() {
  const dure = dureBinary()
  const t0 = Date.now()
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`
  const cl = new Cluster('crash')
  const senders = [0, 1, 2, 3].map(devAccount)
  const [ma, mb] = [4, 5].map(devAccount)
  const alloc = {}
  for (const acc of senders) alloc[acc.address] = 10n ** 22n
  const genesis = powGenesis({ chainId: CHAIN_ID, targetBlockTime: 1, alloc })

  const bootPort = await freePort()
  const boot = await cl.start('boot', dure, ['bootnode', '--addr', `${HOST}:${bootPort}`])
  async function startNode(n, label) {
    const args = ['node', '--datadir', n.dir, '--addr', HOST, '--port', String(n.port),
      '--rpc.port', String(n.rpcPort), '--bootnodes', boot.enode, '--verbosity', '3']
    if (n.miner) args.push('--mine', '--miner.threads', '1', '--etherbase', n.miner.address)
    n.label = label
    n.p = await cl.start(label, dure, args)
    await waitRpc(n.rpcPort)
  }
  const nodes = []
  for (const [name, miner] of [['a', ma], ['b', mb], ['c', null]]) {
    const n = { name, miner, dir: join(cl.dir, name), port: await freePort(), rpcPort: await freePort() }
    initChain(dure, n.dir, genesis)
    await startNode(n, name)
    nodes.push(n)
  }
  const [a, b, c] = nodes

  // What each pool holds, per sender: the nonces pending and queued, and
  // the sender's nonce on the node's head.
  async function poolDiag(ns) {
    for (const n of ns) {
      const ct = await rpc(n.rpcPort, 'txpool_content')
      const on = await Promise.all(senders.map((s) => rpc(n.rpcPort, 'eth_getTransactionCount', [s.address, 'latest'])))
      const parts = senders.map((s, i) => {
        const k = Object.keys(ct.pending).find((x) => x.toLowerCase() === s.address.toLowerCase())
        const q = Object.keys(ct.queued).find((x) => x.toLowerCase() === s.address.toLowerCase())
        const span = (m) => {
          const nums = m ? Object.keys(m).map(Number).sort((x, y) => x - y) : []
          return nums.length ? `${nums[0]}..${nums[nums.length - 1]} (${nums.length})` : '-'
        }
        return `sender ${i}: head nonce ${Number(on[i])} pending ${span(ct.pending[k])} queued ${span(ct.queued[q])}`
      })
      console.log(`  ${n.label}'s pool: ${parts.join('; ')}`)
    }
  }
  await waitFor('3 connected nodes', 20000, async () =>
    (await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'net_peerCount')))).every((x) => Number(x) >= 2))
  check(true, `a, b (miners) and c peer with each other (${elapsed()})`)

  // The stream: transfers to c, round robin over the senders, nonces
  // counted here.
  const nonces = senders.map(() => 0)
  const sent = []
  const sentAt = new Map()
  let sendErrors = 0
  let turn = 0
  const to = Wallet.createRandom().address
  async function send() {
    const i = turn++ % senders.length
    const nonce = nonces[i]++
    const raw = await new Wallet(senders[i].privateKey).signTransaction({ type: 2, chainId: CHAIN_ID,
      nonce, to, value: 1000n, gasLimit: 21000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n })
    try {
      const hash = await rpc(c.rpcPort, 'eth_sendRawTransaction', [raw])
      sent.push(hash)
      sentAt.set(hash, Date.now())
    } catch (e) {
      sendErrors++
      console.log(`send: ${e.message}`)
    }
  }
  let streaming = true
  const stream = (async () => {
    while (streaming) {
      await send()
      await sleep(150)
    }
  })()

  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    const v = cycle % 2 ? a : b
    const others = nodes.filter((n) => n !== v)
    // A burst, and the kill as soon as v logs a new head that carries
    // transactions.
    const seen = headLines(cl.log(v.label)).length
    for (let i = 0; i < 40; i++) await send()
    let line
    const end = Date.now() + 20000
    for (;;) {
      const hs = headLines(cl.log(v.label))
      line = hs.slice(seen).find((m) => Number(m[2]) > 0)
      if (line || Date.now() > end) break
      await sleep(2)
    }
    const exited = new Promise((ok) => v.p.once('exit', ok))
    v.p.kill('SIGKILL')
    await exited
    const lastHead = Math.max(...headLines(cl.log(v.label)).map((m) => Number(m[1])))
    console.log(`cycle ${cycle}: killed ${v.name} (SIGKILL) ${line ? `right after its head #${line[1]} with ${line[2]} txs` : 'with no new head seen in 20 s'}` +
      `; its last logged head #${lastHead} (${elapsed()})`)
    check(line, `cycle ${cycle}: ${v.name} imported a block of the burst before the kill`)

    const tKill = Date.now()
    let verifyOut
    let verifyOk = true
    try {
      verifyOut = execFileSync(dure, ['db', 'verify', '--datadir', v.dir], { stdio: ['ignore', 'pipe', 'pipe'] }).toString()
    } catch (e) {
      verifyOk = false
      verifyOut = `${e.stdout}${e.stderr}`
    }
    check(verifyOk, `cycle ${cycle}: dure db verify on ${v.name}'s data directory: ${verifyOut.trim().split('\n').join(' / ')}`)

    const before = Math.max(...(await Promise.all(others.map((n) => rpc(n.rpcPort, 'eth_blockNumber')))).map(Number))
    await sleep(Math.max(0, OTHERS_MINE_MS - (Date.now() - tKill)))
    const after = Math.max(...(await Promise.all(others.map((n) => rpc(n.rpcPort, 'eth_blockNumber')))).map(Number))
    check(after > before, `cycle ${cycle}: the others mined on without ${v.name} (#${before} -> #${after})`)
    // Transactions keep flowing: what c got 5 s ago or earlier is mined.
    const due = sent.filter((hash) => sentAt.get(hash) <= Date.now() - 5000)
    const unmined = []
    for (const hash of due) if (!(await rpc(c.rpcPort, 'eth_getTransactionReceipt', [hash]))) unmined.push(hash)
    check(unmined.length === 0, `cycle ${cycle}: while ${v.name} is down the other miner mines the stream: ` +
      `${due.length - unmined.length} of the ${due.length} transfers sent 5 s ago or earlier are mined`)
    if (unmined.length) await poolDiag(others)

    await startNode(v, `${v.name}-restart${cycle}`)
    const tStart = Date.now()
    const first = Number(await rpc(v.rpcPort, 'eth_blockNumber'))
    check(first >= lastHead, `cycle ${cycle}: restarted ${v.name} holds its chain up to #${first} (logged head before the kill #${lastHead})`)
    const target = Number(await rpc(c.rpcPort, 'eth_blockNumber'))
    const caught = await waitFor(`${v.name} catching up to #${target}`, 30000, async () => {
      const [bv, bc] = await Promise.all([v, c].map((n) => rpc(n.rpcPort, 'eth_getBlockByNumber', [hex(target), false])))
      return bv && bc && bv.hash === bc.hash
    }).catch(() => false)
    check(caught, `cycle ${cycle}: ${v.name} caught up with c's #${target}, same hash (${((Date.now() - tStart) / 1000).toFixed(1)} s after its restart)`)
    const peers = Number(await waitFor(`${v.name} rejoining`, 15000, async () => {
      const n = Number(await rpc(v.rpcPort, 'net_peerCount'))
      return n >= 2 ? n : 0
    }).catch(() => 0))
    check(peers >= 2, `cycle ${cycle}: ${v.name} is peered with ${others.map((n) => n.name).join(' and ')} again (${peers} peers)`)

    // Every receipt c holds up to the height all three agree on, v holds
    // the same.
    const h = await waitFor('an agreed height', 10000, async () => {
      const x = await agreedHeight(nodes)
      return x >= target ? x : 0
    }).catch(() => -1)
    let compared = 0
    let mismatches = 0
    for (const hash of sent) {
      const rc = await rpc(c.rpcPort, 'eth_getTransactionReceipt', [hash])
      if (!rc || Number(rc.blockNumber) > h) continue
      const rv = await rpc(v.rpcPort, 'eth_getTransactionReceipt', [hash])
      compared++
      if (!rv || rv.blockHash !== rc.blockHash || rv.status !== rc.status || rv.cumulativeGasUsed !== rc.cumulativeGasUsed) {
        if (mismatches++ < 3) console.log(`  ${hash}: c ${JSON.stringify(rc)} ${v.name} ${JSON.stringify(rv)}`)
      }
    }
    check(h >= target && compared > 0 && mismatches === 0,
      `cycle ${cycle}: ${v.name} holds all ${compared} receipts c holds up to the agreed block #${h} (${mismatches} missing or different)`)
  }

  streaming = false
  await stream
  const all = await waitFor('every transfer mined on every node', 30000, async () => {
    for (const n of nodes)
      for (const hash of sent) if (!(await rpc(n.rpcPort, 'eth_getTransactionReceipt', [hash]))) return false
    return true
  }).catch(() => false)
  check(all && sendErrors === 0, `all ${sent.length} transfers are mined, receipts on a, b and c (${sendErrors} refused)`)
  const h = await waitFor('an agreed height', 10000, async () => Math.max(0, await agreedHeight(nodes)))
  const bal = await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'eth_getBalance', [to, hex(h)])))
  check(bal.every((x) => x === bal[0]) && BigInt(bal[0]) > 0n, `a, b and c agree on the recipient's balance at #${h}`)
  console.log(`total ${elapsed()}`)

  cl.close()
  process.exit(failed() ? 1 : 0)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
