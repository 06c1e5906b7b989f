/**
 * One Jest run for the whole repo. End-to-end tests share one real network, brought up (or reused)
 * by the global setup, so they run in band.
 * @type {import('jest').Config}
 */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/chaincode/src', '<rootDir>/network/src', '<rootDir>/bridge/src', '<rootDir>/caliper/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  testSequencer: '<rootDir>/test/sequencer.js',
  testTimeout: 120000,
  verbose: true,
  // End-to-end tests start bridge processes and gateways; should one fail mid-way, CI must still end.
  forceExit: true,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
};
