// `npm start`'s entry, in plain JavaScript: Node's on-disk compile cache is on before the server's
// modules load, so every start after the first reads them stripped and compiled from the cache.
// Node then never loads its TypeScript stripper (17 MB of resident memory, bench/analysis.md) and
// compiles nothing anew. `node src/server.ts` still works, without the cache. The cache lives
// beside the dependencies, as src/cli.ts's does, not in the shared temporary directory.
import { enableCompileCache, flushCompileCache } from 'node:module';

enableCompileCache(new URL('../node_modules/.cache/node-compile-cache', import.meta.url).pathname);
await import('./server.ts');
// Written once the modules are loaded, not only at exit: a killed server leaves it all the same.
flushCompileCache();
