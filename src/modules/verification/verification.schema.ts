import { builder } from '../../graphql/builder.ts';
import { compositeId, toGlobalId } from '../../graphql/global-id.ts';
import { idInputField, inputMutationField } from '../../graphql/input-mutation.ts';
import { UserRef } from '../auth/auth.schema.ts';
import { loadUser } from '../auth/auth.service.ts';
import { LocationRef } from '../location/location.schema.ts';
import { loadLocation } from '../location/location.service.ts';
import { SecretRef, SecretVersionRef } from '../secret/secret.schema.ts';
import { loadSecretVersion } from '../secret/secret.service.ts';
import { VERIFY_PREFIX } from './verification-checks.ts';
import { VERIFICATION_ERROR_CODES, VERIFICATION_ERROR_MESSAGES } from './verification-errors.ts';
import type { StoredCheck } from './verification.tables.ts';
import {
  loadLastVerification,
  MAX_PARALLEL_LOCATIONS,
  MAX_RUNS_PER_TEAM,
  summariseVersion,
  verifyLocation,
  verifySecret,
  type LocationVerification,
  type VersionVerificationSummary,
} from './verification.service.ts';

const VerificationModeEnum = builder.enumType('VerificationMode', {
  description: 'What a verification does with the bucket.',
  values: {
    READ_WRITE: { description: `LIST, then WRITE a small object under \`${VERIFY_PREFIX}\`, READ it back and DELETE it.` },
    READ_ONLY: { description: 'LIST only: for credentials that may only read.' },
  } as const,
});

const VerificationStatusEnum = builder.enumType('VerificationStatus', {
  description: 'The outcome of a verification.',
  values: {
    PASSED: { description: 'Every check succeeded.' },
    FAILED: { description: 'A check failed: see its `errorCode`.' },
  } as const,
});

const VerificationCheckKindEnum = builder.enumType('VerificationCheckKind', {
  description: 'One operation of a verification, in the order they run.',
  values: {
    LIST: { description: `List objects under \`${VERIFY_PREFIX}\`.` },
    WRITE: { description: `Write a small object \`${VERIFY_PREFIX}<uuid>\`.` },
    READ: { description: 'Read it back: the same bytes.' },
    DELETE: { description: 'Delete it.' },
  } as const,
});

const VerificationErrorCodeEnum = builder.enumType('VerificationErrorCode', {
  description: 'Why a check failed; the message is cloakroom’s own, never the provider’s text.',
  values: Object.fromEntries(
    VERIFICATION_ERROR_CODES.map((code) => [
      code,
      { description: `${VERIFICATION_ERROR_MESSAGES[code][0]!.toUpperCase()}${VERIFICATION_ERROR_MESSAGES[code].slice(1)}.` },
    ]),
  ) as Record<(typeof VERIFICATION_ERROR_CODES)[number], { description: string }>,
});

const VerificationCheckRef = builder.objectRef<StoredCheck>('VerificationCheck').implement({
  description: 'One check of a verification. A failed LIST or WRITE ends the run; after a failed READ the object is still deleted.',
  fields: (t) => ({
    check: t.field({ type: VerificationCheckKindEnum, description: 'Which operation.', resolve: (c) => c.check }),
    ok: t.exposeBoolean('ok', { description: 'Whether it succeeded.' }),
    errorCode: t.field({
      type: VerificationErrorCodeEnum,
      nullable: true,
      description: 'Why it failed; null when it succeeded.',
      resolve: (c) => c.errorCode as (typeof VERIFICATION_ERROR_CODES)[number] | null,
    }),
    message: t.exposeString('message', { nullable: true, description: 'What failed, in cloakroom’s words; null when it succeeded.' }),
  }),
});

export const LocationVerificationRef = builder.objectRef<LocationVerification>('LocationVerification').implement({
  description:
    'One verification of a location’s bucket with the credentials of one version of its secret (stored, audited as `location.verified`).',
  fields: (t) => ({
    id: t.field({ type: 'ID', description: 'Its id.', resolve: (v) => toGlobalId('LocationVerification', v.id) }),
    location: t.field({
      type: LocationRef,
      nullable: true,
      description: 'The location verified; null when your token’s scopes do not cover locations.',
      resolve: (v, _args, ctx) => loadLocation(ctx, v.locationId),
    }),
    secretVersion: t.field({
      type: SecretVersionRef,
      nullable: true,
      description: 'The version whose credentials were used; null when your token’s scopes do not cover secrets.',
      resolve: (v, _args, ctx) => loadSecretVersion(ctx, compositeId(v.secretId, v.secretVersion)),
    }),
    mode: t.field({ type: VerificationModeEnum, description: 'READ_WRITE or READ_ONLY.', resolve: (v) => v.mode }),
    status: t.field({ type: VerificationStatusEnum, description: 'PASSED when every check succeeded.', resolve: (v) => v.status }),
    checks: t.field({ type: [VerificationCheckRef], description: 'The checks that ran, in order.', resolve: (v) => v.checks }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When it started.' }),
    durationMs: t.exposeInt('durationMs', { description: 'How long it took, in milliseconds (at most 10 s).' }),
    verifiedBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who ran it; null once the user is no longer visible to you.',
      resolve: (v, _args, ctx) => (v.verifiedBy ? loadUser(ctx, v.verifiedBy) : null),
    }),
  }),
});

