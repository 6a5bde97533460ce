// A byzantine validator among honest ones: 4 validators of power 1, three
// honest `dure node --bft.key` (v1..v3) and bft_byzantine (z, the 4th,
// tests/net/byzantine/bft_byzantine.c), which at every height proposes two
// different blocks when it is the proposer (to two halves of its peers)
// and votes both for every proposal it sees and for nil; plus a follower
// `dure node` without a key (f), all through a bootnode on loopback.
// With 1 of 4 powers the byzantine validator cannot stop the 3 others nor
// make them disagree. Checks, once every honest node and the follower
// passed height 12 (z proposes round 0 of about every 4th height):
//  - the chain advances, and no process died;
//  - v1..v3 and f hold the same hash at every height 1..their lowest head;
//  - dure_bftEvidence on every honest node is non-empty, every entry names
//    z (address, and its index in the address-ordered set), includes a
//    "proposal" and a "prevote" or "precommit", and no node (honest or
//    the follower) has evidence naming an honest validator.
// Keys are made with ethers (an independent implementation of the
// secp256k1 address).
// Usage: node bft_byzantine.mjs PATH-TO-dure PATH-TO-bft_byzantine
//   (or DURE_BIN=... BFT_BYZANTINE_BIN=...); DURE_NET_KEEP=1 keeps the logs,
//   DURE_NET_VERBOSITY=4 makes them debug logs.
import { accessSync, constants, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Wallet } from 'ethers'
import { Cluster, HOST, bftGenesis, check, dureBinary, failed, freePort, heights, initChain, rpc, sameChain, waitFor, waitRpc } from './lib.mjs'

const CHAIN_ID = 4247
const TARGET = 12
// Height 1 starts once the wall clock has left the genesis timestamp's
// second: a genesis this far ahead lets every node find the others first.
// bft_byzantine speaks no eth/68, so a block decided before it connects
// (and its proposals) would never reach it.
const GENESIS_AHEAD_S = 4
const hex = (n) => '0x' + n.toString(16)
const VERBOSITY = process.env.DURE_NET_VERBOSITY || '3'

function harnessBinary() {
  const p = process.env.BFT_BYZANTINE_BIN || process.argv[3]
  try {
    accessSync(p, constants.X_OK)
  } catch {
    console.error(`usage: ${process.argv[1]} PATH-TO-dure PATH-TO-bft_byzantine`)
    process.exit(2)
  }
  return resolve(p)
}

const alive = (p) => p.exitCode === null && p.signalCode === null

