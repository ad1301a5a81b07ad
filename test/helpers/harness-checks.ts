import { gunzipSync, inflateSync, brotliDecompressSync } from 'node:zlib';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { Kind, OperationTypeNode, parse, type OperationDefinitionNode } from 'graphql';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/database/database.ts';
import { cellTexts, findLeaks, rowHaystacks, spellings, tablesWithRows, type Haystack } from './leaks.ts';

/** Every plaintext this file's fixtures made or its requests sent: the leak sweep at `close()` looks for each. */
const plaintextRegistry = new Set<string>();

/** Adds a value the leak sweep of every test app of this file must find nowhere. */
export function registerPlaintext(value: string): void {
  plaintextRegistry.add(value);
}

/** The plaintexts registered so far, for a test that searches text the harness never sees (an event stream). */
export function registeredPlaintexts(): string[] {
  return [...plaintextRegistry];
}

/**
 * Checks every test app makes of itself at `close()`, over all the scenarios its file ran:
 *  - audit completeness: every successful mutation (a root field whose `__typename` ends in
 *    `Success`) has exactly one SUCCESS audit event, written by its request, for its target
 *    (but an idempotent replay, and an update that changed nothing, whose result's version
 *    must then have had its one event when it was made);
 *  - leak sweep: no plaintext credential value (made by `fixtures` or sent in a request's
 *    credentials/values) appears in any response, log line or table.
 */

/** Mutation → the audit action its success records. */
const ACTIONS: Record<string, string> = {
  addTeamMember: 'member.invited',
  acceptTeamInvitation: 'member.added',
  declineTeamInvitation: 'invitation.declined',
  revokeTeamInvitation: 'invitation.revoked',
  createApiToken: 'api_token.created',
  revokeApiToken: 'api_token.revoked',
  createTeam: 'team.created',
  updateTeam: 'team.updated',
  updateMemberRole: 'member.role_changed',
  removeTeamMember: 'member.removed',
  createSecret: 'secret.created',
  updateSecret: 'secret.updated',
  rotateSecret: 'secret.rotated',
  promoteSecretVersion: 'secret.version_promoted',
  cancelSecretRotation: 'secret.rotation_cancelled',
  restoreSecretVersion: 'secret.version_restored',
  destroySecretVersion: 'secret.version_destroyed',
  deleteSecret: 'secret.deleted',
  restoreSecret: 'secret.restored',
  createLocation: 'location.created',
  updateLocation: 'location.updated',
  deleteLocation: 'location.deleted',
  createVaultConnection: 'vault_connection.created',
  updateVaultConnection: 'vault_connection.updated',
  rotateVaultConnection: 'vault_connection.rotated',
  deleteVaultConnection: 'vault_connection.deleted',
  createWorkspace: 'workspace.created',
  updateWorkspace: 'workspace.updated',
  deleteWorkspace: 'workspace.deleted',
  createWebhook: 'webhook.created',
  updateWebhook: 'webhook.updated',
  rotateWebhookSecret: 'webhook.rotated',
  deleteWebhook: 'webhook.deleted',
  testWebhook: 'webhook.tested',
  verifyLocation: 'location.verified',
  verifySecret: 'location.verified',
};

/** Mutations that verify locations: one event per verification in the payload, for its location (none for a secret without locations). */
const VERIFICATIONS = new Set(['verifyLocation', 'verifySecret']);

/** Actions that make a new `version` of their target: each version has exactly one of them. */
const MAKES_A_VERSION = /\.(created|updated|rotated|restored|version_promoted|rotation_cancelled|version_restored|version_destroyed)$/;

/** Creates that take an `idempotencyKey`: a replay answers success without writing anything. */
const REPLAYABLE = new Set(['createTeam', 'createSecret', 'createLocation', 'createVaultConnection', 'createWorkspace']);
/** Updates that answer success without writing anything when the input matches what is stored. */
const MAY_CHANGE_NOTHING = new Set(['updateSecret']);

/** Input keys whose string leaves (and everything below them) are secret values. */
const SECRET_KEYS = new Set([
  'secretAccessKey',
  'accountKey',
  'sasUrl',
  'serviceAccountJson',
  'applicationKey',
  'accessToken',
  'clientSecret',
  'value',
]);
/** Shorter strings would match by chance (and tests use short ones for invalid input). */
const MIN_SECRET_LENGTH = 8;

/** Fields only success payloads have (errors have code, message, path…). */
const SUCCESS_FIELDS =
  /^(membership|invitation|apiToken|token|location|secret|team|vaultConnection|workspace|webhook|signingSecret|delivery|deleted\w*Id|removedUserId|declinedInvitationId|revokedInvitationId|verifications?)$/;

