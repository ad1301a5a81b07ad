import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { createTeamWithOwner, executeOk, type TestTeam } from '../helpers/app.ts';
import { createS3Secret, fixtures, useTestApp, uniqueName } from '../helpers/fixtures.ts';
import { rawId } from '../helpers/ids.ts';
import type { CreateSecretInput, LifecyclePageQuery, SecretFilter, UpdateSecretInput } from '../gql/graphql.ts';
import { RotateSecret } from '../helpers/documents.ts';
import { s3SecretInput } from '../helpers/scenarios.ts';

const LifecycleFields = graphql(`
  fragment LifecycleFields on Secret {
    id
    name
    version
    expiresAt
    rotationPolicy {
      everyDays
    }
    nextRotationAt
    status
  }
`);
// Registered for codegen; the documents below spread it.
void LifecycleFields;

const CreateWithLifecycle = graphql(`
  mutation CreateWithLifecycle($input: CreateSecretInput!) {
    createSecret(input: $input) {
      __typename
      ... on CreateSecretSuccess {
        secret {
          ...LifecycleFields
        }
      }
      ...ErrorFields
    }
  }
`);

const UpdateLifecycle = graphql(`
  mutation UpdateLifecycle($input: UpdateSecretInput!) {
    updateSecret(input: $input) {
      __typename
      ... on UpdateSecretSuccess {
        secret {
          ...LifecycleFields
        }
      }
      ...ErrorFields
    }
  }
`);

const SecretLifecycle = graphql(`
  query SecretLifecycle($id: ID!) {
    node(id: $id) {
      __typename
      ...LifecycleFields
      ... on Secret {
        versions(first: 1) {
          edges {
            node {
              createdAt
            }
          }
        }
      }
    }
  }
`);

