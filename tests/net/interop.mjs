// Interop with @ethereumjs/devp2p, an independent devp2p implementation:
//  - discovery: its DPT pings and finds our node; our table finds it;
//  - RLPx: a session that we dial and one that it dials both complete the
//    handshake and Hello, and exchange Ping/Pong both ways.
// Usage: node interop.mjs PATH-TO-dure
import { randomBytes } from 'node:crypto'
import { Common, Mainnet } from '@ethereumjs/common'
import { DPT, RLPx } from '@ethereumjs/devp2p'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { Cluster, HOST, check, dureBinary, failed, freePort, idOf, rpc, waitFor, waitRpc } from './lib.mjs'

// The capability both sides announce. Our node offers eth/68; this stand-in
// only has to exist for the Hello negotiation (no Status exchange).
class Eth68 {
  constructor(version, peer, send) {
    this.version = version
  }
  _handleMessage() {}
}
const caps = [{ name: 'eth', version: 68, length: 17, constructor: Eth68 }]
const common = new Common({ chain: Mainnet })
const hex = (b) => bytesToHex(b).slice(2)

// Watches Ping/Pong on an ethereumjs peer: `ours` once our node pinged it,
// `theirs` once our node answered its Ping.
function watchPings(peer) {
  const seen = { ours: false, theirs: false }
  const onPing = peer._handlePing.bind(peer)
  peer._handlePing = () => {
    seen.ours = true
    onPing()
  }
  const onPong = peer._handlePong.bind(peer)
  peer._handlePong = () => {
    seen.theirs = true
    onPong()
  }
  peer._sendPing()
  return seen
}

async function main() {
  const dure = dureBinary()
  const cl = new Cluster('interop')
  const [port, rpcPort, jsPort] = [await freePort(), await freePort(), await freePort()]
  const keyA = randomBytes(32) // DPT and the RLPx listener our node dials
  const keyB = randomBytes(32) // the RLPx client that dials our node

  const dpt = new DPT(keyA, {
    endpoint: { address: HOST, udpPort: jsPort, tcpPort: jsPort },
    refreshInterval: 30000,
  })
  dpt.events.on('error', () => {})
  dpt.bind(jsPort, HOST)
  const rlpxA = new RLPx(keyA, { capabilities: caps, common, listenPort: jsPort, maxPeers: 5 })
  rlpxA.events.on('error', () => {})
  rlpxA.events.on('peer:error', () => {})
  rlpxA.listen(jsPort, HOST)
  const rlpxB = new RLPx(keyB, { capabilities: caps, common, listenPort: null, maxPeers: 5 })
  rlpxB.events.on('error', () => {})
  rlpxB.events.on('peer:error', () => {})
  const idA = hex(rlpxA.id)
  const idB = hex(rlpxB.id)
  const enodeA = `enode://${idA}@${HOST}:${jsPort}`

  // Our node starts with their node as its only bootnode; discovery makes
  // it dial A at once.
  const addedToA = []
  rlpxA.events.on('peer:added', (p) => addedToA.push(p))
  const node = await cl.start('node', dure, ['node', '--datadir', `${cl.dir}/node`,
    '--addr', HOST, '--port', String(port), '--rpc.port', String(rpcPort),
    '--bootnodes', enodeA, '--verbosity', '4'])
  await waitRpc(rpcPort)
  const ourId = idOf(node.enode)

  // Discovery, their side: DPT pings our node and keeps it.
  await dpt.bootstrap({ address: HOST, udpPort: port, tcpPort: port })
  const found = await waitFor('DPT to hold our node', 10000, () => dpt.getPeer(ourId))
  check(found && found.tcpPort === port, 'ethereumjs DPT pinged our node and holds it in its table')

  // Discovery, our side: our table holds theirs.
  const inTable = await waitFor('our table to hold their node', 10000, async () => {
    const t = await rpc(rpcPort, 'dure_discoveryTable')
    return t.nodes.some((u) => idOf(u) === idA)
  }).catch(() => false)
  check(inTable, 'our discovery table holds the ethereumjs node')

  // RLPx, we dial (discovery did already; admin_addPeer makes A static).
  check((await rpc(rpcPort, 'admin_addPeer', [enodeA])) === true, 'admin_addPeer accepts an enode URL')
  const peerA = await waitFor('our dial', 10000, () => addedToA.find((p) => hex(p.getId()) === ourId))
    .catch(() => null)
  check(!!peerA, 'our node dialled ethereumjs: handshake and Hello done')

  // RLPx, they dial.
  const addedB = new Promise((ok) => rlpxB.events.on('peer:added', ok))
  rlpxB.connect({ id: hexToBytes('0x' + ourId), address: HOST, tcpPort: port }).catch(() => {})
  const peerB = await Promise.race([addedB, new Promise((ok) => setTimeout(ok, 10000))])
  check(!!peerB, 'ethereumjs dialled our node: handshake and Hello done')

  // Their 'peer:added' may come before our side has read their Hello.
  const peers = await waitFor('both peers in admin_peers', 5000, async () => {
    const v = await rpc(rpcPort, 'admin_peers')
    return v.length >= 2 && v
  }).catch(() => [])
  const pa = peers.find((p) => p.id === idA)
  const pb = peers.find((p) => p.id === idB)
  check(pa && pa.network.inbound === false && pa.network.static === true && pa.caps.includes('eth/68'),
    'admin_peers lists the peer we dialled (outbound, static, eth/68)')
  check(pb && pb.network.inbound === true && /ethereumjs-devp2p/.test(pb.name),
    'admin_peers lists the peer that dialled us (inbound, its client id)')
  const info = await rpc(rpcPort, 'admin_nodeInfo')
  check(info.id === ourId && info.ports.listener === port && info.enode === node.enode,
    'admin_nodeInfo reports our enode, id and ports')

  // Ping/Pong both ways on both sessions: they ping now, we ping every 15 s.
  if (peerA && peerB) {
    const seen = [watchPings(peerA), watchPings(peerB)]
    const pongs = await waitFor('our Pongs', 5000, () => seen.every((s) => s.theirs)).catch(() => false)
    check(pongs, 'our node answered their Pings with Pongs')
    const pings = await waitFor('our Pings', 20000, () => seen.every((s) => s.ours)).catch(() => false)
    check(pings, 'our node pinged both ethereumjs peers and they answered')
    const count = parseInt(await rpc(rpcPort, 'net_peerCount'), 16)
    check(count === 2, `both sessions still up after the keep-alive (net_peerCount ${count})`)
  }

  rlpxA.destroy()
  rlpxB.destroy()
  dpt.destroy()
  const bye = await waitFor('their Disconnects', 5000,
    () => (cl.log('node').match(/peer sent Disconnect: client quitting/g) || []).length >= 2)
    .catch(() => false)
  check(bye, 'their Disconnect (sent without snappy) reaches our node as "client quitting"')
  node.kill('SIGTERM')
  const code = await new Promise((ok) => node.once('exit', (c) => ok(c)))
  check(code === 0, 'our node shut down cleanly on SIGTERM')
  if (failed()) console.log(cl.log('node').split('\n').slice(-40).join('\n'))
  return failed() ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.log('FAIL:', err.message)
    process.exit(1)
  },
)