/** For each operation sent: response key → mutation field name (aliases resolved); null for non-mutations. */
function mutationFields(op: unknown): Map<string, string> | null {
  const { query, operationName } = (op ?? {}) as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string') return null;
  try {
    const operations = parse(query).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const operation = operations.length === 1 ? operations[0] : operations.find((d) => d.name?.value === operationName);
    if (!operation || operation.operation !== OperationTypeNode.MUTATION) return null;
    const fields = new Map<string, string>();
    for (const selection of operation.selectionSet.selections) {
      if (selection.kind === Kind.FIELD) fields.set(selection.alias?.value ?? selection.name.value, selection.name.value);
    }
    return fields;
  } catch {
    return null;
  }
}

interface SuccessNote {
  mutation: string;
  action: string;
  requestId: string | null;
  /** Row id of the target, when the payload names it. */
  targetId: string | null;
  version: number | null;
  replayable: boolean;
  mayChangeNothing: boolean;
}

export interface Recorder {
  fetch: typeof fetch;
  check(db: Kysely<Database>, logs: readonly string[]): Promise<void>;
}

function rowId(globalId: unknown): string | null {
  if (typeof globalId !== 'string') return null;
  try {
    return decodeGlobalID(globalId).id.toLowerCase();
  } catch {
    return null;
  }
}

/** The target of a success payload: `deleted…Id`/`removedUserId`, or the first object with an `id` (and its `version`). */
function targetOf(payload: Record<string, unknown>): { targetId: string | null; version: number | null } {
  for (const [key, value] of Object.entries(payload)) {
    if (/^(deleted\w*Id|removedUserId)$/.test(key)) return { targetId: rowId(value), version: null };
  }
  for (const [key, value] of Object.entries(payload)) {
    if (key === '__typename' || !value || typeof value !== 'object' || Array.isArray(value)) continue;
    const object = value as Record<string, unknown>;
    // Membership: the target is the user.
    const holder =
      'id' in object ? object : object.user && typeof object.user === 'object' ? (object.user as Record<string, unknown>) : null;
    if (holder && 'id' in holder)
      return { targetId: rowId(holder.id), version: typeof object.version === 'number' ? object.version : null };
  }
  return { targetId: null, version: null };
}

function collectSecrets(value: unknown, underSecret: boolean, into: Set<string>): void {
  if (typeof value === 'string') {
    if (underSecret && value.length >= MIN_SECRET_LENGTH) into.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectSecrets(item, underSecret, into);
  } else if (value && typeof value === 'object') {
    for (const [key, member] of Object.entries(value)) collectSecrets(member, underSecret || SECRET_KEYS.has(key), into);
  }
}

function decodeBody(bytes: Buffer, encoding: string | null): string {
  try {
    if (encoding === 'gzip') return gunzipSync(bytes).toString('utf8');
    if (encoding === 'deflate') return inflateSync(bytes).toString('utf8');
    if (encoding === 'br') return brotliDecompressSync(bytes).toString('utf8');
  } catch {
    // not actually compressed: search it as it is
  }
  return bytes.toString('utf8');
}

/** The plaintexts of which some spelling (as leaks.ts spells them) occurs in `text`. */
function plaintextsIn(text: string, plaintexts: readonly string[]): string[] {
  return plaintexts.filter((p) => spellings(p).some((s) => text.includes(s)));
}

/** Where the plaintexts appear in the haystacks: one scan of the joined text, details (leaks.ts) only on a hit. */
function fastFindLeaks(haystacks: readonly Haystack[], plaintexts: readonly string[]): string[] {
  const hits = plaintextsIn(haystacks.map((h) => h.text).join('\u0000'), plaintexts);
  return hits.length ? findLeaks(haystacks, hits) : [];
}

/** The leak sweep of every table (as leaks.ts dumps them), one table's text at a time, without holding the whole dump. */
async function findLeaksInDatabase(db: Kysely<Database>, plaintexts: readonly string[]): Promise<{ leaks: string[]; cells: number }> {
  const leaks: string[] = [];
  let cells = 0;
  for await (const { table, rows } of tablesWithRows(db)) {
    const texts: string[] = [];
    for (const row of rows) for (const value of Object.values(row)) for (const text of cellTexts(value)) texts.push(text);
    cells += texts.length;
    const hits = plaintextsIn(texts.join('\u0000'), plaintexts);
    if (hits.length) leaks.push(...findLeaks(rowHaystacks(table, rows), hits));
  }
  return { leaks, cells };
}

