// `dure node --unlock`: accounts of the keystore that `dure account
// import` wrote (Hardhat's well-known keys #0 and #1, under different
// passwords), decrypted at start and signing over JSON-RPC on a single
// mining node:
//  - a wrong password, a non-loopback --rpc.addr without
//    --allow-insecure-unlock, and no password file without a terminal
//    each keep the node from starting, with a message naming the cause;
//  - eth_accounts lists both (the second named by its index in
//    `dure account list`, its password on line 2 of the file);
//  - eth_sendTransaction from them is mined with the right sender, value
//    and nonces (the pool's next), with dure dev's fee defaults;
//  - eth_signTransaction, eth_sign, personal_sign and
//    eth_signTypedData_v4 signatures recover to the account with ethers
//    (an independent implementation), and equal those ethers makes with
//    the same key (both sign with RFC 6979 nonces).
// Usage: node unlock.mjs PATH-TO-dure
import { execFileSync, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Transaction, Wallet, getBytes, hexlify, toUtf8Bytes, verifyMessage, verifyTypedData } from 'ethers'
import { Cluster, HOST, check, dureBinary, failed, freePort, initChain, powGenesis, rpc, waitFor, waitRpc } from './lib.mjs'

const CHAIN_ID = 4246
const KEY0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
const ADDR0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const KEY1 = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
const ADDR1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const ETHER = 10n ** 18n
const GWEI = 10n ** 9n

