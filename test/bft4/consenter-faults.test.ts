import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import { chainHeight, ordererChannelInfo, ProcessTable, up, type Layout } from '@securepay/network';
import { EscrowDriver, sleep } from '../e2e/escrow-driver';
import { networkLayout } from '../e2e/fixtures';
import { OrderLoad, type PhaseFigures } from './order-load';

type Orderer = Layout['network']['activeOrderers'][number];

/** The consenter id SmartBFT currently follows as leader, from an orderer's Prometheus metrics. */
function leaderId(node: Orderer, channel: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`http://${node.host}:${node.operationsPort}/metrics`, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          const line = body.split('\n').find((l) => l.startsWith(`consensus_BFT_leader_id{channel="${channel}"}`));
          if (line) resolve(Number(line.split(' ').pop()));
          else reject(new Error(`${node.name} reports no BFT leader`));
        });
      })
      .on('error', reject);
  });
}

/**
 * The consortium's own BFT ordering service, four consenters (one per member), under a steady load of
 * order proposals: with one consenter SIGKILLed ordering goes on; with a second one down there is no
 * quorum and nothing commits; when it returns ordering resumes; the first catches up when it returns;
 * no transaction is lost or committed twice.
 */
describe('BFT ordering under consenter faults (bft4)', () => {
  const layout = networkLayout();
  const { network } = layout;
  const processes = new ProcessTable(layout.pidDir);
  let driver: EscrowDriver;
  let load: OrderLoad;
  const report: { phases: PhaseFigures[]; events: { at: string; what: string }[] } = { phases: [], events: [] };
  const note = (what: string): void => void report.events.push({ at: new Date().toISOString(), what });

  beforeAll(async () => {
    if (network.consensus !== 'BFT') throw new Error(`run with SECUREPAY_PROFILE=bft4 (the network is ${network.profile})`);
    driver = await EscrowDriver.create();
    load = new OrderLoad(driver.parties.buyer, driver.parties.merchant);
  });
  afterAll(async () => {
    await load?.stop();
    driver?.close();
    mkdirSync(path.join(__dirname, '..', '.artifacts'), { recursive: true });
    writeFileSync(path.join(__dirname, '..', '.artifacts', 'bft4-faults.json'), JSON.stringify(report, null, 2));
    console.log(
      [
        'phase                               sent  committed  failed  p50 ms  p99 ms',
        ...report.phases.map(
          (p) =>
            `${p.phase.padEnd(34)} ${String(p.sent).padStart(5)} ${String(p.committed).padStart(10)} ${String(p.failed).padStart(7)} ${String(p.p50Ms).padStart(7)} ${String(p.p99Ms).padStart(7)}`,
        ),
      ].join('\n'),
    );
    // Whatever happened, leave every consenter running for the tests after this one.
    await up(network);
  });

  const platformHeight = (): Promise<bigint> => chainHeight(driver.parties.platform.network);
  const kill = (node: Orderer): void => {
    const record = processes.read(node.name);
    if (!record) throw new Error(`no process record for ${node.name}`);
    process.kill(record.pid, 'SIGKILL');
    note(`SIGKILL ${node.name}`);
  };
  const waitForCommits = async (since: number, what: string, timeoutMs = 60_000): Promise<number> => {
    const deadline = Date.now() + timeoutMs;
    while (load.committedBetween(since, Date.now()) === 0) {
      if (Date.now() > deadline) throw new Error(`no commit within ${timeoutMs / 1000}s ${what}`);
      await sleep(100);
    }
    return Date.now() - since;
  };

  it('keeps ordering with one consenter down, stops without a quorum, resumes, and loses or doubles nothing', async () => {
    const startHeight = await platformHeight();
    const inFlight: Record<string, number> = {};
    load.start(8);
    await sleep(8_000);

    // 1. The leader dies: the others replace it (a view change) and carry on.
    const leader = network.activeOrderers[(await leaderId(network.activeOrderers[0]!, network.channel)) - 1]!;
    load.phase = 'one consenter down';
    const firstKill = Date.now();
    kill(leader);
    inFlight['the leader’s kill'] = firstKill;
    note(`first commit ${await waitForCommits(firstKill + 1, 'after the leader was killed')} ms after the kill (a view change)`);
    await sleep(8_000);

    // 2. A second consenter (not the new leader) dies: 2 of 4 cannot make a quorum of 3; nothing commits.
    const survivors = network.activeOrderers.filter((o) => o !== leader);
    const newLeaderId = await leaderId(survivors[0]!, network.channel);
    const second = survivors.find((o) => network.activeOrderers.indexOf(o) + 1 !== newLeaderId)!;
    load.phase = 'no quorum';
    const secondKill = Date.now();
    kill(second);
    inFlight['the second kill'] = secondKill;
    await sleep(3_000); // blocks already agreed before the kill may still arrive
    const stalledFrom = Date.now();
    const heightAtStall = await platformHeight();
    await sleep(8_000);
    expect(await platformHeight()).toBe(heightAtStall);
    expect(load.committedBetween(stalledFrom, Date.now())).toBe(0);

    // 3. The second one returns: a quorum again, ordering resumes.
    const restartedAt = Date.now();
    await up(network);
    note(`restarted ${second.name}`);
    note(`first commit ${await waitForCommits(restartedAt, 'after the quorum came back', 90_000)} ms after the restart began`);
    load.phase = 'quorum back';
    await sleep(8_000);

    // 4. The first one returns and catches up to the others' height.
    load.phase = 'all back';
    await up(network);
    note(`restarted ${leader.name}`);
    await sleep(8_000);
    await load.stop();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const heights = await Promise.all(network.activeOrderers.map(async (o) => (await ordererChannelInfo(layout, o)).height));
      if (heights.every((h) => h === heights[0])) break;
      if (Date.now() > deadline) throw new Error(`consenters disagree on the height: ${heights.join(', ')}`);
      await sleep(500);
    }
    note('every consenter at the same height');
    // A phase's row holds what was sent and finished in it; what a fault caught in flight has its own row.
    const caught = new Set(Object.values(inFlight).flatMap((at) => load.inFlightAt(at).map((r) => r.txId)));
    report.phases = [
      ...['before', 'one consenter down', 'no quorum', 'quorum back', 'all back'].map((phase) =>
        load.figuresOf(
          phase,
          load.records.filter((r) => r.phase === phase && !caught.has(r.txId)),
        ),
      ),
      ...Object.entries(inFlight).map(([what, at]) => load.figuresOf(`in flight at ${what}`, load.inFlightAt(at))),
    ];

    // With one consenter down nothing fails but what was in flight when the second one died; with all
    // four back nothing fails at all. (Without a quorum every submit is refused: that is the point.)
    const failedWithOneDown = load.records.filter((r) => r.phase === 'one consenter down' && r.error && r.finishedAt! < secondKill);
    expect(failedWithOneDown.map((r) => r.error)).toEqual([]);
    expect(
      load
        .inFlightAt(firstKill)
        .filter((r) => r.error)
        .map((r) => r.error),
    ).toEqual([]);
    expect(load.records.filter((r) => r.phase === 'all back' && r.error).map((r) => r.error)).toEqual([]);
    expect(load.figures('one consenter down').committed).toBeGreaterThan(0);

    // 5. Nothing lost, nothing doubled: each transaction id at most once in the chain, and every
    //    proposal whose commit was reported is there, VALID, in the block its status named.
    const endHeight = await platformHeight();
    const seen = new Map<string, { block: bigint; code: number }[]>();
    const qscc = driver.parties.platform.network.getContract('qscc');
    for (let n = startHeight; n < endHeight; n++) {
      const block = common.Block.deserializeBinary(await qscc.evaluateTransaction('GetBlockByNumber', network.channel, String(n)));
      const codes = block.getMetadata()!.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER]!;
      block
        .getData()!
        .getDataList_asU8()
        .forEach((bytes, i) => {
          const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(bytes).getPayload_asU8());
          const txId = common.ChannelHeader.deserializeBinary(payload.getHeader()!.getChannelHeader_asU8()).getTxId();
          seen.set(txId, [...(seen.get(txId) ?? []), { block: n, code: codes[i]! }]);
        });
    }
    expect([...seen.entries()].filter(([, at]) => at.length > 1)).toEqual([]);
    const committed = load.records.filter((r) => r.committedAt !== undefined);
    expect(committed.length).toBeGreaterThan(0);
    for (const record of committed) expect(seen.get(record.txId)).toEqual([{ block: record.blockNumber, code: 0 }]);
    const refusedButOrdered = load.records.filter((r) => r.error !== undefined && seen.has(r.txId)).length;
    note(
      `${committed.length} committed, ${load.records.length - committed.length} refused or failed, ${refusedButOrdered} of those ordered later anyway (once)`,
    );
  }, 420_000);
});
