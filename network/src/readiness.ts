import { connect } from 'node:net';
import http from 'node:http';
import { isAlive, logTail, sleep, type ProcessRecord } from './processes';

export type Probe = () => Promise<boolean>;

export const httpOk =
  (url: string): Probe =>
  () =>
    new Promise((resolve) => {
      const req = http.get(url, { timeout: 2_000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
    });

export const tcpOpen =
  (host: string, port: number): Probe =>
  () =>
    new Promise((resolve) => {
      const socket = connect({ host, port, timeout: 2_000 });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });

/**
 * Waits until a node answers its probe. Fails fast, naming the node and its log, if the process
 * exits or does not get ready in time.
 */
export async function waitReady(record: ProcessRecord, probe: Probe, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    if (!isAlive(record)) {
      throw new Error(`${record.name} exited while starting; its log is ${record.log}:\n${logTail(record.log)}`);
    }
    await sleep(250);
  }
  throw new Error(`${record.name} was not ready after ${timeoutMs / 1000}s; its log is ${record.log}:\n${logTail(record.log)}`);
}
