import { builder, type BuilderTypes } from '../../graphql/builder.ts';
import { inputMutationField } from '../../graphql/input-mutation.ts';
import { nodeOfId } from '../../graphql/node-loading.ts';
import { createdEdgeField } from '../../graphql/created-edge.ts';
import { createApiToken, listViewerApiTokens, loadApiToken, loadUser, revokeApiToken, type ApiToken, type User } from './auth.service.ts';
import { tokenName } from '../team/team.rules.ts';
import type { TokenScope } from './permissions.ts';

export const UserRef = builder.objectRef<User>('User');
builder.node(UserRef, {
  description: 'A person. Visible to the members of the teams they belong to.',
  ...nodeOfId(loadUser),
  fields: (t) => ({
    email: t.exposeString('email', { description: 'Their email address, unique among users.' }),
    name: t.exposeString('name', { nullable: true, description: 'Their display name, if they gave one.' }),
  }),
});

export const TokenScopeEnum = builder.enumType('TokenScope', {
  description: 'What a scoped token may do, within its user’s role. A write scope includes its read.',
  values: {
    SECRETS_READ: { value: 'secrets:read', description: 'Read secrets and vault connections (metadata only, as always).' },
    SECRETS_WRITE: { value: 'secrets:write', description: 'Create and change secrets and vault connections.' },
    LOCATIONS_READ: { value: 'locations:read', description: 'Read locations (their secrets need SECRETS_READ too).' },
    LOCATIONS_WRITE: { value: 'locations:write', description: 'Create and change locations.' },
    TEAM_ADMIN: { value: 'team:admin', description: 'Rename the team, manage members and workspaces, read the audit trail.' },
  } as const,
});

export const ApiTokenRef = builder.objectRef<ApiToken>('ApiToken');
builder.node(ApiTokenRef, {
  description:
    'A personal token: acts as its user. The token itself is shown once, at creation. Visible to its own user only (`node(id)` answers null to anyone else).',
  ...nodeOfId(loadApiToken, 'Global id, for `revokeApiToken`, `AuditEvent.actorTokenId` and `node(id)`.'),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'What you called it, to tell your tokens apart.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When it stops working; null: never.' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When it was revoked; null while it is not.' }),
    scopes: t.field({
      type: [TokenScopeEnum],
      nullable: true,
      description: 'Null for an unscoped token, limited only by its user’s role.',
      resolve: (token) => token.scopes as TokenScope[] | null,
    }),
  }),
});

/** The edges of `Viewer.apiTokens`, also on `createApiToken`'s success (`apiTokenEdge`). */
const ViewerApiTokensEdge = builder.edgeObject({ name: 'ViewerApiTokensConnectionEdge', type: ApiTokenRef });
/** `Viewer.apiTokens` is newest first: a token's cursor key is its creation time, then its id. */
const apiTokenCursorKey = (token: ApiToken) => [token.createdAt.toISOString(), token.id] as const;

/**
 * The authenticated caller; teams extend it with `memberships`. Its id is a `Viewer` id of its
 * own, never the User's: Relay's store keeps one typename per id.
 */
