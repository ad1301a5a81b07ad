import { AnonymousCredential, ContainerClient, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import { endpointFor } from '../secret/provider-catalogue.ts';
import { credential, type ProbeTarget, type StorageProbe } from './storage-probe.ts';
import { VerificationFailure } from './verification-errors.ts';

/**
 * The container URL: the account's blob endpoint (the location's `endpointUrl`, e.g. Azurite's
 * `https://127.0.0.1:10000/devstoreaccount1`; else from the account name or the SAS URL) and the
 * container. A SAS URL that already names the container is not doubled.
 */
function containerUrl(target: ProbeTarget): URL {
  const endpoint = endpointFor(target.locationType, target, target.credentials);
  if (!endpoint) throw new VerificationFailure('UNREACHABLE', 'the location does not say where its account is: set its endpointUrl');
  const service = target.outbound.requireHttps(endpoint);
  const container = encodeURIComponent(target.bucketName);
  const path = service.pathname.replace(/\/+$/, '');
  service.pathname = path.endsWith(`/${container}`) ? path : `${path}/${container}`;
  service.search = '';
  return service;
}

/** Azure Blob Storage with an account key or a SAS URL; the SAS's own permissions and expiry are what is verified. */
export function openAzureBlobProbe(target: ProbeTarget): StorageProbe {
  const url = containerUrl(target);
  const agent = target.outbound.createAgent();
  // `agent` and `redirectOptions` reach core-rest-pipeline's createPipelineFromOptions (agentPolicy,
  // redirectPolicy) although StoragePipelineOptions does not list them.
  const pipeline = {
    agent,
    redirectOptions: { maxRetries: 0 },
    retryOptions: { maxTries: 1 },
    keepAliveOptions: { enable: false },
  } as StoragePipelineOptions;
  let client: ContainerClient;
  if (target.authMethod === 'AZURE_SAS_URL') {
    url.search = new URL(credential(target, 'sas_url')).search;
    client = new ContainerClient(url.href, new AnonymousCredential(), pipeline);
  } else {
    const key = new StorageSharedKeyCredential(credential(target, 'account_name'), credential(target, 'account_key'));
    client = new ContainerClient(url.href, key, pipeline);
  }
  const abortSignal = target.signal;
  return {
    list: async (prefix) => {
      await client.listBlobsFlat({ prefix, abortSignal }).byPage({ maxPageSize: 1 }).next();
    },
    write: async (key, body) => {
      await client.getBlockBlobClient(key).upload(body, body.length, { abortSignal });
    },
    read: async (key) => client.getBlockBlobClient(key).downloadToBuffer(0, undefined, { abortSignal }),
    remove: async (key) => {
      await client.getBlockBlobClient(key).delete({ abortSignal });
    },
    destroy: () => agent.destroy(),
  };
}
