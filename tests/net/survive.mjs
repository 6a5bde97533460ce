// A proof-of-work network that loses its bootnode and half its nodes: a
// bootnode and 6 `dure node` processes on loopback (nodes 1, 2 and 3
// mine) find each other through the bootnode; then the bootnode and nodes
// 1 (a miner), 4 and 5 are killed with SIGKILL.
//  - the survivors (2, 3 and 6) notice, keep mining (their head rises by
//    several blocks, with transfers sent to them) and agree on the chain;
//  - a new node 7, told only of survivor 6 (--bootnodes with 6's enode, the
//    dead bootnode nowhere), finds the other survivors through 6's
//    discovery, peers with them and syncs to their head (it executed the
//    blocks: it has the transfers' receipts);
//  - a transfer sent to node 7 is mined, its receipt on every survivor.
// Transactions are signed here with ethers (an independent signer).
// Usage: node survive.mjs PATH-TO-dure
import { join } from 'node:path'
import { HDNodeWallet, Wallet } from 'ethers'
import { Cluster, HOST, check, dureBinary, failed, freePort, idOf, initChain, powGenesis, rpc, sleep, waitFor, waitRpc } from './lib.mjs'

const MNEMONIC = 'test test test test test test test test test test test junk'
const CHAIN_ID = 4242

