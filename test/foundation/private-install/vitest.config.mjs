// The project a test copies into a private (0700) folder: vitest whose global setup starts the
// embedded PostgreSQL from Junction's TypeScript source, as Junction's own test suite does (see
// ../private-install.test.ts, which links `core` and `node_modules` here).
export default {
  resolve: { preserveSymlinks: true },
  test: { globalSetup: ['./global-setup.mjs'], include: ['reached.test.mjs'] },
};
