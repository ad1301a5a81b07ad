import { builder } from '../../builder.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotencyKey } from '../../rules.ts';
import { fromGlobalId, toGlobalId } from '../../global-id.ts';
import { ROLES } from '../auth/permissions.ts';
import { loadUser } from '../auth/auth.service.ts';
import { authorshipFields, UserRef, ViewerRef } from '../auth/auth.schema.ts';
import { viewerRole } from '../../context.ts';
import {
  addTeamMember,
  createTeam,
  listTeamMembers,
  listViewerMemberships,
  loadTeam,
  removeTeamMember,
  updateMemberRole,
  updateTeam,
  type Membership,
  type Team,
} from './team.service.ts';
import { email, teamName, teamSlug } from './team.rules.ts';

export const TeamRoleEnum = builder.enumType('TeamRole', {
  description: 'OWNER > ADMIN > OPERATOR > VIEWER: each can do what the roles after it can.',
  values: ROLES,
});

export const TeamRef = builder.objectRef<Team>('Team');
export const MembershipRef = builder.objectRef<Membership>('Membership');

builder.node(TeamRef, {
  description: 'The unit of ownership: members, secrets, locations and vault connections belong to one team.',
  id: { resolve: (team) => team.id },
  // Our dataloaders cache per request; Pothos's own node cache can hand out an unbranded object when one id is asked twice.
  loadManyWithoutCache: (ids, ctx) => Promise.all(ids.map((id) => loadTeam(ctx, id))),
  fields: (t) => ({
    name: t.exposeString('name'),
    slug: t.exposeString('slug'),
    version: t.exposeInt('version', { description: 'Bumped by one on every change; pass it as `expectedVersion` for compare-and-set.' }),
    viewerRole: t.field({ type: TeamRoleEnum, resolve: async (team, _args, ctx) => (await viewerRole(ctx, team.id))! }),
    members: t.connection({
      type: MembershipRef,
      description: 'Members in the order they joined.',
      resolve: (team, args, ctx) => listTeamMembers(ctx, team.id, args),
    }),
    ...authorshipFields(t),
  }),
});

builder.objectType(MembershipRef, {
  description: "A user's role in a team.",
  fields: (t) => ({
    team: t.field({ type: TeamRef, resolve: async (m, _args, ctx) => (await loadTeam(ctx, m.teamId))! }),
    user: t.field({ type: UserRef, resolve: async (m, _args, ctx) => (await loadUser(ctx, m.userId))! }),
    role: t.field({ type: TeamRoleEnum, resolve: (m) => m.role }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the user joined the team.' }),
  }),
});

builder.objectField(ViewerRef, 'memberships', (t) =>
  t.field({ type: [MembershipRef], description: 'Your teams and your role in each.', resolve: (_user, _args, ctx) => listViewerMemberships(ctx) }),
);

builder.queryField('team', (t) =>
  t.field({
    type: TeamRef,
    nullable: true,
    description: 'A team you belong to; null for any other id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => {
      try {
        return loadTeam(ctx, fromGlobalId(String(id), 'Team'));
      } catch {
        return null;
      }
    },
  }),
);

const CreateTeamInput = builder.inputType('CreateTeamInput', {
  fields: (t) => ({
    name: t.string({ required: true, validate: teamName }),
    slug: t.string({ description: 'Derived from the name when omitted.', validate: teamSlug }),
    idempotencyKey: t.string({ validate: idempotencyKey, description: IDEMPOTENCY_KEY_DESCRIPTION }),
  }),
});

builder.mutationField('createTeam', (t) =>
  t.field({
    type: TeamRef,
    description: 'Creates a team; you become its OWNER.',
    errors: { dataField: { name: 'team' } },
    args: { input: t.arg({ type: CreateTeamInput, required: true }) },
    resolve: (_root, { input }, ctx) => createTeam(ctx, input),
  }),
);

const UpdateTeamInput = builder.inputType('UpdateTeamInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string({ validate: teamName }),
    slug: t.string({ validate: teamSlug }),
    expectedVersion: t.int({ description: 'Fail with VERSION_MISMATCH unless the team is at this version.' }),
  }),
});

builder.mutationField('updateTeam', (t) =>
  t.field({
    type: TeamRef,
    description: 'Renames a team (ADMIN or OWNER).',
    errors: { dataField: { name: 'team' } },
    args: { input: t.arg({ type: UpdateTeamInput, required: true }) },
    resolve: (_root, { input }, ctx) => updateTeam(ctx, { ...input, id: fromGlobalId(String(input.id), 'Team') }),
  }),
);

const AddTeamMemberInput = builder.inputType('AddTeamMemberInput', {
  fields: (t) => ({
    teamId: t.id({ required: true }),
    email: t.string({ required: true, validate: email, description: 'The user is created if no user has this email yet.' }),
    role: t.field({ type: TeamRoleEnum, required: true }),
  }),
});

builder.mutationField('addTeamMember', (t) =>
  t.field({
    type: MembershipRef,
    description: 'Adds a user to the team (OWNER only).',
    errors: { dataField: { name: 'membership' } },
    args: { input: t.arg({ type: AddTeamMemberInput, required: true }) },
    resolve: (_root, { input }, ctx) => addTeamMember(ctx, { ...input, teamId: fromGlobalId(String(input.teamId), 'Team') }),
  }),
);

const UpdateMemberRoleInput = builder.inputType('UpdateMemberRoleInput', {
  fields: (t) => ({
    teamId: t.id({ required: true }),
    userId: t.id({ required: true }),
    role: t.field({ type: TeamRoleEnum, required: true }),
  }),
});

builder.mutationField('updateMemberRole', (t) =>
  t.field({
    type: MembershipRef,
    description: "Changes a member's role (OWNER only). The last OWNER cannot be demoted.",
    errors: { dataField: { name: 'membership' } },
    args: { input: t.arg({ type: UpdateMemberRoleInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      updateMemberRole(ctx, { teamId: fromGlobalId(String(input.teamId), 'Team'), userId: fromGlobalId(String(input.userId), 'User'), role: input.role }),
  }),
);

const RemoveTeamMemberInput = builder.inputType('RemoveTeamMemberInput', {
  fields: (t) => ({
    teamId: t.id({ required: true }),
    userId: t.id({ required: true }),
  }),
});

builder.mutationField('removeTeamMember', (t) =>
  t.field({
    type: 'ID',
    description: 'Removes a member (OWNER only). The last OWNER cannot be removed.',
    errors: { dataField: { name: 'removedUserId' } },
    args: { input: t.arg({ type: RemoveTeamMemberInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const userId = fromGlobalId(String(input.userId), 'User');
      await removeTeamMember(ctx, { teamId: fromGlobalId(String(input.teamId), 'Team'), userId });
      return toGlobalId('User', userId);
    },
  }),
);
