import { randomBytes, randomUUID } from 'node:crypto';
import type { StoredCheck } from './verification.tables.ts';
import type { LocationType } from '../location/location.rules.ts';
import { PROVIDERS, type StorageClient } from '../secret/provider-catalogue.ts';
import type { ProbeTarget, StorageProbe } from './storage-probe.ts';
import { classifyVerificationError, verificationErrorMessage, VerificationFailure } from './verification-errors.ts';

export type VerificationMode = 'READ_WRITE' | 'READ_ONLY';
type Step = StoredCheck['check'];

/** Everything a verification writes lives under this prefix, so a bucket policy can allow exactly it. */
export const VERIFY_PREFIX = '.cloakroom-verify/';

/** The whole verification of one location, connect to last answer (DESIGN §6.2). @default 10_000 */
export const VERIFICATION_BUDGET_MS = 10_000;

type OpenProbe = (target: ProbeTarget) => StorageProbe | Promise<StorageProbe>;

/**
 * Each SDK is imported by the first verification that needs it (the module loader keeps it): the
 * three weigh ~30 MB of resident memory that a server which never verifies would carry.
 */
const PROBE_MODULES: Record<StorageClient, () => Promise<OpenProbe>> = {
  s3: async () => (await import('./s3-probe.ts')).openS3Probe,
  'azure-blob': async () => (await import('./azure-blob-probe.ts')).openAzureBlobProbe,
  gcs: async () => (await import('./gcs-probe.ts')).openGcsProbe,
};

/** Opens a probe of `locationType`'s storage, its SDK loaded. */
export async function probeOpener(locationType: LocationType): Promise<OpenProbe> {
  const client = PROVIDERS[locationType].storageClient;
  if (client === null)
    return () => {
      throw new TypeError(`${locationType} is not storage`);
    };
  return PROBE_MODULES[client]();
}

/** Rejects when `signal` aborts, for SDKs that take no signal (GCS): the verification answers on time either way. */
function withinBudget<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export interface CheckResults {
  status: 'PASSED' | 'FAILED';
  checks: StoredCheck[];
  durationMs: number;
}

/**
 * LIST, then for READ_WRITE WRITE a small object under VERIFY_PREFIX, READ it back (the same bytes)
 * and DELETE it. A failed LIST or WRITE ends the run; after a failed READ the object is still
 * deleted. Every failure is classified; nothing of the SDK's text is kept.
 */
export async function runChecks(
  target: Omit<ProbeTarget, 'signal'>,
  mode: VerificationMode,
  budgetMs = VERIFICATION_BUDGET_MS,
): Promise<CheckResults> {
  // Loaded before the budget starts: loading code is no time of the provider's.
  const openProbe = await probeOpener(target.locationType);
  const started = performance.now();
  const signal = AbortSignal.timeout(budgetMs);
  const checks: StoredCheck[] = [];
  const run = async (step: Step, work: () => Promise<void>): Promise<boolean> => {
    try {
      await withinBudget(work(), signal);
      checks.push({ check: step, ok: true, errorCode: null, message: null });
      return true;
    } catch (error) {
      const errorCode = signal.aborted ? 'TIMEOUT' : classifyVerificationError(error, step);
      checks.push({ check: step, ok: false, errorCode, message: `${step} failed: ${verificationErrorMessage(error, errorCode)}` });
      return false;
    }
  };

  const opened: { probe?: StorageProbe } = {};
  const key = `${VERIFY_PREFIX}${randomUUID()}`;
  const body = randomBytes(32);
  try {
    // Opening the probe (endpoint, https, the credentials' shape) is part of LIST: its failure is the first request's.
    const listed = await run('LIST', async () => {
      opened.probe = await openProbe({ ...target, signal });
      await opened.probe.list(VERIFY_PREFIX);
    });
    const probe = opened.probe;
    if (listed && probe && mode === 'READ_WRITE' && (await run('WRITE', () => probe.write(key, body)))) {
      await run('READ', async () => {
        const read = await probe.read(key);
        if (!read.equals(body)) throw new VerificationFailure('PROVIDER_ERROR', 'the object read back differs from the one written');
      });
      await run('DELETE', () => probe.remove(key));
    }
  } finally {
    opened.probe?.destroy();
  }
  return {
    status: checks.every((check) => check.ok) ? 'PASSED' : 'FAILED',
    checks,
    durationMs: Math.round(performance.now() - started),
  };
}
