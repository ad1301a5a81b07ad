// The operator CLI's entry. Node's on-disk compile cache spares each later start (every
// `cli run`, the path each pipeline start takes) the type stripping and compiling of the ~500
// modules the commands load: about half a second on a busy 2-core machine (bench/analysis.md).
// It must be on before they load, hence the dynamic import.
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./cli-commands.ts');