export const ViewerRef = builder.objectRef<User>('Viewer');
builder.node(ViewerRef, {
  description:
    'You: the user your token acts as. Its `id` is a Viewer id (not your User id: that is `user.id`); `node(id)` answers it to you alone.',
  id: {
    resolve: (user) => user.id,
    description: 'A Viewer id of its own, never your User id (that is `user.id`): Relay keeps one type per id.',
  },
  // Only the caller's own Viewer id names an object; another user's is null, as an unknown id.
  loadManyWithoutCache: (ids, ctx) => Promise.all(ids.map((id) => (id === ctx.viewer.userId ? loadUser(ctx, id) : null))),
  fields: (t) => ({
    user: t.field({
      type: UserRef,
      description: 'You as a User: the id that `createdBy`, `owner` and `actor` fields name.',
      resolve: async (user, _args, ctx) => (await loadUser(ctx, user.id))!,
    }),
    email: t.exposeString('email', { description: 'Your email address.' }),
    name: t.exposeString('name', { nullable: true, description: 'Your display name, if you gave one.' }),
    apiTokens: t.connection(
      {
        type: ApiTokenRef,
        description: 'Your tokens, newest first, including revoked and expired ones.',
        resolve: (_user, args, ctx) => listViewerApiTokens(ctx, args),
      },
      {},
      ViewerApiTokensEdge,
    ),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    description: 'You: the user of the token this request carries.',
    resolve: async (_root, _args, ctx) => (await loadUser(ctx, ctx.viewer.userId))!,
  }),
);

const CreateApiTokenInput = builder.inputType('CreateApiTokenInput', {
  description: 'A new personal token.',
  fields: (t) => ({
    name: t.string({
      required: true,
      validate: tokenName,
      description: 'A name to tell it apart: 1–100 characters, no control or invisible characters.',
    }),
    expiresAt: t.field({ type: 'DateTime', description: 'When the token stops working; never when omitted.' }),
    scopes: t.field({
      type: [TokenScopeEnum],
      description:
        'Limit the token to these scopes (at least one: an empty list is SCOPES_EMPTY); omitted: unscoped. Only an unscoped token can create tokens.',
    }),
  }),
});

const CreateApiTokenSuccess = builder.objectRef<{ token: string; apiToken: ApiToken }>('CreateApiTokenSuccess').implement({
  description: 'The token was created.',
  fields: (t) => ({
    token: t.exposeString('token', { description: 'The token. Store it now: it is never shown again.' }),
    apiToken: t.field({ type: ApiTokenRef, description: 'What is kept of it: its metadata.', resolve: (success) => success.apiToken }),
    apiTokenEdge: createdEdgeField(t, {
      type: ViewerApiTokensEdge,
      connection: 'Viewer.apiTokens',
      node: (success) => success.apiToken,
      cursorKey: apiTokenCursorKey,
    }),
  }),
});

inputMutationField('createApiToken', CreateApiTokenSuccess, {
  description:
    'Creates a personal token for you. Send it as `Authorization: Bearer <token>`. Any user, with an unscoped token (FORBIDDEN otherwise). Error codes: EXPIRY_IN_PAST, SCOPES_EMPTY.',
  input: [CreateApiTokenInput, 'The token to create.'],
  resolve: (input, ctx) => createApiToken(ctx, input),
});

const RevokeApiTokenInput = builder.inputType('RevokeApiTokenInput', {
  description: 'The token to revoke.',
  fields: (t) => ({ id: t.globalID({ required: true, for: ApiTokenRef, description: 'An ApiToken id from `viewer.apiTokens`.' }) }),
});

inputMutationField('revokeApiToken', ApiTokenRef, {
  description:
    'Revokes one of your tokens; the next request made with it fails. Any token may revoke itself; only an unscoped token revokes your other tokens.',
  input: [RevokeApiTokenInput, 'The token to revoke.'],
  data: ['apiToken', 'The token, now revoked.'],
  resolve: (input, ctx) => revokeApiToken(ctx, input.id.id),
});

/** What every versioned object records about its creation and last change. */
export interface Authored {
  createdAt: Date;
  createdBy: string | null;
  updatedAt: Date;
  updatedBy: string | null;
}

/** A nullable `User` field: the user `userId` names, null when it names none or the viewer may not see them. */
export function userField<T>(
  t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, T>,
  description: string,
  userId: (o: T) => string | null,
) {
  return t.field({
    type: UserRef,
    nullable: true,
    description,
    resolve: (o, _args, ctx) => {
      const id = userId(o);
      return id ? loadUser(ctx, id) : null;
    },
  });
}

/** `createdAt createdBy updatedAt updatedBy` for any object type that records them. */
export function authorshipFields<T extends Authored>(t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, T>) {
  return {
    createdAt: t.field({ type: 'DateTime', description: 'When it was created.', resolve: (o) => o.createdAt }),
    createdBy: userField(t, 'Null once the user is no longer visible to you.', (o) => o.createdBy),
    updatedAt: t.field({ type: 'DateTime', description: 'When it last changed (its creation, if never).', resolve: (o) => o.updatedAt }),
    updatedBy: userField(t, 'Who changed it last; null once the user is no longer visible to you.', (o) => o.updatedBy),
  };
}
