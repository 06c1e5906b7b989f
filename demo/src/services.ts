import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { logTail, ProcessTable, type Layout } from '@securepay/network';
import { SecurePayClient } from '@securepay/api';

const repo = path.resolve(__dirname, '..', '..');
// Each service's entry point where npm installed its package (a symlink to its workspace here).
const bridgeMain = require.resolve('@securepay/bridge/src/main.ts');
const apiMain = require.resolve('@securepay/api/src/main.ts');
const agentMain = require.resolve('@securepay/escrow-agent/src/main.ts');
const supervisionMain = require.resolve('@securepay/supervision/src/main.ts');
/** This run's credentials, git-ignored (`demo/.runtime/`). */
export const demoEnvFile = path.resolve(__dirname, '..', '.runtime', 'demo.env');

export interface DemoCredentials {
  platformToken: string;
  bankTokens: Record<string, string>;
  /** The platform's token at each bank's customer onboarding (the bank's bridge process serves it). */
  onboardingTokens: Record<string, string>;
  keystoreSecret: string;
  /** The central bank's operator's token at its supervision API. */
  supervisionToken: string;
}

export const serviceNames = (banks: string[]): string[] => ['api', 'escrow-agent', 'supervision', ...banks.map((b) => `bridge-${b}`)];

/**
 * The off-chain services as background processes beside the network, in its process table: so
 * `npm run network:down` stops them too. Their credentials are fresh each run, written to a git-ignored
 * file readable by this user only (a deployment takes them from its secret store instead).
 */
export class DemoServices {
  readonly credentials: DemoCredentials;
  private readonly processes: ProcessTable;

  constructor(
    private readonly layout: Layout,
    readonly banks: string[],
    private readonly env: Record<string, string>,
  ) {
    this.processes = new ProcessTable(layout.pidDir);
    this.credentials = {
      platformToken: `platform_${randomBytes(24).toString('hex')}`,
      bankTokens: Object.fromEntries(banks.map((b) => [b, `${b.toLowerCase()}_${randomBytes(24).toString('hex')}`])),
      onboardingTokens: Object.fromEntries(banks.map((b) => [b, `onboard_${randomBytes(24).toString('hex')}`])),
      keystoreSecret: randomBytes(32).toString('hex'),
      supervisionToken: `supervision_${randomBytes(24).toString('hex')}`,
    };
  }

  async stopAll(): Promise<void> {
    for (const name of serviceNames(this.banks)) await this.processes.stop(name);
  }

