// --bft.wait-txs on a BFT network of real processes: 4 validators that
// make no empty blocks. With no transaction pending no height starts:
// the chain stays at genesis; a transfer sent to one validator starts
// the height on every validator (the others hear the proposer's messages)
// and is committed; then the chain waits again.
// Usage: node bft_waittxs.mjs PATH-TO-dure
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Wallet } from 'ethers'
import { Cluster, HOST, bftGenesis, check, dureBinary, failed, freePort, heights, initChain, rpc, sleep, waitFor, waitRpc } from './lib.mjs'

const CHAIN_ID = 4245

async function main() {
  const dure = dureBinary()
  const cl = new Cluster('bftwait')
  const keys = [0, 1, 2, 3].map(() => Wallet.createRandom())
  const payer = Wallet.createRandom()
  const genesis = bftGenesis({ chainId: CHAIN_ID, validators: keys.map((k) => k.address),
    alloc: { [payer.address]: 10n ** 21n } })
  const boot = await cl.start('boot', dure, ['bootnode', '--addr', `${HOST}:${await freePort()}`])
  const nodes = []
  for (let i = 0; i < 4; i++) {
    const n = { label: `v${i + 1}`, port: await freePort(), rpcPort: await freePort() }
    n.dir = join(cl.dir, n.label)
    const keyFile = join(cl.dir, `${n.label}.key`)
    writeFileSync(keyFile, keys[i].privateKey.slice(2), { mode: 0o600 })
    initChain(dure, n.dir, genesis)
    await cl.start(n.label, dure, ['node', '--datadir', n.dir, '--addr', HOST, '--port', String(n.port),
      '--rpc.port', String(n.rpcPort), '--bootnodes', boot.enode, '--bft.key', keyFile, '--bft.wait-txs'])
    await waitRpc(n.rpcPort)
    nodes.push(n)
  }
  await waitFor('the validators peered', 20000, async () =>
    (await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'net_peerCount')))).every((c) => Number(c) >= 3))
  await sleep(4000)
  check((await heights(nodes)).every((h) => h === 0), 'no transaction: no block')

  const tx = await payer.signTransaction({ to: Wallet.createRandom().address, value: 1n, nonce: 0,
    gasLimit: 21000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, chainId: CHAIN_ID, type: 2 })
  const hash = await rpc(nodes[2].rpcPort, 'eth_sendRawTransaction', [tx])
  const rs = await waitFor('the transfer committed everywhere', 20000, async () => {
    const r = await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'eth_getTransactionReceipt', [hash])))
    return r.every((x) => x) && r
  }).catch(() => null)
  check(rs && rs.every((r) => r.status === '0x1' && r.blockNumber === '0x1'), 'a transfer starts height 1 and is committed in it')
  await sleep(4000)
  check((await heights(nodes)).every((h) => h === 1), 'then no empty block follows')

  cl.close()
  if (failed()) process.exit(1)
  console.log('bft_waittxs: all passed')
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