const devAccount = (i) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`)
const hex = (n) => '0x' + n.toString(16)

// The nodes agree on the block at the lowest of their heads; returns that
// height, or -1.
async function agreedHeight(nodes) {
  const heads = await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'eth_blockNumber')))
  const low = Math.min(...heads.map(Number))
  const blocks = await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'eth_getBlockByNumber', [hex(low), false])))
  return blocks.every((b) => b && b.hash === blocks[0].hash) ? low : -1
}

async function main() {
  const dure = dureBinary()
  const t0 = Date.now()
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`
  const cl = new Cluster('survive')
  const sender = devAccount(0)
  const payer = devAccount(1)
  const genesis = powGenesis({ chainId: CHAIN_ID, targetBlockTime: 1,
    alloc: { [sender.address]: 10n ** 22n, [payer.address]: 10n ** 22n } })
  const sign = (from, nonce, to, value) => new Wallet(from.privateKey).signTransaction({ type: 2, chainId: CHAIN_ID,
    nonce, to, value, gasLimit: 21000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n })

  const bootPort = await freePort()
  const boot = await cl.start('boot', dure, ['bootnode', '--addr', `${HOST}:${bootPort}`])
  async function startNode(i, bootnodes, mine) {
    const name = `n${i}`
    const dir = join(cl.dir, name)
    initChain(dure, dir, genesis)
    const rpcPort = await freePort()
    const args = ['node', '--datadir', dir, '--addr', HOST, '--port', String(await freePort()),
      '--rpc.port', String(rpcPort), '--bootnodes', bootnodes, '--verbosity', '3']
    if (mine) args.push('--mine', '--miner.threads', '1', '--etherbase', devAccount(10 + i).address)
    const p = await cl.start(name, dure, args)
    await waitRpc(rpcPort)
    return { i, name, p, rpcPort }
  }
  const nodes = []
  for (let i = 1; i <= 6; i++) nodes.push(await startNode(i, boot.enode, i <= 3))
  const byNum = (i) => nodes[i - 1]

  const counts = await waitFor('each of the 6 nodes peered with the 5 others', 30000, async () => {
    const c = (await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'net_peerCount')))).map(Number)
    return c.every((x) => x === 5) ? c : null
  }).catch(() => null)
  check(counts, `the 6 nodes found each other through the bootnode, each peered with the 5 others (${elapsed()})`)
  const common = await waitFor('a common chain', 20000, async () => {
    const h = await agreedHeight(nodes)
    return h >= 3 ? h : 0
  })
  check(common >= 3, `the 6 nodes share a chain up to block ${common}`)

  // ---- the bootnode and half the nodes die ----
  const dead = [1, 4, 5].map(byNum)
  const survivors = [2, 3, 6].map(byNum)
  const victims = [boot, ...dead.map((n) => n.p)]
  const gone = victims.map((p) => new Promise((ok) => p.once('exit', ok)))
  for (const p of victims) p.kill('SIGKILL')
  await Promise.all(gone)
  const killedAt = Math.max(...(await Promise.all(survivors.map((n) => rpc(n.rpcPort, 'eth_blockNumber')))).map(Number))
  console.log(`killed the bootnode and nodes 1 (a miner), 4 and 5 at ${elapsed()}, survivors' head #${killedAt}`)

  const dropped = await waitFor('the survivors dropping the dead', 15000, async () =>
    (await Promise.all(survivors.map((n) => rpc(n.rpcPort, 'net_peerCount')))).every((x) => Number(x) === 2)).catch(() => false)
  check(dropped, 'each survivor is left with the 2 other survivors as peers')
  // Transfers to the survivors while they mine on, so that their blocks
  // have bodies for a newcomer to fetch and execute.
  const payee = Wallet.createRandom().address
  const paid = []
  for (let k = 0; k < 6; k++) {
    paid.push(await rpc(survivors[k % 3].rpcPort, 'eth_sendRawTransaction', [await sign(payer, k, payee, 1000n)]))
    await sleep(300)
  }
  const risen = await waitFor('the survivors mining on', 30000, async () => {
    const h = await agreedHeight(survivors)
    if (h < killedAt + 5) return 0
    for (const hash of paid) if (!(await rpc(survivors[0].rpcPort, 'eth_getTransactionReceipt', [hash]))) return 0
    return h
  }).catch(() => 0)
  check(risen >= killedAt + 5, `survivors 2, 3 and 6 mined on from #${killedAt}, with the 6 transfers sent to them, ` +
    `and agree up to #${risen} (${elapsed()})`)

  // ---- a new node, told of survivor 6 only ----
  const n6 = byNum(6)
  const n7 = await startNode(7, n6.p.enode, false)
  const peers = await waitFor('node 7 peering with the survivors', 30000, async () => {
    const ps = await rpc(n7.rpcPort, 'admin_peers')
    const ids = new Set(ps.map((p) => p.id.replace(/^0x/, '')))
    return survivors.every((n) => ids.has(idOf(n.p.enode))) ? ps.length : 0
  }).catch(() => 0)
  check(peers >= 3, `node 7, told of node 6 only, found and peered with all 3 survivors (${peers} peers, ${elapsed()})`)
  const target = Number(await rpc(n6.rpcPort, 'eth_blockNumber'))
  const synced = await waitFor(`node 7 reaching #${target}`, 30000, async () => {
    const [b7, b6] = await Promise.all([n7, n6].map((n) => rpc(n.rpcPort, 'eth_getBlockByNumber', [hex(target), false])))
    return b7 && b6 && b7.hash === b6.hash
  }).catch(() => false)
  check(synced, `node 7 synced to the survivors' head #${target}, the same hash (${elapsed()})`)
  const rs = await Promise.all(paid.map((h) => rpc(n7.rpcPort, 'eth_getTransactionReceipt', [h])))
  check(rs.every((r) => r && r.status === '0x1'), "node 7 executed the survivors' blocks: it has the receipts of the 6 transfers")

  // ---- a transfer through the new node ----
  const to = Wallet.createRandom().address
  const hash = await rpc(n7.rpcPort, 'eth_sendRawTransaction', [await sign(sender, 0, to, 5n * 10n ** 18n)])
  const receipts = await waitFor('the transfer mined on every survivor', 30000, async () => {
    const rs = await Promise.all([...survivors, n7].map((n) => rpc(n.rpcPort, 'eth_getTransactionReceipt', [hash])))
    return rs.every((r) => r && r.blockHash === rs[0].blockHash) ? rs : null
  }).catch(() => null)
  check(receipts && receipts[0].status === '0x1',
    `the transfer sent to node 7 is mined${receipts ? ` in block #${Number(receipts[0].blockNumber)}` : ''}, the same receipt on survivors 2, 3, 6 and on 7`)
  if (receipts) {
    const h = Number(receipts[0].blockNumber)
    const bal = await Promise.all(survivors.map((n) => rpc(n.rpcPort, 'eth_getBalance', [to, hex(h)])))
    check(bal.every((x) => BigInt(x) === 5n * 10n ** 18n), 'its recipient holds 5 ether on every survivor')
  }
  console.log(`total ${elapsed()}`)

  cl.close()
  process.exit(failed() ? 1 : 0)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