async function main() {
  const dure = dureBinary()
  const cl = new Cluster('unlock')
  const dir = join(cl.dir, 'node')
  const etherbase = Wallet.createRandom().address
  initChain(dure, dir, powGenesis({ chainId: CHAIN_ID, alloc: { [ADDR0]: 100n * ETHER, [ADDR1]: 100n * ETHER } }))

  // The keystore, through `dure account import`.
  const file = (name, text) => {
    const p = join(cl.dir, name)
    writeFileSync(p, text, { mode: 0o600 })
    return p
  }
  const imported = [[KEY0, 's3cret'], [KEY1, 'other pass']].map(([key, pw], i) =>
    execFileSync(dure, ['account', 'import', file(`key${i}`, key.slice(2) + '\n'), '--datadir', dir,
      '--password', file(`pw${i}`, pw + '\n'), '--lightkdf'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim())
  check(imported[0] === ADDR0.toLowerCase() && imported[1] === ADDR1.toLowerCase(),
    `dure account import wrote the two keys (${imported.join(', ')})`)
  const passwords = file('passwords', 's3cret\nother pass\n')

  const rpcPort = await freePort()
  const base = ['node', '--datadir', dir, '--addr', HOST, '--port', String(await freePort()),
    '--rpc.port', String(rpcPort), '--verbosity', '3']
  // Refusals: each run with everything else right.
  const refuses = (what, extra, pattern) => {
    const r = spawnSync(dure, [...base, ...extra], { encoding: 'utf8', timeout: 30000, stdio: ['ignore', 'pipe', 'pipe'] })
    const msg = r.stderr.trim().split('\n').pop()
    check(r.status !== 0 && r.status !== null && !r.stdout.includes('enode://') && pattern.test(r.stderr),
      `${what}: exit ${r.status}, "${msg}"`)
  }
  refuses('a wrong password', ['--unlock', ADDR0, '--password', file('wrong', 'other pass\n')],
    new RegExp(`cannot unlock account ${ADDR0.toLowerCase()}: wrong password`))
  refuses('the second line wrong', ['--unlock', `${ADDR0},${ADDR1}`, '--password', file('wrong2', 's3cret\ns3cret\n')],
    new RegExp(`cannot unlock account ${ADDR1.toLowerCase()}: wrong password \\(line 2`))
  refuses('a non-loopback --rpc.addr', ['--unlock', ADDR0, '--password', passwords, '--rpc.addr', '0.0.0.0'],
    /--allow-insecure-unlock/)
  refuses('no --password and no terminal', ['--unlock', ADDR0], /no terminal .*--password/)
  refuses('an account without a key file', ['--unlock', Wallet.createRandom().address, '--password', passwords],
    /no key file for account 0x[0-9a-f]{40}/)
  refuses('an account named twice', ['--unlock', `${ADDR0},0`, '--password', passwords],
    new RegExp(`account ${ADDR0.toLowerCase()} is in --unlock twice`))

  // #1 by its index in `dure account list` (imported second).
  const listed = execFileSync(dure, ['account', 'list', '--datadir', dir], { encoding: 'utf8' })
  check(listed.includes(`Account #1: {${ADDR1.slice(2).toLowerCase()}}`), 'dure account list numbers Hardhat #1 as 1')
  const node = await cl.start('node', dure, [...base, '--unlock', `${ADDR0},1`, '--password', passwords,
    '--mine', '--etherbase', etherbase])
  await waitRpc(rpcPort)
  const accounts = await rpc(rpcPort, 'eth_accounts')
  check(JSON.stringify(accounts) === JSON.stringify([ADDR0, ADDR1].map((a) => a.toLowerCase())),
    `eth_accounts lists the unlocked accounts (${accounts})`)

  // Transfers with no nonce, gas or fees: two from #0 back to back (the
  // second's nonce from the pool) and one from #1.
  const to = Wallet.createRandom().address
  const sends = [[ADDR0, 3n * ETHER / 2n], [ADDR0, 7n], [ADDR1, ETHER]]
  const hashes = []
  for (const [from, value] of sends)
    hashes.push(await rpc(rpcPort, 'eth_sendTransaction', [{ from, to, value: '0x' + value.toString(16) }]))
  const receipts = await waitFor('the three transfers mined', 60000, async () => {
    const rs = await Promise.all(hashes.map((h) => rpc(rpcPort, 'eth_getTransactionReceipt', [h])))
    return rs.every((r) => r) && rs
  }).catch(() => null)
  check(receipts && receipts.every((r) => r.status === '0x1'), 'eth_sendTransaction transfers are mined, status 1')
  const txs = await Promise.all(hashes.map((h) => rpc(rpcPort, 'eth_getTransactionByHash', [h])))
  txs.forEach((t, i) => {
    const [from, value] = sends[i]
    const nonce = i === 1 ? 1 : 0
    // The signature itself, checked by ethers: the sender it recovers.
    const signed = Transaction.from({ type: 2, chainId: CHAIN_ID, nonce: Number(t.nonce), to: t.to,
      value: BigInt(t.value), data: t.input, gasLimit: BigInt(t.gas), maxFeePerGas: BigInt(t.maxFeePerGas),
      maxPriorityFeePerGas: BigInt(t.maxPriorityFeePerGas), accessList: [],
      signature: { r: t.r, s: t.s, yParity: Number(t.yParity) } })
    check(signed.from === from && t.from === from.toLowerCase() && BigInt(t.value) === value &&
      Number(t.nonce) === nonce && signed.hash === t.hash,
    `transfer ${i + 1}: signed by ${from.slice(0, 8)} (ethers recovers it), value ${value}, nonce ${nonce}`)
    check(t.type === '0x2' && BigInt(t.maxPriorityFeePerGas) === GWEI && BigInt(t.gas) === 21000n,
      `transfer ${i + 1}: dure dev's defaults, EIP-1559 with a 1 gwei tip and gas 21000 (${t.type}, ${t.maxPriorityFeePerGas}, ${t.gas})`)
  })
  // The fee cap is 2 * base fee + tip, the base fee of a block at or
  // before the one that holds the transfer (whichever was the head, or
  // came after it, when it was sent).
  const last = Math.max(...receipts.map((r) => Number(r.blockNumber)))
  const baseFees = new Set()
  for (let n = 0; n <= last; n++)
    baseFees.add(BigInt((await rpc(rpcPort, 'eth_getBlockByNumber', ['0x' + n.toString(16), false])).baseFeePerGas))
  txs.forEach((t, i) => {
    const twice = BigInt(t.maxFeePerGas) - GWEI
    check(twice % 2n === 0n && baseFees.has(twice / 2n), `transfer ${i + 1}: fee cap ${t.maxFeePerGas} is 2 * a base fee + 1 gwei`)
  })
  const bal = BigInt(await rpc(rpcPort, 'eth_getBalance', [to, 'latest']))
  check(bal === 3n * ETHER / 2n + 7n + ETHER, `the recipient holds what was sent (${bal})`)

  // Signatures against ethers with the same keys.
  const w0 = new Wallet(KEY0)
  const w1 = new Wallet(KEY1)
  const text = 'dure unlock test'
  const ps = await rpc(rpcPort, 'personal_sign', [hexlify(toUtf8Bytes(text)), ADDR0])
  check(verifyMessage(text, ps) === ADDR0 && ps === (await w0.signMessage(text)),
    'personal_sign: the signature recovers to #0 and equals ethers\'')
  const data = '0xdeadbeef00'
  const es = await rpc(rpcPort, 'eth_sign', [ADDR1, data])
  check(verifyMessage(getBytes(data), es) === ADDR1 && es === (await w1.signMessage(getBytes(data))),
    'eth_sign: the signature recovers to #1 and equals ethers\'')
  const domain = { name: 'Dure', version: '1', chainId: CHAIN_ID, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' }
  const types = { Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'address' }],
    Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person' }, { name: 'contents', type: 'string' }] }
  const mail = { from: { name: 'Cow', wallet: ADDR0 }, to: { name: 'Bob', wallet: ADDR1 }, contents: 'Hello, Bob!' }
  const typed = { types: { EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'version', type: 'string' },
    { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'address' }], ...types },
  primaryType: 'Mail', domain, message: mail }
  const ts = await rpc(rpcPort, 'eth_signTypedData_v4', [ADDR0, JSON.stringify(typed)])
  check(verifyTypedData(domain, types, mail, ts) === ADDR0 && ts === (await w0.signTypedData(domain, types, mail)),
    'eth_signTypedData_v4: the signature recovers to #0 and equals ethers\'')
  const raw = await rpc(rpcPort, 'eth_signTransaction', [{ from: ADDR1, to, value: '0x5', nonce: '0x1',
    gas: '0x5208', maxFeePerGas: '0x77359400', maxPriorityFeePerGas: '0x3b9aca00' }])
  const st = Transaction.from(raw)
  const mine = await w1.signTransaction({ type: 2, chainId: CHAIN_ID, to, value: 5n, nonce: 1, gasLimit: 21000n,
    maxFeePerGas: 2n * GWEI, maxPriorityFeePerGas: GWEI })
  check(st.from === ADDR1 && st.value === 5n && st.chainId === BigInt(CHAIN_ID) && raw === mine,
    'eth_signTransaction: signed by #1, and the bytes ethers signs')
  const stranger = await rpc(rpcPort, 'eth_sendTransaction', [{ from: etherbase, to, value: '0x1' }])
    .then(() => 'accepted', (e) => e.message)
  check(/unknown account/.test(stranger), `a transaction from a locked account is refused (${stranger})`)

  node.kill('SIGTERM')
  const code = await new Promise((ok) => node.once('exit', ok))
  check(code === 0, `the node stops cleanly on SIGTERM (exit ${code})`)
  cl.close()
  if (failed()) process.exit(1)
  console.log('unlock: all passed')
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
