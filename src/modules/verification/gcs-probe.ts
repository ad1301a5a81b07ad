import { Storage } from '@google-cloud/storage';
import { endpointFor, PROVIDERS } from '../secret/provider-catalogue.ts';
import { credential, type ProbeTarget, type StorageProbe } from './storage-probe.ts';
import { VerificationFailure } from './verification-errors.ts';

/**
 * Google Cloud Storage with a service-account key. The SDK (through teeny-request) takes no
 * agent, so a custom `endpointUrl` is resolved and checked by the guard just before the SDK runs
 * (not pinned); the catalogue's own endpoint is Google's public host. A custom endpoint is an
 * emulator or gateway to the SDK: it sends no credentials there.
 */
export async function openGcsProbe(target: ProbeTarget): Promise<StorageProbe> {
  const endpoint = endpointFor(target.locationType, target)!;
  const fixed = PROVIDERS.GCS.endpoint.url;
  if (endpoint !== fixed) await target.outbound.checkEndpoint(endpoint);
  let key: { client_email?: unknown; private_key?: unknown; project_id?: unknown };
  try {
    key = JSON.parse(credential(target, 'service_account_json')) as typeof key;
  } catch {
    throw new VerificationFailure('INVALID_CREDENTIALS', 'the service-account key is not JSON');
  }
  const storage = new Storage({
    projectId: String(key.project_id),
    credentials: { client_email: String(key.client_email), private_key: String(key.private_key) },
    ...(endpoint !== fixed && { apiEndpoint: endpoint }),
    // Fail in milliseconds, not after ~16 s of retries (STACK-NOTES).
    retryOptions: { autoRetry: false },
  });
  const bucket = storage.bucket(target.bucketName);
  return {
    list: async (prefix) => {
      await bucket.getFiles({ prefix, maxResults: 1, autoPaginate: false });
    },
    write: async (key, body) => {
      await bucket.file(key).save(body, { resumable: false, validation: false });
    },
    read: async (key) => (await bucket.file(key).download())[0],
    remove: async (key) => {
      await bucket.file(key).delete();
    },
    destroy: () => undefined,
  };
}
