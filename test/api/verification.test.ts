import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import { connect } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createOutboundGuard } from '../../src/modules/outbound/outbound-guard.ts';
import { rawId, unknownId } from '../helpers/ids.ts';
import type { CreateSecretInput } from '../gql/graphql.ts';
import { createTeamWithOwner, executeOk } from '../helpers/app.ts';
import {
  CreateApiToken,
  CancelSecretRotation,
  DeleteSecret,
  LocationLastVerification,
  PromoteSecretVersion,
  RotateSecret,
  RotateSecretStaged,
  SecretVersionVerifications,
  VerifyLocation,
  VerifySecret,
} from '../helpers/documents.ts';
import { createS3Location, createS3Secret, useTestApp } from '../helpers/fixtures.ts';
import { createVaultConnection, s3FieldMappings } from '../helpers/scenarios.ts';
import { registerPlaintext } from '../helpers/harness-checks.ts';
import {
  closedPort,
  S3RVER_ACCESS_KEY_ID,
  startCountingListener,
  startS3rver,
  type CountingListener,
  type S3rverHandle,
} from '../helpers/storage-servers.ts';
import { createTestCa } from '../helpers/test-ca.ts';
import { auditEventsOf } from '../helpers/audit-events.ts';

/**
 * verifyLocation / verifySecret against s3rver, a real S3 protocol server, over HTTPS with a CA made
 * for this file. The app trusts that CA through its outbound guard (CLOAKROOM_OUTBOUND_CA_FILE in a
 * server) and may reach 127.0.0.1 only (CLOAKROOM_OUTBOUND_ALLOWED_HOSTS=127.0.0.1).
 */
const ca = createTestCa();
const { t, team } = useTestApp({
  members: true,
  outbound: createOutboundGuard({ allowedHosts: ['127.0.0.1'], extraCa: ca.caPem }),
});

const BUCKET = 'verified-bucket';
const OTHER_BUCKET = 'second-bucket';
/** s3rver ignores the secret (it checks no signature), but it is a credential like any other: the leak sweep looks for it. */
const SECRET_KEY = `s3rver-secret-${Date.now()}`;
registerPlaintext(SECRET_KEY);

let s3: S3rverHandle;
let untrustedS3: S3rverHandle;
let untrustedCa: ReturnType<typeof createTestCa>;
let listener: CountingListener;

beforeAll(async () => {
  s3 = await startS3rver(ca, [BUCKET, OTHER_BUCKET]);
  untrustedCa = createTestCa();
  untrustedS3 = await startS3rver(untrustedCa, [BUCKET]);
});

afterAll(async () => {
  await s3?.close();
  await untrustedS3?.close();
  untrustedCa?.remove();
  ca.remove();
});

/** An S3_COMPATIBLE secret with this access key id (s3rver knows `S3RVER` only) and SECRET_KEY. */
const createSecret = (accessKeyId = S3RVER_ACCESS_KEY_ID, input: Partial<CreateSecretInput> = {}) =>
  createS3Secret(t.app, team, {
    secretType: 'S3_COMPATIBLE',
    credentials: { accessKey: { accessKeyId, secretAccessKey: SECRET_KEY } },
    ...input,
  });

/** An S3_COMPATIBLE location on the secret, at s3rver's endpoint unless told otherwise. */
const createLocation = (secretId: string, endpointUrl = s3.endpoint, bucketName = BUCKET) =>
  createS3Location(t.app, team, secretId, { locationType: 'S3_COMPATIBLE', bucketName, endpointUrl });

async function verifyLocation(id: string, extra: { version?: number; mode?: 'READ_WRITE' | 'READ_ONLY' } = {}, token = team.ownerToken) {
  return (await executeOk(t.app, VerifyLocation, { input: { id, ...extra } }, token)).verifyLocation;
}

