// The state-editing network helpers as suites use them to set up
// scenarios: acting as an address nobody has the key of (a multisig, a
// whale), funding it, planting code and storage, and the node's own
// accounts signing transactions and messages.
const {
  loadFixture,
  impersonateAccount,
  stopImpersonatingAccount,
  setBalance,
  setCode,
  setStorageAt,
  getStorageAt,
  setNonce,
  setCoinbase,
  setNextBlockBaseFeePerGas,
  mine,
} = require("@nomicfoundation/hardhat-network-helpers");
const { expect } = require("chai");
const { ethers, network } = require("hardhat");

// An address with no key anyone knows, as a multisig or a DAO would be.
const MULTISIG = "0x1234567890AbcdEF1234567890aBcdef12345678";

describe("Network helpers", function () {
  async function deployFixture() {
    const [deployer, alice, bob] = await ethers.getSigners();
    const token = await ethers.deployContract("Token", [MULTISIG, ethers.parseEther("500")]);
    const counter = await ethers.deployContract("Counter");
    return { token, counter, deployer, alice, bob };
  }

  describe("accounts", function () {
    it("lists the node's unlocked dev accounts, funded", async function () {
      const signers = await ethers.getSigners();
      expect(signers.length).to.be.at.least(10);
      expect(signers[0].address).to.equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
      expect(signers[1].address).to.equal("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
      expect(await ethers.provider.getBalance(signers[9].address)).to.be.greaterThan(ethers.parseEther("1000"));
      expect(await network.provider.send("eth_chainId")).to.equal("0x7a69");
    });

    it("sends ether and charges exactly gasUsed * gasPrice", async function () {
      const [alice, bob] = await ethers.getSigners();
      const before = await ethers.provider.getBalance(alice.address);
      const tx = await alice.sendTransaction({ to: bob.address, value: ethers.parseEther("1.5") });
      const receipt = await tx.wait();
      expect(receipt.status).to.equal(1);
      expect(receipt.gasUsed).to.equal(21000n);
      const after = await ethers.provider.getBalance(alice.address);
      expect(before - after).to.equal(ethers.parseEther("1.5") + receipt.gasUsed * receipt.gasPrice);
      await expect(bob.sendTransaction({ to: alice.address, value: 7n })).to.changeEtherBalances([bob, alice], [-7n, 7n]);
    });

    it("signs messages with personal_sign", async function () {
      const [signer] = await ethers.getSigners();
      const message = "Sign in to dure test app\nnonce: 42";
      const signature = await signer.signMessage(message);
      expect(ethers.verifyMessage(message, signature)).to.equal(signer.address);
    });
  });

  describe("impersonation", function () {
    it("acts as an address without its key through impersonateAccount", async function () {
      const { token, alice } = await loadFixture(deployFixture);
      expect(await token.owner()).to.equal(MULTISIG);
      await impersonateAccount(MULTISIG);
      await setBalance(MULTISIG, ethers.parseEther("10"));
      const multisig = await ethers.getSigner(MULTISIG);
      await expect(token.connect(multisig).mint(alice.address, 100)).to.changeTokenBalance(token, alice, 100);
      await expect(token.connect(multisig).transfer(alice.address, 5))
        .to.emit(token, "Transfer")
        .withArgs(MULTISIG, alice.address, 5);
      await stopImpersonatingAccount(MULTISIG);
      await expect(token.connect(multisig).transfer(alice.address, 5)).to.be.rejected;
    });

    it("gets an impersonated signer with ethers.getImpersonatedSigner", async function () {
      const { token, bob } = await loadFixture(deployFixture);
      const whale = await ethers.getImpersonatedSigner(MULTISIG);
      await setBalance(whale.address, ethers.parseEther("1"));
      const before = await ethers.provider.getBalance(whale.address);
      const tx = await token.connect(whale).transferOwnership(bob.address);
      const receipt = await tx.wait();
      expect(receipt.from).to.equal(MULTISIG);
      expect(await token.owner()).to.equal(bob.address);
      expect(await ethers.provider.getBalance(whale.address)).to.equal(before - receipt.gasUsed * receipt.gasPrice);
      await stopImpersonatingAccount(MULTISIG);
    });

    it("impersonates a contract address", async function () {
      const { token, alice } = await loadFixture(deployFixture);
      const counterLike = await ethers.deployContract("Counter");
      const addr = await counterLike.getAddress();
      await impersonateAccount(addr);
      await setBalance(addr, ethers.parseEther("1"));
      // tokens sent to the contract can be moved out as the contract itself
      await impersonateAccount(MULTISIG);
      await setBalance(MULTISIG, ethers.parseEther("1"));
      await token.connect(await ethers.getSigner(MULTISIG)).transfer(addr, 9);
      await expect(token.connect(await ethers.getSigner(addr)).transfer(alice.address, 9)).to.changeTokenBalances(
        token,
        [addr, alice],
        [-9, 9]
      );
      await stopImpersonatingAccount(addr);
      await stopImpersonatingAccount(MULTISIG);
    });
  });

  describe("state editing", function () {
    it("sets balances with setBalance", async function () {
      const fresh = ethers.Wallet.createRandom().address;
      expect(await ethers.provider.getBalance(fresh)).to.equal(0n);
      await setBalance(fresh, 123n * 10n ** 18n);
      expect(await ethers.provider.getBalance(fresh)).to.equal(123n * 10n ** 18n);
      await setBalance(fresh, 0);
      expect(await ethers.provider.getBalance(fresh)).to.equal(0n);
    });

    it("plants runtime code with setCode", async function () {
      const { counter } = await loadFixture(deployFixture);
      const code = await ethers.provider.getCode(await counter.getAddress());
      const target = "0x00000000000000000000000000000000c0ffee00";
      expect(await ethers.provider.getCode(target)).to.equal("0x");
      await setCode(target, code);
      expect(await ethers.provider.getCode(target)).to.equal(code);
      const planted = await ethers.getContractAt("Counter", target);
      expect(await planted.count()).to.equal(0n);
      await expect(planted.increment()).to.emit(planted, "Incremented").withArgs((await ethers.getSigners())[0].address, 1);
      expect(await planted.count()).to.equal(1n);
      // no constructor ran: the owner slot is empty
      expect(await planted.owner()).to.equal(ethers.ZeroAddress);
    });

    it("writes storage slots with setStorageAt and reads them with getStorageAt", async function () {
      const { counter, alice } = await loadFixture(deployFixture);
      const addr = await counter.getAddress();
      await setStorageAt(addr, 0, 41);
      expect(await counter.count()).to.equal(41n);
      await counter.increment();
      expect(await getStorageAt(addr, 0)).to.equal(ethers.toBeHex(42, 32));

      // slot 1 holds the owner: hand the counter to alice
      await setStorageAt(addr, "0x1", ethers.zeroPadValue(alice.address, 32));
      expect(await counter.owner()).to.equal(alice.address);
      await expect(counter.reset()).to.be.revertedWithCustomError(counter, "Unauthorized");
      await counter.connect(alice).reset();
      expect(await counter.count()).to.equal(0n);
    });

    it("edits a token balance through its mapping slot", async function () {
      const { token, alice } = await loadFixture(deployFixture);
      // OpenZeppelin 5 keeps ERC20 _balances in slot 0 of the contract
      const slot = ethers.solidityPackedKeccak256(["uint256", "uint256"], [alice.address, 0]);
      await setStorageAt(await token.getAddress(), slot, ethers.parseEther("77"));
      expect(await token.balanceOf(alice.address)).to.equal(ethers.parseEther("77"));
    });

    it("sets an account nonce with setNonce", async function () {
      const fresh = ethers.Wallet.createRandom().address;
      await setNonce(fresh, 50);
      expect(await ethers.provider.getTransactionCount(fresh)).to.equal(50);
      // the next contract created from it lands at the address for nonce 50
      await impersonateAccount(fresh);
      await setBalance(fresh, ethers.parseEther("1"));
      const counter = await ethers.deployContract("Counter", [], await ethers.getSigner(fresh));
      expect(await counter.getAddress()).to.equal(ethers.getCreateAddress({ from: fresh, nonce: 50 }));
      await stopImpersonatingAccount(fresh);
    });

    it("lets a zero-fee transaction through after setNextBlockBaseFeePerGas(0)", async function () {
      const [, , , , , poor] = await ethers.getSigners();
      const fresh = ethers.Wallet.createRandom().address;
      await setNextBlockBaseFeePerGas(0);
      const before = await ethers.provider.getBalance(poor.address);
      const tx = await poor.sendTransaction({ to: fresh, value: 1n, maxFeePerGas: 0, maxPriorityFeePerGas: 0 });
      const receipt = await tx.wait();
      const block = await ethers.provider.getBlock(receipt.blockNumber);
      expect(block.baseFeePerGas).to.equal(0n);
      expect(await ethers.provider.getBalance(poor.address)).to.equal(before - 1n);
    });

    it("sets the coinbase of the next blocks with setCoinbase", async function () {
      const { counter } = await loadFixture(deployFixture);
      const coinbase = "0x000000000000000000000000000000000000bEEF";
      await setCoinbase(coinbase);
      await mine();
      const block = await network.provider.send("eth_getBlockByNumber", ["latest", false]);
      expect(ethers.getAddress(block.miner)).to.equal(coinbase);
      const [, , seen] = await counter.blockInfo();
      expect(seen).to.equal(coinbase);
    });
  });
});
