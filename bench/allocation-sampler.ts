// Preloaded by `npm run bench:profile -- --allocations` (node --import): V8's sampling heap
// profiler, counting every allocation (also those the GC has since freed), from SIGUSR2 until
// the process exits; the profile goes to CLOAKROOM_ALLOCATION_PROFILE.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const output = process.env.CLOAKROOM_ALLOCATION_PROFILE;
if (output) {
  const session = new Session();
  session.connect();
  process.on('SIGUSR2', () => {
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  });
  // On the main thread the session answers synchronously, so this completes inside 'exit'.
  process.on('exit', () => {
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (!error) writeFileSync(output, JSON.stringify(result.profile));
    });
  });
}
