'use strict';

// The Caliper workload for every SecurePay round. Each worker drives its own orders (its own buyer,
// merchant and courier), so no two transactions in flight touch the same key: MVCC conflicts are
// kept out by design, and any that happen are counted as failures. A transaction takes the order
// that has waited longest for its next step, once every peer has committed the previous one.
//
// A round opens with a warm-up phase (`warmSeconds`) of the same flow at the same load: its
// transactions are marked `warm` and left out of the figures, so every measured phase starts on a
// network that is already busy with that flow. (A separate Caliper round would do the same, but
// Caliper rests 5 s between rounds, which lets the network go idle again.) Worker 0 snapshots every
// process's CPU time when the measured phase starts and when the round ends.
const { WorkloadModuleBase } = require('@hyperledger/caliper-core');
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { clearTimeout } = require('node:timers');
const path = require('node:path');
const { flows, requestFor, batchRequestFor, approvalBatchFor, isApproval, newOrder } = require('./order-steps');
const { PeerHeights } = require('./peer-heights');
const { procSnapshot } = require('./proc-snapshot');
const inFlight = require('./in-flight');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Prepared orders outlive a round (module state lives as long as the worker process): a flow's
 * load sweep takes from one pool, topped up before each round to what that round may use, so an
 * order prepared for one load and not used is used by the next instead of being prepared again.
 */
const pools = new Map();

