// A network that can be partitioned, for tests run as root: each `dure node`
// runs in its own network namespace, and the namespaces meet on two bridges
// (side A, side B) in a switch namespace, joined by one veth pair; taking
// that link down (cut) splits the network in two, heal joins it again.
//
//                switch namespace <prefix>sw-PID
//  +------------------------------------------------------+
//  | brA (bootnode) --- lA ====== lB --- brB              |
//  |  | pA1     | pA2                     | pB1     | pB2 |
//  +--|---------|-------------------------|---------|-----+
//    eth0      eth0                      eth0      eth0       data subnet
//     A1        A2                        B1        B2        <prefix>A1-PID...
//    mgmt      mgmt                      mgmt      mgmt
//     |         |     root namespace      |         |         a /30 each
//  <veth>PID0 <veth>PID1              <veth>PID2 <veth>PID3
//
// Each node's RPC is reached over its own management veth from the root
// namespace (a free 10.<mgmtOctet>.X.0/24), which the partition does not
// touch. Two tests with other prefixes and management octets can run at
// the same time.
import { execFileSync } from 'node:child_process'

// The port every node's RPC listens on, at its management address.
export const RPC_PORT = 8545

function ip(...args) {
  return execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString()
}

export class Netns {
  // prefix: the start of the namespaces' names (`${prefix}sw-PID`,
  // `${prefix}A1-PID`); veth: of the management veths' root ends
  // (`${veth}PIDk`, at most 15 characters); data: the data subnet's /24
  // ('10.77.0'); boot: the bootnode's address in it, on brA; mgmtOctet:
  // the management subnets' second octet.
  constructor({ prefix, veth, data, boot, mgmtOctet, pid = process.pid }) {
    Object.assign(this, { prefix, veth, data, boot, mgmtOctet, pid })
    this.sw = `${prefix}sw-${pid}`
    // Namespaces (and with them every veth) this run created.
    this.namespaces = []
  }

  // Removes what dead runs left, builds the switch, picks the management
  // subnet, and tears all down when the process exits.
  setUp() {
    process.on('exit', () => this.teardown())
    this.removeStale()
    this.buildSwitch()
    this.mgmt = this.mgmtSubnet()
  }

  teardown() {
    while (this.namespaces.length) {
      const ns = this.namespaces.pop()
      try {
        ip('netns', 'del', ns)
      } catch {}
    }
  }

  // Namespaces left by runs that died before their teardown (SIGKILL).
  removeStale() {
    const re = new RegExp(`^(${this.prefix}(?:sw|[AB]\\d)-(\\d+))\\b`)
    for (const line of ip('netns', 'list').split('\n')) {
      const m = line.match(re)
      if (!m || Number(m[2]) === this.pid) continue
      try {
        process.kill(Number(m[2]), 0)
      } catch {
        try {
          ip('netns', 'del', m[1])
        } catch {}
      }
    }
  }

  addNamespace(ns) {
    ip('netns', 'add', ns)
    this.namespaces.push(ns)
    ip('-n', ns, 'link', 'set', 'lo', 'up')
  }

  // The switch: bridges brA and brB joined by lA <-> lB (the link the
  // partition cuts); brA also holds the bootnode's address.
  buildSwitch() {
    const sw = this.sw
    this.addNamespace(sw)
    for (const br of ['brA', 'brB']) {
      ip('-n', sw, 'link', 'add', br, 'type', 'bridge')
      ip('-n', sw, 'link', 'set', br, 'up')
    }
    ip('-n', sw, 'link', 'add', 'lA', 'type', 'veth', 'peer', 'name', 'lB')
    ip('-n', sw, 'link', 'set', 'lA', 'master', 'brA', 'up')
    ip('-n', sw, 'link', 'set', 'lB', 'master', 'brB', 'up')
    ip('-n', sw, 'addr', 'add', `${this.boot}/24`, 'dev', 'brA')
  }

  cut() {
    ip('-n', this.sw, 'link', 'set', 'lA', 'down')
  }

  heal() {
    ip('-n', this.sw, 'link', 'set', 'lA', 'up')
  }

  // A 10.<mgmtOctet>.X.0/24 no address of the root namespace is in
  // (another run of the test may be using one), for the management links.
  mgmtSubnet() {
    const o = this.mgmtOctet
    const re = new RegExp(`inet 10\\.${o}\\.(\\d+)\\.`, 'g')
    const used = new Set([...ip('-4', '-o', 'addr').matchAll(re)].map((m) => Number(m[1])))
    for (let i = 0; i < 256; i++) {
      const x = (this.pid + i) % 256
      if (!used.has(x)) return `10.${o}.${x}`
    }
    throw new Error(`no free 10.${o}.X.0/24 for the management links`)
  }

  // Node k's namespace: eth0 on its side's bridge (data.dataIp), mgmt to
  // the root namespace (mgmt.4k+2, the root end mgmt.4k+1). name is the
  // side and a digit (A1), which removeStale knows a namespace by.
  buildHost(name, k, side, dataIp) {
    const sw = this.sw
    const ns = `${this.prefix}${name}-${this.pid}`
    this.addNamespace(ns)
    ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `p${name}`, 'netns', sw)
    ip('-n', sw, 'link', 'set', `p${name}`, 'master', `br${side}`, 'up')
    ip('-n', ns, 'addr', 'add', `${this.data}.${dataIp}/24`, 'dev', 'eth0')
    ip('-n', ns, 'link', 'set', 'eth0', 'up')
    const root = `${this.veth}${this.pid}${k}`
    ip('link', 'add', root, 'type', 'veth', 'peer', 'name', 'mgmt', 'netns', ns)
    ip('addr', 'add', `${this.mgmt}.${4 * k + 1}/30`, 'dev', root)
    ip('link', 'set', root, 'up')
    ip('-n', ns, 'addr', 'add', `${this.mgmt}.${4 * k + 2}/30`, 'dev', 'mgmt')
    ip('-n', ns, 'link', 'set', 'mgmt', 'up')
    return { ns, addr: `${this.data}.${dataIp}`, rpcAddr: `${this.mgmt}.${4 * k + 2}` }
  }
}

// JSON-RPC to node n (a buildHost result with its name) over its
// management link.
export async function call(n, method, params = []) {
  const r = await fetch(`http://${n.rpcAddr}:${RPC_PORT}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(5000),
  })
  const j = await r.json()
  if (j.error) throw new Error(`${n.name} ${method}: ${JSON.stringify(j.error)}`)
  return j.result
}

// Runs main, a test of these namespaces, when root (ip netns needs it);
// otherwise prints SKIP and exits 77.
export function runAsRoot(test, main) {
  if (process.getuid() !== 0) {
    console.log(`SKIP: ${test} needs root for ip netns`)
    process.exit(77)
  }
  main().catch((e) => {
    console.error(e)
    process.exit(1)
  })
}
