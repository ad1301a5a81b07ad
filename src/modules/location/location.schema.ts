import { builder } from '../../graphql/builder.ts';
import { deleteMutationField } from '../../graphql/delete-mutation.schema.ts';
import { toGlobalId } from '../../graphql/global-id.ts';
import { ListOrderInput } from '../../graphql/list-order.schema.ts';
import { nameOrderedEdgeResult } from '../../graphql/created-edge.ts';
import { authorshipFields } from '../auth/auth.schema.ts';
import { SecretRef } from '../secret/secret.schema.ts';
import { loadSecret } from '../secret/secret.service.ts';
import { TeamRef } from '../team/team.schema.ts';
import { loadTeam } from '../team/team.service.ts';
import { bucketName, endpointUrl, LOCATION_TYPES, locationName, region } from './location.rules.ts';
import { createLocation, deleteLocation, listLocationsOfSecret, listTeamLocations, loadLocation, updateLocation, type Location } from './location.service.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, description, idempotencyKey } from '../shared/rules.ts';

export const LocationTypeEnum = builder.enumType('LocationType', { values: LOCATION_TYPES });

export const LocationRef = builder.objectRef<Location>('Location');
builder.node(LocationRef, {
  description: 'A bucket or container, reached with the credentials of one secret of the same type.',
  id: { resolve: (location) => location.id },
  // Our dataloaders cache per request; Pothos's own node cache can hand out an unbranded object when one id is asked twice.
  loadManyWithoutCache: (ids, ctx) => Promise.all(ids.map((id) => loadLocation(ctx, id))),
  fields: (t) => ({
    team: t.field({ type: TeamRef, resolve: async (l, _args, ctx) => (await loadTeam(ctx, l.teamId))! }),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    locationType: t.field({ type: LocationTypeEnum, resolve: (l) => l.locationType }),
    bucketName: t.exposeString('bucketName'),
    region: t.exposeString('region', { nullable: true }),
    endpointUrl: t.exposeString('endpointUrl', { nullable: true }),
    secret: t.field({
      type: SecretRef,
      nullable: true,
      description: 'The secret whose credentials reach the bucket. Null when your token’s scopes do not cover secrets (a LOCATIONS_* token without SECRETS_READ); `secretId` still names it.',
      resolve: (l, _args, ctx) => loadSecret(ctx, l.secretId),
    }),
    secretId: t.field({ type: 'ID', description: 'The id of `secret`, also for tokens that may not read it (to relink with `updateLocation`).', resolve: (l) => toGlobalId('Secret', l.secretId) }),
    version: t.exposeInt('version'),
    ...authorshipFields(t),
  }),
});

builder.objectField(SecretRef, 'locations', (t) =>
  t.connection({ type: LocationRef, description: 'The locations using this secret, by name; empty when your token’s scopes do not cover locations (`locationCount` still counts them).', resolve: (secret, args, ctx) => listLocationsOfSecret(ctx, secret.id, args) }),
);

const LocationFilterInput = builder.inputType('LocationFilter', {
  fields: (t) => ({
    locationType: t.field({ type: LocationTypeEnum }),
    search: t.string({ description: 'Case-insensitive substring of the name.' }),
  }),
});

/** The edges of `Team.locations`, also on `createLocation`'s success (`locationEdge`). */
const TeamLocationsEdge = builder.edgeObject({ name: 'TeamLocationsConnectionEdge', type: LocationRef });

builder.objectField(TeamRef, 'locations', (t) =>
  t.connection(
    {
      type: LocationRef,
      args: { filter: t.arg({ type: LocationFilterInput }), orderBy: t.arg({ type: ListOrderInput, description: 'Default: NAME ASC.' }) },
      resolve: (team, args, ctx) => listTeamLocations(ctx, team.id, args),
    },
    {},
    TeamLocationsEdge,
  ),
);

const CreateLocationInput = builder.inputType('CreateLocationInput', {
  fields: (t) => ({
    teamId: t.globalID({ required: true, for: TeamRef }),
    name: t.string({ required: true, validate: locationName }),
    description: t.string({ validate: description }),
    locationType: t.field({ type: LocationTypeEnum, required: true, description: 'Immutable; the secret must be of this type.' }),
    secretId: t.globalID({ required: true, for: SecretRef }),
    bucketName: t.string({ required: true, validate: bucketName }),
    region: t.string({ validate: region }),
    endpointUrl: t.string({ validate: endpointUrl, description: 'https only (S3-compatible providers).' }),
    idempotencyKey: t.string({ validate: idempotencyKey, description: IDEMPOTENCY_KEY_DESCRIPTION }),
  }),
});

builder.mutationField('createLocation', (t) =>
  t.field({
    type: LocationRef,
    errors: {
      dataField: { name: 'location' },
      result: nameOrderedEdgeResult('locationEdge', TeamLocationsEdge, 'Team.locations', 'locations'),
    },
    args: { input: t.arg({ type: CreateLocationInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      createLocation(ctx, { ...input, teamId: input.teamId.id, secretId: input.secretId.id }),
  }),
);

const UpdateLocationInput = builder.inputType('UpdateLocationInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: LocationRef }),
    name: t.string({ validate: locationName }),
    description: t.string({ validate: description, description: 'null clears it.' }),
    secretId: t.globalID({ for: SecretRef, description: 'Relink to another secret of the same type.' }),
    bucketName: t.string({ validate: bucketName }),
    region: t.string({ validate: region, description: 'null clears it.' }),
    endpointUrl: t.string({ validate: endpointUrl, description: 'null clears it.' }),
    expectedVersion: t.int(),
  }),
});

builder.mutationField('updateLocation', (t) =>
  t.field({
    type: LocationRef,
    errors: { dataField: { name: 'location' } },
    args: { input: t.arg({ type: UpdateLocationInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      updateLocation(ctx, { ...input, id: input.id.id, secretId: input.secretId?.id ?? null }),
  }),
);

deleteMutationField(LocationRef, 'Deletes a location (its secret stays).', deleteLocation);