/** Proposals prepared at once, and orders per `ApproveBatch` when preparing approvals. */
const prepareConcurrency = 128;
const prepareBatchOrders = 100;
const prepareBatchConcurrency = 4;

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
    // the mix of steps stays the workflow's. An open-loop round lifts it: arrivals do not wait.
    this.maxActive = roundArguments.maxActiveOrders ?? Math.ceil(1.5 * (roundArguments.loadPerWorker ?? 8));
    this.warmMs = (roundArguments.warmSeconds ?? 0) * 1000;
    // Open loop: each call is one order arriving, which then walks every step of the flow; the
    // measured phase is a fixed window, and the CPU snapshot closes with it, not with the drain.
    this.openLoop = roundArguments.openLoop === true;
    this.measuredMs = (roundArguments.measuredSeconds ?? 0) * 1000;
    this.active = 0;
    this.records = [];
    this.phase = { firstCall: null, measureFrom: null };
    this.cpu = undefined;
    this.peers = new PeerHeights(all.peers, all.channel);
    await this.peers.start();
    this.prepared = this.flow.prepare.length > 0;
    if (!this.prepared) {
      this.pool = { orders: [], fresh: [], ready: [], alive: 0 };
      return;
    }
    const key = `${roundArguments.flow}/${workerIndex}`;
    if (!pools.has(key)) pools.set(key, { orders: [], fresh: [], ready: [], alive: 0 });
    this.pool = pools.get(key);
    // Orders left mid-flow by the previous round of this flow are active already.
    this.active = this.pool.ready.length;
    // Orders that need unmeasured preparation are made before the round starts.
    const wanted = Math.ceil((roundArguments.preparedOrders ?? 0) / totalWorkers);
    const available = this.pool.alive;
    const toPrepare = Math.max(0, wanted - available);
    await this.prepare(toPrepare);
    this.poolReport = {
      wanted,
      available,
      prepared: toPrepare,
      touched: 0,
      finished: 0,
      dropped: 0,
      left: 0,
      ranDry: false,
      ranDryInWarmUp: false,
      idleProbes: 0,
    };
  }

  async prepare(count) {
    if (count === 0) return;
    const orders = Array.from({ length: count }, () => newOrder(this.parties, this.workerIndex));
    for (const step of this.flow.prepare) {
      // Approvals are prepared in batches (the contract's ApproveBatch, any approver): the same
      // state as one approval per transaction, at a fraction of the time spent preparing.
      const batched = isApproval(step);
      const units = [];
      for (let i = 0; i < orders.length; i += batched ? prepareBatchOrders : 1)
        units.push(orders.slice(i, i + (batched ? prepareBatchOrders : 1)));
      const txIds = [];
      let next = 0;
      const runner = async () => {
        while (next < units.length) {
          const unit = units[next++];
          const request = batched
            ? approvalBatchFor(step, unit, this.parties, this.contractId)
            : requestFor(step, unit[0], this.parties, this.contractId);
          const status = await this.sutAdapter.sendRequests(request);
          if (status.GetStatus() !== 'success')
            throw new Error(`preparing ${unit[0].orderId}${unit.length > 1 ? ` and ${unit.length - 1} more` : ''}: ${step} failed`);
          if (batched) {
            const refused = JSON.parse(Buffer.from(status.GetResult()).toString('utf8')).refused ?? [];
            if (refused.length > 0)
              throw new Error(`preparing ${step}: ${refused.length} orders refused, first ${JSON.stringify(refused[0])}`);
          }
          txIds.push(status.GetID());
        }
      };
      await Promise.all(Array.from({ length: Math.min(batched ? prepareBatchConcurrency : prepareConcurrency, units.length) }, runner));
      while (!this.peers.allHave(txIds)) await sleep(5);
    }
    for (const order of orders) {
      this.pool.fresh.push({ order, txId: undefined });
      this.pool.orders.push(order);
    }
    this.pool.alive += orders.length;
  }

  measuring() {
    return this.phase.measureFrom !== null && Date.now() >= this.phase.measureFrom;
  }

  /**
   * The order that has waited longest for its next step. When none is ready, a new order starts —
   * a fresh one, or one from the prepared pool — as long as fewer than `maxActive` are under way, so
   * orders are carried through their steps rather than the whole pool advanced a step at a time.
   * On prepared orders, nothing once every one is done.
   */
  async nextOrder() {
    for (;;) {
      const head = this.pool.ready[0];
      if (head && this.isReady(head)) return this.pool.ready.shift().order;
      if (this.active < this.maxActive) {
        if (!this.prepared) {
          this.active += 1;
          return newOrder(this.parties, this.workerIndex);
        }
        if (this.pool.fresh.length > 0) {
          this.active += 1;
          return this.pool.fresh.shift().order;
        }
      }
      if (this.prepared && this.pool.alive === 0) return undefined;
      await sleep(2);
    }
  }

  /**
   * A full batch of orders at one stage (or all that remain at it), as a bank's bridge would send it.
   * Later stages first, so orders in flight are carried to ESCROWED before new ones are started.
   */
  async nextBatch() {
    for (;;) {
      for (let stage = this.flow.measure.length - 1; stage >= 0; stage--) {
        const remaining = this.stageCount(stage);
        if (remaining === 0) continue;
        const ready = [...this.pool.ready, ...this.pool.fresh].filter((e) => e.order.next === stage && this.isReady(e));
        if (ready.length >= Math.min(this.batchSize, remaining)) {
          const taken = new Set(ready.slice(0, this.batchSize));
          this.pool.ready = this.pool.ready.filter((e) => !taken.has(e));
          this.pool.fresh = this.pool.fresh.filter((e) => !taken.has(e));
          return [...taken].map((e) => e.order);
        }
      }
      if (this.pool.alive === 0) return undefined;
      await sleep(2);
    }
  }

  stageCount(stage) {
    let count = 0;
    for (const o of this.pool.orders) if (o.next === stage && !o.done) count += 1;
    return count;
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
      const now = Date.now();
      if (this.phase.firstCall === null) {
        this.phase.firstCall = now;
        this.phase.measureFrom = now + this.warmMs;
        if (this.openLoop && this.workerIndex === 0) {
          this.endTimer = setTimeout(() => {
            this.cpuEnd = procSnapshot();
          }, this.warmMs + this.measuredMs);
        }
      }
      if (this.cpu === undefined && this.workerIndex === 0 && now >= this.phase.measureFrom) this.cpu = { start: procSnapshot() };
      if (this.openLoop) await this.walkOrder();
      else await this.step();
    } finally {
      inFlight.count -= 1;
    }
  }

  async step() {
    const batch = this.flow.measure[0].startsWith('batch');
    const orders = batch ? await this.nextBatch() : [await this.nextOrder()].filter(Boolean);
    if (!orders || orders.length === 0) {
      // Every prepared order is done but the round goes on: the pool was too small for this round.
      // A slow idle probe, left out of the figures; the round is flagged as having run dry.
      if (this.measuring()) this.poolReport.ranDry = true;
      else this.poolReport.ranDryInWarmUp = true;
      this.poolReport.idleProbes += 1;
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
    this.records.push({ step, start, end, ok, orders: orders.length, ...(start < this.phase.measureFrom ? { warm: true } : {}) });
    for (const o of orders) {
      if (ok) o.next += 1;
      const finished = o.next >= this.flow.measure.length;
      if (this.poolReport && o.round !== this.roundIndex) {
        o.round = this.roundIndex;
        this.poolReport.touched += 1;
      }
      // A failed step is not retried: the round reports it, and its order leaves the pool.
      if (finished || !ok) {
        o.done = true;
        this.active -= 1;
        if (this.prepared) this.pool.alive -= 1;
        if (this.poolReport) this.poolReport[ok ? 'finished' : 'dropped'] += 1;
      }
      if (ok && !finished) this.pool.ready.push({ order: o, txId: status.GetID() });
    }
  }

  /** Open loop: a new order, through every step of the flow, each as soon as every peer has the previous one. */
  async walkOrder() {
    const order = newOrder(this.parties, this.workerIndex);
    let txId;
    for (const step of this.flow.measure) {
      const entry = { order, txId };
      while (!this.isReady(entry)) await sleep(2);
      const start = Date.now();
      const status = await this.sutAdapter.sendRequests(requestFor(step, order, this.parties, this.contractId));
      const end = Date.now();
      const ok = status.GetStatus() === 'success';
      this.records.push({ step, start, end, ok, orders: 1, ...(start < this.phase.measureFrom ? { warm: true } : {}) });
      if (!ok) return;
      txId = status.GetID();
    }
  }

  async cleanupWorkloadModule() {
    clearTimeout(this.endTimer);
    const end = this.cpu ? (this.cpuEnd ?? procSnapshot()) : undefined;
    // Orders left mid-flow wait in the pool for the next round, whose block listener starts afresh:
    // let every peer commit their last step first, so the next round may take them at once.
    const pending = this.pool.ready.filter((e) => e.txId !== undefined);
    const deadline = Date.now() + 10_000;
    while (pending.length > 0 && !this.peers.allHave(pending.map((e) => e.txId)) && Date.now() < deadline) await sleep(5);
    for (const entry of pending) entry.txId = undefined;
    this.peers.close();
    this.pool.orders = this.pool.orders.filter((o) => !o.done);
    if (this.poolReport) this.poolReport.left = this.pool.alive;
    const dir = this.roundArguments.recordsDir;
    mkdirSync(dir, { recursive: true });
    const file = {
      records: this.records,
      phase: this.phase,
      cpu: this.cpu ? { start: this.cpu.start, end } : null,
      pool: this.poolReport ?? null,
      inFlightCapped: inFlight.capped ?? 0,
    };
    inFlight.capped = 0;
    writeFileSync(path.join(dir, `round-${this.roundIndex}-worker-${this.workerIndex}.json`), JSON.stringify(file));
  }
}

module.exports.createWorkloadModule = () => new EscrowFlow();