async function verified(id: string, extra: { version?: number; mode?: 'READ_WRITE' | 'READ_ONLY' } = {}) {
  const result = await verifyLocation(id, extra);
  if (result.__typename !== 'VerifyLocationSuccess') throw new Error(JSON.stringify(result));
  return result.verification;
}

const codes = (checks: readonly { check: string; ok: boolean; errorCode?: string | null }[]) =>
  checks.map((c) => (c.ok ? c.check : `${c.check}:${c.errorCode}`));

describe('verifyLocation against s3rver over HTTPS', () => {
  test('READ_WRITE with the right key passes LIST, WRITE, READ, DELETE, leaves nothing behind, and is stored and audited', async () => {
    const secret = await createSecret();
    const location = await createLocation(secret.id);
    const verification = await verified(location.id);
    expect(verification).toMatchObject({
      status: 'PASSED',
      mode: 'READ_WRITE',
      location: { id: location.id },
      secretVersion: { version: 1 },
      verifiedBy: { email: team.ownerEmail },
    });
    expect(codes(verification.checks)).toEqual(['LIST', 'WRITE', 'READ', 'DELETE']);
    expect(verification.checks.every((c) => c.errorCode === null && c.message === null)).toBe(true);
    expect(verification.durationMs).toBeLessThan(10_000);

    // The object written under .cloakroom-verify/ was deleted: ask s3rver with an SDK client of our own.
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: SECRET_KEY },
      requestHandler: { httpsAgent: new https.Agent({ ca: ca.caPem }) },
    });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: '.cloakroom-verify/' }));
    client.destroy();
    expect(listed.KeyCount ?? 0).toBe(0);

    const last = await executeOk(t.app, LocationLastVerification, { id: location.id }, team.ownerToken);
    expect(last.node).toMatchObject({ lastVerification: { id: verification.id, status: 'PASSED' } });
    expect(await auditEventsOf(t.db, location.id, 'location.verified')).toMatchObject([
      { action: 'location.verified', target_type: 'Location', changed_fields: ['lastVerification'] },
    ]);
  });

  test('READ_ONLY runs LIST only', async () => {
    const location = await createLocation((await createSecret()).id);
    const verification = await verified(location.id, { mode: 'READ_ONLY' });
    expect(verification.status).toBe('PASSED');
    expect(codes(verification.checks)).toEqual(['LIST']);
  });

  test('an access key id s3rver does not know → INVALID_CREDENTIALS at LIST, nothing further tried', async () => {
    const location = await createLocation((await createSecret('AKIAUNKNOWNKEY123456')).id);
    const verification = await verified(location.id);
    expect(verification.status).toBe('FAILED');
    expect(codes(verification.checks)).toEqual(['LIST:INVALID_CREDENTIALS']);
    expect(verification.checks[0]!.message).toMatch(/^LIST failed: the provider rejected the credentials .*\(HTTP 403\)$/);
  });

  test('a bucket that does not exist → BUCKET_NOT_FOUND', async () => {
    const location = await createLocation((await createSecret()).id, s3.endpoint, 'no-such-bucket');
    expect(codes((await verified(location.id)).checks)).toEqual(['LIST:BUCKET_NOT_FOUND']);
  });

  test('a closed port → UNREACHABLE', async () => {
    const location = await createLocation((await createSecret()).id, `https://127.0.0.1:${await closedPort()}`);
    expect(codes((await verified(location.id)).checks)).toEqual(['LIST:UNREACHABLE']);
  });

  test('a certificate from a CA the server does not trust → TLS_ERROR', async () => {
    const location = await createLocation((await createSecret()).id, untrustedS3.endpoint);
    expect(codes((await verified(location.id)).checks)).toEqual(['LIST:TLS_ERROR']);
  });
});