export const harnessStats = { mutationsChecked: 0, valuesSearched: 0, responses: 0, mutationFieldsSeen: 0, mutationFieldsUnknown: 0 };

export function createRecorder(fetchImpl: typeof fetch): Recorder {
  const responses: Haystack[] = [];
  const notes: SuccessNote[] = [];
  const sentSecrets = new Set<string>();
  /** Requests with a null mutation result (a nested error, src/graphql/nullable-mutation-results.ts): that mutation may have been made. */
  const requestsWithNullResults = new Set<string>();

  const recordingFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    let sentFields: (Map<string, string> | null)[] = [];
    if (typeof init?.body === 'string') {
      try {
        const parsed = JSON.parse(init.body) as unknown;
        sentFields = (Array.isArray(parsed) ? parsed : [parsed]).map(mutationFields);
        for (const op of Array.isArray(parsed) ? parsed : [parsed]) {
          const variables = (op as { variables?: unknown } | null)?.variables;
          if (variables) collectSecrets(variables, false, sentSecrets);
        }
      } catch {
        // not JSON: nothing to collect
      }
    }
    const response = await fetchImpl(input, init);
    const bytes = Buffer.from(await response.clone().arrayBuffer());
    const text = decodeBody(bytes, response.headers.get('content-encoding'));
    const requestId = response.headers.get('x-request-id');
    responses.push({ where: `response #${responses.length} (${response.status}, request ${requestId})`, text });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return response;
    }
    (Array.isArray(body) ? body : [body]).forEach((result, index) => {
      const data = (result as { data?: Record<string, unknown> } | null)?.data;
      if (!data || typeof data !== 'object') return;
      const fields = sentFields[index] ?? null;
      for (const [responseKey, payload] of Object.entries(data)) {
        if (fields?.has(responseKey)) harnessStats.mutationFieldsSeen += 1;
        if (fields?.has(responseKey) && payload === null && requestId) requestsWithNullResults.add(requestId);
        if (!payload || typeof payload !== 'object' || Array.isArray(payload)) continue;
        const typename = (payload as { __typename?: unknown }).__typename;
        let mutation: string;
        if (typeof typename === 'string') {
          if (!typename.endsWith('Success')) continue;
          mutation = typename[0]!.toLowerCase() + typename.slice(1, -'Success'.length);
        } else {
          // No __typename selected: a mutation field whose payload has a success-only field.
          const field = fields?.get(responseKey);
          if (!field || !Object.keys(payload).some((key) => SUCCESS_FIELDS.test(key))) {
            if (field) harnessStats.mutationFieldsUnknown += 1;
            continue;
          }
          mutation = field;
        }
        const action = ACTIONS[mutation];
        if (!action) throw new Error(`harness: unknown success type ${String(typename)}`);
        if (VERIFICATIONS.has(mutation)) {
          const { verification, verifications } = payload as { verification?: unknown; verifications?: unknown[] };
          for (const item of verification ? [verification] : (verifications ?? [])) {
            const location = (item as { location?: { id?: unknown } | null } | null)?.location;
            notes.push({
              mutation,
              action,
              requestId,
              targetId: rowId(location?.id),
              version: null,
              replayable: false,
              mayChangeNothing: false,
            });
          }
          continue;
        }
        notes.push({
          mutation,
          action,
          requestId,
          ...targetOf(payload as Record<string, unknown>),
          replayable: REPLAYABLE.has(mutation),
          mayChangeNothing: MAY_CHANGE_NOTHING.has(mutation),
        });
      }
    });
    return response;
  }) as typeof fetch;

  async function checkAudit(db: Kysely<Database>): Promise<string[]> {
    if (!notes.length) return [];
    const problems: string[] = [];
    const requestIds = [...new Set(notes.map((n) => n.requestId).filter((id): id is string => id !== null))];
    const targetIds = [...new Set(notes.map((n) => n.targetId).filter((id): id is string => id !== null))];
    const successEvents = (column: 'request_id' | 'target_id', ids: string[]) =>
      ids.length
        ? db
            .selectFrom('audit_events')
            .select(['request_id', 'action', 'target_id', 'target_version'])
            .where('outcome', '=', 'SUCCESS')
            .where(column, 'in', ids)
            .execute()
        : [];
    const byRequest = await successEvents('request_id', requestIds);
    const byTarget = await successEvents('target_id', targetIds);

    // 1. Per request: each success root field has exactly one event of its action for its target, by that request.
    const expected = new Map<string, { note: SuccessNote; count: number }>();
    for (const note of notes) {
      const key = `${note.requestId}|${note.action}|${note.targetId ?? '*'}`;
      const entry = expected.get(key) ?? { note, count: 0 };
      entry.count += 1;
      expected.set(key, entry);
    }
    for (const [key, { note, count }] of expected) {
      const written = byRequest.filter(
        (e) => e.request_id === note.requestId && e.action === note.action && (note.targetId === null || e.target_id === note.targetId),
      ).length;
      if (written === count) continue;
      // The null results' own events come on top of the visible successes'.
      if (written > count && note.requestId && requestsWithNullResults.has(note.requestId)) continue;
      if (written === 0 && note.replayable && note.targetId !== null) {
        // An idempotent replay writes nothing: the create it replays must have its one event.
        const original = byTarget.filter((e) => e.action === note.action && e.target_id === note.targetId).length;
        if (original === 1) continue;
        problems.push(`${note.mutation} ${note.targetId}: replayed create, but ${original} ${note.action} events overall`);
        continue;
      }
      if (written === 0 && note.mayChangeNothing && note.targetId !== null && note.version !== null) {
        // An update that changed nothing writes nothing: the version it answers was audited when it was made.
        const made = byTarget.filter(
          (e) => e.target_id === note.targetId && e.target_version === note.version && MAKES_A_VERSION.test(e.action),
        ).length;
        if (made === 1) continue;
        problems.push(`${note.mutation} ${note.targetId}@${note.version}: unchanged, but ${made} events made that version`);
        continue;
      }
      problems.push(`${note.mutation} (request ${key}): ${count} successful result(s), ${written} ${note.action} event(s)`);
    }

    // 2. Per (target, version): exactly one created/updated/rotated/restored event, however many responses showed it.
    const versions = new Map<string, SuccessNote>();
    for (const note of notes) if (note.targetId !== null && note.version !== null) versions.set(`${note.targetId}@${note.version}`, note);
    for (const [key, note] of versions) {
      const events = byTarget.filter(
        (e) => e.target_id === note.targetId && e.target_version === note.version && MAKES_A_VERSION.test(e.action),
      );
      if (events.length !== 1)
        problems.push(
          `${note.mutation} ${key}: ${events.length} audit events for this version (${events.map((e) => e.action).join(', ')})`,
        );
    }
    // 3. Deletions and one-off actions on a target: exactly one event per successful result (a secret
    // scheduled for deletion, restored and deleted again has two secret.deleted events).
    const oneOffs = new Map<string, { note: SuccessNote; count: number }>();
    for (const note of notes) {
      if (!/\.(deleted|revoked)$|^api_token\.created$/.test(note.action) || note.targetId === null) continue;
      const key = `${note.targetId}|${note.action}`;
      oneOffs.set(key, { note, count: (oneOffs.get(key)?.count ?? 0) + 1 });
    }
    for (const { note, count } of oneOffs.values()) {
      const events = byTarget.filter((e) => e.target_id === note.targetId && e.action === note.action);
      if (events.length !== count) problems.push(`${note.mutation} ${note.targetId}: ${events.length} ${note.action} events`);
    }
    harnessStats.mutationsChecked += notes.length;
    return [...new Set(problems)];
  }

  return {
    fetch: recordingFetch,
    async check(db, logs) {
      const started = performance.now();
      const auditProblems = await checkAudit(db);
      for (const value of sentSecrets) registerPlaintext(value);
      const plaintexts = [...plaintextRegistry];
      const haystacks: Haystack[] = [...responses, ...logs.map((text, index) => ({ where: `log line ${index}`, text }))];
      const leaks = fastFindLeaks(haystacks, plaintexts);
      const dump = plaintexts.length ? await findLeaksInDatabase(db, plaintexts) : { leaks: [], cells: 0 };
      leaks.push(...dump.leaks);
      harnessStats.valuesSearched += plaintexts.length;
      harnessStats.responses += responses.length;
      if (process.env.HARNESS_STATS)
        console.log(
          `[harness] ${notes.length} mutations checked (${harnessStats.mutationFieldsSeen} mutation fields answered, ${harnessStats.mutationFieldsUnknown} undecidable), ${notes.filter((n) => n.targetId).length} with a target, ${plaintexts.length} values searched, ${responses.length} responses, ${logs.length} log lines, ${dump.cells} table cell texts, ${Math.round(performance.now() - started)} ms`,
        );
      const failures = [...auditProblems.map((p) => `audit: ${p}`), ...[...new Set(leaks)].map((l) => `leak: ${l}`)];
      if (failures.length)
        throw new Error(
          `Test harness checks failed:\n  ${failures.slice(0, 50).join('\n  ')}${failures.length > 50 ? `\n  … ${failures.length - 50} more` : ''}`,
        );
    },
  };
}
