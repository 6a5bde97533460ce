// An OpenZeppelin ERC-20 with EIP-2612 permit: balances, allowances, the
// library's custom errors, and permits signed by the node's own accounts
// (eth_signTypedData_v4 through Hardhat's remote signer).
const { loadFixture, time } = require("@nomicfoundation/hardhat-network-helpers");
const { expect } = require("chai");
const { ethers } = require("hardhat");

describe("Token", function () {
  const SUPPLY = ethers.parseEther("1000000");

  async function deployTokenFixture() {
    const [owner, alice, bob, spender] = await ethers.getSigners();
    const token = await ethers.deployContract("Token", [owner.address, SUPPLY]);
    await token.waitForDeployment();
    return { token, owner, alice, bob, spender };
  }

  async function signPermit(token, holder, spender, value, deadline) {
    const { chainId } = await ethers.provider.getNetwork();
    const domain = {
      name: await token.name(),
      version: "1",
      chainId,
      verifyingContract: await token.getAddress(),
    };
    const types = {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    };
    const message = {
      owner: holder.address,
      spender: spender.address,
      value,
      nonce: await token.nonces(holder.address),
      deadline,
    };
    const signature = await holder.signTypedData(domain, types, message);
    return { domain, types, message, signature, sig: ethers.Signature.from(signature) };
  }

  describe("Deployment", function () {
    it("mints the initial supply to the owner", async function () {
      const { token, owner } = await loadFixture(deployTokenFixture);
      expect(await token.name()).to.equal("Dure Test Token");
      expect(await token.symbol()).to.equal("DTT");
      expect(await token.decimals()).to.equal(18n);
      expect(await token.totalSupply()).to.equal(SUPPLY);
      expect(await token.balanceOf(owner.address)).to.equal(SUPPLY);
      expect(await token.owner()).to.equal(owner.address);
    });

    it("emits Transfer from the zero address on deployment", async function () {
      const [owner] = await ethers.getSigners();
      const Token = await ethers.getContractFactory("Token");
      const token = await Token.deploy(owner.address, 5n);
      const receipt = await token.deploymentTransaction().wait();
      const logs = receipt.logs.map((l) => token.interface.parseLog(l)).filter(Boolean);
      expect(logs).to.have.length(2); // OwnershipTransferred, Transfer
      const transfer = logs.find((l) => l.name === "Transfer");
      expect(transfer.args.from).to.equal(ethers.ZeroAddress);
      expect(transfer.args.to).to.equal(owner.address);
      expect(transfer.args.value).to.equal(5n);
    });
  });

  describe("Transfers", function () {
    it("moves tokens between accounts", async function () {
      const { token, owner, alice, bob } = await loadFixture(deployTokenFixture);
      await expect(token.transfer(alice.address, 50)).to.changeTokenBalances(token, [owner, alice], [-50, 50]);
      await expect(token.connect(alice).transfer(bob.address, 20))
        .to.emit(token, "Transfer")
        .withArgs(alice.address, bob.address, 20);
      expect(await token.balanceOf(alice.address)).to.equal(30n);
      expect(await token.balanceOf(bob.address)).to.equal(20n);
    });

    it("reverts with ERC20InsufficientBalance when the sender lacks tokens", async function () {
      const { token, alice, bob } = await loadFixture(deployTokenFixture);
      await expect(token.connect(alice).transfer(bob.address, 1))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(alice.address, 0, 1);
    });

    it("reverts with ERC20InvalidReceiver for the zero address", async function () {
      const { token } = await loadFixture(deployTokenFixture);
      await expect(token.transfer(ethers.ZeroAddress, 1))
        .to.be.revertedWithCustomError(token, "ERC20InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
    });

    it("spends allowances with transferFrom", async function () {
      const { token, owner, alice, spender } = await loadFixture(deployTokenFixture);
      await expect(token.approve(spender.address, 100)).to.emit(token, "Approval").withArgs(owner.address, spender.address, 100);
      await expect(token.connect(spender).transferFrom(owner.address, alice.address, 60)).to.changeTokenBalances(
        token,
        [owner, alice, spender],
        [-60, 60, 0]
      );
      expect(await token.allowance(owner.address, spender.address)).to.equal(40n);
      await expect(token.connect(spender).transferFrom(owner.address, alice.address, 41))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(spender.address, 40, 41);
    });

    it("finds past transfers with queryFilter (eth_getLogs)", async function () {
      const { token, owner, alice, bob } = await loadFixture(deployTokenFixture);
      const from = await ethers.provider.getBlockNumber();
      await token.transfer(alice.address, 3);
      await token.transfer(bob.address, 4);
      await token.connect(alice).transfer(bob.address, 1);
      const toBob = await token.queryFilter(token.filters.Transfer(null, bob.address), from + 1);
      expect(toBob.map((e) => [e.args.from, e.args.value])).to.deep.equal([
        [owner.address, 4n],
        [alice.address, 1n],
      ]);
      const fromOwner = await token.queryFilter(token.filters.Transfer(owner.address), from + 1, "latest");
      expect(fromOwner.map((e) => e.args.to)).to.deep.equal([alice.address, bob.address]);
      expect(fromOwner[0].blockNumber).to.equal(from + 1);
      expect(fromOwner[0].transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    });

    it("lets only the owner mint", async function () {
      const { token, alice } = await loadFixture(deployTokenFixture);
      await expect(token.connect(alice).mint(alice.address, 1))
        .to.be.revertedWithCustomError(token, "OwnableUnauthorizedAccount")
        .withArgs(alice.address);
      await expect(token.mint(alice.address, 7)).to.changeTokenBalance(token, alice, 7);
      expect(await token.totalSupply()).to.equal(SUPPLY + 7n);
    });
  });

  describe("Permit (EIP-2612)", function () {
    it("builds the EIP-712 domain the contract uses", async function () {
      const { token } = await loadFixture(deployTokenFixture);
      const { chainId } = await ethers.provider.getNetwork();
      const expected = ethers.TypedDataEncoder.hashDomain({
        name: "Dure Test Token",
        version: "1",
        chainId,
        verifyingContract: await token.getAddress(),
      });
      expect(await token.DOMAIN_SEPARATOR()).to.equal(expected);
      const domain = await token.eip712Domain();
      expect(domain.name).to.equal("Dure Test Token");
      expect(domain.version).to.equal("1");
      expect(domain.chainId).to.equal(chainId);
    });

    it("accepts a permit signed by the holder's remote signer", async function () {
      const { token, owner, spender, alice } = await loadFixture(deployTokenFixture);
      const value = ethers.parseEther("12.5");
      const deadline = (await time.latest()) + 3600;
      const p = await signPermit(token, owner, spender, value, deadline);

      // The node signed with the right key for the right digest.
      expect(ethers.verifyTypedData(p.domain, p.types, p.message, p.signature)).to.equal(owner.address);

      // Anyone may submit it; here the spender pays the gas.
      await expect(token.connect(spender).permit(owner.address, spender.address, value, deadline, p.sig.v, p.sig.r, p.sig.s))
        .to.emit(token, "Approval")
        .withArgs(owner.address, spender.address, value);
      expect(await token.allowance(owner.address, spender.address)).to.equal(value);
      expect(await token.nonces(owner.address)).to.equal(1n);

      await expect(token.connect(spender).transferFrom(owner.address, alice.address, value)).to.changeTokenBalances(
        token,
        [owner, alice],
        [-value, value]
      );
    });

    it("rejects a replayed permit", async function () {
      const { token, owner, spender } = await loadFixture(deployTokenFixture);
      const deadline = (await time.latest()) + 3600;
      const p = await signPermit(token, owner, spender, 1000n, deadline);
      await token.permit(owner.address, spender.address, 1000n, deadline, p.sig.v, p.sig.r, p.sig.s);
      await expect(token.permit(owner.address, spender.address, 1000n, deadline, p.sig.v, p.sig.r, p.sig.s)).to.be.revertedWithCustomError(
        token,
        "ERC2612InvalidSigner"
      );
    });

    it("rejects a permit signed by someone else", async function () {
      const { token, owner, alice, spender } = await loadFixture(deployTokenFixture);
      const deadline = (await time.latest()) + 3600;
      const p = await signPermit(token, owner, spender, 1n, deadline);
      // alice signs the message that names owner as the holder
      const forged = ethers.Signature.from(await alice.signTypedData(p.domain, p.types, p.message));
      await expect(token.permit(owner.address, spender.address, 1n, deadline, forged.v, forged.r, forged.s))
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
        .withArgs(alice.address, owner.address);
    });

    it("rejects a permit after its deadline", async function () {
      const { token, owner, spender } = await loadFixture(deployTokenFixture);
      const deadline = (await time.latest()) + 60;
      const p = await signPermit(token, owner, spender, 1n, deadline);
      await time.increase(61);
      await expect(token.permit(owner.address, spender.address, 1n, deadline, p.sig.v, p.sig.r, p.sig.s))
        .to.be.revertedWithCustomError(token, "ERC2612ExpiredSignature")
        .withArgs(deadline);
    });
  });
});