describe('the outbound guard refuses private endpoints before connecting', () => {
  beforeAll(async () => {
    // 127.0.0.2 is loopback too, but not on this app's allow-list (127.0.0.1 only).
    listener = await startCountingListener('127.0.0.2');
  });
  afterAll(() => listener?.close());

  test('the listener counts connections (so that zero below means none was made)', async () => {
    const before = listener.connections();
    await new Promise<void>((resolve) =>
      connect(listener.port, '127.0.0.2')
        .on('close', () => resolve())
        .on('error', () => resolve()),
    );
    expect(listener.connections()).toBe(before + 1);
  });

  test.each([
    ['a loopback address not allowed', () => `https://127.0.0.2:${listener.port}`],
    ['its IPv4-mapped IPv6 form', () => `https://[::ffff:127.0.0.2]:${listener.port}`],
    ['the cloud metadata address', () => 'https://169.254.169.254'],
    ['a private (RFC 1918) address', () => 'https://10.0.0.1'],
  ])('%s → ENDPOINT_NOT_ALLOWED, no connection made', async (_label, endpoint) => {
    const before = listener.connections();
    const location = await createLocation((await createSecret()).id, endpoint());
    const verification = await verified(location.id);
    expect(codes(verification.checks)).toEqual(['LIST:ENDPOINT_NOT_ALLOWED']);
    expect(verification.durationMs).toBeLessThan(1_000);
    expect(listener.connections()).toBe(before);
  });
});

describe('versions, verifySecret and the summary of a version', () => {
  test('verifySecret verifies every linked location; SecretVersion.verification summarises them', async () => {
    const secret = await createSecret();
    const good = await createLocation(secret.id, s3.endpoint, BUCKET);
    const alsoGood = await createLocation(secret.id, s3.endpoint, OTHER_BUCKET);
    const missing = await createLocation(secret.id, s3.endpoint, 'missing-bucket');
    const result = (await executeOk(t.app, VerifySecret, { input: { id: secret.id } }, team.ownerToken)).verifySecret;
    if (result.__typename !== 'VerifySecretSuccess') throw new Error(JSON.stringify(result));
    expect(result.allPassed).toBe(false);
    const byLocation = new Map(result.verifications.map((v) => [v.location!.id, v.status]));
    expect(byLocation).toEqual(
      new Map([
        [good.id, 'PASSED'],
        [alsoGood.id, 'PASSED'],
        [missing.id, 'FAILED'],
      ]),
    );

    const versions = await executeOk(t.app, SecretVersionVerifications, { id: secret.id }, team.ownerToken);
    const node = versions.node as { versions: { edges: { node: { version: number; verification: unknown } }[] } };
    expect(node.versions.edges[0]!.node).toMatchObject({
      version: 1,
      verification: { locationCount: 3, verifiedCount: 3, passedCount: 2, allPassed: false },
    });
  });

  test('a secret without locations: allPassed, nothing verified', async () => {
    const secret = await createSecret();
    const result = (await executeOk(t.app, VerifySecret, { input: { id: secret.id } }, team.ownerToken)).verifySecret;
    expect(result).toMatchObject({ __typename: 'VerifySecretSuccess', allPassed: true, verifications: [] });
  });

  test('`version` picks the credentials: after a rotation to a key s3rver refuses, CURRENT fails and version 1 still passes', async () => {
    const secret = await createSecret();
    const location = await createLocation(secret.id);
    const rotated = (
      await executeOk(
        t.app,
        RotateSecret,
        { input: { id: secret.id, credentials: { accessKey: { accessKeyId: 'AKIAROTATEDAWAY12345', secretAccessKey: SECRET_KEY } } } },
        team.ownerToken,
      )
    ).rotateSecret;
    if (rotated.__typename !== 'RotateSecretSuccess') throw new Error(JSON.stringify(rotated));
    const current = await verified(location.id);
    expect(current).toMatchObject({ status: 'FAILED', secretVersion: { version: rotated.secret.version } });
    expect(codes(current.checks)).toEqual(['LIST:INVALID_CREDENTIALS']);
    const first = await verified(location.id, { version: 1 });
    expect(first).toMatchObject({ status: 'PASSED', secretVersion: { version: 1 } });
    // lastVerification is the newest, whichever version it used.
    const last = await executeOk(t.app, LocationLastVerification, { id: location.id }, team.ownerToken);
    expect(last.node).toMatchObject({ lastVerification: { id: first.id } });
  });

  test('a secret scheduled for deletion → SECRET_DELETED (it has no locations left, but is frozen all the same)', async () => {
    const secret = await createSecret();
    const deleted = (await executeOk(t.app, DeleteSecret, { input: { id: secret.id } }, team.ownerToken)).deleteSecret;
    expect(deleted.__typename).toBe('DeleteSecretSuccess');
    const result = (await executeOk(t.app, VerifySecret, { input: { id: secret.id } }, team.ownerToken)).verifySecret;
    expect(result).toMatchObject({ __typename: 'ConflictError', code: 'SECRET_DELETED' });
  });

  test('an EXTERNAL_VAULT secret → NOT_VERIFIABLE: its values are in the vault, never fetched here', async () => {
    const vault = await createVaultConnection(t.app, team, { vaultType: 'DOPPLER' });
    const secret = await createSecret(undefined, {
      credentials: null,
      vaultConnectionId: vault.id,
      fieldMappings: s3FieldMappings('DOPPLER'),
    });
    const location = await createLocation(secret.id);
    expect(await verifyLocation(location.id)).toMatchObject({ __typename: 'ConflictError', code: 'NOT_VERIFIABLE' });
    const bySecret = (await executeOk(t.app, VerifySecret, { input: { id: secret.id } }, team.ownerToken)).verifySecret;
    expect(bySecret).toMatchObject({ __typename: 'ConflictError', code: 'NOT_VERIFIABLE' });
  });

  test('a version the secret does not have → NOT_FOUND, nothing stored', async () => {
    const location = await createLocation((await createSecret()).id);
    expect(await verifyLocation(location.id, { version: 42 })).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const last = await executeOk(t.app, LocationLastVerification, { id: location.id }, team.ownerToken);
    expect(last.node).toEqual({ lastVerification: null });
  });
});

