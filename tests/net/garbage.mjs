// A peer that sends garbage, an oversized frame or a bad MAC is disconnected
// and banned, while the node keeps its other peers.
//
// Three dure nodes form a small network; then misbehaving clients hit the
// first one: raw garbage instead of a handshake, and (through
// @ethereumjs/devp2p, which completes a real handshake first) garbage
// frames, an oversized frame header with a valid MAC, and a frame whose
// body MAC is wrong. A banned node that reconnects is turned away.
// Usage: node garbage.mjs PATH-TO-dure
import { randomBytes } from 'node:crypto'
import { Socket } from 'node:net'
import { Common, Mainnet } from '@ethereumjs/common'
import { RLPx } from '@ethereumjs/devp2p'
import { hexToBytes } from '@ethereumjs/util'
import { Cluster, HOST, check, dureBinary, failed, freePort, idOf, initChain, powGenesis, rpc, sleep, waitFor, waitRpc } from './lib.mjs'

class Eth68 {
  constructor() {}
  _handleMessage() {}
}
const caps = [{ name: 'eth', version: 68, length: 17, constructor: Eth68 }]
const common = new Common({ chain: Mainnet })

// Completes a handshake with key `key` to the node, then hands the peer
// to `misbehave`. Resolves with 'ended' once our node dropped the session,
// or 'timeout'.
async function session(key, node, misbehave) {
  const rlpx = new RLPx(key, { capabilities: caps, common, listenPort: null, maxPeers: 2 })
  rlpx.events.on('error', () => {})
  rlpx.events.on('peer:error', () => {})
  const result = new Promise((ok) => {
    rlpx.events.on('peer:added', (peer) => misbehave(peer))
    rlpx.events.on('peer:removed', () => ok('ended'))
    setTimeout(() => ok('timeout'), 8000)
  })
  rlpx.connect({ id: hexToBytes('0x' + idOf(node.enode)), address: HOST, tcpPort: node.port })
    .catch(() => {})
  const r = await result
  rlpx.destroy()
  return r
}

async function main() {
  const dure = dureBinary()
  const cl = new Cluster('garbage')
  // The nodes hold a chain, so that they speak eth/68 as the clients do.
  const genesis = powGenesis()
  const start = async (label, boot) => {
    initChain(dure, `${cl.dir}/${label}`, genesis)
    const port = await freePort()
    const rpcPort = await freePort()
    const args = ['node', '--datadir', `${cl.dir}/${label}`, '--addr', HOST, '--port', String(port),
      '--rpc.port', String(rpcPort), '--verbosity', '3']
    if (boot) args.push('--bootnodes', boot)
    const p = await cl.start(label, dure, args)
    p.port = port
    p.rpcPort = rpcPort
    await waitRpc(rpcPort)
    return p
  }
  const n1 = await start('n1')
  const n2 = await start('n2', n1.enode)
  const n3 = await start('n3', n1.enode)
  const others = [idOf(n2.enode), idOf(n3.enode)]
  const keepsOthers = async () => {
    const peers = (await rpc(n1.rpcPort, 'admin_peers')).map((p) => p.id)
    return others.every((id) => peers.includes(id))
  }
  check(await waitFor('n1 to peer with n2 and n3', 15000, keepsOthers).catch(() => false),
    'n1 is connected to n2 and n3')

  // 1. Raw garbage where the handshake should be: a complete EIP-8 auth
  // packet (its size prefix, then that many random bytes) that does not
  // decrypt. The node must drop it at once, not when its handshake
  // timeout (5 s) would have dropped a silent client anyway.
  const junk = randomBytes(2000)
  junk.writeUInt16BE(junk.length - 2, 0)
  const sent = Date.now()
  const closedAfter = await new Promise((ok) => {
    const s = new Socket()
    s.on('error', () => {})
    s.connect(n1.port, HOST, () => s.write(junk))
    s.once('close', () => ok(Date.now() - sent))
    setTimeout(() => {
      s.destroy()
      ok(Infinity)
    }, 8000)
  })
  check(closedAfter < 2000,
    `a client sending garbage instead of a handshake is disconnected at once (${closedAfter} ms)`)

  // 2. Garbage after the handshake: the frame header MAC fails.
  const keyG = randomBytes(32)
  const g = await session(keyG, n1, (peer) => peer._socket.write(randomBytes(64)))
  check(g === 'ended', `garbage frames end the session (${g})`)

  // 3. A frame header announcing ~16 MiB, with a valid MAC.
  const h = await session(randomBytes(32), n1, (peer) =>
    peer._socket.write(peer._eciesSession.createBlockHeader(0xfffff0)))
  check(h === 'ended', `an oversized frame ends the session (${h})`)

  // 4. A valid header, then a body whose MAC is wrong.
  const k = await session(randomBytes(32), n1, (peer) => {
    peer._socket.write(peer._eciesSession.createBlockHeader(16))
    peer._socket.write(randomBytes(32))
  })
  check(k === 'ended', `a frame with a bad MAC ends the session (${k})`)

  const stats = await waitFor('the bans', 3000, async () => {
    const s = await rpc(n1.rpcPort, 'dure_p2pStats')
    return s.bans >= 3 && s
  }).catch(() => null)
  check(stats !== null, `the three misbehaving nodes are banned (bans ${stats && stats.bans})`)

  // 5. A banned node that comes back is turned away after its Hello.
  const again = await session(keyG, n1, () => {})
  check(again === 'ended', `a banned node that reconnects is dropped (${again})`)
  await sleep(300)
  const ids = (await rpc(n1.rpcPort, 'admin_peers')).map((p) => p.id)
  check(ids.length === 2, `only the good peers remain (${ids.length} peers)`)

  check(await keepsOthers(), 'n1 kept its connections to n2 and n3 throughout')
  const log = cl.log('n1')
  check(/header MAC.*\(banned\)/.test(log), 'the log says the garbage peer was dropped for a bad header MAC and banned')
  check(/frame larger than allowed.*\(banned\)/.test(log), 'the log says the oversized frame got its sender banned')
  check(/frame MAC.*\(banned\)/.test(log), 'the log says the bad frame MAC got its sender banned')
  check(/rejected: banned/.test(log), 'the log says the banned node was rejected')
  n1.kill('SIGTERM')
  const code = await new Promise((ok) => n1.once('exit', (c) => ok(c)))
  check(code === 0, 'n1 shut down cleanly on SIGTERM')
  if (failed()) console.log(cl.log('n1').split('\n').slice(-30).join('\n'))
  return failed() ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.log('FAIL:', err.message)
    process.exit(1)
  },
)
