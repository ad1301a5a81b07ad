import type { ResultOf } from '@graphql-typed-document-node/core';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from '../gql/index.ts';
import { executeOk } from '../helpers/app.ts';
import { DeleteSecret, RotateSecret } from '../helpers/documents.ts';
import { createS3Secret, fixtures, useTestApp } from '../helpers/fixtures.ts';
import { rawId } from '../helpers/ids.ts';
import { listen, subscribeSse } from '../helpers/sse.ts';
import type { Database } from '../../src/database/database.ts';
import { emitDueEvents } from '../../src/modules/events/scheduled-events.ts';

const ScheduledEvents = graphql(`
  subscription ScheduledEvents($teamId: ID!, $types: [String!]) {
    teamEvents(teamId: $teamId, types: $types) {
      type
      targetId
      targetVersion
      changedFields
      actor {
        id
      }
    }
  }
`);

const DAY = 86_400_000;
const inDays = (days: number, from = Date.now()) => new Date(from + days * DAY);

const { t, team } = useTestApp({ members: true });
let url: string;
let stopServer: () => Promise<void>;
beforeAll(async () => {
  ({ url, close: stopServer } = await listen(t.app));
});
afterAll(() => stopServer());

/** Passes until nothing more is due at `now` (the run's PostgreSQL database holds other files' secrets too). */
async function emitAll(db: Kysely<Database>, now: Date): Promise<void> {
  while ((await emitDueEvents(db, null, now)) > 0);
}

async function eventsOf(secretId: string) {
  const rows = await t.db
    .selectFrom('team_events')
    .select(['type', 'changed_fields', 'target_version', 'private_to', 'actor_user_id'])
    .where('target_id', '=', rawId(secretId))
    .where('type', 'in', ['secret.expiring', 'secret.expired', 'secret.rotation_due'])
    .orderBy('seq')
    .execute();
  return rows.map((row) => [row.type, ...row.changed_fields]);
}

describe('scheduled events', () => {
  test('secret.expiring 7 days and 1 day before expiresAt, then secret.expired: each once, however often the job runs', async () => {
    const start = Date.now();
    const secret = await createS3Secret(t.app, team, { expiresAt: inDays(10, start).toISOString() });
    await emitAll(t.db, inDays(2, start));
    expect(await eventsOf(secret.id)).toEqual([]);
    await emitAll(t.db, inDays(4, start));
    await emitAll(t.db, inDays(5, start));
    expect(await eventsOf(secret.id)).toEqual([['secret.expiring', 'expiresIn7Days']]);
    await emitAll(t.db, inDays(9.5, start));
    await emitAll(t.db, inDays(11, start));
    await emitAll(t.db, inDays(12, start));
    expect(await eventsOf(secret.id)).toEqual([
      ['secret.expiring', 'expiresIn7Days'],
      ['secret.expiring', 'expiresIn1Day'],
      ['secret.expired', 'expiresAt'],
    ]);
  });

  test('a job that starts late writes only the latest stage; a new expiresAt arms the events again', async () => {
    const start = Date.now();
    const secret = await createS3Secret(t.app, team, { expiresAt: inDays(3, start).toISOString() });
    await emitAll(t.db, inDays(5, start));
    expect(await eventsOf(secret.id)).toEqual([['secret.expired', 'expiresAt']]);
  });

  test('a secret scheduled for deletion is due nothing', async () => {
    const start = Date.now();
    const secret = await createS3Secret(t.app, team, { expiresAt: inDays(3, start).toISOString(), rotationPolicy: { everyDays: 1 } });
    const { deleteSecret } = await executeOk(t.app, DeleteSecret, { input: { id: secret.id } }, team.ownerToken);
    expect(deleteSecret.__typename).toBe('DeleteSecretSuccess');
    await emitAll(t.db, inDays(5, start));
    expect(await eventsOf(secret.id)).toEqual([]);
  });

  test('secret.rotation_due once per rotation cycle: a rotation arms it again', async () => {
    const start = Date.now();
    const secret = await createS3Secret(t.app, team, { rotationPolicy: { everyDays: 1 } });
    await emitAll(t.db, inDays(2, start));
    await emitAll(t.db, inDays(3, start));
    expect(await eventsOf(secret.id)).toEqual([['secret.rotation_due', 'rotationPolicy']]);
    await executeOk(t.app, RotateSecret, { input: { id: secret.id, credentials: { accessKey: fixtures.accessKey() } } }, team.ownerToken);
    await emitAll(t.db, inDays(3, start));
    expect(await eventsOf(secret.id)).toEqual([
      ['secret.rotation_due', 'rotationPolicy'],
      ['secret.rotation_due', 'rotationPolicy'],
    ]);
  });

  test('several servers at the same moment: each event is written once', async () => {
    const start = Date.now();
    const secrets = await Promise.all(
      Array.from({ length: 5 }, () => createS3Secret(t.app, team, { expiresAt: inDays(5, start).toISOString() })),
    );
    await Promise.all(Array.from({ length: 4 }, () => emitAll(t.db, inDays(6, start))));
    for (const secret of secrets) expect(await eventsOf(secret.id)).toEqual([['secret.expired', 'expiresAt']]);
  });

  test('they reach subscribers (through the streams’ poll: this writer woke nobody), without an actor; a PRIVATE secret’s, its owner alone', async () => {
    const start = Date.now();
    const operator = team.members.OPERATOR;
    const types = ['secret.expired'];
    const owners = await subscribeSse(url, ScheduledEvents, { teamId: team.teamId, types }, team.ownerToken);
    const operators = await subscribeSse(url, ScheduledEvents, { teamId: team.teamId, types }, operator.token);
    const shared = await createS3Secret(t.app, team, { expiresAt: inDays(1, start).toISOString() });
    const mine = await createS3Secret(
      t.app,
      team,
      {
        secretType: 'ENV',
        credentials: { envVars: [{ key: 'MINE', value: 'x' }] },
        shared: false,
        expiresAt: inDays(1, start).toISOString(),
      },
      operator.token,
    );
    await emitAll(t.db, inDays(2, start));
    type Event = ResultOf<typeof ScheduledEvents>['teamEvents'];
    const ids = (results: { data?: { teamEvents: Event } | null }[]) => results.map((result) => result.data!.teamEvents.targetId);
    expect(ids(await operators.waitFor(2))).toEqual(expect.arrayContaining([shared.id, mine.id]));
    const [event] = await owners.waitFor(1);
    expect(event!.data!.teamEvents).toMatchObject({
      type: 'secret.expired',
      targetId: shared.id,
      actor: null,
      changedFields: ['expiresAt'],
    });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(ids(owners.results)).not.toContain(mine.id);
    owners.close();
    operators.close();
  });
});
