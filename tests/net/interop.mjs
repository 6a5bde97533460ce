// Interop with @ethereumjs/devp2p, an independent devp2p implementation,
// against a mining dure node on a proof-of-work chain (ethwire.mjs):
//  - discovery: its DPT pings and finds our node; our table finds it;
//  - RLPx: a session that we dial and one that it dials both complete the
//    handshake and Hello, and exchange Ping/Pong both ways;
//  - eth/68, through ethereumjs' ETH protocol: our Status (genesis,
//    network id = chain id, total difficulty, EIP-2124 fork id) passes
//    its checks; the headers we serve by number and by hash (reverse,
//    with skip) decode with @ethereumjs/block, carry the hashes our RPC
//    gives, link up and satisfy the PoW rules (checked here, in JS); the
//    bodies of blocks holding transactions (sent with ethers) match their
//    headers; a transaction it announces (NewPooledTransactionHashes) is
//    fetched by our node (GetPooledTransactions), enters our pool, is
//    passed on to the other ethereumjs peer and gets mined; our NewBlock
//    gossip carries the block and its total difficulty.
// Usage: node interop.mjs PATH-TO-dure
import { randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'
import {
  createBlockFromBytesArray, createBlockHeaderFromBytesArray, genTransactionsTrieRoot, genWithdrawalsTrieRoot,
} from '@ethereumjs/block'
import { DPT, ETH, RLPx } from '@ethereumjs/devp2p'
import { KECCAK256_RLP, KECCAK256_RLP_ARRAY, bytesToHex, equalsBytes, hexToBytes } from '@ethereumjs/util'
import { JsonRpcProvider, Wallet, parseEther } from 'ethers'
import { Cluster, HOST, check, dureBinary, failed, freePort, idOf, rpc, waitFor } from './lib.mjs'
import {
  CHAIN_ID, EthSession, H, MSG, devAccount, enc, headerHash, initDure, keccak, makeChain, num,
  powDifficulty, runDure, sealValid,
} from './ethwire.mjs'

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

// The first failure of a list of [ok, message] checks, or null.
const firstBad = (list) => (list.find(([ok]) => !ok) || [true, null])[1]

async function main() {
  const dure = dureBinary()
  const cl = new Cluster('interop')
  const accounts = [0, 1, 2, 3].map(devAccount)
  const { gfile, genesisHash, common } = makeChain(cl, dure, accounts)
  initDure(cl, dure, 'node', gfile)
  const [port, rpcPort, jsPort] = [await freePort(), await freePort(), await freePort()]
  const keyA = randomBytes(32) // DPT and the RLPx listener our node dials
  const keyB = randomBytes(32) // the RLPx client that dials our node
  // Both ethereumjs ends are at genesis (nothing for our node to sync).
  const ourStatus = { td: enc(0x4e20), bestHash: hexToBytes(genesisHash), genesisHash: hexToBytes(genesisHash) }
  const caps = [ETH.eth68]

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

  // Each session takes up eth/68 at once (our node drops a peer that
  // sends no Status within 5 s).
  const sessions = new Map()
  const take = (peer) => sessions.set(peer, EthSession.attach(peer, ourStatus).catch((e) => e))
  const addedToA = []
  rlpxA.events.on('peer:added', (p) => {
    addedToA.push(p)
    take(p)
  })

  // Our node mines, and starts with their node as its only bootnode;
  // discovery makes it dial A at once.
  const node = (await runDure(cl, dure, 'node', { port, rpcPort, bootnodes: enodeA, verbosity: 4,
    mine: accounts[1].address })).p
  const ourId = idOf(node.enode)

  // Transactions of three types for the bodies, in two batches so that
  // they land in more than one block; sent while the checks below run.
  const provider = new JsonRpcProvider(`http://${HOST}:${rpcPort}`, CHAIN_ID, { staticNetwork: true })
  const sender = new Wallet(accounts[0].privateKey, provider)
  const to = Wallet.createRandom().address
  const sent = []
  const sendTx = async (nonce, type) => {
    const fees = type === 2 ? { maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n } : { gasPrice: 10n ** 10n }
    const access = type === 1 ? { accessList: [{ address: to, storageKeys: ['0x' + '00'.repeat(31) + '01'] }] } : {}
    const tx = await sender.sendTransaction({ to, value: parseEther('1'), type, gasLimit: 30000n, nonce,
      ...fees, ...access })
    sent.push(tx.hash)
  }
  const sending = (async () => {
    for (const [i, type] of [2, 0, 1].entries()) await sendTx(i, type)
    await waitFor('the first batch mined', 20000, () => rpc(rpcPort, 'eth_getTransactionReceipt', [sent[2]]))
    for (const [i, type] of [2, 2, 0].entries()) await sendTx(3 + i, type)
  })()

  // Discovery, their side: DPT pings our node and keeps it.
  await dpt.bootstrap({ address: HOST, udpPort: port, tcpPort: port })
  const found = await waitFor('DPT to hold our node', 10000, () => dpt.getPeer(ourId))
  check(found && found.tcpPort === port, 'ethereumjs DPT pinged our node and holds it in its table')

  // Discovery, our side: our table holds theirs.
  const inTable = await waitFor('our table to hold their node', 20000, async () => {
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
  const addedB = new Promise((ok) => rlpxB.events.on('peer:added', (p) => {
    take(p)
    ok(p)
  }))
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
  if (!peerA || !peerB) throw new Error('no RLPx sessions to go on with')

  // Ping/Pong both ways on both sessions: they ping now, we ping every
  // 15 s; the eth/68 checks run meanwhile.
  const seen = [watchPings(peerA), watchPings(peerB)]
  const pongs = waitFor('our Pongs', 5000, () => seen.every((s) => s.theirs)).catch(() => false)
  const pings = waitFor('our Pings', 20000, () => seen.every((s) => s.ours)).catch(() => false)

  // ---- eth/68: Status ----
  const [sa, sb] = await Promise.all([sessions.get(peerA), sessions.get(peerB)])
  const g0 = await rpc(rpcPort, 'eth_getBlockByNumber', ['0x0', false])
  for (const [name, s] of [['the session we dialled', sa], ['the session they dialled', sb]]) {
    if (s instanceof Error) {
      check(false, `eth/68 Status on ${name}: ${s.message}`)
      continue
    }
    const st = s.status
    const best = await rpc(rpcPort, 'eth_getBlockByHash', [bytesToHex(st.bestHash), false])
    const fork = crc32(hexToBytes(g0.hash)).toString(16).padStart(8, '0')
    check(bytesToHex(st.genesisHash) === g0.hash && g0.hash === genesisHash &&
      num(st.chainId) === BigInt(CHAIN_ID) && num(st.td) > 0n &&
      hex(st.forkId[0]) === fork && st.forkId[1].length === 0 &&
      best && (best.totalDifficulty === undefined || BigInt(best.totalDifficulty) === num(st.td)),
    `our Status on ${name} passes ethereumjs' checks: genesis ${g0.hash.slice(0, 10)}, network id ` +
      `${num(st.chainId)}, td ${num(st.td)} (its head's), fork id [0x${hex(st.forkId[0])}, none] = CRC32(genesis)`)
  }
  if (sa instanceof Error || sb instanceof Error) throw new Error('no eth/68 sessions to go on with')

  // ---- the chain: mined blocks with our transactions ----
  await sending
  const receipts = await waitFor('our transactions mined', 30000, async () => {
    const rs = await Promise.all(sent.map((h) => rpc(rpcPort, 'eth_getTransactionReceipt', [h])))
    return rs.every((r) => r) && rs
  }).catch(() => null)
  check(receipts && receipts.every((r) => r.status === '0x1'),
    `our node mined the 6 transactions (types 2, 0, 1) in blocks ${[...new Set((receipts || []).map((r) => Number(r.blockNumber)))].join(', ')}`)
  await waitFor('6 blocks', 20000, async () => Number(await rpc(rpcPort, 'eth_blockNumber')) >= 6).catch(() => 0)
  const head = Math.min(Number(await rpc(rpcPort, 'eth_blockNumber')), 100)
  const rpcHash = []
  for (let i = 0; i <= head; i++)
    rpcHash.push((await rpc(rpcPort, 'eth_getBlockByNumber', ['0x' + i.toString(16), false])).hash)

  // ---- GetBlockHeaders by number ----
  // @ethereumjs/block decodes our headers but cannot validate them whole:
  // under its Cancun rules (Paris onwards, proof of stake) a header must
  // have difficulty 0 and nonce 0, and ours carry the PoW difficulty and
  // nonce. So its consensus-format check is skipped (option
  // skipConsensusFormatValidation: only _consensusFormatValidation, the
  // PoS difficulty / nonce / extra-data test); its field-format checks
  // still run, and the PoW rules are checked here instead (difficulty by
  // pow.h's formula, the seal, mix hash 0, empty ommers), with its own
  // gas limit, base fee and excess blob gas rules against the parent.
  const hs = await sb.request(MSG.GET_BLOCK_HEADERS, [enc(0), enc(head + 1), enc(0), enc(0)], MSG.BLOCK_HEADERS)
  check(hs && hs.length === head + 1, `GetBlockHeaders from 0, ${head + 1} of them: ${hs ? hs.length : 'no'} headers`)
  const decoded = []
  const problems = []
  for (const [i, f] of (hs || []).entries()) {
    let h
    try {
      h = createBlockHeaderFromBytesArray(f, { common, skipConsensusFormatValidation: true })
    } catch (e) {
      problems.push([false, `header ${i} does not decode: ${e.message}`])
      continue
    }
    decoded.push(h)
    const hash = bytesToHex(headerHash(f))
    problems.push([h.number === BigInt(i), `header ${i} has number ${h.number}`],
      [bytesToHex(h.hash()) === hash && hash === rpcHash[i], `header ${i}: hash ${hash} (RPC: ${rpcHash[i]})`],
      [f.length === 20, `header ${i} has ${f.length} fields, not Cancun's 20`],
      // A proof-of-work chain has no withdrawals, and we sent no blobs.
      [equalsBytes(h.withdrawalsRoot, KECCAK256_RLP) && h.blobGasUsed === 0n, `header ${i}: withdrawals or blob gas`])
    if (i === 0) continue
    const p = decoded[i - 1]
    const want = powDifficulty(p.difficulty, p.timestamp, h.timestamp)
    let gasOk = true
    try {
      h.validateGasLimit(p)
    } catch {
      gasOk = false
    }
    problems.push([equalsBytes(h.parentHash, p.hash()), `header ${i} does not link to ${i - 1}`],
      [h.timestamp > p.timestamp, `header ${i} is not after its parent`],
      [h.difficulty === want, `header ${i}: difficulty ${h.difficulty}, pow.h says ${want}`],
      [sealValid(f), `header ${i}: the seal is above the target`],
      [equalsBytes(h.mixHash, new Uint8Array(32)) && equalsBytes(h.uncleHash, KECCAK256_RLP_ARRAY),
        `header ${i}: mix hash or ommers hash not empty`],
      [gasOk, `header ${i}: gas limit moves too far`],
      [h.baseFeePerGas === p.calcNextBaseFee(), `header ${i}: base fee ${h.baseFeePerGas}, want ${p.calcNextBaseFee()}`],
      [h.excessBlobGas === p.calcNextExcessBlobGas(p.common), `header ${i}: excess blob gas`])
  }
  const bad = firstBad(problems)
  check(hs && !bad, bad ? `headers: ${bad}` :
    `the ${head + 1} headers decode (@ethereumjs/block, Cancun), hash to our RPC's hashes, link up, and hold ` +
    "the PoW rules (difficulty formula, seal) and ethereumjs' gas limit, base fee and blob gas rules")

  // ---- GetBlockHeaders by hash, reverse, with skip ----
  const rev = await sb.request(MSG.GET_BLOCK_HEADERS, [hexToBytes(rpcHash[head]), enc(3), enc(1), enc(1)],
    MSG.BLOCK_HEADERS)
  const revNums = (rev || []).map((f) => Number(num(f[H.number])))
  check(rev && revNums.join() === [head, head - 2, head - 4].join() &&
    rev.every((f) => bytesToHex(headerHash(f)) === rpcHash[Number(num(f[H.number]))]),
  `GetBlockHeaders from the hash of ${head}, 3, skip 1, reverse: blocks ${revNums.join(', ')}`)

  // ---- a Status sent later: our head and its total difficulty ----
  const late = await EthSession.open(randomBytes(32), { id: ourId, port }, common, ourStatus).catch((e) => e)
  if (late instanceof Error) check(false, `a later eth/68 session: ${late.message}`)
  else {
    const best = late.status.bestHash
    const bh = await late.request(MSG.GET_BLOCK_HEADERS, [best, enc(1), enc(0), enc(0)], MSG.BLOCK_HEADERS)
    const n = bh && bh.length === 1 ? Number(num(bh[0][H.number])) : -1
    const all = n >= 0 ? await late.request(MSG.GET_BLOCK_HEADERS, [enc(0), enc(n + 1), enc(0), enc(0)], MSG.BLOCK_HEADERS) : null
    const td = (all || []).reduce((sum, f) => sum + num(f[H.difficulty]), 0n)
    check(n >= head && all && all.length === n + 1 && equalsBytes(headerHash(all[n]), best) && num(late.status.td) === td,
      `a Status sent later names our head #${n} and its total difficulty ${num(late.status.td)} ` +
      `(the sum of the difficulties of blocks 0..${n}: ${td})`)
    late.close()
  }

  // ---- GetBlockBodies of the blocks with transactions ----
  const full = (hs || []).filter((f) => !equalsBytes(f[H.txRoot], KECCAK256_RLP))
  const bodies = full.length
    ? await sb.request(MSG.GET_BLOCK_BODIES, full.map((f) => headerHash(f)), MSG.BLOCK_BODIES) : null
  const bodyProblems = []
  const inBodies = []
  for (const [k, f] of full.entries()) {
    const body = bodies && bodies[k]
    if (!body) {
      bodyProblems.push([false, `no body for block ${num(f[H.number])}`])
      continue
    }
    const n = Number(num(f[H.number]))
    try {
      // The same skip as for the headers; the body checks all run.
      const blk = createBlockFromBytesArray([f, ...body], { common, skipConsensusFormatValidation: true })
      await blk.validateData() // signatures, fee caps, tx trie, ommers hash, withdrawals trie
      blk.validateBlobTransactions(decoded[n - 1])
      const root = await genTransactionsTrieRoot(blk.transactions)
      const wroot = await genWithdrawalsTrieRoot(blk.withdrawals)
      const rpcBlock = await rpc(rpcPort, 'eth_getBlockByNumber', ['0x' + n.toString(16), false])
      const ours = blk.transactions.map((t) => bytesToHex(t.hash()))
      inBodies.push(...ours)
      bodyProblems.push([equalsBytes(root, f[H.txRoot]), `block ${n}: transactions root differs`],
        [equalsBytes(wroot, f[H.withdrawalsRoot]), `block ${n}: withdrawals root differs`],
        [ours.join() === rpcBlock.transactions.join(), `block ${n}: transactions differ from our RPC's`],
        [body.length === 3 && body[1].length === 0 && body[2].length === 0, `block ${n}: ommers or withdrawals`])
    } catch (e) {
      bodyProblems.push([false, `block ${n}: ${e.message}`])
    }
  }
  const badBody = firstBad(bodyProblems)
  check(full.length > 0 && !badBody && sent.every((h) => inBodies.includes(h)), badBody ? `bodies: ${badBody}` :
    `GetBlockBodies for the ${full.length} blocks with transactions: @ethereumjs/block validates them ` +
    '(signatures, transactions and withdrawals roots, ommers), and all 6 of ours are in them')

  // ---- a transaction announced by ethereumjs ----
  const payer = new Wallet(accounts[3].privateKey)
  const raw = hexToBytes(await payer.signTransaction({ to, value: parseEther('2'), type: 2, chainId: CHAIN_ID,
    nonce: 0, gasLimit: 21000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n }))
  const txHash = bytesToHex(keccak(raw))
  const asked = sb.next(MSG.GET_POOLED_TXS, (p) => p[1].some((h) => bytesToHex(h) === txHash), 10000)
  const passedOn = Promise.race([
    sa.next(MSG.TRANSACTIONS, (p) => p.some((t) => equalsBytes(t, raw)), 15000),
    sa.next(MSG.NEW_POOLED_TX_HASHES, (p) => p[2].some((h) => bytesToHex(h) === txHash), 15000),
  ])
  sb.send(MSG.NEW_POOLED_TX_HASHES, [Uint8Array.of(2), [enc(raw.length)], [hexToBytes(txHash)]])
  const req = await asked
  check(req && req[1].length >= 1, `our node asked for the announced transaction (GetPooledTransactions, ${req ? req[1].length : 0} hashes)`)
  if (req) sb.send(MSG.POOLED_TXS, [req[0], req[1].map((h) => bytesToHex(h) === txHash ? raw : null).filter(Boolean)])
  const pooled = await waitFor('the transaction in our pool', 5000, async () => {
    const [t, pool] = await Promise.all([rpc(rpcPort, 'eth_getTransactionByHash', [txHash]),
      rpc(rpcPort, 'txpool_content')])
    const pending = Object.values(pool.pending || {}).flatMap((byNonce) => Object.values(byNonce))
    if (pending.some((x) => x.hash === txHash)) return 'in txpool_content'
    return t && t.blockNumber ? `already mined in block ${Number(t.blockNumber)}` : null
  }).catch(() => null)
  check(pooled, `the transaction reached our pool (${pooled})`)
  check(await passedOn, 'our node passed it on to the other ethereumjs peer')
  const receipt = await waitFor('the announced transaction mined', 20000,
    () => rpc(rpcPort, 'eth_getTransactionReceipt', [txHash])).catch(() => null)
  check(receipt && receipt.status === '0x1', `it was mined (block ${receipt ? Number(receipt.blockNumber) : '-'})`)

  // ---- our block gossip ----
  const nb = [...sa.log, ...sb.log].filter(([c]) => c === MSG.NEW_BLOCK).map(([, p]) => p)
  const nbProblems = []
  for (const [blk, td] of nb.slice(-5)) {
    const h = bytesToHex(headerHash(blk[0]))
    const r = await rpc(rpcPort, 'eth_getBlockByHash', [h, false])
    nbProblems.push([!!r, `NewBlock ${h} unknown to our RPC`],
      [!r || r.totalDifficulty === undefined || BigInt(r.totalDifficulty) === num(td), `NewBlock ${h}: td ${num(td)}`],
      [sealValid(blk[0]), `NewBlock ${h}: bad seal`])
  }
  const nbBad = firstBad(nbProblems)
  check(nb.length > 0 && !nbBad, nbBad || `our node gossiped ${nb.length} NewBlock messages; the last ones carry ` +
    'sealed blocks of our chain with their total difficulty')

  check(await pongs, 'our node answered their Pings with Pongs')
  check(await pings, 'our node pinged both ethereumjs peers and they answered')
  // The later session has gone by now.
  const count = await waitFor('2 peers', 5000, async () => {
    const c = parseInt(await rpc(rpcPort, 'net_peerCount'), 16)
    return c === 2 ? c : 0
  }).catch(async () => parseInt(await rpc(rpcPort, 'net_peerCount'), 16))
  check(count === 2, `both sessions still up after the keep-alive (net_peerCount ${count})`)

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
  if (failed()) console.log(cl.log('node').split('\n').filter((l) => !/DEBUG p2p/.test(l)).slice(-40).join('\n'))
  return failed() ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.log('FAIL:', err.stack || err.message)
    process.exit(1)
  },
)