const LifecyclePage = graphql(`
  query LifecyclePage($teamId: ID!, $first: Int!, $after: String, $filter: SecretFilter) {
    team(id: $teamId) {
      secrets(first: $first, after: $after, filter: $filter) {
        edges {
          node {
            name
            status
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

const { t, team } = useTestApp();

const DAY = 24 * 60 * 60 * 1000;
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();

async function create(input: Partial<CreateSecretInput>, owner: TestTeam = team) {
  const full = s3SecretInput(owner, { name: uniqueName('expiry'), ...input });
  return (await executeOk(t.app, CreateWithLifecycle, { input: full }, owner.ownerToken)).createSecret;
}

async function createOk(input: Partial<CreateSecretInput>, owner: TestTeam = team) {
  const result = await create(input, owner);
  if (result.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(result));
  return result.secret;
}

async function update(input: UpdateSecretInput) {
  return (await executeOk(t.app, UpdateLifecycle, { input }, team.ownerToken)).updateSecret;
}

async function read(id: string) {
  const node = (await executeOk(t.app, SecretLifecycle, { id }, team.ownerToken)).node;
  if (node?.__typename !== 'Secret') throw new Error(`not a secret: ${JSON.stringify(node)}`);
  return node;
}

/** Puts the secret's versions `days` into the past, as if they had been stored then. */
async function ageVersions(id: string, days: number) {
  // created_at is written by the database only, so the test writes it in SQL.
  await sql`update secret_versions set created_at = now() - make_interval(days => ${days}) where secret_id = ${rawId(id)}`.execute(t.db);
}

/** Sets `expires_at` directly (the API refuses past instants). */
async function expireAt(id: string, at: Date) {
  await t.db.updateTable('secrets').set({ expires_at: at }).where('id', '=', rawId(id)).execute();
}

async function auditEvents(id: string) {
  return t.db
    .selectFrom('audit_events')
    .select(['action', 'changed_fields', 'target_version'])
    .where('target_id', '=', rawId(id))
    .orderBy('created_at')
    .execute();
}

describe('expiresAt and rotationPolicy on create', () => {
  test('both are stored; nextRotationAt is the current version’s time + everyDays; the audit event names them', async () => {
    const expiresAt = inDays(90);
    const secret = await createOk({ expiresAt, rotationPolicy: { everyDays: 30 } });
    expect(secret).toMatchObject({ version: 1, expiresAt, rotationPolicy: { everyDays: 30 }, status: 'ACTIVE' });
    const createdAt = (await read(secret.id)).versions.edges[0]!.node.createdAt;
    expect(new Date(secret.nextRotationAt as string).getTime()).toBe(new Date(createdAt).getTime() + 30 * DAY);
    const [created] = await auditEvents(secret.id);
    expect(created!.changed_fields).toEqual(expect.arrayContaining(['expiresAt', 'rotationPolicy']));
  });

  test('without them: never expires, no policy, no next rotation, ACTIVE', async () => {
    expect(await createOk({})).toMatchObject({ expiresAt: null, rotationPolicy: null, nextRotationAt: null, status: 'ACTIVE' });
  });

  test.each([
    ['an expiresAt in the past', { expiresAt: inDays(-1) }, ['input', 'expiresAt']],
    ['everyDays 0', { rotationPolicy: { everyDays: 0 } }, ['input', 'rotationPolicy', 'everyDays']],
    ['everyDays 3651', { rotationPolicy: { everyDays: 3651 } }, ['input', 'rotationPolicy', 'everyDays']],
  ])('%s is VALIDATION_FAILED at its field and creates nothing', async (_label, input, path) => {
    const name = uniqueName('refused');
    const result = await create({ name, ...input });
    expect(result).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED', fieldErrors: [{ path }] });
    expect(await t.db.selectFrom('secrets').select('id').where('name', '=', name).execute()).toEqual([]);
  });

  test('everyDays 1 and 3650 are accepted (the bounds)', async () => {
    expect((await createOk({ rotationPolicy: { everyDays: 1 } })).rotationPolicy).toEqual({ everyDays: 1 });
    expect((await createOk({ rotationPolicy: { everyDays: 3650 } })).rotationPolicy).toEqual({ everyDays: 3650 });
  });
});

describe('status', () => {
  test('ACTIVE → ROTATION_DUE when the version is older than everyDays → EXPIRED (wins) → rotation alone does not revive it', async () => {
    const secret = await createOk({ rotationPolicy: { everyDays: 30 } });
    expect((await read(secret.id)).status).toBe('ACTIVE');

    await ageVersions(secret.id, 31);
    const due = await read(secret.id);
    expect(due.status).toBe('ROTATION_DUE');
    expect(new Date(due.nextRotationAt as string).getTime()).toBeLessThan(Date.now());

    await expireAt(secret.id, new Date(Date.now() - 1000));
    expect((await read(secret.id)).status).toBe('EXPIRED');

    // Rotation makes a new current version (the policy's clock restarts), but expiry still holds.
    const rotated = await executeOk(
      t.app,
      RotateSecret,
      { input: { id: secret.id, credentials: { accessKey: fixtures.accessKey() } } },
      team.ownerToken,
    );
    expect(rotated.rotateSecret.__typename).toBe('RotateSecretSuccess');
    const after = await read(secret.id);
    expect(after.status).toBe('EXPIRED');
    expect(new Date(after.nextRotationAt as string).getTime()).toBeGreaterThan(Date.now() + 29 * DAY);

    // A later expiry brings it back: ACTIVE, since the rotation made it current.
    const revived = await update({ id: secret.id, expiresAt: inDays(10) });
    expect(revived).toMatchObject({ __typename: 'UpdateSecretSuccess', secret: { status: 'ACTIVE' } });
  });

  test('ROTATION_DUE → ACTIVE by rotating: nextRotationAt follows the current version', async () => {
    const secret = await createOk({ rotationPolicy: { everyDays: 7 } });
    await ageVersions(secret.id, 8);
    expect((await read(secret.id)).status).toBe('ROTATION_DUE');
    await executeOk(t.app, RotateSecret, { input: { id: secret.id, credentials: { accessKey: fixtures.accessKey() } } }, team.ownerToken);
    expect((await read(secret.id)).status).toBe('ACTIVE');
  });

  test('clearing the policy (null) ends ROTATION_DUE; nextRotationAt becomes null', async () => {
    const secret = await createOk({ rotationPolicy: { everyDays: 7 } });
    await ageVersions(secret.id, 8);
    const cleared = await update({ id: secret.id, rotationPolicy: null });
    expect(cleared).toMatchObject({
      __typename: 'UpdateSecretSuccess',
      secret: { rotationPolicy: null, nextRotationAt: null, status: 'ACTIVE', version: 2 },
    });
  });
});

describe('updateSecret: expiresAt and rotationPolicy', () => {
  test('each change bumps the version and writes one secret.updated naming the field; the same values again are a no-op', async () => {
    const secret = await createOk({});
    const expiresAt = inDays(30);
    expect(await update({ id: secret.id, expiresAt, expectedVersion: 1 })).toMatchObject({ secret: { version: 2, expiresAt } });
    expect(await update({ id: secret.id, rotationPolicy: { everyDays: 90 }, expectedVersion: 2 })).toMatchObject({
      secret: { version: 3, rotationPolicy: { everyDays: 90 } },
    });
    // The same values again: nothing changes, no version, no event.
    expect(await update({ id: secret.id, expiresAt, rotationPolicy: { everyDays: 90 } })).toMatchObject({ secret: { version: 3 } });
    expect(await update({ id: secret.id, expiresAt: null })).toMatchObject({ secret: { version: 4, expiresAt: null } });
    expect(await auditEvents(secret.id)).toEqual([
      expect.objectContaining({ action: 'secret.created', target_version: 1 }),
      { action: 'secret.updated', changed_fields: ['expiresAt'], target_version: 2 },
      { action: 'secret.updated', changed_fields: ['rotationPolicy'], target_version: 3 },
      { action: 'secret.updated', changed_fields: ['expiresAt'], target_version: 4 },
    ]);
  });

  test('expectedVersion is honoured (VERSION_MISMATCH, nothing stored)', async () => {
    const secret = await createOk({});
    expect(await update({ id: secret.id, expiresAt: inDays(5), expectedVersion: 7 })).toMatchObject({ code: 'VERSION_MISMATCH' });
    expect(await read(secret.id)).toMatchObject({ version: 1, expiresAt: null });
  });

  test.each([
    ['an expiresAt in the past', { expiresAt: inDays(-1) }, ['input', 'expiresAt']],
    ['everyDays 0', { rotationPolicy: { everyDays: 0 } }, ['input', 'rotationPolicy', 'everyDays']],
    ['everyDays 3651', { rotationPolicy: { everyDays: 3651 } }, ['input', 'rotationPolicy', 'everyDays']],
  ])('%s is VALIDATION_FAILED and changes nothing (not even the other fields given)', async (_label, input, path) => {
    const secret = await createOk({ rotationPolicy: { everyDays: 10 } });
    const result = await update({ id: secret.id, description: 'changed', ...input });
    expect(result).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED', fieldErrors: [{ path }] });
    expect(await read(secret.id)).toMatchObject({ version: 1, expiresAt: null, rotationPolicy: { everyDays: 10 } });
    expect(await auditEvents(secret.id)).toHaveLength(1);
  });

  test('an already-past expiresAt sent back unchanged is not judged again: a no-op, not an error', async () => {
    const secret = await createOk({});
    const past = new Date(Date.now() - DAY);
    await expireAt(secret.id, past);
    expect(await update({ id: secret.id, expiresAt: past.toISOString() })).toMatchObject({
      __typename: 'UpdateSecretSuccess',
      secret: { version: 1, status: 'EXPIRED' },
    });
  });
});

describe('Team.secrets filters: status, expiresBefore, rotationDueBefore', () => {
  let other: TestTeam;
  const names: Record<'active' | 'due' | 'expired' | 'expiringSoon', string[]> = { active: [], due: [], expired: [], expiringSoon: [] };

  /** Every name the filter lists, reading pages of two (keyset cursors carry the filter's rows only). */
  async function walk(filter: SecretFilter): Promise<string[]> {
    const seen: string[] = [];
    let after: string | null | undefined = null;
    for (let pages = 0; pages < 20; pages++) {
      const data: LifecyclePageQuery = await executeOk(
        t.app,
        LifecyclePage,
        { teamId: other.teamId, first: 2, after, filter },
        other.ownerToken,
      );
      const connection = data.team!.secrets;
      seen.push(...connection.edges.map((edge) => edge.node.name));
      if (!connection.pageInfo.hasNextPage) return seen;
      after = connection.pageInfo.endCursor;
    }
    throw new Error('too many pages');
  }

  test('setup: a fresh team with three secrets in each status and two expiring within a week', async () => {
    other = await createTeamWithOwner(t.db);
    for (let i = 0; i < 3; i++) {
      names.active.push((await createOk({ rotationPolicy: { everyDays: 30 }, expiresAt: inDays(365) }, other)).name);
      const due = await createOk({ rotationPolicy: { everyDays: 30 } }, other);
      await ageVersions(due.id, 31 + i);
      names.due.push(due.name);
      const expired = await createOk({ rotationPolicy: { everyDays: 30 } }, other);
      // Expired and overdue: EXPIRED wins, so it is not listed as ROTATION_DUE.
      await ageVersions(expired.id, 40);
      await expireAt(expired.id, new Date(Date.now() - (i + 1) * DAY));
      names.expired.push(expired.name);
    }
    for (let i = 0; i < 2; i++) names.expiringSoon.push((await createOk({ expiresAt: inDays(3 + i) }, other)).name);
    // A secret of another team never shows up in this team's lists.
    await createS3Secret(t.app, team, { rotationPolicy: { everyDays: 1 } });
  });

  const sorted = (list: string[]) => [...list].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));

  test('status, page by page', async () => {
    expect(await walk({ status: 'EXPIRED' })).toEqual(sorted(names.expired));
    expect(await walk({ status: 'ROTATION_DUE' })).toEqual(sorted(names.due));
    expect(await walk({ status: 'ACTIVE' })).toEqual(sorted([...names.active, ...names.expiringSoon]));
  });

  test('expiresBefore: expired ones and those expiring before the instant; never-expiring ones are not listed', async () => {
    expect(await walk({ expiresBefore: inDays(7) })).toEqual(sorted([...names.expired, ...names.expiringSoon]));
    expect(await walk({ expiresBefore: inDays(0) })).toEqual(sorted(names.expired));
    expect(await walk({ expiresBefore: inDays(400) })).toEqual(sorted([...names.expired, ...names.expiringSoon, ...names.active]));
  });

  test('rotationDueBefore: overdue ones (expired included) and those due before the instant; no policy, not listed', async () => {
    expect(await walk({ rotationDueBefore: inDays(0) })).toEqual(sorted([...names.due, ...names.expired]));
    expect(await walk({ rotationDueBefore: inDays(31) })).toEqual(sorted([...names.due, ...names.expired, ...names.active]));
  });

  test('filters combine with each other and with the others', async () => {
    expect(await walk({ status: 'ACTIVE', expiresBefore: inDays(7) })).toEqual(sorted(names.expiringSoon));
    expect(await walk({ status: 'ROTATION_DUE', search: names.due[0]! })).toEqual([names.due[0]]);
  });
});