describe('who may verify, and how many at once', () => {
  test('VIEWER and OPERATOR are refused; ADMIN may', async () => {
    const secret = await createSecret();
    const location = await createLocation(secret.id);
    for (const role of ['VIEWER', 'OPERATOR'] as const) {
      expect(await verifyLocation(location.id, {}, team.members[role].token)).toMatchObject({ __typename: 'ForbiddenError' });
      const bySecret = (await executeOk(t.app, VerifySecret, { input: { id: secret.id } }, team.members[role].token)).verifySecret;
      expect(bySecret).toMatchObject({ __typename: 'ForbiddenError' });
    }
    expect(await verifyLocation(location.id, { mode: 'READ_ONLY' }, team.members.ADMIN.token)).toMatchObject({
      __typename: 'VerifyLocationSuccess',
    });
  });

  test('token scopes: verifyLocation needs LOCATIONS_WRITE, verifySecret SECRETS_WRITE', async () => {
    const secret = await createSecret();
    const location = await createLocation(secret.id);
    const token = async (scopes: ('LOCATIONS_WRITE' | 'SECRETS_WRITE')[]) => {
      const created = (await executeOk(t.app, CreateApiToken, { input: { name: 'scoped', scopes } }, team.ownerToken)).createApiToken;
      if (created.__typename !== 'CreateApiTokenSuccess') throw new Error(JSON.stringify(created));
      return created.token;
    };
    const locationsWrite = await token(['LOCATIONS_WRITE']);
    const secretsWrite = await token(['SECRETS_WRITE']);
    expect(await verifyLocation(location.id, { mode: 'READ_ONLY' }, locationsWrite)).toMatchObject({ __typename: 'VerifyLocationSuccess' });
    expect(await verifyLocation(location.id, { mode: 'READ_ONLY' }, secretsWrite)).toMatchObject({ __typename: 'ForbiddenError' });
    const verifySecret = async (tokenValue: string) =>
      (await executeOk(t.app, VerifySecret, { input: { id: secret.id, mode: 'READ_ONLY' } }, tokenValue)).verifySecret;
    expect(await verifySecret(secretsWrite)).toMatchObject({ __typename: 'VerifySecretSuccess', allPassed: true });
    expect(await verifySecret(locationsWrite)).toMatchObject({ __typename: 'ForbiddenError' });
  });

  test('another team’s location or secret answers exactly like an unknown id', async () => {
    const location = await createLocation((await createSecret()).id);
    const secret = await createSecret();
    const stranger = await createTeamWithOwner(t.db);
    const foreign = await verifyLocation(location.id, {}, stranger.ownerToken);
    expect(foreign).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(foreign).toEqual(await verifyLocation(unknownId('Location'), {}, stranger.ownerToken));
    const verifySecret = async (id: string) => (await executeOk(t.app, VerifySecret, { input: { id } }, stranger.ownerToken)).verifySecret;
    const foreignSecret = await verifySecret(secret.id);
    expect(foreignSecret).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(foreignSecret).toEqual(await verifySecret(unknownId('Secret')));
    // Nothing was verified for the stranger, nothing audited in either team.
    expect(await t.db.selectFrom('location_verifications').select('id').where('location_id', '=', rawId(location.id)).execute()).toEqual(
      [],
    );
  });

  test('three verifications at once against a server that never answers: two run out of time (TIMEOUT, answered and stored before the 10 s request deadline), the third is refused at once', async () => {
    const silent = await startCountingListener('127.0.0.1', { hold: true });
    try {
      const locations = await Promise.all(
        [0, 1, 2].map(async () => createLocation((await createSecret()).id, `https://127.0.0.1:${silent.port}`)),
      );
      const started = Date.now();
      const results = await Promise.all(
        locations.map(async (location) => {
          const result = await verifyLocation(location.id, { mode: 'READ_ONLY' });
          return { result, after: Date.now() - started };
        }),
      );
      const refused = results.filter(({ result }) => result.__typename === 'ConflictError');
      const ran = results.filter(({ result }) => result.__typename === 'VerifyLocationSuccess');
      expect(refused.map(({ result }) => result)).toEqual([expect.objectContaining({ code: 'TOO_MANY_VERIFICATIONS' })]);
      expect(refused[0]!.after).toBeLessThan(5_000);
      expect(ran.map(({ result }) => result)).toEqual(
        [0, 1].map(() =>
          expect.objectContaining({
            verification: expect.objectContaining({ status: 'FAILED', checks: [expect.objectContaining({ errorCode: 'TIMEOUT' })] }),
          }),
        ),
      );
      for (const { after } of ran) {
        expect(after).toBeGreaterThanOrEqual(7_000);
        expect(after).toBeLessThan(10_000);
      }
      // Stored: each location's lastVerification is that TIMEOUT, no run is left RUNNING.
      const running = await t.db.selectFrom('location_verifications').select('id').where('status', '=', 'RUNNING').execute();
      expect(running).toEqual([]);
    } finally {
      await silent.close();
    }
  }, 30_000);

  test('at most 2 verification runs per team at once (TOO_MANY_VERIFICATIONS); a run left RUNNING by a dead process stops counting', async () => {
    const location = await createLocation((await createSecret()).id);
    const teamId = rawId(team.teamId);
    const locationId = rawId(location.id);
    const [secretRow] = await t.db.selectFrom('locations').select('secret_id').where('id', '=', locationId).execute();
    // Two runs in progress (as two other requests, on any instance, would have them), started just now.
    const running = (startedAt: Date) =>
      [0, 1].map(() => ({
        id: randomUUID(),
        team_id: teamId,
        location_id: locationId,
        secret_id: secretRow!.secret_id,
        secret_version: 1,
        run_id: randomUUID(),
        mode: 'READ_ONLY' as const,
        status: 'RUNNING' as const,
        checks: '[]',
        started_at: startedAt,
        verified_by: null,
      }));
    const busy = running(new Date());
    await t.db.insertInto('location_verifications').values(busy).execute();
    expect(await verifyLocation(location.id, { mode: 'READ_ONLY' })).toMatchObject({
      __typename: 'ConflictError',
      code: 'TOO_MANY_VERIFICATIONS',
    });
    // Runs older than twice the budget belong to a process that died: they no longer hold a slot.
    await sql`update location_verifications set started_at = now() - interval '30 seconds' where id in (${sql.join(busy.map((r) => r.id))})`.execute(
      t.db,
    );
    expect(await verifyLocation(location.id, { mode: 'READ_ONLY' })).toMatchObject({ __typename: 'VerifyLocationSuccess' });
    // The stale rows are never anyone's lastVerification.
    const last = await executeOk(t.app, LocationLastVerification, { id: location.id }, team.ownerToken);
    expect(last.node).toMatchObject({ lastVerification: { status: 'PASSED', mode: 'READ_ONLY' } });
  });
});