  private serviceEnv(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...this.env,
      SECUREPAY_KEYSTORE_SECRET: this.credentials.keystoreSecret,
      API_PLATFORM_TOKEN: this.credentials.platformToken,
      API_BANK_TOKENS: Object.entries(this.credentials.bankTokens)
        .map(([bank, token]) => `${bank}=${token}`)
        .join(','),
      API_ONBOARDING_URLS: this.banks.map((bank) => `${bank}=http://127.0.0.1:${this.onboardingPort(bank)}`).join(','),
      API_ONBOARDING_TOKENS: Object.entries(this.credentials.onboardingTokens)
        .map(([bank, token]) => `${bank}=${token}`)
        .join(','),
    };
  }

  /** Where a bank's bridge serves its customer onboarding: beside the API's port, one per bank. */
  private onboardingPort(bank: string): number {
    return Number(this.env.API_PORT ?? '3000') + 101 + this.banks.indexOf(bank);
  }

  writeEnvFile(apiUrl: string): void {
    mkdirSync(path.dirname(demoEnvFile), { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...this.serviceEnv(),
      SUPERVISION_PORT: String(this.supervisionPort),
      SUPERVISION_TOKEN: this.credentials.supervisionToken,
    };
    // The ledger's and the queues' credentials are each party's own, in its org's folder: not here.
    const keys = [
      'API_PORT',
      'BRIDGE_QUEUE_NAMESPACE',
      'ESCROW_AGENT_QUEUE_NAMESPACE',
      'SECUREPAY_KEYSTORE_SECRET',
      'API_PLATFORM_TOKEN',
      'API_BANK_TOKENS',
      'API_ONBOARDING_URLS',
      'API_ONBOARDING_TOKENS',
      'SUPERVISION_PORT',
      'SUPERVISION_TOKEN',
    ];
    const lines = [`# SecurePay demo credentials (this run only). API: ${apiUrl}`, ...keys.map((k) => `${k}=${env[k] ?? ''}`)];
    writeFileSync(demoEnvFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  }

  /** Starts the platform API and returns a client once its `/health` answers. */
  async startApi(): Promise<SecurePayClient> {
    const port = this.env.API_PORT ?? '3000';
    const record = this.processes.start({
      name: 'api',
      command: process.execPath,
      args: ['--import', 'tsx', apiMain],
      env: this.serviceEnv(),
      cwd: repo,
      log: this.layout.logFile('api'),
      marker: apiMain,
    });
    const client = new SecurePayClient(`http://127.0.0.1:${port}`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const health = await client.request<{ status: string }>('GET', '/health').catch(() => undefined);
      if (health?.status === 200) return client;
      if (!this.processes.isRunning('api') || Date.now() > deadline) {
        throw new Error(`the platform API did not start; ${record.log}:\n${logTail(record.log)}`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  /**
   * The central bank's escrow agent: the only mover of escrowed money. `startBlock` is where it reads
   * from while it has no checkpoint of its own.
   */
  startEscrowAgent(startBlock?: bigint): void {
    this.processes.start({
      name: 'escrow-agent',
      command: process.execPath,
      args: ['--import', 'tsx', agentMain],
      env: { ...this.serviceEnv(), ...(startBlock !== undefined ? { ESCROW_AGENT_START_BLOCK: startBlock.toString() } : {}) },
      cwd: repo,
      log: this.layout.logFile('escrow-agent'),
      marker: agentMain,
    });
  }

  /** Where the central bank's supervision listens: 100 above the API's port. */
  get supervisionPort(): number {
    return Number(this.env.API_PORT ?? '3000') + 100;
  }

  /**
   * The central bank's supervision API and page, as the central bank (its own peer, its own ledger
   * login); `startBlock` is where its chain view begins. Returns its URL once `/health` answers.
   */
  async startSupervision(startBlock: bigint): Promise<string> {
    const record = this.processes.start({
      name: 'supervision',
      command: process.execPath,
      args: ['--import', 'tsx', supervisionMain],
      // Not the platform's or the banks' secrets: only the central bank's own.
      env: {
        ...process.env,
        LOG_LEVEL: this.env.LOG_LEVEL ?? 'info',
        SUPERVISION_PORT: String(this.supervisionPort),
        SUPERVISION_TOKEN: this.credentials.supervisionToken,
        SUPERVISION_START_BLOCK: startBlock.toString(),
      },
      cwd: repo,
      log: this.layout.logFile('supervision'),
      marker: supervisionMain,
    });
    const url = `http://127.0.0.1:${this.supervisionPort}`;
    const deadline = Date.now() + 60_000;
    while (
      !(await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (!this.processes.isRunning('supervision') || Date.now() > deadline) {
        throw new Error(`the central bank's supervision did not start; ${record.log}:\n${logTail(record.log)}`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    return url;
  }

  /** A bank's bridge; `startBlock` is where it reads from while it has no checkpoint of its own. */
  startBridge(bank: string, startBlock?: bigint): void {
    this.processes.start({
      name: `bridge-${bank}`,
      command: process.execPath,
      args: ['--import', 'tsx', bridgeMain, '--bank', bank],
      env: {
        ...this.serviceEnv(),
        BRIDGE_ONBOARDING_PORT: String(this.onboardingPort(bank)),
        BRIDGE_ONBOARDING_TOKEN: this.credentials.onboardingTokens[bank],
        ...(startBlock !== undefined ? { BRIDGE_START_BLOCK: startBlock.toString() } : {}),
      },
      cwd: repo,
      log: this.layout.logFile(`bridge-${bank}`),
      marker: `${bridgeMain} --bank ${bank}`,
    });
  }

  /** Waits until every bank's bridge serves its customer onboarding: users can be registered from then on. */
  async waitForOnboarding(): Promise<void> {
    for (const bank of this.banks) {
      const url = `http://127.0.0.1:${this.onboardingPort(bank)}/`;
      const deadline = Date.now() + 60_000;
      while (
        !(await fetch(url).then(
          () => true,
          () => false,
        ))
      ) {
        if (!this.processes.isRunning(`bridge-${bank}`) || Date.now() > deadline) {
          const log = this.layout.logFile(`bridge-${bank}`);
          throw new Error(`${bank}'s bridge did not start its customer onboarding; ${log}:\n${logTail(log)}`);
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  async stopBridge(bank: string): Promise<void> {
    await this.processes.stop(`bridge-${bank}`);
  }
}
