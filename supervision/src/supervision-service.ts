import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectGateway, type OrgConnection, type SigningIdentity } from '@securepay/network';
import { loginPool, SupervisionLedger, type DatabaseLogin } from '@securepay/ledger';
import type { Logger } from 'pino';
import { createSupervisionApp } from './app';
import { ChainScan } from './chain-scan';
import { PeerChainSource } from './chain-source';
import { Supervisor } from './supervisor';

export interface SupervisorOptions {
  /** The central bank's own peer, read as a central bank identity. */
  connection: OrgConnection;
  identity: SigningIdentity;
  /** The central bank's own ledger login: the only one the supervision functions open to. */
  database: DatabaseLogin;
  /** Where the chain view begins when the database holds no position yet. */
  startBlock?: bigint;
  agingBands?: readonly number[];
  log: Logger;
}

export interface OpenSupervisor {
  supervisor: Supervisor;
  close(): Promise<void>;
}

/** The supervisor over the central bank's peer and ledger login, without an HTTP server: what the demo asks for its summary. */
export function openSupervisor(options: SupervisorOptions): OpenSupervisor {
  const { log } = options;
  const pool = loginPool(options.database, { max: 4 });
  pool.on('error', (error) => log.warn({ err: error.message }, 'a database connection failed; it will be replaced'));
  const gateway = connectGateway(options.connection, options.identity);
  const ledger = new SupervisionLedger(pool);
  const scan = new ChainScan({
    source: new PeerChainSource(gateway.gateway.getNetwork(options.connection.channel)),
    ledger,
    chaincode: options.connection.chaincode,
    startBlock: options.startBlock,
    log,
  });
  return {
    supervisor: new Supervisor(ledger, scan, { agingBands: options.agingBands }),
    close: async () => {
      gateway.close();
      await pool.end();
    },
  };
}

export interface RunningSupervision {
  url: string;
  supervisor: Supervisor;
  close(): Promise<void>;
}

/** The supervision API and page, listening. */
export async function startSupervision(
  options: SupervisorOptions & { host?: string; port?: number; token: string; allowIps?: readonly string[] },
): Promise<RunningSupervision> {
  const opened = openSupervisor(options);
  const app = createSupervisionApp({
    supervisor: opened.supervisor,
    token: options.token,
    allowIps: options.allowIps ?? [],
    log: options.log,
  });
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port ?? 0, host, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const { port } = server.address() as AddressInfo;
  options.log.info({ host, port }, 'central bank supervision listening');
  return {
    url: `http://${host}:${port}`,
    supervisor: opened.supervisor,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await opened.close();
    },
  };
}
