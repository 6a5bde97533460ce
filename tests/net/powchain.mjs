// A proof-of-work network of real `dure node` processes on loopback:
//  - a transaction sent to a node that does not mine is mined and its
//    receipt is on every node; the nodes agree on the chain;
//  - a node that joins late syncs the whole chain, its bodies from
//    several peers (its sync log names them);
//  - the miners earn the block rewards.
// Transactions are signed here with ethers (an independent signer).
// Usage: node powchain.mjs PATH-TO-dure
import { join } from 'node:path'
import { HDNodeWallet, JsonRpcProvider, Wallet, parseEther } from 'ethers'
import { Cluster, HOST, check, dureBinary, failed, freePort, initChain, powGenesis, rpc, sleep, waitFor, waitRpc } from './lib.mjs'

const MNEMONIC = 'test test test test test test test test test test test junk'
const CHAIN_ID = 4242
const REWARD = 2n * 10n ** 18n

function devAccount(i) {
  return HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`)
}

async function main() {
  const dure = dureBinary()
  const cl = new Cluster('powchain')
  const accounts = [0, 1, 2, 3].map(devAccount)
  const alloc = {}
  for (const acc of accounts) alloc[acc.address] = 10n ** 22n
  // A difficulty where a block takes real work (about a second of both
  // miners' hashing), so that which miner wins is decided by the proof of
  // work and not by whose timer wakes first at the one-block-a-second cap.
  const genesis = powGenesis({ chainId: CHAIN_ID, reward: REWARD, alloc, minDifficulty: 2000000 })

  const bootPort = await freePort()
  const boot = await cl.start('boot', dure, ['bootnode', '--addr', `${HOST}:${bootPort}`, '--verbosity', '4'])
  const nodes = []
  async function startNode(name, mineFor) {
    const dir = join(cl.dir, name)
    initChain(dure, dir, genesis)
    const port = await freePort()
    const rpcPort = await freePort()
    const args = ['node', '--datadir', dir, '--addr', HOST, '--port', String(port),
      '--rpc.port', String(rpcPort), '--bootnodes', boot.enode, '--verbosity', '3']
    if (mineFor) args.push('--mine', '--miner.threads', '1', '--etherbase', mineFor.address)
    const p = await cl.start(name, dure, args)
    await waitRpc(rpcPort)
    const n = { name, p, rpcPort, miner: mineFor }
    nodes.push(n)
    return n
  }
  const a = await startNode('a', accounts[1])
  const b = await startNode('b', accounts[2])
  const c = await startNode('c', null)

  const counts = await waitFor('3 connected nodes', 20000, async () => {
    const counts = await Promise.all([a, b, c].map((n) => rpc(n.rpcPort, 'net_peerCount')))
    return counts.every((x) => Number(x) >= 2) && counts
  }).catch(() => null)
  check(counts, `three nodes peer with each other through the bootnode (${counts})`)

  // Transactions to the node that does not mine, spread over blocks.
  const provider = new JsonRpcProvider(`http://${HOST}:${c.rpcPort}`, CHAIN_ID, { staticNetwork: true })
  const sender = new Wallet(accounts[0].privateKey, provider)
  const to = Wallet.createRandom().address
  const hashes = []
  for (let i = 0; i < 12; i++) {
    const tx = await sender.sendTransaction({ to, value: parseEther('1'), type: 2, gasLimit: 21000n,
      maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n, nonce: i })
    hashes.push(tx.hash)
    await sleep(400)
  }
  const receipts = await waitFor('every transaction mined on every node', 60000, async () => {
    const all = []
    for (const n of [a, b, c])
      for (const h of hashes) {
        const r = await rpc(n.rpcPort, 'eth_getTransactionReceipt', [h])
        if (!r) return null
        all.push(r)
      }
    return all
  })
  check(receipts.every((r) => r.status === '0x1'), 'the 12 transfers sent to the non-mining node are mined, receipts on all 3 nodes')
  const bal = BigInt(await rpc(a.rpcPort, 'eth_getBalance', [to, 'latest']))
  check(bal === 12n * 10n ** 18n, `the recipient holds 12 ether on node a (${bal})`)

  // Agreement: all nodes name the same block at the lowest head.
  const agreed = await waitFor('nodes agree on the chain', 15000, async () => {
    const heads = await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'eth_blockNumber')))
    const low = Math.min(...heads.map(Number))
    const blocks = await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'eth_getBlockByNumber', ['0x' + low.toString(16), false])))
    return blocks.every((x) => x && x.hash === blocks[0].hash) ? low : 0
  })
  check(agreed > 0, `a, b and c hold the same block at height ${agreed}`)

  // Rewards: each miner's balance is its genesis balance plus a reward per
  // block it mined plus the tips of its blocks' transactions. Over 12
  // blocks, two miners of equal power both win some but once in 2^11.
  // Transfers keep coming meanwhile, so that many blocks have bodies for
  // the late node to fetch.
  let nonce = hashes.length
  await waitFor('12 blocks', 60000, async () => {
    const tx = await sender.sendTransaction({ to, value: 1n, type: 2, gasLimit: 21000n,
      maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n, nonce: nonce++ })
    hashes.push(tx.hash)
    return Number(await rpc(a.rpcPort, 'eth_blockNumber')) >= 12
  })
  const head = Number(await rpc(a.rpcPort, 'eth_blockNumber'))
  let mined = { [accounts[1].address.toLowerCase()]: 0n, [accounts[2].address.toLowerCase()]: 0n }
  let tips = { ...mined }
  for (let i = 1; i <= head; i++) {
    const blk = await rpc(a.rpcPort, 'eth_getBlockByNumber', ['0x' + i.toString(16), true])
    const who = blk.miner.toLowerCase()
    mined[who] = (mined[who] ?? 0n) + 1n
    for (const t of blk.transactions) {
      const r = await rpc(a.rpcPort, 'eth_getTransactionReceipt', [t.hash])
      tips[who] = (tips[who] ?? 0n) + BigInt(r.gasUsed) * (BigInt(r.effectiveGasPrice) - BigInt(blk.baseFeePerGas))
    }
  }
  for (const m of [accounts[1], accounts[2]]) {
    const k = m.address.toLowerCase()
    const got = BigInt(await rpc(a.rpcPort, 'eth_getBalance', [m.address, '0x' + head.toString(16)]))
    check(got === 10n ** 22n + mined[k] * REWARD + tips[k],
      `miner ${k.slice(0, 8)} earned ${mined[k]} rewards and its tips`)
  }
  check(mined[accounts[1].address.toLowerCase()] > 0n && mined[accounts[2].address.toLowerCase()] > 0n,
    'both miners found blocks')

  // A late node syncs everything; bodies come from several peers. The
  // bodies are shared among the peers that are live when the sync starts:
  // a node whose first peer finished its Status before any other got them
  // all from that one, rightly; that node is stopped and a fresh one
  // tried, up to 4 times.
  let most = 0
  for (let k = 1; k <= 4 && most < 2; k++) {
    const d = await startNode(`d${k}`, null)
    const target = Number(await rpc(a.rpcPort, 'eth_blockNumber'))
    await waitFor(`d reaches block ${target}`, 60000, async () => Number(await rpc(d.rpcPort, 'eth_blockNumber')) >= target)
    const m = cl.log(`d${k}`).match(/bodies from (\d+) peers/g) || []
    most = Math.max(0, ...m.map((s) => Number(s.match(/\d+/)[0])))
    if (most < 2 && k < 4) {
      d.p.kill('SIGKILL')
      continue
    }
    const hd = await rpc(d.rpcPort, 'eth_getBlockByNumber', ['0x' + target.toString(16), false])
    const ha = await rpc(a.rpcPort, 'eth_getBlockByNumber', ['0x' + target.toString(16), false])
    check(hd.hash === ha.hash, `the late node d holds a's block ${target} (attempt ${k})`)
    const rd = await rpc(d.rpcPort, 'eth_getTransactionReceipt', [hashes[5]])
    check(rd && rd.status === '0x1', 'd has the receipts of the synced blocks (it executed them)')
  }
  check(most >= 2, `d fetched its bodies from ${most} peers`)

  cl.close()
  process.exit(failed() ? 1 : 0)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
