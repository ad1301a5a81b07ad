/* eslint-disable */
import * as types from './graphql.ts';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query ViewerIdentity {\n    viewer {\n      id\n      email\n      memberships {\n        role\n        team {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.ViewerIdentityDocument,
    "\n  mutation CreateApiToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) {\n      __typename\n      ... on CreateApiTokenSuccess {\n        token\n        apiToken {\n          id\n          name\n          expiresAt\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on ValidationError {\n        fieldErrors {\n          path\n          code\n        }\n      }\n    }\n  }\n": typeof types.CreateApiTokenDocument,
    "\n  mutation RevokeApiToken($input: RevokeApiTokenInput!) {\n    revokeApiToken(input: $input) {\n      __typename\n      ... on RevokeApiTokenSuccess {\n        apiToken {\n          id\n          revokedAt\n        }\n      }\n      ... on Error {\n        code\n      }\n    }\n  }\n": typeof types.RevokeApiTokenDocument,
    "\n  query ViewerTokens($first: Int, $after: String) {\n    viewer {\n      apiTokens(first: $first, after: $after) {\n        edges {\n          node {\n            id\n            name\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": typeof types.ViewerTokensDocument,
    "\n  mutation ConcurrencyCreateSecret($input: CreateSecretInput!) {\n    createSecret(input: $input) {\n      __typename\n      ... on CreateSecretSuccess {\n        secret {\n          id\n          version\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.ConcurrencyCreateSecretDocument,
    "\n  mutation ConcurrencyUpdateSecret($input: UpdateSecretInput!) {\n    updateSecret(input: $input) {\n      __typename\n      ... on UpdateSecretSuccess {\n        secret {\n          id\n          version\n          description\n          secretType\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.ConcurrencyUpdateSecretDocument,
    "\n  mutation ConcurrencyRotateSecret($input: RotateSecretInput!) {\n    rotateSecret(input: $input) {\n      __typename\n      ... on RotateSecretSuccess {\n        secret {\n          version\n          credentialFields {\n            maskedValue\n          }\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.ConcurrencyRotateSecretDocument,
    "\n  mutation ConcurrencyCreateLocation($input: CreateLocationInput!) {\n    createLocation(input: $input) {\n      __typename\n      ... on CreateLocationSuccess {\n        location {\n          id\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.ConcurrencyCreateLocationDocument,
    "\n  mutation ConcurrencyUpdateLocation($input: UpdateLocationInput!) {\n    updateLocation(input: $input) {\n      __typename\n      ... on UpdateLocationSuccess {\n        location {\n          id\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.ConcurrencyUpdateLocationDocument,
    "\n  query ConcurrencySecret($id: ID!) {\n    node(id: $id) {\n      ... on Secret {\n        version\n        description\n        secretType\n        locationCount\n        credentialFields {\n          maskedValue\n        }\n      }\n    }\n  }\n": typeof types.ConcurrencySecretDocument,
    "\n  fragment SecretFields on Secret {\n    id\n    name\n    description\n    secretType\n    authMethod\n    storage\n    version\n    lastRotatedAt\n    locationCount\n    envVarKeys\n    credentialFields {\n      name\n      envVar\n      maskedValue\n    }\n    fieldMappings {\n      fieldName\n      reference\n    }\n    vaultConnection {\n      id\n    }\n    createdBy {\n      email\n    }\n  }\n": typeof types.SecretFieldsFragmentDoc,
    "\n  fragment ErrorFields on Error {\n    __typename\n    code\n    message\n    ... on ValidationError {\n      fieldErrors {\n        path\n        code\n      }\n    }\n  }\n": typeof types.ErrorFieldsFragmentDoc,
    "\n  mutation CreateSecret($input: CreateSecretInput!) {\n    createSecret(input: $input) {\n      __typename\n      ... on CreateSecretSuccess {\n        secret {\n          ...SecretFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CreateSecretDocument,
    "\n  mutation UpdateSecret($input: UpdateSecretInput!) {\n    updateSecret(input: $input) {\n      __typename\n      ... on UpdateSecretSuccess {\n        secret {\n          ...SecretFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.UpdateSecretDocument,
    "\n  mutation RotateSecret($input: RotateSecretInput!) {\n    rotateSecret(input: $input) {\n      __typename\n      ... on RotateSecretSuccess {\n        secret {\n          ...SecretFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.RotateSecretDocument,
    "\n  mutation DeleteSecret($input: DeleteSecretInput!) {\n    deleteSecret(input: $input) {\n      __typename\n      ... on DeleteSecretSuccess {\n        deletedSecretId\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.DeleteSecretDocument,
    "\n  mutation CreateLocationForSecret($input: CreateLocationInput!) {\n    createLocation(input: $input) {\n      __typename\n      ... on CreateLocationSuccess {\n        location {\n          id\n          locationType\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CreateLocationForSecretDocument,
    "\n  query SecretVersions($id: ID!) {\n    node(id: $id) {\n      ... on Secret {\n        version\n        versions(first: 10) {\n          edges {\n            node {\n              version\n              reason\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.SecretVersionsDocument,
    "\n  mutation CreateVaultConnectionForSecret($input: CreateVaultConnectionInput!) {\n    createVaultConnection(input: $input) {\n      __typename\n      ... on CreateVaultConnectionSuccess {\n        vaultConnection {\n          id\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CreateVaultConnectionForSecretDocument,
    "\n  fragment ResultError on Error {\n    __typename\n    code\n    message\n  }\n": typeof types.ResultErrorFragmentDoc,
    "\n  mutation CreateTeam($input: CreateTeamInput!) {\n    createTeam(input: $input) {\n      __typename\n      ... on CreateTeamSuccess {\n        team {\n          id\n          name\n          slug\n          version\n          viewerRole\n          createdBy {\n            email\n          }\n        }\n      }\n      ...ResultError\n      ... on ValidationError {\n        fieldErrors {\n          path\n          code\n        }\n      }\n    }\n  }\n": typeof types.CreateTeamDocument,
    "\n  mutation UpdateTeam($input: UpdateTeamInput!) {\n    updateTeam(input: $input) {\n      __typename\n      ... on UpdateTeamSuccess {\n        team {\n          id\n          name\n          slug\n          version\n        }\n      }\n      ...ResultError\n    }\n  }\n": typeof types.UpdateTeamDocument,
    "\n  mutation AddTeamMember($input: AddTeamMemberInput!) {\n    addTeamMember(input: $input) {\n      __typename\n      ... on AddTeamMemberSuccess {\n        membership {\n          role\n          user {\n            id\n            email\n          }\n        }\n      }\n      ...ResultError\n    }\n  }\n": typeof types.AddTeamMemberDocument,
    "\n  mutation UpdateMemberRole($input: UpdateMemberRoleInput!) {\n    updateMemberRole(input: $input) {\n      __typename\n      ... on UpdateMemberRoleSuccess {\n        membership {\n          role\n        }\n      }\n      ...ResultError\n    }\n  }\n": typeof types.UpdateMemberRoleDocument,
    "\n  mutation RemoveTeamMember($input: RemoveTeamMemberInput!) {\n    removeTeamMember(input: $input) {\n      __typename\n      ... on RemoveTeamMemberSuccess {\n        removedUserId\n      }\n      ...ResultError\n    }\n  }\n": typeof types.RemoveTeamMemberDocument,
    "\n  query TeamById($id: ID!, $first: Int, $after: String) {\n    team(id: $id) {\n      id\n      name\n      viewerRole\n      members(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            role\n            user {\n              id\n              email\n            }\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": typeof types.TeamByIdDocument,
    "\n  query Nodes($id: ID!, $ids: [ID!]!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on Team {\n        name\n      }\n    }\n    nodes(ids: $ids) {\n      __typename\n      id\n    }\n  }\n": typeof types.NodesDocument,
    "\n  query GraphiqlViewer {\n    viewer {\n      id\n    }\n  }\n": typeof types.GraphiqlViewerDocument,
    "\n  query ProcessViewer {\n    viewer {\n      id\n      memberships {\n        team {\n          name\n        }\n      }\n    }\n  }\n": typeof types.ProcessViewerDocument,
};
const documents: Documents = {
    "\n  query ViewerIdentity {\n    viewer {\n      id\n      email\n      memberships {\n        role\n        team {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.ViewerIdentityDocument,
    "\n  mutation CreateApiToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) {\n      __typename\n      ... on CreateApiTokenSuccess {\n        token\n        apiToken {\n          id\n          name\n          expiresAt\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on ValidationError {\n        fieldErrors {\n          path\n          code\n        }\n      }\n    }\n  }\n": types.CreateApiTokenDocument,
    "\n  mutation RevokeApiToken($input: RevokeApiTokenInput!) {\n    revokeApiToken(input: $input) {\n      __typename\n      ... on RevokeApiTokenSuccess {\n        apiToken {\n          id\n          revokedAt\n        }\n      }\n      ... on Error {\n        code\n      }\n    }\n  }\n": types.RevokeApiTokenDocument,
    "\n  query ViewerTokens($first: Int, $after: String) {\n    viewer {\n      apiTokens(first: $first, after: $after) {\n        edges {\n          node {\n            id\n            name\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": types.ViewerTokensDocument,
    "\n  mutation ConcurrencyCreateSecret($input: CreateSecretInput!) {\n    createSecret(input: $input) {\n      __typename\n      ... on CreateSecretSuccess {\n        secret {\n          id\n          version\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": types.ConcurrencyCreateSecretDocument,
    "\n  mutation ConcurrencyUpdateSecret($input: UpdateSecretInput!) {\n    updateSecret(input: $input) {\n      __typename\n      ... on UpdateSecretSuccess {\n        secret {\n          id\n          version\n          description\n          secretType\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": types.ConcurrencyUpdateSecretDocument,
    "\n  mutation ConcurrencyRotateSecret($input: RotateSecretInput!) {\n    rotateSecret(input: $input) {\n      __typename\n      ... on RotateSecretSuccess {\n        secret {\n          version\n          credentialFields {\n            maskedValue\n          }\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": types.ConcurrencyRotateSecretDocument,
    "\n  mutation ConcurrencyCreateLocation($input: CreateLocationInput!) {\n    createLocation(input: $input) {\n      __typename\n      ... on CreateLocationSuccess {\n        location {\n          id\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": types.ConcurrencyCreateLocationDocument,
    "\n  mutation ConcurrencyUpdateLocation($input: UpdateLocationInput!) {\n    updateLocation(input: $input) {\n      __typename\n      ... on UpdateLocationSuccess {\n        location {\n          id\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": types.ConcurrencyUpdateLocationDocument,
    "\n  query ConcurrencySecret($id: ID!) {\n    node(id: $id) {\n      ... on Secret {\n        version\n        description\n        secretType\n        locationCount\n        credentialFields {\n          maskedValue\n        }\n      }\n    }\n  }\n": types.ConcurrencySecretDocument,
    "\n  fragment SecretFields on Secret {\n    id\n    name\n    description\n    secretType\n    authMethod\n    storage\n    version\n    lastRotatedAt\n    locationCount\n    envVarKeys\n    credentialFields {\n      name\n      envVar\n      maskedValue\n    }\n    fieldMappings {\n      fieldName\n      reference\n    }\n    vaultConnection {\n      id\n    }\n    createdBy {\n      email\n    }\n  }\n": types.SecretFieldsFragmentDoc,
    "\n  fragment ErrorFields on Error {\n    __typename\n    code\n    message\n    ... on ValidationError {\n      fieldErrors {\n        path\n        code\n      }\n    }\n  }\n": types.ErrorFieldsFragmentDoc,
    "\n  mutation CreateSecret($input: CreateSecretInput!) {\n    createSecret(input: $input) {\n      __typename\n      ... on CreateSecretSuccess {\n        secret {\n          ...SecretFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.CreateSecretDocument,
    "\n  mutation UpdateSecret($input: UpdateSecretInput!) {\n    updateSecret(input: $input) {\n      __typename\n      ... on UpdateSecretSuccess {\n        secret {\n          ...SecretFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.UpdateSecretDocument,
    "\n  mutation RotateSecret($input: RotateSecretInput!) {\n    rotateSecret(input: $input) {\n      __typename\n      ... on RotateSecretSuccess {\n        secret {\n          ...SecretFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.RotateSecretDocument,
    "\n  mutation DeleteSecret($input: DeleteSecretInput!) {\n    deleteSecret(input: $input) {\n      __typename\n      ... on DeleteSecretSuccess {\n        deletedSecretId\n      }\n      ...ErrorFields\n    }\n  }\n": types.DeleteSecretDocument,
    "\n  mutation CreateLocationForSecret($input: CreateLocationInput!) {\n    createLocation(input: $input) {\n      __typename\n      ... on CreateLocationSuccess {\n        location {\n          id\n          locationType\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.CreateLocationForSecretDocument,
    "\n  query SecretVersions($id: ID!) {\n    node(id: $id) {\n      ... on Secret {\n        version\n        versions(first: 10) {\n          edges {\n            node {\n              version\n              reason\n            }\n          }\n        }\n      }\n    }\n  }\n": types.SecretVersionsDocument,
    "\n  mutation CreateVaultConnectionForSecret($input: CreateVaultConnectionInput!) {\n    createVaultConnection(input: $input) {\n      __typename\n      ... on CreateVaultConnectionSuccess {\n        vaultConnection {\n          id\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.CreateVaultConnectionForSecretDocument,
    "\n  fragment ResultError on Error {\n    __typename\n    code\n    message\n  }\n": types.ResultErrorFragmentDoc,
    "\n  mutation CreateTeam($input: CreateTeamInput!) {\n    createTeam(input: $input) {\n      __typename\n      ... on CreateTeamSuccess {\n        team {\n          id\n          name\n          slug\n          version\n          viewerRole\n          createdBy {\n            email\n          }\n        }\n      }\n      ...ResultError\n      ... on ValidationError {\n        fieldErrors {\n          path\n          code\n        }\n      }\n    }\n  }\n": types.CreateTeamDocument,
    "\n  mutation UpdateTeam($input: UpdateTeamInput!) {\n    updateTeam(input: $input) {\n      __typename\n      ... on UpdateTeamSuccess {\n        team {\n          id\n          name\n          slug\n          version\n        }\n      }\n      ...ResultError\n    }\n  }\n": types.UpdateTeamDocument,
    "\n  mutation AddTeamMember($input: AddTeamMemberInput!) {\n    addTeamMember(input: $input) {\n      __typename\n      ... on AddTeamMemberSuccess {\n        membership {\n          role\n          user {\n            id\n            email\n          }\n        }\n      }\n      ...ResultError\n    }\n  }\n": types.AddTeamMemberDocument,
    "\n  mutation UpdateMemberRole($input: UpdateMemberRoleInput!) {\n    updateMemberRole(input: $input) {\n      __typename\n      ... on UpdateMemberRoleSuccess {\n        membership {\n          role\n        }\n      }\n      ...ResultError\n    }\n  }\n": types.UpdateMemberRoleDocument,
    "\n  mutation RemoveTeamMember($input: RemoveTeamMemberInput!) {\n    removeTeamMember(input: $input) {\n      __typename\n      ... on RemoveTeamMemberSuccess {\n        removedUserId\n      }\n      ...ResultError\n    }\n  }\n": types.RemoveTeamMemberDocument,
    "\n  query TeamById($id: ID!, $first: Int, $after: String) {\n    team(id: $id) {\n      id\n      name\n      viewerRole\n      members(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            role\n            user {\n              id\n              email\n            }\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": types.TeamByIdDocument,
    "\n  query Nodes($id: ID!, $ids: [ID!]!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on Team {\n        name\n      }\n    }\n    nodes(ids: $ids) {\n      __typename\n      id\n    }\n  }\n": types.NodesDocument,
    "\n  query GraphiqlViewer {\n    viewer {\n      id\n    }\n  }\n": types.GraphiqlViewerDocument,
    "\n  query ProcessViewer {\n    viewer {\n      id\n      memberships {\n        team {\n          name\n        }\n      }\n    }\n  }\n": types.ProcessViewerDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ViewerIdentity {\n    viewer {\n      id\n      email\n      memberships {\n        role\n        team {\n          id\n          name\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ViewerIdentity {\n    viewer {\n      id\n      email\n      memberships {\n        role\n        team {\n          id\n          name\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) {\n      __typename\n      ... on CreateApiTokenSuccess {\n        token\n        apiToken {\n          id\n          name\n          expiresAt\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on ValidationError {\n        fieldErrors {\n          path\n          code\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) {\n      __typename\n      ... on CreateApiTokenSuccess {\n        token\n        apiToken {\n          id\n          name\n          expiresAt\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n      ... on ValidationError {\n        fieldErrors {\n          path\n          code\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiToken($input: RevokeApiTokenInput!) {\n    revokeApiToken(input: $input) {\n      __typename\n      ... on RevokeApiTokenSuccess {\n        apiToken {\n          id\n          revokedAt\n        }\n      }\n      ... on Error {\n        code\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeApiToken($input: RevokeApiTokenInput!) {\n    revokeApiToken(input: $input) {\n      __typename\n      ... on RevokeApiTokenSuccess {\n        apiToken {\n          id\n          revokedAt\n        }\n      }\n      ... on Error {\n        code\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ViewerTokens($first: Int, $after: String) {\n    viewer {\n      apiTokens(first: $first, after: $after) {\n        edges {\n          node {\n            id\n            name\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ViewerTokens($first: Int, $after: String) {\n    viewer {\n      apiTokens(first: $first, after: $after) {\n        edges {\n          node {\n            id\n            name\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConcurrencyCreateSecret($input: CreateSecretInput!) {\n    createSecret(input: $input) {\n      __typename\n      ... on CreateSecretSuccess {\n        secret {\n          id\n          version\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ConcurrencyCreateSecret($input: CreateSecretInput!) {\n    createSecret(input: $input) {\n      __typename\n      ... on CreateSecretSuccess {\n        secret {\n          id\n          version\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConcurrencyUpdateSecret($input: UpdateSecretInput!) {\n    updateSecret(input: $input) {\n      __typename\n      ... on UpdateSecretSuccess {\n        secret {\n          id\n          version\n          description\n          secretType\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ConcurrencyUpdateSecret($input: UpdateSecretInput!) {\n    updateSecret(input: $input) {\n      __typename\n      ... on UpdateSecretSuccess {\n        secret {\n          id\n          version\n          description\n          secretType\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConcurrencyRotateSecret($input: RotateSecretInput!) {\n    rotateSecret(input: $input) {\n      __typename\n      ... on RotateSecretSuccess {\n        secret {\n          version\n          credentialFields {\n            maskedValue\n          }\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ConcurrencyRotateSecret($input: RotateSecretInput!) {\n    rotateSecret(input: $input) {\n      __typename\n      ... on RotateSecretSuccess {\n        secret {\n          version\n          credentialFields {\n            maskedValue\n          }\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConcurrencyCreateLocation($input: CreateLocationInput!) {\n    createLocation(input: $input) {\n      __typename\n      ... on CreateLocationSuccess {\n        location {\n          id\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ConcurrencyCreateLocation($input: CreateLocationInput!) {\n    createLocation(input: $input) {\n      __typename\n      ... on CreateLocationSuccess {\n        location {\n          id\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConcurrencyUpdateLocation($input: UpdateLocationInput!) {\n    updateLocation(input: $input) {\n      __typename\n      ... on UpdateLocationSuccess {\n        location {\n          id\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ConcurrencyUpdateLocation($input: UpdateLocationInput!) {\n    updateLocation(input: $input) {\n      __typename\n      ... on UpdateLocationSuccess {\n        location {\n          id\n        }\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConcurrencySecret($id: ID!) {\n    node(id: $id) {\n      ... on Secret {\n        version\n        description\n        secretType\n        locationCount\n        credentialFields {\n          maskedValue\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConcurrencySecret($id: ID!) {\n    node(id: $id) {\n      ... on Secret {\n        version\n        description\n        secretType\n        locationCount\n        credentialFields {\n          maskedValue\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SecretFields on Secret {\n    id\n    name\n    description\n    secretType\n    authMethod\n    storage\n    version\n    lastRotatedAt\n    locationCount\n    envVarKeys\n    credentialFields {\n      name\n      envVar\n      maskedValue\n    }\n    fieldMappings {\n      fieldName\n      reference\n    }\n    vaultConnection {\n      id\n    }\n    createdBy {\n      email\n    }\n  }\n"): (typeof documents)["\n  fragment SecretFields on Secret {\n    id\n    name\n    description\n    secretType\n    authMethod\n    storage\n    version\n    lastRotatedAt\n    locationCount\n    envVarKeys\n    credentialFields {\n      name\n      envVar\n      maskedValue\n    }\n    fieldMappings {\n      fieldName\n      reference\n    }\n    vaultConnection {\n      id\n    }\n    createdBy {\n      email\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ErrorFields on Error {\n    __typename\n    code\n    message\n    ... on ValidationError {\n      fieldErrors {\n        path\n        code\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment ErrorFields on Error {\n    __typename\n    code\n    message\n    ... on ValidationError {\n      fieldErrors {\n        path\n        code\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateSecret($input: CreateSecretInput!) {\n    createSecret(input: $input) {\n      __typename\n      ... on CreateSecretSuccess {\n        secret {\n          ...SecretFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateSecret($input: CreateSecretInput!) {\n    createSecret(input: $input) {\n      __typename\n      ... on CreateSecretSuccess {\n        secret {\n          ...SecretFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateSecret($input: UpdateSecretInput!) {\n    updateSecret(input: $input) {\n      __typename\n      ... on UpdateSecretSuccess {\n        secret {\n          ...SecretFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateSecret($input: UpdateSecretInput!) {\n    updateSecret(input: $input) {\n      __typename\n      ... on UpdateSecretSuccess {\n        secret {\n          ...SecretFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RotateSecret($input: RotateSecretInput!) {\n    rotateSecret(input: $input) {\n      __typename\n      ... on RotateSecretSuccess {\n        secret {\n          ...SecretFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation RotateSecret($input: RotateSecretInput!) {\n    rotateSecret(input: $input) {\n      __typename\n      ... on RotateSecretSuccess {\n        secret {\n          ...SecretFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteSecret($input: DeleteSecretInput!) {\n    deleteSecret(input: $input) {\n      __typename\n      ... on DeleteSecretSuccess {\n        deletedSecretId\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteSecret($input: DeleteSecretInput!) {\n    deleteSecret(input: $input) {\n      __typename\n      ... on DeleteSecretSuccess {\n        deletedSecretId\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateLocationForSecret($input: CreateLocationInput!) {\n    createLocation(input: $input) {\n      __typename\n      ... on CreateLocationSuccess {\n        location {\n          id\n          locationType\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateLocationForSecret($input: CreateLocationInput!) {\n    createLocation(input: $input) {\n      __typename\n      ... on CreateLocationSuccess {\n        location {\n          id\n          locationType\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SecretVersions($id: ID!) {\n    node(id: $id) {\n      ... on Secret {\n        version\n        versions(first: 10) {\n          edges {\n            node {\n              version\n              reason\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query SecretVersions($id: ID!) {\n    node(id: $id) {\n      ... on Secret {\n        version\n        versions(first: 10) {\n          edges {\n            node {\n              version\n              reason\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateVaultConnectionForSecret($input: CreateVaultConnectionInput!) {\n    createVaultConnection(input: $input) {\n      __typename\n      ... on CreateVaultConnectionSuccess {\n        vaultConnection {\n          id\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateVaultConnectionForSecret($input: CreateVaultConnectionInput!) {\n    createVaultConnection(input: $input) {\n      __typename\n      ... on CreateVaultConnectionSuccess {\n        vaultConnection {\n          id\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ResultError on Error {\n    __typename\n    code\n    message\n  }\n"): (typeof documents)["\n  fragment ResultError on Error {\n    __typename\n    code\n    message\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateTeam($input: CreateTeamInput!) {\n    createTeam(input: $input) {\n      __typename\n      ... on CreateTeamSuccess {\n        team {\n          id\n          name\n          slug\n          version\n          viewerRole\n          createdBy {\n            email\n          }\n        }\n      }\n      ...ResultError\n      ... on ValidationError {\n        fieldErrors {\n          path\n          code\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateTeam($input: CreateTeamInput!) {\n    createTeam(input: $input) {\n      __typename\n      ... on CreateTeamSuccess {\n        team {\n          id\n          name\n          slug\n          version\n          viewerRole\n          createdBy {\n            email\n          }\n        }\n      }\n      ...ResultError\n      ... on ValidationError {\n        fieldErrors {\n          path\n          code\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateTeam($input: UpdateTeamInput!) {\n    updateTeam(input: $input) {\n      __typename\n      ... on UpdateTeamSuccess {\n        team {\n          id\n          name\n          slug\n          version\n        }\n      }\n      ...ResultError\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateTeam($input: UpdateTeamInput!) {\n    updateTeam(input: $input) {\n      __typename\n      ... on UpdateTeamSuccess {\n        team {\n          id\n          name\n          slug\n          version\n        }\n      }\n      ...ResultError\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddTeamMember($input: AddTeamMemberInput!) {\n    addTeamMember(input: $input) {\n      __typename\n      ... on AddTeamMemberSuccess {\n        membership {\n          role\n          user {\n            id\n            email\n          }\n        }\n      }\n      ...ResultError\n    }\n  }\n"): (typeof documents)["\n  mutation AddTeamMember($input: AddTeamMemberInput!) {\n    addTeamMember(input: $input) {\n      __typename\n      ... on AddTeamMemberSuccess {\n        membership {\n          role\n          user {\n            id\n            email\n          }\n        }\n      }\n      ...ResultError\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateMemberRole($input: UpdateMemberRoleInput!) {\n    updateMemberRole(input: $input) {\n      __typename\n      ... on UpdateMemberRoleSuccess {\n        membership {\n          role\n        }\n      }\n      ...ResultError\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateMemberRole($input: UpdateMemberRoleInput!) {\n    updateMemberRole(input: $input) {\n      __typename\n      ... on UpdateMemberRoleSuccess {\n        membership {\n          role\n        }\n      }\n      ...ResultError\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveTeamMember($input: RemoveTeamMemberInput!) {\n    removeTeamMember(input: $input) {\n      __typename\n      ... on RemoveTeamMemberSuccess {\n        removedUserId\n      }\n      ...ResultError\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveTeamMember($input: RemoveTeamMemberInput!) {\n    removeTeamMember(input: $input) {\n      __typename\n      ... on RemoveTeamMemberSuccess {\n        removedUserId\n      }\n      ...ResultError\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TeamById($id: ID!, $first: Int, $after: String) {\n    team(id: $id) {\n      id\n      name\n      viewerRole\n      members(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            role\n            user {\n              id\n              email\n            }\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query TeamById($id: ID!, $first: Int, $after: String) {\n    team(id: $id) {\n      id\n      name\n      viewerRole\n      members(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            role\n            user {\n              id\n              email\n            }\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Nodes($id: ID!, $ids: [ID!]!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on Team {\n        name\n      }\n    }\n    nodes(ids: $ids) {\n      __typename\n      id\n    }\n  }\n"): (typeof documents)["\n  query Nodes($id: ID!, $ids: [ID!]!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on Team {\n        name\n      }\n    }\n    nodes(ids: $ids) {\n      __typename\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GraphiqlViewer {\n    viewer {\n      id\n    }\n  }\n"): (typeof documents)["\n  query GraphiqlViewer {\n    viewer {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ProcessViewer {\n    viewer {\n      id\n      memberships {\n        team {\n          name\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ProcessViewer {\n    viewer {\n      id\n      memberships {\n        team {\n          name\n        }\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;