// A time-driven contract: campaigns with start and end times, ERC-20
// pledges, events with indexed arguments and custom errors; the clock is
// moved with the network helpers, the chain rewound with snapshots.
const { loadFixture, time, mine, mineUpTo, takeSnapshot } = require("@nomicfoundation/hardhat-network-helpers");
const { anyValue } = require("@nomicfoundation/hardhat-chai-matchers/withArgs");
const { expect } = require("chai");
const { ethers, network } = require("hardhat");

describe("Crowdfund", function () {
  const GOAL = ethers.parseEther("100");
  const DAY = 24 * 60 * 60;

  async function deployFixture() {
    const [deployer, creator, alice, bob] = await ethers.getSigners();
    const token = await ethers.deployContract("Token", [deployer.address, ethers.parseEther("1000000")]);
    const crowdfund = await ethers.deployContract("Crowdfund", [await token.getAddress()]);
    for (const backer of [alice, bob]) {
      await token.transfer(backer.address, ethers.parseEther("1000"));
      await token.connect(backer).approve(await crowdfund.getAddress(), ethers.MaxUint256);
    }
    return { token, crowdfund, deployer, creator, alice, bob };
  }

  // A campaign starting in an hour and lasting a week.
  async function launchedFixture() {
    const f = await deployFixture();
    const now = await time.latest();
    const startAt = now + 3600;
    const endAt = startAt + 7 * DAY;
    await f.crowdfund.connect(f.creator).launch(GOAL, startAt, endAt);
    return { ...f, id: 1n, startAt, endAt };
  }

  describe("launch", function () {
    it("stores the campaign and emits Launched", async function () {
      const { crowdfund, creator } = await loadFixture(deployFixture);
      const now = await time.latest();
      await expect(crowdfund.connect(creator).launch(GOAL, now + 10, now + 10 + DAY))
        .to.emit(crowdfund, "Launched")
        .withArgs(1, creator.address, GOAL, now + 10, now + 10 + DAY);
      const c = await crowdfund.campaigns(1);
      expect(c.creator).to.equal(creator.address);
      expect(c.goal).to.equal(GOAL);
      expect(c.pledged).to.equal(0n);
      expect(await crowdfund.count()).to.equal(1n);
    });

    it("rejects a start in the past with StartInPast", async function () {
      const { crowdfund } = await loadFixture(deployFixture);
      const now = await time.latest();
      await time.setNextBlockTimestamp(now + 100);
      await expect(crowdfund.launch(GOAL, now + 50, now + DAY))
        .to.be.revertedWithCustomError(crowdfund, "StartInPast")
        .withArgs(now + 50, now + 100);
    });

    it("rejects a campaign longer than MAX_DURATION", async function () {
      const { crowdfund } = await loadFixture(deployFixture);
      const now = await time.latest();
      const max = await crowdfund.MAX_DURATION();
      await expect(crowdfund.launch(GOAL, now + 10, BigInt(now) + max + 100n))
        .to.be.revertedWithCustomError(crowdfund, "BadSchedule")
        .withArgs(now + 10, anyValue);
    });
  });

  describe("progress", function () {
    it("reverts in eth_call for an unknown campaign and panics on a zero goal", async function () {
      const { crowdfund, creator, alice, id, startAt } = await loadFixture(launchedFixture);
      await expect(crowdfund.progress(99)).to.be.revertedWithCustomError(crowdfund, "UnknownCampaign").withArgs(99);
      await time.increaseTo(startAt);
      await crowdfund.connect(alice).pledge(id, GOAL / 4n);
      expect(await crowdfund.progress(id)).to.equal(25n);
      const now = await time.latest();
      await crowdfund.connect(creator).launch(0, now + 10, now + 20);
      const { PANIC_CODES } = require("@nomicfoundation/hardhat-chai-matchers/panic");
      await expect(crowdfund.progress(2)).to.be.revertedWithPanic(PANIC_CODES.DIVISION_BY_ZERO);
    });
  });

  describe("pledge", function () {
    it("refuses pledges before the start", async function () {
      const { crowdfund, alice, id } = await loadFixture(launchedFixture);
      await expect(crowdfund.connect(alice).pledge(id, 1)).to.be.revertedWithCustomError(crowdfund, "NotStarted").withArgs(id);
    });

    it("takes pledges once started and moves the tokens", async function () {
      const { token, crowdfund, alice, id, startAt } = await loadFixture(launchedFixture);
      await time.increaseTo(startAt);
      const amount = ethers.parseEther("10");
      await expect(crowdfund.connect(alice).pledge(id, amount))
        .to.emit(crowdfund, "Pledged")
        .withArgs(id, alice.address, amount)
        .and.to.emit(token, "Transfer")
        .withArgs(alice.address, await crowdfund.getAddress(), amount);
      await expect(crowdfund.connect(alice).unpledge(id, amount / 2n)).to.changeTokenBalances(
        token,
        [alice, crowdfund],
        [amount / 2n, -(amount / 2n)]
      );
      expect(await crowdfund.pledgedAmount(id, alice.address)).to.equal(amount / 2n);
    });

    it("refuses pledges after the end", async function () {
      const { crowdfund, alice, id, endAt } = await loadFixture(launchedFixture);
      await time.increaseTo(endAt + 1);
      await expect(crowdfund.connect(alice).pledge(id, 1)).to.be.revertedWithCustomError(crowdfund, "Ended").withArgs(id);
    });

    it("mines a failing pledge sent with its own gas limit, with status 0", async function () {
      const { token, crowdfund, alice, id } = await loadFixture(launchedFixture);
      const before = await token.balanceOf(alice.address);
      // a given gasLimit skips estimation, so the tx reaches a block and fails there
      const tx = await crowdfund.connect(alice).pledge(id, 1, { gasLimit: 200000 });
      await expect(tx).to.be.reverted;
      const receipt = await ethers.provider.getTransactionReceipt(tx.hash);
      expect(receipt.status).to.equal(0);
      expect(receipt.logs).to.have.length(0);
      expect(receipt.gasUsed).to.be.greaterThan(21000n).and.lessThan(200000n);
      expect(await token.balanceOf(alice.address)).to.equal(before);
    });

    it("reverts with a panic when unpledging more than pledged", async function () {
      const { crowdfund, alice, id, startAt } = await loadFixture(launchedFixture);
      await time.increaseTo(startAt);
      await crowdfund.connect(alice).pledge(id, 5);
      const { PANIC_CODES } = require("@nomicfoundation/hardhat-chai-matchers/panic");
      await expect(crowdfund.connect(alice).unpledge(id, 6)).to.be.revertedWithPanic(PANIC_CODES.ARITHMETIC_OVERFLOW);
    });
  });

  describe("claim and refund", function () {
    it("lets the creator claim a funded campaign once, after the end", async function () {
      const { token, crowdfund, creator, alice, bob, id, startAt, endAt } = await loadFixture(launchedFixture);
      await time.increaseTo(startAt);
      await crowdfund.connect(alice).pledge(id, ethers.parseEther("60"));
      await crowdfund.connect(bob).pledge(id, ethers.parseEther("40"));

      await expect(crowdfund.connect(creator).claim(id)).to.be.revertedWithCustomError(crowdfund, "NotEnded");
      await expect(crowdfund.connect(alice).claim(id)).to.be.revertedWithCustomError(crowdfund, "NotCreator").withArgs(alice.address);

      await time.increaseTo(endAt + 1);
      const claim = crowdfund.connect(creator).claim(id);
      await expect(claim).to.emit(crowdfund, "Claimed").withArgs(id, GOAL);
      await expect(claim).to.changeTokenBalances(token, [creator, crowdfund], [GOAL, -GOAL]);
      await expect(crowdfund.connect(creator).claim(id)).to.be.revertedWithCustomError(crowdfund, "AlreadyClaimed");
      await expect(crowdfund.connect(alice).refund(id)).to.be.revertedWithCustomError(crowdfund, "GoalReached");
    });

    it("refunds the backers of a campaign that missed its goal", async function () {
      const { token, crowdfund, creator, alice, bob, id, startAt, endAt } = await loadFixture(launchedFixture);
      await time.increaseTo(startAt);
      const pledged = ethers.parseEther("30");
      await crowdfund.connect(alice).pledge(id, pledged);
      await time.increase(7 * DAY + 1);
      expect(await time.latest()).to.be.greaterThan(endAt);
      await expect(crowdfund.connect(creator).claim(id))
        .to.be.revertedWithCustomError(crowdfund, "GoalNotReached")
        .withArgs(pledged, GOAL);
      await expect(crowdfund.connect(alice).refund(id)).to.changeTokenBalance(token, alice, pledged);
      await expect(crowdfund.connect(bob).refund(id)).to.be.revertedWithCustomError(crowdfund, "NothingPledged");
    });
  });

  describe("chain control", function () {
    it("mines blocks with mine and mineUpTo, spacing their timestamps", async function () {
      await loadFixture(deployFixture);
      const start = await time.latestBlock();
      const t0 = await time.latest();
      await mine();
      expect(await time.latestBlock()).to.equal(start + 1);
      await mine(100, { interval: 15 });
      expect(await time.latestBlock()).to.equal(start + 101);
      expect(await time.latest()).to.be.at.least(t0 + 99 * 15);
      await mineUpTo(start + 250);
      expect(await time.latestBlock()).to.equal(start + 250);
      const block = await ethers.provider.getBlock(start + 250);
      expect(block.number).to.equal(start + 250);
    });

    it("moves the clock with time.increase and time.setNextBlockTimestamp", async function () {
      const { crowdfund, creator } = await loadFixture(deployFixture);
      const t0 = await time.latest();
      const t1 = await time.increase(3 * DAY);
      expect(t1).to.equal(t0 + 3 * DAY);
      expect(await time.latest()).to.equal(t1);

      const next = t1 + 1000;
      await time.setNextBlockTimestamp(next);
      const tx = await crowdfund.connect(creator).launch(GOAL, next, next + DAY);
      const receipt = await tx.wait();
      const block = await ethers.provider.getBlock(receipt.blockNumber);
      expect(block.timestamp).to.equal(next);
      expect(time.duration.days(2)).to.equal(2 * DAY);
    });

    it("rewinds state, time and blocks with takeSnapshot", async function () {
      const { token, crowdfund, alice, creator } = await loadFixture(deployFixture);
      const snapshot = await takeSnapshot();
      const block0 = await time.latestBlock();
      const balance0 = await token.balanceOf(alice.address);
      const now = await time.latest();

      await crowdfund.connect(creator).launch(GOAL, now + 10, now + DAY);
      await time.increase(30 * DAY);
      await token.connect(alice).transfer(creator.address, 1);
      expect(await crowdfund.count()).to.equal(1n);

      await snapshot.restore();
      expect(await crowdfund.count()).to.equal(0n);
      expect(await token.balanceOf(alice.address)).to.equal(balance0);
      expect(await time.latestBlock()).to.equal(block0);
      expect(await time.latest()).to.be.lessThan(now + 30 * DAY);

      // restore() takes a new snapshot, so it can be used again
      await crowdfund.connect(creator).launch(GOAL, (await time.latest()) + 10, (await time.latest()) + DAY);
      await snapshot.restore();
      expect(await crowdfund.count()).to.equal(0n);
    });

    it("puts several transactions in one block with automine off", async function () {
      const { token, alice, bob } = await loadFixture(deployFixture);
      await network.provider.send("evm_setAutomine", [false]);
      try {
        const tx1 = await token.connect(alice).transfer(bob.address, 1);
        const tx2 = await token.connect(bob).transfer(alice.address, 2);
        expect(await ethers.provider.getTransactionReceipt(tx1.hash)).to.equal(null);
        const pending = await network.provider.send("eth_getBlockByNumber", ["pending", false]);
        expect(pending.transactions).to.include.members([tx1.hash, tx2.hash]);
        await mine();
        const [r1, r2] = await Promise.all([tx1.wait(), tx2.wait()]);
        expect(r1.blockNumber).to.equal(r2.blockNumber);
        expect(r1.status).to.equal(1);
        expect(r2.status).to.equal(1);
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
    });
  });
});
