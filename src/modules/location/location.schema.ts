import { builder } from '../../graphql/builder.ts';
import { deleteMutationField } from '../../graphql/delete-mutation.schema.ts';
import { changeMutationField } from '../../graphql/change-mutation.schema.ts';
import { toGlobalId } from '../../graphql/global-id.ts';
import { filteredListArgs } from '../../graphql/list-order.schema.ts';
import { SecretRef } from '../secret/secret.schema.ts';
import { loadSecret } from '../secret/secret.service.ts';
import { TeamRef } from '../team/team.schema.ts';
import { createTeamObjectMutationField, teamObjectChangeFields, teamObjectNode } from '../team/team-object.schema.ts';
import { bucketName, endpointUrl, LOCATION_TYPES, region } from './location.rules.ts';
import {
  createLocation,
  deleteLocation,
  listLocationsOfSecret,
  listTeamLocations,
  loadLocation,
  updateLocation,
  type Location,
} from './location.service.ts';
import { PROVIDERS } from '../secret/provider-catalogue.ts';

export const LocationTypeEnum = builder.enumType('LocationType', {
  description:
    'The storage provider of a location: every `SecretType` but ENV. Its secret must be of the same type (LOCATION_TYPE_MISMATCH).',
  values: Object.fromEntries(LOCATION_TYPES.map((type) => [type, { description: PROVIDERS[type].description }])) as Record<
    (typeof LOCATION_TYPES)[number],
    { description: string }
  >,
});

export const LocationRef = teamObjectNode<Location>('Location', {
  description: 'A bucket or container, reached with the credentials of one secret of the same type.',
  load: loadLocation,
  what: 'location',
  fields: (t) => ({
    locationType: t.field({ type: LocationTypeEnum, description: 'The provider; fixed at creation.', resolve: (l) => l.locationType }),
    bucketName: t.exposeString('bucketName', { description: 'The bucket or container.' }),
    region: t.exposeString('region', { nullable: true, description: 'The provider’s region, if it has regions.' }),
    endpointUrl: t.exposeString('endpointUrl', {
      nullable: true,
      description: 'The https endpoint of an S3-compatible server; null for the provider’s default.',
    }),
    secret: t.field({
      type: SecretRef,
      nullable: true,
      description:
        'The secret whose credentials reach the bucket. Null when your token’s scopes do not cover secrets (a LOCATIONS_* token without SECRETS_READ); `secretId` still names it.',
      resolve: (l, _args, ctx) => loadSecret(ctx, l.secretId),
    }),
    secretId: t.field({
      type: 'ID',
      description: 'The id of `secret`, also for tokens that may not read it (to relink with `updateLocation`).',
      resolve: (l) => toGlobalId('Secret', l.secretId),
    }),
  }),
});

builder.objectField(SecretRef, 'locations', (t) =>
  t.connection({
    type: LocationRef,
    description:
      'The locations using this secret, by name; empty when your token’s scopes do not cover locations (`locationCount` still counts them).',
    resolve: (secret, args, ctx) => listLocationsOfSecret(ctx, secret.id, args),
  }),
);

const LocationFilterInput = builder.inputType('LocationFilter', {
  description: 'Only locations that match every field given.',
  fields: (t) => ({
    locationType: t.field({ type: LocationTypeEnum, description: 'Of this provider.' }),
    search: t.string({ description: 'Case-insensitive substring of the name.' }),
  }),
});

/** The edges of `Team.locations`, also on `createLocation`'s success (`locationEdge`). */
const TeamLocationsEdge = builder.edgeObject({ name: 'TeamLocationsConnectionEdge', type: LocationRef });

builder.objectField(TeamRef, 'locations', (t) =>
  t.connection(
    {
      type: LocationRef,
      description: 'The team’s locations (a token needs LOCATIONS_READ).',
      args: filteredListArgs(t.arg, LocationFilterInput, 'Only locations that match.'),
      resolve: (team, args, ctx) => listTeamLocations(ctx, team.id, args),
    },
    {},
    TeamLocationsEdge,
  ),
);

createTeamObjectMutationField(LocationRef, {
  description:
    'Creates a location (ADMIN or OWNER). Error codes: NAME_TAKEN, LOCATION_TYPE_MISMATCH, SECRET_NOT_SHARED, SECRET_DELETED (a secret scheduled for deletion), IDEMPOTENCY_KEY_REUSED.',
  input: 'A new location and the secret that reaches it.',
  fields: (t) => ({
    locationType: t.field({ type: LocationTypeEnum, required: true, description: 'Immutable; the secret must be of this type.' }),
    secretId: t.globalID({
      required: true,
      for: SecretRef,
      description: 'A TEAM secret of the team, of type `locationType` (LOCATION_TYPE_MISMATCH, SECRET_NOT_SHARED).',
    }),
    bucketName: t.string({ required: true, validate: bucketName, description: '1–255 characters.' }),
    region: t.string({ validate: region, description: '1–64 characters.' }),
    endpointUrl: t.string({ validate: endpointUrl, description: 'https only (S3-compatible providers).' }),
  }),
  edge: [TeamLocationsEdge, 'Team.locations', 'locations'],
  resolve: (input, ctx) => createLocation(ctx, { ...input, secretId: input.secretId.id }),
});

changeMutationField('updateLocation', LocationRef, {
  description:
    'Changes a location or relinks it to another secret (ADMIN or OWNER). Error codes: NAME_TAKEN, LOCATION_TYPE_MISMATCH, SECRET_NOT_SHARED, SECRET_DELETED (a secret scheduled for deletion), VERSION_MISMATCH.',
  input: 'A change to a location; omitted fields stay as they are. `locationType` cannot change.',
  fields: (t) => ({
    ...teamObjectChangeFields(t, 'null clears it.'),
    secretId: t.globalID({ for: SecretRef, description: 'Relink to another secret of the same type.' }),
    bucketName: t.string({ validate: bucketName, description: '1–255 characters.' }),
    region: t.string({ validate: region, description: 'null clears it.' }),
    endpointUrl: t.string({ validate: endpointUrl, description: 'null clears it.' }),
  }),
  resolve: (input, ctx) => updateLocation(ctx, { ...input, secretId: input.secretId?.id ?? null }),
});

deleteMutationField(LocationRef, 'Deletes a location (its secret stays). ADMIN or OWNER. Error codes: VERSION_MISMATCH.', deleteLocation);
