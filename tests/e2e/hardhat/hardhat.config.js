// A Hardhat 2 project as `npx hardhat init` would lay it out, with one
// extra network: `dure`, a node that signs for its own unlocked accounts
// (accounts: "remote"). run.mjs starts the node on a free port and passes
// its URL in DURE_RPC_URL; by hand, `dure dev` listens on 127.0.0.1:8545.
require("@nomicfoundation/hardhat-ethers");
require("@nomicfoundation/hardhat-chai-matchers");
const path = require("node:path");
const { subtask } = require("hardhat/config");
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require("hardhat/builtin-tasks/task-names");

const SOLC_VERSION = "0.8.26";

// Hardhat fetches the compiler named in `solidity.version` from the
// internet the first time it compiles. The documented way to use a local
// compiler instead is to override this subtask: it answers with the
// soljson.js that the `solc` npm package ships (pinned to the same
// version in package.json), so compiling needs nothing beyond `npm ci`.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args, hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  const solcPkg = require("solc/package.json");
  if (solcPkg.version !== SOLC_VERSION) {
    throw new Error(`node_modules/solc is ${solcPkg.version}, the config wants ${SOLC_VERSION}`);
  }
  const compilerPath = path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js");
  const solc = require("solc");
  return { compilerPath, isSolcJs: true, version: SOLC_VERSION, longVersion: solc.version() };
});

/** @type import('hardhat/config').HardhatUserConfig */
module.exports = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 200 },
    },
  },
  networks: {
    dure: {
      url: process.env.DURE_RPC_URL || "http://127.0.0.1:8545",
      accounts: "remote",
    },
  },
  mocha: {
    timeout: 60000,
  },
};
