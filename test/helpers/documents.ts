/**
 * Typed documents shared by several API test files. They live here, not in a *.test.ts file:
 * importing a test file from another one registers (and runs) all of its tests a second time.
 */
import { graphql } from '../gql/index.ts';

/** A secret's credential previews: its env var names and one masked value per field. */
export const CredentialPreviews = graphql(`
  fragment CredentialPreviews on Secret {
    envVarKeys
    credentialFields {
      name
      envVar
      maskedValue
    }
  }
`);

export const SecretFields = graphql(`
  fragment SecretFields on Secret {
    id
    name
    description
    secretType
    authMethod
    storage
    version
    lastRotatedAt
    locationCount
    ...CredentialPreviews
    fieldMappings {
      fieldName
      reference
    }
    vaultConnection {
      id
    }
    createdBy {
      email
    }
  }
`);

export const ErrorFields = graphql(`
  fragment ErrorFields on Error {
    __typename
    code
    message
    ... on ValidationError {
      fieldErrors {
        path
        code
      }
    }
  }
`);

export const CreateSecret = graphql(`
  mutation CreateSecret($input: CreateSecretInput!) {
    createSecret(input: $input) {
      __typename
      ... on CreateSecretSuccess {
        secret {
          ...SecretFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const UpdateSecret = graphql(`
  mutation UpdateSecret($input: UpdateSecretInput!) {
    updateSecret(input: $input) {
      __typename
      ... on UpdateSecretSuccess {
        secret {
          ...SecretFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const RotateSecret = graphql(`
  mutation RotateSecret($input: RotateSecretInput!) {
    rotateSecret(input: $input) {
      __typename
      ... on RotateSecretSuccess {
        secret {
          ...SecretFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const DeleteSecret = graphql(`
  mutation DeleteSecret($input: DeleteSecretInput!) {
    deleteSecret(input: $input) {
      __typename
      ... on DeleteSecretSuccess {
        deletedSecretId
      }
      ...ErrorFields
    }
  }
`);

export const RestoreSecret = graphql(`
  mutation RestoreSecret($input: RestoreSecretInput!) {
    restoreSecret(input: $input) {
      __typename
      ... on RestoreSecretSuccess {
        secret {
          id
          name
          version
          status
          deletedAt
          purgeAt
        }
      }
      ...ErrorFields
    }
  }
`);

export const CreateLocation = graphql(`
  mutation CreateLocationForSecret($input: CreateLocationInput!) {
    createLocation(input: $input) {
      __typename
      ... on CreateLocationSuccess {
        location {
          id
          locationType
        }
      }
      ...ErrorFields
    }
  }
`);

export const CreateVaultConnection = graphql(`
  mutation CreateVaultConnectionForSecret($input: CreateVaultConnectionInput!) {
    createVaultConnection(input: $input) {
      __typename
      ... on CreateVaultConnectionSuccess {
        vaultConnection {
          id
        }
      }
      ...ErrorFields
    }
  }
`);

export const LocationFields = graphql(`
  fragment LocationFields on Location {
    id
    name
    description
    locationType
    bucketName
    region
    endpointUrl
    version
    secret {
      id
      secretType
      locationCount
    }
    team {
      id
    }
    createdBy {
      email
    }
    updatedBy {
      email
    }
  }
`);

export const UpdateLocation = graphql(`
  mutation UpdateLocation($input: UpdateLocationInput!) {
    updateLocation(input: $input) {
      __typename
      ... on UpdateLocationSuccess {
        location {
          ...LocationFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const DeleteLocation = graphql(`
  mutation DeleteLocation($input: DeleteLocationInput!) {
    deleteLocation(input: $input) {
      __typename
      ... on DeleteLocationSuccess {
        deletedLocationId
      }
      ...ErrorFields
    }
  }
`);

export const VaultConnectionFields = graphql(`
  fragment VaultConnectionFields on VaultConnection {
    id
    name
    description
    vaultType
    version
    lastRotatedAt
    createdAt
    updatedAt
    team {
      id
    }
    createdBy {
      email
    }
  }
`);

export const UpdateVaultConnection = graphql(`
  mutation UpdateVaultConnection($input: UpdateVaultConnectionInput!) {
    updateVaultConnection(input: $input) {
      __typename
      ... on UpdateVaultConnectionSuccess {
        vaultConnection {
          ...VaultConnectionFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const RotateVaultConnection = graphql(`
  mutation RotateVaultConnection($input: RotateVaultConnectionInput!) {
    rotateVaultConnection(input: $input) {
      __typename
      ... on RotateVaultConnectionSuccess {
        vaultConnection {
          ...VaultConnectionFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const DeleteVaultConnection = graphql(`
  mutation DeleteVaultConnection($input: DeleteVaultConnectionInput!) {
    deleteVaultConnection(input: $input) {
      __typename
      ... on DeleteVaultConnectionSuccess {
        deletedVaultConnectionId
      }
      ...ErrorFields
    }
  }
`);

/** The fields the API tests compare, whichever type a node is. */
export const NodeFields = graphql(`
  fragment NodeFields on Node {
    __typename
    id
    ... on Location {
      ...LocationFields
    }
    ... on VaultConnection {
      ...VaultConnectionFields
    }
    ... on Secret {
      ...SecretFields
    }
  }
`);

/** Any node by id, with the fields the API tests compare. */
export const NodeById = graphql(`
  query NodeById($id: ID!) {
    node(id: $id) {
      ...NodeFields
    }
  }
`);

/** NodeById for several ids at once, in their order (null where a node is not found or not visible). */
export const NodesById = graphql(`
  query NodesById($ids: [ID!]!) {
    nodes(ids: $ids) {
      ...NodeFields
    }
  }
`);

/** Only the ids of some nodes (null where a node is not found or not visible). */
export const NodeIds = graphql(`
  query NodeIds($ids: [ID!]!) {
    nodes(ids: $ids) {
      id
    }
  }
`);

/** Both ends of a page, for paging either way. */
export const PageInfoFields = graphql(`
  fragment PageInfoFields on PageInfo {
    hasNextPage
    hasPreviousPage
    startCursor
    endCursor
  }
`);

/** A page of a team's secrets, forward or backward, filtered and ordered as asked. */
export const TeamSecrets = graphql(`
  query TeamSecrets($teamId: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: SecretFilter, $orderBy: ListOrder) {
    team(id: $teamId) {
      id
      secrets(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
        edges {
          cursor
          node {
            id
            name
            secretType
            storage
            serviceSlug
            ...CredentialPreviews
          }
        }
        pageInfo {
          ...PageInfoFields
        }
      }
    }
  }
`);

/** A page of a team's locations, filtered and ordered as asked. */
export const TeamLocations = graphql(`
  query TeamLocations($teamId: ID!, $first: Int, $after: String, $filter: LocationFilter, $orderBy: ListOrder) {
    team(id: $teamId) {
      locations(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
        edges {
          cursor
          node {
            id
            name
            locationType
          }
        }
        pageInfo {
          ...PageInfoFields
        }
      }
    }
  }
`);

/** A page of a team's vault connections. */
export const VaultConnectionsPage = graphql(`
  query VaultConnectionsPage($teamId: ID!, $first: Int, $after: String) {
    team(id: $teamId) {
      vaultConnections(first: $first, after: $after) {
        edges {
          cursor
          node {
            id
            name
            vaultType
          }
        }
        pageInfo {
          ...PageInfoFields
        }
      }
    }
  }
`);

export const TeamFields = graphql(`
  fragment TeamFields on Team {
    id
    name
    slug
    version
  }
`);

export const CreateTeam = graphql(`
  mutation CreateTeam($input: CreateTeamInput!) {
    createTeam(input: $input) {
      __typename
      ... on CreateTeamSuccess {
        team {
          ...TeamFields
          viewerRole
          createdBy {
            email
          }
        }
      }
      ...ErrorFields
    }
  }
`);

export const UpdateTeam = graphql(`
  mutation UpdateTeam($input: UpdateTeamInput!) {
    updateTeam(input: $input) {
      __typename
      ... on UpdateTeamSuccess {
        team {
          ...TeamFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const AddTeamMember = graphql(`
  mutation AddTeamMember($input: AddTeamMemberInput!) {
    addTeamMember(input: $input) {
      __typename
      ... on AddTeamMemberSuccess {
        invitation {
          id
          email
          role
          teamName
          invitedByEmail
          team {
            id
          }
        }
      }
      ...ErrorFields
    }
  }
`);

export const UpdateMemberRole = graphql(`
  mutation UpdateMemberRole($input: UpdateMemberRoleInput!) {
    updateMemberRole(input: $input) {
      __typename
      ... on UpdateMemberRoleSuccess {
        membership {
          role
        }
      }
      ...ErrorFields
    }
  }
`);

export const RemoveTeamMember = graphql(`
  mutation RemoveTeamMember($input: RemoveTeamMemberInput!) {
    removeTeamMember(input: $input) {
      __typename
      ... on RemoveTeamMemberSuccess {
        removedUserId
      }
      ...ErrorFields
    }
  }
`);

export const WorkspaceFields = graphql(`
  fragment WorkspaceFields on Workspace {
    id
    name
    description
    version
  }
`);

export const CreateWorkspace = graphql(`
  mutation CreateWorkspace($input: CreateWorkspaceInput!) {
    createWorkspace(input: $input) {
      __typename
      ... on CreateWorkspaceSuccess {
        workspace {
          ...WorkspaceFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const UpdateWorkspace = graphql(`
  mutation UpdateWorkspace($input: UpdateWorkspaceInput!) {
    updateWorkspace(input: $input) {
      __typename
      ... on UpdateWorkspaceSuccess {
        workspace {
          ...WorkspaceFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const DeleteWorkspace = graphql(`
  mutation DeleteWorkspace($input: DeleteWorkspaceInput!) {
    deleteWorkspace(input: $input) {
      __typename
      ... on DeleteWorkspaceSuccess {
        deletedWorkspaceId
      }
      ...ErrorFields
    }
  }
`);

export const CreateApiToken = graphql(`
  mutation CreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      __typename
      ... on CreateApiTokenSuccess {
        token
        apiToken {
          id
          name
          expiresAt
          scopes
        }
      }
      ...ErrorFields
    }
  }
`);

export const RevokeApiToken = graphql(`
  mutation RevokeApiToken($input: RevokeApiTokenInput!) {
    revokeApiToken(input: $input) {
      __typename
      ... on RevokeApiTokenSuccess {
        apiToken {
          id
          revokedAt
        }
      }
      ...ErrorFields
    }
  }
`);

/** The caller (its own Viewer id, and as a User), with their teams and roles. */
export const Viewer = graphql(`
  query ViewerIdentity {
    viewer {
      id
      user {
        id
      }
      email
      memberships {
        role
        team {
          id
          name
        }
      }
    }
  }
`);

export const AcceptTeamInvitation = graphql(`
  mutation AcceptTeamInvitation($input: AcceptTeamInvitationInput!) {
    acceptTeamInvitation(input: $input) {
      __typename
      ... on AcceptTeamInvitationSuccess {
        membership {
          role
          team {
            id
          }
          user {
            id
            email
          }
        }
      }
      ...ErrorFields
    }
  }
`);

export const DeclineTeamInvitation = graphql(`
  mutation DeclineTeamInvitation($input: DeclineTeamInvitationInput!) {
    declineTeamInvitation(input: $input) {
      __typename
      ... on DeclineTeamInvitationSuccess {
        declinedInvitationId
      }
      ...ErrorFields
    }
  }
`);

export const RevokeTeamInvitation = graphql(`
  mutation RevokeTeamInvitation($input: RevokeTeamInvitationInput!) {
    revokeTeamInvitation(input: $input) {
      __typename
      ... on RevokeTeamInvitationSuccess {
        revokedInvitationId
      }
      ...ErrorFields
    }
  }
`);

export const StageFields = graphql(`
  fragment StageFields on Secret {
    id
    version
    currentVersion
    pendingVersion
    previousVersion
    lastRotatedAt
    ...CredentialPreviews
  }
`);

export const RotateSecretStaged = graphql(`
  mutation RotateSecretStaged($input: RotateSecretInput!) {
    rotateSecret(input: $input) {
      __typename
      ... on RotateSecretSuccess {
        secret {
          ...StageFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const PromoteSecretVersion = graphql(`
  mutation PromoteSecretVersion($input: PromoteSecretVersionInput!) {
    promoteSecretVersion(input: $input) {
      __typename
      ... on PromoteSecretVersionSuccess {
        secret {
          ...StageFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const CancelSecretRotation = graphql(`
  mutation CancelSecretRotation($input: CancelSecretRotationInput!) {
    cancelSecretRotation(input: $input) {
      __typename
      ... on CancelSecretRotationSuccess {
        secret {
          ...StageFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const RestoreSecretVersion = graphql(`
  mutation RestoreSecretVersion($input: RestoreSecretVersionInput!) {
    restoreSecretVersion(input: $input) {
      __typename
      ... on RestoreSecretVersionSuccess {
        secret {
          ...StageFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const DestroySecretVersion = graphql(`
  mutation DestroySecretVersion($input: DestroySecretVersionInput!) {
    destroySecretVersion(input: $input) {
      __typename
      ... on DestroySecretVersionSuccess {
        secret {
          ...StageFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const SecretStages = graphql(`
  query SecretStages($id: ID!) {
    node(id: $id) {
      __typename
      ... on Secret {
        ...StageFields
        nextRotationAt
        versions(first: 100) {
          edges {
            node {
              id
              version
              reason
              stages
              restoredFrom
              destroyedAt
              createdAt
              credentialFields {
                name
                envVar
                maskedValue
              }
            }
          }
        }
      }
    }
  }
`);

export const WebhookFields = graphql(`
  fragment WebhookFields on Webhook {
    id
    url
    types
    description
    version
  }
`);

export const CreateWebhook = graphql(`
  mutation CreateWebhook($input: CreateWebhookInput!) {
    createWebhook(input: $input) {
      __typename
      ... on CreateWebhookSuccess {
        signingSecret
        webhook {
          ...WebhookFields
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`);

export const RotateWebhookSecret = graphql(`
  mutation RotateWebhookSecret($input: RotateWebhookSecretInput!) {
    rotateWebhookSecret(input: $input) {
      __typename
      ... on RotateWebhookSecretSuccess {
        signingSecret
        webhook {
          id
          version
        }
      }
      ... on Error {
        code
      }
    }
  }
`);

export const LocationVerificationFields = graphql(`
  fragment LocationVerificationFields on LocationVerification {
    id
    location {
      id
      name
    }
    secretVersion {
      version
    }
    mode
    status
    checks {
      check
      ok
      errorCode
      message
    }
    startedAt
    durationMs
    verifiedBy {
      email
    }
  }
`);

export const VerifyLocation = graphql(`
  mutation VerifyLocation($input: VerifyLocationInput!) {
    verifyLocation(input: $input) {
      __typename
      ... on VerifyLocationSuccess {
        verification {
          ...LocationVerificationFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const VerifySecret = graphql(`
  mutation VerifySecret($input: VerifySecretInput!) {
    verifySecret(input: $input) {
      __typename
      ... on VerifySecretSuccess {
        allPassed
        verifications {
          ...LocationVerificationFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const LocationLastVerification = graphql(`
  query LocationLastVerification($id: ID!) {
    node(id: $id) {
      ... on Location {
        lastVerification {
          ...LocationVerificationFields
        }
      }
    }
  }
`);

export const SecretVersionVerifications = graphql(`
  query SecretVersionVerifications($id: ID!) {
    node(id: $id) {
      ... on Secret {
        versions(first: 10) {
          edges {
            node {
              version
              verification {
                locationCount
                verifiedCount
                passedCount
                allPassed
                verifications {
                  status
                  location {
                    id
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`);

/** What the cross-process stream tests (test/process/team-events.test.ts, cluster.test.ts) check: order by cursor, no duplicate id. */
export const TeamEventCursors = graphql(`
  subscription TeamEventCursors($teamId: ID!, $after: String) {
    teamEvents(teamId: $teamId, after: $after) {
      id
      cursor
      type
      targetVersion
    }
  }
`);