describe('GCS: no emulator here, so endpoint and failure classification through the real SDK', () => {
  /** A service-account key of the right shape whose private key is not a key. */
  const serviceAccount = (privateKey: string) =>
    JSON.stringify({
      type: 'service_account',
      project_id: 'verify-project',
      client_email: 'verifier@verify-project.iam.gserviceaccount.com',
      private_key: privateKey,
    });

  async function verifyGcs(privateKey: string, endpointUrl?: string) {
    const json = serviceAccount(privateKey);
    registerPlaintext(json);
    registerPlaintext(privateKey);
    const secret = await createS3Secret(t.app, team, {
      secretType: 'GCS',
      credentials: { gcsServiceAccount: { serviceAccountJson: json } },
    });
    const location = await createS3Location(t.app, team, secret.id, {
      locationType: 'GCS',
      bucketName: 'gcs-bucket',
      ...(endpointUrl && { endpointUrl }),
    });
    return verified(location.id, { mode: 'READ_ONLY' });
  }

  const malformedKey = `-----BEGIN PRIVATE KEY-----\n${randomUUID()}\n-----END PRIVATE KEY-----\n`;

  test('a malformed private key → INVALID_CREDENTIALS, found before any request (the key signs the token request)', async () => {
    const verification = await verifyGcs(malformedKey);
    expect(codes(verification.checks)).toEqual(['LIST:INVALID_CREDENTIALS']);
    expect(verification.checks[0]!.message).not.toMatch(/DECODER|routines|PEM|asn1/i);
  });

  test('an endpoint (emulator or gateway) that does not answer → UNREACHABLE, at once (no SDK retries)', async () => {
    const verification = await verifyGcs(malformedKey, `https://127.0.0.1:${await closedPort()}`);
    expect(codes(verification.checks)).toEqual(['LIST:UNREACHABLE']);
    expect(verification.durationMs).toBeLessThan(2_000);
  });

  test('an endpoint on a private address → ENDPOINT_NOT_ALLOWED (checked before the SDK runs)', async () => {
    const verification = await verifyGcs(malformedKey, 'https://10.1.2.3');
    expect(codes(verification.checks)).toEqual(['LIST:ENDPOINT_NOT_ALLOWED']);
  });
});

