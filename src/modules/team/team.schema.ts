import { builder, type BuilderTypes } from '../../graphql/builder.ts';
import { describedEnum } from '../../graphql/described-enum.ts';
import { loadEach, nodeOfId } from '../../graphql/node-loading.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotencyKey } from '../shared/rules.ts';
import { compositeId, toGlobalId } from '../../graphql/global-id.ts';
import { ROLES } from '../auth/permissions.ts';
import type { Role } from './team.tables.ts';
import { loadUser } from '../auth/auth.service.ts';
import { loadTeamWithSecrets } from '../secret/secret.service.ts';
import { teamSecretsFold } from '../secret/secret.lookahead.ts';
import { authorshipFields, UserRef, ViewerRef } from '../auth/auth.schema.ts';
import { viewerRole, type Context } from '../../graphql/context.ts';
import { createdEdgeField } from '../../graphql/created-edge.ts';
import { idInputField, inputMutationField } from '../../graphql/input-mutation.ts';
import { changeMutationField } from '../../graphql/change-mutation.schema.ts';
import {
  acceptTeamInvitation,
  createTeam,
  declineTeamInvitation,
  inviteTeamMember,
  listTeamInvitations,
  listTeamMembers,
  listViewerInvitations,
  listViewerMemberships,
  loadMembership,
  loadTeam,
  removeTeamMember,
  revokeTeamInvitation,
  updateMemberRole,
  updateTeam,
  type Membership,
  type Team,
  type TeamInvitation,
} from './team.service.ts';
import { email, teamName, teamSlug } from './team.rules.ts';

/** What each role adds to the one after it (src/modules/auth/permissions.ts decides). */
const ROLE_DESCRIPTIONS: Record<Role, string> = {
  OWNER: 'ADMIN, and alone manages members: invites them, changes their roles, removes them. A team keeps at least one OWNER.',
  ADMIN:
    'OPERATOR, and manages the team’s secrets, locations, vault connections and workspaces, renames the team and reads its audit trail.',
  OPERATOR: 'VIEWER, and creates and changes PRIVATE ENV secrets of their own.',
  VIEWER: 'Reads the team: its members, workspaces, and the metadata of its secrets (never a value), locations and vault connections.',
};

export const TeamRoleEnum = describedEnum(
  'TeamRole',
  'OWNER > ADMIN > OPERATOR > VIEWER: each can do what the roles after it can.',
  ROLES,
  ROLE_DESCRIPTIONS,
);

export const TeamRef = builder.objectRef<Team>('Team');
export const MembershipRef = builder.objectRef<Membership>('Membership');
export const TeamInvitationRef = builder.objectRef<TeamInvitation>('TeamInvitation');

/** The edges of `Team.members`, also on `acceptTeamInvitation`'s success (`membershipEdge`). */
const TeamMembersEdge = builder.edgeObject({ name: 'TeamMembersConnectionEdge', type: MembershipRef });
/** The edges of `Team.invitations`, also on `addTeamMember`'s success (`invitationEdge`). */
const TeamInvitationsEdge = builder.edgeObject({ name: 'TeamInvitationsConnectionEdge', type: TeamInvitationRef });

/** `team`: the team an object belongs to (its `teamId`), which its reader is a member of. */
export function teamField<T extends { teamId: string }>(t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, T>, description: string) {
  return t.field({ type: TeamRef, description, resolve: async (o, _args, ctx) => (await loadTeam(ctx, o.teamId))! });
}

/** `version` of every versioned object. */
export const VERSION_DESCRIPTION = 'Bumped by one on every change; pass it as `expectedVersion` for compare-and-set.';

