'use strict';

// The Caliper workload for every SecurePay round. Each worker drives its own orders (its own buyer,
// merchant and courier), so no two transactions in flight touch the same key: MVCC conflicts are
// kept out by design, and any that happen are counted as failures. A transaction takes the order
// that has waited longest for its next step, once every peer has committed the previous one.
const { WorkloadModuleBase } = require('@hyperledger/caliper-core');
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { flows, requestFor, batchRequestFor, newOrder } = require('./order-steps');
const { PeerHeights } = require('./peer-heights');
const inFlight = require('./in-flight');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class EscrowFlow extends WorkloadModuleBase {
  async initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext) {
    await super.initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext);
    const all = JSON.parse(readFileSync(roundArguments.partiesFile, 'utf8'));
    this.parties = { ...all.workers[workerIndex], admins: all.admins, ledgerKeyPem: all.ledgerKeyPem };
    this.contractId = all.contract;
    this.flow = flows[roundArguments.flow];
    if (!this.flow) throw new Error(`unknown flow ${roundArguments.flow}`);
    this.batchSize = roundArguments.batchSize ?? 50;
    // Orders alive at once: enough that one is ready whenever a transaction finishes, few enough that
    // the mix of steps stays the workflow's.
    this.maxActive = Math.ceil(1.5 * (roundArguments.loadPerWorker ?? 8));
    this.active = 0;
    this.records = [];
    this.ready = [];
    this.orders = [];
    this.alive = 0;
    this.peers = new PeerHeights(all.peers, all.channel);
    await this.peers.start();
    // Orders that need unmeasured preparation are made before the round starts.
    const prepared = Math.ceil((roundArguments.preparedOrders ?? 0) / totalWorkers);
    if (this.flow.prepare.length > 0) await this.prepare(prepared);
  }

  async prepare(count) {
    const orders = Array.from({ length: count }, () => newOrder(this.parties, this.workerIndex));
    for (const step of this.flow.prepare) {
      const txIds = [];
      for (let i = 0; i < orders.length; i += 64) {
        await Promise.all(
          orders.slice(i, i + 64).map(async (order) => {
            const status = await this.sutAdapter.sendRequests(requestFor(step, order, this.parties, this.contractId));
            if (status.GetStatus() !== 'success') throw new Error(`preparing ${order.orderId}: ${step} failed`);
            txIds.push(status.GetID());
          }),
        );
      }
      while (!this.peers.allHave(txIds)) await sleep(5);
    }
    for (const order of orders) this.ready.push({ order, txId: undefined });
    this.orders = orders;
    this.alive = orders.length;
  }

  /**
   * The order that has waited longest for its next step. A flow that starts its own orders starts a
   * new one when none is ready; one on prepared orders waits for one, or — when every prepared order
   * is done — returns nothing.
   */
  async nextOrder() {
    for (;;) {
      const head = this.ready[0];
      if (head && this.isReady(head)) return this.ready.shift().order;
      if (this.flow.prepare.length === 0 && this.active < this.maxActive) {
        this.active += 1;
        return newOrder(this.parties, this.workerIndex);
      }
      if (this.flow.prepare.length > 0 && this.alive === 0) return undefined;
      await sleep(2);
    }
  }

  /** A full batch of orders at one stage (or all that remain at it), as a bank's bridge would send it. */
  async nextBatch() {
    for (;;) {
      for (let stage = 0; stage < this.flow.measure.length; stage++) {
        const remaining = this.stageCount(stage);
        if (remaining === 0) continue;
        const ready = this.ready.filter((e) => e.order.next === stage && this.isReady(e));
        if (ready.length >= Math.min(this.batchSize, remaining)) {
          const taken = ready.slice(0, this.batchSize);
          this.ready = this.ready.filter((e) => !taken.includes(e));
          return taken.map((e) => e.order);
        }
      }
      if (this.alive === 0) return undefined;
      await sleep(2);
    }
  }

  stageCount(stage) {
    return this.orders.filter((o) => o.next === stage && !o.dropped).length;
  }

  /** Ready once every peer has committed the block with the order's last step (if it had one here). */
  isReady(entry) {
    if (entry.txId === undefined) return true;
    if (!this.peers.allHave([entry.txId])) return false;
    entry.txId = undefined;
    return true;
  }

  async submitTransaction() {
    inFlight.count += 1;
    try {
      await this.step();
    } finally {
      inFlight.count -= 1;
    }
  }

  async step() {
    const batch = this.flow.measure[0].startsWith('batch');
    const orders = batch ? await this.nextBatch() : [await this.nextOrder()].filter(Boolean);
    if (!orders || orders.length === 0) {
      // Every prepared order is done but the round goes on: a slow idle probe, left out of the figures.
      await sleep(100);
      const status = await this.sutAdapter.sendRequests(requestFor('noop', undefined, this.parties, this.contractId));
      this.records.push({ step: 'idle', start: Date.now(), end: Date.now(), ok: status.GetStatus() === 'success', orders: 0 });
      return;
    }
    const step = this.flow.measure[orders[0].next];
    const request = batch
      ? batchRequestFor(step, orders, this.parties, this.contractId)
      : requestFor(step, orders[0], this.parties, this.contractId);
    const start = Date.now();
    const status = await this.sutAdapter.sendRequests(request);
    const end = Date.now();
    const ok = status.GetStatus() === 'success';
    this.records.push({ step, start, end, ok, orders: orders.length });
    for (const o of orders) {
      if (ok) o.next += 1;
      const finished = o.next >= this.flow.measure.length;
      // A failed step is not retried: the round reports it, and its order leaves the pool.
      if (!ok) o.dropped = true;
      if ((finished || !ok) && this.flow.prepare.length > 0) this.alive -= 1;
      if ((finished || !ok) && this.flow.prepare.length === 0) this.active -= 1;
      if (ok && !finished) this.ready.push({ order: o, txId: status.GetID() });
    }
  }

  async cleanupWorkloadModule() {
    this.peers.close();
    const dir = this.roundArguments.recordsDir;
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `round-${this.roundIndex}-worker-${this.workerIndex}.json`), JSON.stringify(this.records));
  }
}

module.exports.createWorkloadModule = () => new EscrowFlow();
