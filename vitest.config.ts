import { createRequire } from 'node:module';
import { defineConfig, type Plugin } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * Node loads graphql's CommonJS build for Pothos and Yoga; Vite would pick the .mjs one for our
 * own imports, giving two graphql instances ("Cannot use GraphQLSchema from another module or
 * realm"). Resolve every graphql import the way Node does.
 */
const oneGraphqlInstance: Plugin = {
  name: 'one-graphql-instance',
  enforce: 'pre',
  resolveId(id) {
    if (id === 'graphql' || id.startsWith('graphql/')) return require.resolve(id);
    return null;
  },
};

export default defineConfig({
  plugins: [oneGraphqlInstance],
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'db/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { NODE_ENV: 'test' },
  },
});