async function main() {
  const dure = dureBinary()
  const harness = harnessBinary()
  const t0 = Date.now()
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`
  const cl = new Cluster('bft-byzantine')
  const keys = [0, 1, 2, 3].map(() => Wallet.createRandom())
  const evil = keys[3].address.toLowerCase()
  const honest = keys.slice(0, 3).map((k) => k.address.toLowerCase())
  // Sets are ordered by address (consensus/bft/valset.h).
  const evilIndex = keys.map((k) => k.address.toLowerCase()).sort().indexOf(evil)
  const genesis = bftGenesis({ chainId: CHAIN_ID, validators: keys.map((k) => k.address) })
  genesis.timestamp = hex(Math.floor(Date.now() / 1000) + GENESIS_AHEAD_S)

  const bootPort = await freePort()
  const boot = await cl.start('boot', dure, ['bootnode', '--addr', `${HOST}:${bootPort}`])
  const mk = async (label, key) => {
    const n = { label, dir: join(cl.dir, label), port: await freePort(), rpcPort: await freePort() }
    initChain(dure, n.dir, genesis)
    if (key) {
      n.keyFile = join(cl.dir, `${label}.key`)
      writeFileSync(n.keyFile, key.privateKey.slice(2), { mode: 0o600 })
    }
    return n
  }
  const z = await mk('z', keys[3])
  z.p = await cl.start('z', harness, ['--datadir', z.dir, '--key', z.keyFile, '--port', String(z.port),
    '--bootnodes', boot.enode, '--verbosity', VERBOSITY])
  const nodes = []
  for (const [label, key] of [['v1', keys[0]], ['v2', keys[1]], ['v3', keys[2]], ['f', null]]) {
    const n = await mk(label, key)
    const args = ['node', '--datadir', n.dir, '--addr', HOST, '--port', String(n.port),
      '--rpc.port', String(n.rpcPort), '--bootnodes', boot.enode, '--verbosity', VERBOSITY]
    if (n.keyFile) args.push('--bft.key', n.keyFile)
    n.p = await cl.start(label, dure, args)
    await waitRpc(n.rpcPort)
    nodes.push(n)
  }
  const validators = nodes.slice(0, 3)
  console.log(`started ${elapsed()}: z is ${evil} (index ${evilIndex})`)

  // The chain advances past TARGET on every honest node and the follower.
  let reached = true
  await waitFor(`height ${TARGET + 1} on v1..v3 and f`, 90000, async () => {
    if (!nodes.every((n) => alive(n.p))) return true
    return (await heights(nodes)).every((h) => h > TARGET)
  }).catch((e) => {
    reached = false
    console.log(e.message)
  })
  const hs = await heights(nodes.filter((n) => alive(n.p))).catch(() => [])
  console.log(`heads ${hs.join(',')} after ${elapsed()}`)
  if (!reached) {
    // Where each machine stands, to tell a stall from a slow chain.
    for (const n of nodes.filter((x) => alive(x.p))) {
      const st = await rpc(n.rpcPort, 'dure_bftStatus').catch((e) => ({ error: e.message }))
      console.log(`${n.label} dure_bftStatus: ${st.error || `height ${Number(st.height)} round ${Number(st.round)} ` +
        `step ${st.step} decided ${st.decided} locked ${st.lockedRound} ${st.lockedHash} valid ${st.validRound} ` +
        `${st.validHash} peers ${st.peers}`}`)
    }
  }
  for (const n of [...nodes, z]) check(alive(n.p), `${n.label} is still running`)
  check(reached && nodes.every((n) => alive(n.p)), `every honest node and the follower passed height ${TARGET}`)

  const low = await sameChain(nodes).catch(() => -1)
  check(low >= 1, `v1..v3 and f hold the same hash at every height 1..${low}`)

  const signed = cl.log('z')
  const zProps = (signed.match(/signed proposals #/g) || []).length
  const zVotes = (signed.match(/signed (prevote|precommit) #/g) || []).length
  console.log(`z signed ${zProps} pairs of proposals and ${zVotes} pairs of votes`)

  let ev = null
  try {
    ev = await Promise.all(nodes.map((n) => rpc(n.rpcPort, 'dure_bftEvidence')))
  } catch (e) {
    console.log(`dure_bftEvidence: ${e.message}`)
  }
  check(ev !== null && ev.every(Array.isArray), 'dure_bftEvidence answers an array on every node')
  if (ev && ev.every(Array.isArray)) {
    for (const [i, n] of validators.entries()) {
      const e = ev[i]
      const steps = e.map((x) => x.step)
      console.log(`${n.label}: ${e.length} evidence: ${steps.join(',')}`)
      check(e.length > 0, `${n.label} recorded evidence`)
      check(e.every((x) => String(x.validator).toLowerCase() === evil && Number(x.index) === evilIndex),
        `every entry of ${n.label} names z (address and index ${evilIndex})`)
      check(steps.includes('proposal') && steps.some((s) => s === 'prevote' || s === 'precommit'),
        `${n.label} has evidence of a double proposal and of a double vote`)
      check(e.every((x) => x.first !== x.second), `the two messages of each entry of ${n.label} differ`)
    }
    check(ev.every((e) => !e.some((x) => honest.includes(String(x.validator).toLowerCase()))),
      'no node recorded evidence against an honest validator')
  }

  if (failed()) {
    for (const n of [...nodes, z]) {
      const lines = cl.log(n.label).trimEnd().split('\n')
      console.log(`--- ${n.label}: last lines of its log`)
      console.log(lines.slice(-15).join('\n'))
    }
  }
  cl.close()
  if (failed()) process.exit(1)
  console.log(`bft_byzantine: all passed in ${elapsed()}`)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
