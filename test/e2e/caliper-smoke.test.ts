import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { prepareSut, runCaliper } from '@securepay/caliper';
import { endorsingOrgs } from '@securepay/network';
import { connectionOf, networkLayout } from './fixtures';

/** Caliper itself, with the benchmark's workload module, on the real network: correctness, not speed. */
describe('caliper smoke run', () => {
  test('a short full-workflow round: every transaction succeeds and orders walk every step in order', async () => {
    const connections = new Map(endorsingOrgs(networkLayout().network).map((o) => [o.mspId, connectionOf(o.mspId)]));
    const sut = await prepareSut(connections, 1);
    const outDir = mkdtempSync(path.join(tmpdir(), 'securepay-caliper-'));
    const [records, proofs] = await runCaliper({
      rounds: [
        { label: 'smoke full', flow: 'full', txNumber: 48, load: 4 },
        { label: 'smoke settlement proof', flow: 'settlement-proof', txNumber: 20, load: 1 },
      ],
      workers: 1,
      ...sut,
      outDir,
    });
    // Caliper stops calling at 48 sent; a call already choosing its order may still send (at most the load more).
    expect(records!.length).toBeGreaterThanOrEqual(48);
    expect(records!.length).toBeLessThanOrEqual(48 + 4);
    expect(records!.filter((r) => !r.ok)).toEqual([]);
    const steps = new Set(records!.map((r) => r.step));
    for (const step of [
      'propose',
      'approvePlatform',
      'approveMerchant',
      'approveBuyerBank',
      'approveMerchantBank',
      'ship',
      'deliver',
      'confirm',
    ]) {
      expect(steps).toContain(step);
    }
    // Six live orders share 48 transactions (8 steps each): at least one got all the way to confirmed.
    expect(records!.filter((r) => r.step === 'confirm').length).toBeGreaterThanOrEqual(1);
    // One at a time, two orders alternate (one rests while its peers catch up): the first reaches its
    // ninth step, a settlement receipt signed by the workload, within 20 transactions — and it verifies.
    expect(proofs!.filter((r) => !r.ok)).toEqual([]);
    expect(proofs!.some((r) => r.step === 'recordSettlement')).toBe(true);
  }, 300_000);
});