builder.node(TeamRef, {
  description: 'The unit of ownership: members, secrets, locations and vault connections belong to one team.',
  ...nodeOfId(loadTeam),
  fields: (t) => ({
    name: t.exposeString('name', { description: '1–100 characters, no control or invisible characters.' }),
    slug: t.exposeString('slug', { description: 'URL-safe and unique among teams: 1–48 lowercase letters, digits and dashes.' }),
    version: t.exposeInt('version', { description: VERSION_DESCRIPTION }),
    viewerRole: t.field({
      type: TeamRoleEnum,
      description: 'Your role in this team.',
      resolve: async (team, _args, ctx) => (await viewerRole(ctx, team.id))!,
    }),
    members: t.connection(
      {
        type: MembershipRef,
        description: 'Members in the order they joined.',
        resolve: (team, args, ctx) => listTeamMembers(ctx, team.id, args),
      },
      {},
      TeamMembersEdge,
    ),
    invitations: t.connection(
      {
        type: TeamInvitationRef,
        description: 'Pending invitations, oldest first (OWNER only).',
        resolve: (team, args, ctx) => listTeamInvitations(ctx, team.id, args),
      },
      {},
      TeamInvitationsEdge,
    ),
    ...authorshipFields(t),
  }),
});

builder.node(MembershipRef, {
  description: "A user's role in a team. Visible to the team's members, like the team.",
  id: { resolve: (m) => compositeId(m.teamId, m.userId) },
  loadManyWithoutCache: loadEach(loadMembership),
  fields: (t) => ({
    team: teamField(t, 'The team.'),
    user: t.field({ type: UserRef, description: 'The member.', resolve: async (m, _args, ctx) => (await loadUser(ctx, m.userId))! }),
    role: t.field({ type: TeamRoleEnum, description: 'What the member may do in the team.', resolve: (m) => m.role }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the user joined the team.' }),
  }),
});

builder.objectType(TeamInvitationRef, {
  description: 'An invitation to join a team. Nobody joins a team through the API without accepting one (`acceptTeamInvitation`).',
  fields: (t) => ({
    id: t.globalID({
      description: 'Global id, to accept, decline or revoke the invitation.',
      resolve: (invitation) => ({ type: 'TeamInvitation', id: invitation.id }),
    }),
    team: t.field({
      type: TeamRef,
      nullable: true,
      description: 'The team; null while you are not one of its members (an invitee sees `teamName`).',
      resolve: (invitation, _args, ctx) => loadTeam(ctx, invitation.teamId),
    }),
    teamName: t.exposeString('teamName', { description: 'The name of the team you are invited to.' }),
    email: t.exposeString('email', { description: 'Who is invited.' }),
    role: t.field({ type: TeamRoleEnum, description: 'The role the invitee gets on accepting.', resolve: (invitation) => invitation.role }),
    invitedByEmail: t.exposeString('invitedByEmail', { nullable: true, description: 'Who sent it; null once that user is gone.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was sent.' }),
  }),
});

builder.objectField(ViewerRef, 'invitations', (t) =>
  t.connection({
    type: TeamInvitationRef,
    description: 'Invitations to teams waiting for your answer, oldest first.',
    resolve: (_user, args, ctx) => listViewerInvitations(ctx, args),
  }),
);

builder.objectField(ViewerRef, 'memberships', (t) =>
  t.field({
    type: [MembershipRef],
    description: 'Your teams and your role in each.',
    resolve: (_user, _args, ctx) => listViewerMemberships(ctx),
  }),
);

builder.queryField('team', (t) =>
  t.field({
    type: TeamRef,
    nullable: true,
    description: 'A team you belong to; null for any other id.',
    // Decoded without a type: an id of anything else is null here, like an unknown one, not an error.
    args: { id: t.arg.globalID({ required: true, description: 'A Team id.' }) },
    resolve: (_root, { id }, ctx, info) => {
      if (id.typename !== 'Team') return null;
      // Asked for its secrets too: one statement reads both (see loadTeamWithSecrets).
      const fold = teamSecretsFold(info);
      return fold ? loadTeamWithSecrets(ctx, id.id, fold) : loadTeam(ctx, id.id);
    },
  }),
);

const CreateTeamInput = builder.inputType('CreateTeamInput', {
  description: 'A new team.',
  fields: (t) => ({
    name: t.string({ required: true, validate: teamName, description: '1–100 characters, no control or invisible characters.' }),
    slug: t.string({
      description: '1–48 lowercase letters, digits and dashes, unique among teams; derived from the name when omitted.',
      validate: teamSlug,
    }),
    idempotencyKey: t.string({ validate: idempotencyKey, description: IDEMPOTENCY_KEY_DESCRIPTION }),
  }),
});

inputMutationField('createTeam', TeamRef, {
  description: 'Creates a team; you become its OWNER. Any user, with an unscoped token. Error codes: SLUG_TAKEN, IDEMPOTENCY_KEY_REUSED.',
  input: [CreateTeamInput, 'The team to create.'],
  data: ['team', 'The team created.'],
  resolve: (input, ctx) => createTeam(ctx, input),
});

changeMutationField('updateTeam', TeamRef, {
  description: 'Renames a team (ADMIN or OWNER). Error codes: SLUG_TAKEN, VERSION_MISMATCH.',
  input: 'A change to a team; omitted fields stay as they are.',
  fields: (t) => ({
    name: t.string({ validate: teamName, description: '1–100 characters, no control or invisible characters.' }),
    slug: t.string({ validate: teamSlug, description: '1–48 lowercase letters, digits and dashes, unique among teams.' }),
  }),
  expectedVersion: 'Fail with VERSION_MISMATCH unless the team is at this version.',
  resolve: (input, ctx) => updateTeam(ctx, input),
});

type InputFieldBuilder = PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>;

/** `teamId userId`: one member of a team. */
function memberInputFields(t: InputFieldBuilder) {
  return {
    teamId: idInputField(t, TeamRef),
    userId: t.globalID({ required: true, for: UserRef, description: 'The member’s User id.' }),
  };
}

const AddTeamMemberInput = builder.inputType('AddTeamMemberInput', {
  description: 'Who to invite, to which team, with which role.',
  fields: (t) => ({
    teamId: idInputField(t, TeamRef),
    email: t.string({ required: true, validate: email, description: 'The user is created if no user has this email yet.' }),
    role: t.field({ type: TeamRoleEnum, required: true, description: 'The role they get on accepting.' }),
  }),
});

const AddTeamMemberSuccess = builder.objectRef<{ invitation: TeamInvitation; membership: null }>('AddTeamMemberSuccess').implement({
  description: 'The invitation was sent.',
  fields: (t) => ({
    invitation: t.field({
      type: TeamInvitationRef,
      description: 'The invitation sent: the user joins when they accept it.',
      resolve: (success) => success.invitation,
    }),
    invitationEdge: createdEdgeField(t, {
      type: TeamInvitationsEdge,
      connection: 'Team.invitations',
      node: (success) => success.invitation,
      cursorKey: (invitation) => [invitation.createdAt.toISOString(), invitation.id],
    }),
    membership: t.field({
      type: MembershipRef,
      nullable: true,
      description: 'Always null: members join by accepting the invitation.',
      deprecationReason: 'Users join by accepting `invitation` (acceptTeamInvitation); the membership is in its answer.',
      resolve: (success) => success.membership,
    }),
  }),
});

inputMutationField('addTeamMember', AddTeamMemberSuccess, {
  description:
    'Invites a user to the team (OWNER only): they join, with `role`, when they accept (`acceptTeamInvitation`). Already a member: ALREADY_MEMBER; already invited: ALREADY_INVITED.',
  input: [AddTeamMemberInput, 'The invitation to send.'],
  resolve: async (input, ctx) => ({
    invitation: await inviteTeamMember(ctx, { ...input, teamId: input.teamId.id }),
    membership: null,
  }),
});

const TeamInvitationIdInput = (name: string, description: string) =>
  builder.inputType(name, {
    description: 'One invitation.',
    fields: (t) => ({ id: t.globalID({ required: true, for: TeamInvitationRef, description }) }),
  });

inputMutationField('acceptTeamInvitation', MembershipRef, {
  description: 'Joins the team of an invitation addressed to you, with its role (an unscoped token only). Error codes: ALREADY_MEMBER.',
  input: [
    TeamInvitationIdInput('AcceptTeamInvitationInput', 'A TeamInvitation id from `viewer.invitations`.'),
    'The invitation to accept.',
  ],
  data: ['membership', 'Your membership of the team.'],
  result: {
    fields: (r) => ({
      membershipEdge: createdEdgeField(r, {
        type: TeamMembersEdge,
        connection: 'Team.members',
        node: (membership) => membership,
        cursorKey: (membership) => [membership.createdAt.toISOString(), membership.userId],
      }),
    }),
  },
  resolve: (input, ctx) => acceptTeamInvitation(ctx, input.id.id),
});

/** A mutation on one invitation, named by id, that answers that id once `act` is done. */
function invitationMutationField(
  name: string,
  options: { description: string; from: string; input: string; data: [string, string]; act: (ctx: Context, id: string) => Promise<void> },
) {
  inputMutationField(name, 'ID', {
    description: options.description,
    input: [
      TeamInvitationIdInput(`${name[0]!.toUpperCase()}${name.slice(1)}Input`, `A TeamInvitation id from \`${options.from}\`.`),
      options.input,
    ],
    data: options.data,
    resolve: async (input, ctx) => {
      await options.act(ctx, input.id.id);
      return toGlobalId('TeamInvitation', input.id.id);
    },
  });
}

invitationMutationField('declineTeamInvitation', {
  description: 'Refuses an invitation addressed to you; it is gone.',
  from: 'viewer.invitations',
  input: 'The invitation to decline.',
  data: ['declinedInvitationId', 'The id of the invitation declined.'],
  act: declineTeamInvitation,
});

invitationMutationField('revokeTeamInvitation', {
  description: 'Withdraws a pending invitation of your team (OWNER only).',
  from: 'Team.invitations',
  input: 'The invitation to withdraw.',
  data: ['revokedInvitationId', 'The id of the invitation withdrawn.'],
  act: revokeTeamInvitation,
});

const UpdateMemberRoleInput = builder.inputType('UpdateMemberRoleInput', {
  description: 'A member and their new role.',
  fields: (t) => ({
    ...memberInputFields(t),
    role: t.field({ type: TeamRoleEnum, required: true, description: 'Their new role.' }),
  }),
});

inputMutationField('updateMemberRole', MembershipRef, {
  description: "Changes a member's role (OWNER only). The last OWNER cannot be demoted (LAST_OWNER).",
  input: [UpdateMemberRoleInput, 'The member and role.'],
  data: ['membership', 'The membership with its new role.'],
  resolve: (input, ctx) => updateMemberRole(ctx, { teamId: input.teamId.id, userId: input.userId.id, role: input.role }),
});

const RemoveTeamMemberInput = builder.inputType('RemoveTeamMemberInput', {
  description: 'The member to remove.',
  fields: memberInputFields,
});

inputMutationField('removeTeamMember', 'ID', {
  description:
    'Removes a member (OWNER only). The last OWNER cannot be removed (LAST_OWNER). Their PRIVATE secrets stay, readable and changeable by nobody; an ADMIN or OWNER may delete them (`deleteSecret`).',
  input: [RemoveTeamMemberInput, 'The member to remove.'],
  data: ['removedUserId', 'The User id of the member removed.'],
  resolve: async (input, ctx) => {
    await removeTeamMember(ctx, { teamId: input.teamId.id, userId: input.userId.id });
    return toGlobalId('User', input.userId.id);
  },
});
