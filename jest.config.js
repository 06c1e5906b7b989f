/**
 * One Jest run for the whole repo. End-to-end tests share one real network, brought up (or reused)
 * by the global setup, so they run in band.
 * @type {import('jest').Config}
 */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: [
    '<rootDir>/chaincode/src',
    '<rootDir>/client/src',
    '<rootDir>/ledger/src',
    '<rootDir>/escrow-agent/src',
    '<rootDir>/supervision/src',
    '<rootDir>/network/src',
    '<rootDir>/bridge/src',
    '<rootDir>/api/src',
    '<rootDir>/caliper/src',
    '<rootDir>/test',
  ],
  testMatch: ['**/*.test.ts'],
  // The BFT fault tests need the bft4 network: `npm run test:bft4` runs them (npm test ends with it).
  testPathIgnorePatterns: process.env.SECUREPAY_PROFILE === 'bft4' ? ['/node_modules/'] : ['/node_modules/', '<rootDir>/test/bft4/'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  setupFilesAfterEnv: ['<rootDir>/test/every-peer-in-step.ts'],
  testSequencer: '<rootDir>/test/sequencer.js',
  testTimeout: 120000,
  verbose: true,
  // End-to-end tests start bridge processes and gateways; should one fail mid-way, CI must still end.
  forceExit: true,
  // Test files are only transpiled (isolatedModules): `npm run typecheck` has type-checked them already,
  // and checking them again file by file doubled the time of the chaincode's, client's and caliper's
  // unit tests (29 s → 15 s without, jest --no-cache).
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
};
