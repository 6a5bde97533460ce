// A validator set change on a BFT network of real processes: validators
// v1..v4 of the genesis, v5 a node holding a validator key that is not in
// the set, and an admin account named in the genesis with the contract
// its changes go to (consensus/bft/rules.h).
//  1. the chain runs on v1..v4; v5 follows;
//  2. the admin sends a transaction (signed here with ethers) whose data
//     is rlp([[v1, 1], [v2, 1], [v3, 1], [v5, 1]]): from two blocks after
//     the one holding it, v5 is a validator and v4 is not; dure_bftStatus
//     on every node names the new set;
//  3. v4 is killed and v1 too: v2, v3 and v5 are 3 of the 4 powers, so the
//     chain goes on only because v5 votes;
//  4. a change from an account that is not the admin changes nothing.
// Usage: node bft_valset.mjs PATH-TO-dure
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Wallet, encodeRlp, toBeHex } from 'ethers'
import { Cluster, HOST, bftGenesis, check, dureBinary, failed, freePort, height, initChain, rpc, waitFor, waitRpc } from './lib.mjs'

const CHAIN_ID = 4244
const CONTRACT = '0x0000000000000000000000000000000000000bf7'

const lower = (a) => a.toLowerCase()
const setOf = (st) => st.validators.map((v) => lower(v.address)).sort()

async function main() {
  const dure = dureBinary()
  const cl = new Cluster('bftvalset')
  const keys = [0, 1, 2, 3, 4].map(() => Wallet.createRandom())
  const admin = Wallet.createRandom()
  const other = Wallet.createRandom()
  const genesis = bftGenesis({ chainId: CHAIN_ID, validators: keys.slice(0, 4).map((k) => k.address),
    alloc: { [admin.address]: 10n ** 21n, [other.address]: 10n ** 21n } })
  genesis.config.bft.admin = admin.address
  genesis.config.bft.contract = CONTRACT
  const boot = await cl.start('boot', dure, ['bootnode', '--addr', `${HOST}:${await freePort()}`])
  const nodes = []
  for (let i = 0; i < 5; i++) {
    const n = { label: `v${i + 1}`, port: await freePort(), rpcPort: await freePort() }
    n.dir = join(cl.dir, n.label)
    n.keyFile = join(cl.dir, `${n.label}.key`)
    writeFileSync(n.keyFile, keys[i].privateKey.slice(2), { mode: 0o600 })
    initChain(dure, n.dir, genesis)
    n.p = await cl.start(n.label, dure, ['node', '--datadir', n.dir, '--addr', HOST, '--port', String(n.port),
      '--rpc.port', String(n.rpcPort), '--bootnodes', boot.enode, '--bft.key', n.keyFile, '--verbosity', '3'])
    await waitRpc(n.rpcPort)
    nodes.push(n)
  }
  const [v1, v2, v3, v4, v5] = nodes

  // 1.
  await waitFor('height 2 everywhere', 30000, async () => (await Promise.all(nodes.map(height))).every((h) => h >= 2))
  let st = await rpc(v5.rpcPort, 'dure_bftStatus')
  check(!setOf(st).includes(lower(keys[4].address)), 'v5 starts outside the set')

  // 2.
  const set = [0, 1, 2, 4].map((i) => [keys[i].address, toBeHex(1)])
  const send = async (from, nonce, data) => {
    const tx = await from.signTransaction({ to: CONTRACT, data, nonce, gasLimit: 100000n,
      maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, chainId: CHAIN_ID, type: 2 })
    const hash = await rpc(v2.rpcPort, 'eth_sendRawTransaction', [tx])
    return waitFor('its receipt', 20000, () => rpc(v2.rpcPort, 'eth_getTransactionReceipt', [hash]))
  }
  // 4. first, so that the admin's change comes later and wins anyway.
  const bogus = await send(other, 0, encodeRlp([[keys[3].address, toBeHex(1)]]))
  const rc = await send(admin, 0, encodeRlp(set))
  check(rc.status === '0x1', `the admin's change is committed in block ${Number(rc.blockNumber)}`)
  const from = Number(rc.blockNumber) + 2
  await waitFor(`height ${from} everywhere`, 20000, async () => (await Promise.all(nodes.map(height))).every((h) => h >= from))
  const want = [0, 1, 2, 4].map((i) => lower(keys[i].address)).sort()
  const sts = await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'dure_bftStatus')))
  check(sts.every((s) => JSON.stringify(setOf(s)) === JSON.stringify(want)),
    `from height ${from} every node names v1, v2, v3, v5 as the set`)
  check(Number(bogus.blockNumber) < Number(rc.blockNumber) && bogus.status === '0x1',
    'a non-admin change is only a transfer (committed, ignored)')
  const blk = await rpc(v1.rpcPort, 'eth_getBlockByNumber', [toBeHex(from + 1), false]).catch(() => null)
  check(!blk || lower(blk.miner) !== lower(keys[3].address), 'v4 proposes no block after the change')

  // 3.
  v4.p.kill('SIGKILL')
  v1.p.kill('SIGKILL')
  const live = [v2, v3, v5]
  const base = await Promise.all(live.map(height))
  const goes = await waitFor('3 more blocks without v1 and v4', 20000,
    async () => (await Promise.all(live.map(height))).every((h, i) => h >= base[i] + 3)).catch(() => false)
  check(goes, 'with v1 and v4 down, v2, v3 and v5 commit 3 more blocks (v5 votes)')
  st = await rpc(v5.rpcPort, 'dure_bftStatus')
  check(st.validator === true && lower(st.self) === lower(keys[4].address) &&
    st.lastCommit && st.lastCommit.signatures.some((s) => lower(s.validator) === lower(keys[4].address)),
    "v5's precommits are in the last commit")

  cl.close()
  if (failed()) process.exit(1)
  console.log('bft_valset: all passed')
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
