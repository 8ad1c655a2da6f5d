// Every suite runs in a time zone other than UTC, so nothing passes only on a UTC machine (the
// workers inherit it; the differential suite checks it).
process.env.TZ = 'America/New_York';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFiles: ['<rootDir>/local/runtime/node-compat.ts'],
  testTimeout: 60000,
};
