// A BFT network of real processes: 4 validators (v1..v4) and 2 followers
// (f1, f2), `dure node` each, on loopback through a bootnode, 1 s blocks.
//  1. every node commits the same blocks; "finalized" is the head; a
//     transfer sent to a follower is committed with a receipt everywhere;
//  2. v1 is SIGKILLed at random instants of its rounds and restarted on
//     its data directory, three times: the chain goes on, and no node
//     records evidence against it (its WAL kept it from signing twice);
//  3. v4 is SIGKILLed: the 3 others (3 of 4 powers, above 2/3) go on;
//  4. v3 is SIGKILLed too: with 2 of 4 the chain halts, and nobody forks;
//  5. v3 restarts and the chain resumes within a few block times; v4
//     restarts and catches up; every node holds the same hash at every
//     height, and dure_bftEvidence is empty everywhere.
// Transactions are signed with ethers (an independent signer).
// Usage: node bft.mjs PATH-TO-dure
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Wallet } from 'ethers'
import { Cluster, HOST, bftGenesis, check, dureBinary, failed, freePort, height, heights, initChain, rpc, sameChain, sleep, waitFor, waitRpc } from './lib.mjs'

const CHAIN_ID = 4243

async function main() {
  const dure = dureBinary()
  const cl = new Cluster('bft')
  const keys = [0, 1, 2, 3].map(() => Wallet.createRandom())
  const payer = Wallet.createRandom()
  const genesis = bftGenesis({ chainId: CHAIN_ID, validators: keys.map((k) => k.address),
    alloc: { [payer.address]: 10n ** 21n } })
  const bootPort = await freePort()
  const boot = await cl.start('boot', dure, ['bootnode', '--addr', `${HOST}:${bootPort}`])

  const nodes = []
  for (let i = 0; i < 6; i++) {
    const label = i < 4 ? `v${i + 1}` : `f${i - 3}`
    const n = { label, dir: join(cl.dir, label), port: await freePort(), rpcPort: await freePort() }
    initChain(dure, n.dir, genesis)
    if (i < 4) {
      n.keyFile = join(cl.dir, `${label}.key`)
      writeFileSync(n.keyFile, keys[i].privateKey.slice(2), { mode: 0o600 })
    }
    nodes.push(n)
  }
  let runs = 0
  async function start(n) {
    const args = ['node', '--datadir', n.dir, '--addr', HOST, '--port', String(n.port),
      '--rpc.port', String(n.rpcPort), '--bootnodes', boot.enode, '--verbosity', '3']
    if (n.keyFile) args.push('--bft.key', n.keyFile)
    n.p = await cl.start(`${n.label}.${runs++}`, dure, args)
    await waitRpc(n.rpcPort)
  }
  const kill = async (n) => {
    n.p.kill('SIGKILL')
    await new Promise((ok) => (n.p.exitCode !== null || n.p.signalCode !== null ? ok() : n.p.once('exit', ok)))
  }
  for (const n of nodes) await start(n)
  const [v1, v2, v3, v4, f1] = nodes
  const rises = async (set, by, ms) => {
    const base = await heights(set)
    try {
      await waitFor(`${by} more blocks`, ms, async () => (await heights(set)).every((h, i) => h >= base[i] + by))
      return true
    } catch {
      return false
    }
  }

  // 1. one chain, final at once.
  await waitFor('height 3 on every node', 30000, async () => (await heights(nodes)).every((h) => h >= 3))
  check((await sameChain(nodes)) >= 3, 'all 6 nodes commit the same blocks')
  const fin = await rpc(f1.rpcPort, 'eth_getBlockByNumber', ['finalized', false])
  const head = await rpc(f1.rpcPort, 'eth_getBlockByNumber', ['latest', false])
  check(fin && Number(fin.number) >= Number(head.number) - 1, `"finalized" is the head (#${Number(fin.number)}, head #${Number(head.number)})`)
  const tx = await payer.signTransaction({ to: Wallet.createRandom().address, value: 1000n, nonce: 0,
    gasLimit: 21000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, chainId: CHAIN_ID, type: 2 })
  const txHash = await rpc(f1.rpcPort, 'eth_sendRawTransaction', [tx])
  const receipts = await waitFor('the transfer committed on every node', 15000, async () => {
    const rs = await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'eth_getTransactionReceipt', [txHash])))
    return rs.every((r) => r) && rs
  }).catch(() => null)
  check(receipts && receipts.every((r) => r.status === '0x1' && r.blockHash === receipts[0].blockHash),
    'a transfer sent to a follower has the same successful receipt on all nodes')

  // 2. crashes in the middle of rounds, with the WAL.
  for (let c = 0; c < 3; c++) {
    await sleep(300 + Math.floor(Math.random() * 1000))
    await kill(v1)
    await start(v1)
  }
  check(await rises(nodes, 3, 20000), 'after three SIGKILLs and restarts of v1 every node commits 3 more blocks')

  // 3. one validator of four down.
  await kill(v4)
  const live = nodes.filter((n) => n !== v4)
  check(await rises(live, 3, 15000), 'with v4 killed the other nodes commit 3 more blocks')

  // 4. two down: no quorum.
  await kill(v3)
  const rest = live.filter((n) => n !== v3)
  await sleep(2000)
  const before = await heights(rest)
  await sleep(8000)
  const after = await heights(rest)
  check(after.every((h, i) => h <= before[i]), `with v3 killed too the chain halts (${before.join(',')} -> ${after.join(',')})`)
  check((await sameChain(rest)) >= 0, 'and nobody forked')

  // 5. back to a quorum.
  await start(v3)
  check(await rises(rest, 3, 30000), 'v3 restarted: the chain resumes')
  await start(v4)
  const top = Math.max(...(await heights(nodes)))
  await waitFor('v4 catching up', 30000, async () => (await height(v4)) >= top).catch(() => {})
  check((await height(v4)) >= top, `v4 restarted catches up to #${top}`)
  check((await sameChain(nodes)) >= top, 'every node holds the same hash at every height')
  const ev = await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'dure_bftEvidence')))
  check(ev.every((e) => Array.isArray(e) && e.length === 0), 'no node recorded an equivocation (the WAL held across the crashes)')
  const st = await rpc(v2.rpcPort, 'dure_bftStatus')
  check(st && st.validator === true && st.validators.length === 4 && st.lastCommit && Number(st.lastCommit.height) >= top - 1,
    'dure_bftStatus names the 4 validators and the last commit')

  cl.close()
  if (failed()) process.exit(1)
  console.log('bft: all passed')
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