builder.objectField(LocationRef, 'lastVerification', (t) =>
  t.field({
    type: LocationVerificationRef,
    nullable: true,
    description: 'Its newest verification (of any version of its secret); null before the first.',
    resolve: (l, _args, ctx) => loadLastVerification(ctx, l.id),
  }),
);

const SecretVersionVerificationRef = builder.objectRef<VersionVerificationSummary>('SecretVersionVerification').implement({
  description: 'How the locations linked to the secret now fared with this version’s credentials.',
  fields: (t) => ({
    locationCount: t.exposeInt('locationCount', { description: 'Locations linked to the secret now.' }),
    verifiedCount: t.exposeInt('verifiedCount', { description: 'Of those, how many have a verification of this version.' }),
    passedCount: t.exposeInt('passedCount', { description: 'Of those, how many passed their newest verification of this version.' }),
    allPassed: t.boolean({
      description: 'Whether every linked location passed its newest verification of this version (true when none is linked).',
      resolve: (s) => s.passedCount === s.locationCount,
    }),
    verifications: t.field({
      type: [LocationVerificationRef],
      description:
        'The newest verification of this version at each linked location that has one; empty when your token’s scopes do not cover locations (the counts stay).',
      resolve: (s) => s.verifications,
    }),
  }),
});

builder.objectField(SecretVersionRef, 'verification', (t) =>
  t.field({
    type: SecretVersionVerificationRef,
    description: 'Its verifications at the secret’s locations (`verifySecret`).',
    resolve: (v, _args, ctx) => summariseVersion(ctx, v.secretId, v.version),
  }),
);

/** The input of both verify mutations: what to verify (`for`), with which version of the secret, how. */
function verifyInput(name: string, description: string, target: typeof LocationRef | typeof SecretRef) {
  return builder.inputType(name, {
    description,
    fields: (t) => ({
      id: idInputField(t, target),
      version: t.int({ description: 'A version number of the secret (e.g. a staged one); CURRENT when omitted.' }),
      mode: t.field({ type: VerificationModeEnum, defaultValue: 'READ_WRITE', description: 'READ_WRITE (default) or READ_ONLY.' }),
    }),
  });
}

const VerifyLocationInput = verifyInput(
  'VerifyLocationInput',
  'The location to verify, with which version of its secret and how.',
  LocationRef,
);

const ERROR_CODES = `Error codes: NOT_FOUND (also for an unknown version), PAYLOAD_MISSING, NOT_VERIFIABLE (an EXTERNAL_VAULT secret), SECRET_DELETED (scheduled for deletion), TOO_MANY_VERIFICATIONS (the team already runs ${MAX_RUNS_PER_TEAM}; retry when one ends). A failing bucket is not an error: the verification is stored FAILED, its checks say why.`;

inputMutationField('verifyLocation', LocationVerificationRef, {
  description: `Checks that the location’s bucket works with its secret’s credentials of \`version\` (LIST, WRITE, READ, DELETE under \`${VERIFY_PREFIX}\`; LIST only in READ_ONLY), through the provider’s SDK, within 10 s; stores and audits the result (\`location.verified\`). ADMIN or OWNER; a token needs LOCATIONS_WRITE. ${ERROR_CODES}`,
  input: [VerifyLocationInput, 'The location and how to verify it.'],
  data: ['verification', 'The verification, PASSED or FAILED.'],
  resolve: (input, ctx) => verifyLocation(ctx, { ...input, id: input.id.id }),
});

const VerifySecretInput = verifyInput('VerifySecretInput', 'The secret whose locations to verify, with which version and how.', SecretRef);

const VerifySecretSuccess = builder
  .objectRef<{ verifications: LocationVerification[]; allPassed: boolean }>('VerifySecretSuccess')
  .implement({
    description: 'Every linked location was verified.',
    fields: (t) => ({
      verifications: t.field({
        type: [LocationVerificationRef],
        description: 'One per linked location, by location name.',
        resolve: (s) => s.verifications,
      }),
      allPassed: t.exposeBoolean('allPassed', { description: 'Whether every verification PASSED (true when no location is linked).' }),
    }),
  });

inputMutationField('verifySecret', VerifySecretSuccess, {
  description: `Verifies every location linked to the secret with its credentials of \`version\`, ${MAX_PARALLEL_LOCATIONS} at a time, as \`verifyLocation\` does each. ADMIN or OWNER; a token needs SECRETS_WRITE. ${ERROR_CODES}`,
  input: [VerifySecretInput, 'The secret and how to verify its locations.'],
  resolve: (input, ctx) => verifySecret(ctx, { ...input, id: input.id.id }),
});