describe('rotation that cannot break pipelines: rotate(PENDING) → verifySecret → promoteSecretVersion', () => {
  const staged = async (secretId: string, accessKeyId: string, secretAccessKey: string) => {
    registerPlaintext(secretAccessKey);
    const result = (
      await executeOk(
        t.app,
        RotateSecretStaged,
        { input: { id: secretId, stage: 'PENDING', credentials: { accessKey: { accessKeyId, secretAccessKey } } } },
        team.ownerToken,
      )
    ).rotateSecret;
    if (result.__typename !== 'RotateSecretSuccess') throw new Error(JSON.stringify(result));
    return result.secret.pendingVersion!;
  };
  const verifyVersion = async (secretId: string, version: number) => {
    const result = (await executeOk(t.app, VerifySecret, { input: { id: secretId, version } }, team.ownerToken)).verifySecret;
    if (result.__typename !== 'VerifySecretSuccess') throw new Error(JSON.stringify(result));
    return result;
  };
  const promote = async (secretId: string, version: number, force?: boolean) =>
    (await executeOk(t.app, PromoteSecretVersion, { input: { id: secretId, version, ...(force && { force }) } }, team.ownerToken))
      .promoteSecretVersion;

  test('two locations: bad staged keys fail and promotion is refused; good ones pass both and promote; PREVIOUS keeps the old version', async () => {
    const secret = await createSecret();
    await createLocation(secret.id, s3.endpoint, BUCKET);
    await createLocation(secret.id, s3.endpoint, OTHER_BUCKET);

    // New credentials that s3rver rejects, staged: CURRENT (version 1) keeps serving.
    const bad = await staged(secret.id, 'AKIAREJECTEDBYS3RVER', `bad-secret-${randomUUID()}`);
    const failing = await verifyVersion(secret.id, bad);
    expect(failing.allPassed).toBe(false);
    expect(failing.verifications.map((v) => [v.status, codes(v.checks)])).toEqual([
      ['FAILED', ['LIST:INVALID_CREDENTIALS']],
      ['FAILED', ['LIST:INVALID_CREDENTIALS']],
    ]);
    expect(await promote(secret.id, bad)).toMatchObject({ __typename: 'ConflictError', code: 'VERIFICATION_REQUIRED' });
    const cancelled = (await executeOk(t.app, CancelSecretRotation, { input: { id: secret.id } }, team.ownerToken)).cancelSecretRotation;
    expect(cancelled).toMatchObject({ __typename: 'CancelSecretRotationSuccess', secret: { currentVersion: 1, pendingVersion: null } });

    // Good ones: until they are verified, still refused; verified at both locations, promoted.
    const good = await staged(secret.id, S3RVER_ACCESS_KEY_ID, `new-secret-${randomUUID()}`);
    expect(await promote(secret.id, good)).toMatchObject({ __typename: 'ConflictError', code: 'VERIFICATION_REQUIRED' });
    const passing = await verifyVersion(secret.id, good);
    expect(passing.allPassed).toBe(true);
    expect(passing.verifications.map((v) => [v.status, v.secretVersion?.version])).toEqual([
      ['PASSED', good],
      ['PASSED', good],
    ]);
    const promoted = await promote(secret.id, good);
    expect(promoted).toMatchObject({
      __typename: 'PromoteSecretVersionSuccess',
      secret: { currentVersion: good, pendingVersion: null, previousVersion: 1 },
    });

    // PREVIOUS is the old version, and its credentials still verify (what `cli run --stage PREVIOUS` injects).
    const previous = await verifyVersion(secret.id, 1);
    expect(previous).toMatchObject({ allPassed: true });
  });

  test('a verification of one location is not enough; force skips the gate and the audit event says so', async () => {
    const secret = await createSecret();
    const first = await createLocation(secret.id, s3.endpoint, BUCKET);
    await createLocation(secret.id, s3.endpoint, 'missing-bucket');
    const version = await staged(secret.id, S3RVER_ACCESS_KEY_ID, `forced-${randomUUID()}`);
    expect(await verifyLocation(first.id, { version })).toMatchObject({ verification: { status: 'PASSED' } });
    expect(await promote(secret.id, version)).toMatchObject({ __typename: 'ConflictError', code: 'VERIFICATION_REQUIRED' });
    expect(await promote(secret.id, version, true)).toMatchObject({
      __typename: 'PromoteSecretVersionSuccess',
      secret: { currentVersion: version },
    });
    const [event] = await auditEventsOf(t.db, secret.id, 'secret.version_promoted');
    expect(event!.changed_fields).toContain('force');
  });
});
