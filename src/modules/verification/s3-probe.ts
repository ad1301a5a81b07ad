import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { endpointFor, signingRegionFor } from '../secret/provider-catalogue.ts';
import { credential, type ProbeTarget, type StorageProbe } from './storage-probe.ts';
import { VerificationFailure } from './verification-errors.ts';

/** S3 and the S3-compatible providers, B2 through its S3 endpoint (`application_key_id`/`application_key` are its key pair). */
export function openS3Probe(target: ProbeTarget): StorageProbe {
  const endpoint = endpointFor(target.locationType, target);
  if (!endpoint)
    throw new VerificationFailure('UNREACHABLE', 'the location does not say where its bucket is: set its region or endpointUrl');
  target.outbound.requireHttps(endpoint);
  const b2 = target.locationType === 'B2';
  const agent = target.outbound.createAgent();
  const client = new S3Client({
    endpoint,
    region: signingRegionFor(target.locationType, target),
    // Amazon serves virtual-hosted buckets; the others (MinIO, Ceph, R2, B2 …) all answer path-style URLs.
    forcePathStyle: target.locationType !== 'S3',
    credentials: {
      accessKeyId: credential(target, b2 ? 'application_key_id' : 'access_key_id'),
      secretAccessKey: credential(target, b2 ? 'application_key' : 'secret_access_key'),
    },
    requestHandler: { httpsAgent: agent },
    maxAttempts: 1,
    followRegionRedirects: false,
    // The CRC checksums the SDK adds by default are not implemented by most S3-compatible servers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = target.bucketName;
  const options = { abortSignal: target.signal };
  return {
    list: async (prefix) => {
      await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, MaxKeys: 1 }), options);
    },
    write: async (key, body) => {
      await client.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType: 'application/octet-stream' }), options);
    },
    read: async (key) => {
      const object = await client.send(new GetObjectCommand({ Bucket, Key: key }), options);
      return Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    },
    remove: async (key) => {
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }), options);
    },
    destroy: () => {
      client.destroy();
      agent.destroy();
    },
  };
}
