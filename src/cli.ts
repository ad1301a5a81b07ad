// The operator CLI's entry. Node's on-disk compile cache spares each later start (every
// `cli run`, the path each pipeline start takes) the type stripping and compiling of the ~500
// modules the commands load: about half a second on a busy 2-core machine (bench/analysis.md).
// It must be on before they load, hence the dynamic import. The cache lives beside the
// dependencies, not in the shared temporary directory: this process holds the master key, and
// compiled code another local user could plant there would run inside it.
import { enableCompileCache } from 'node:module';

enableCompileCache(new URL('../node_modules/.cache/node-compile-cache', import.meta.url).pathname);
await import('./cli-commands.ts');
