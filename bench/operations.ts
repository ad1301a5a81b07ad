import { randomBytes, randomUUID } from 'node:crypto';

/**
 * The benchmark's operations, as cloakroom's clients send them. The raw baseline answers the
 * same bodies on the same path with the same JSON; PostGraphile gets its own equivalent queries
 * (`baselines/postgraphile-queries.ts`).
 */

export type OperationName = 'list' | 'node' | 'page' | 'update' | 'rotate' | 'mixed';

export const OPERATIONS: readonly { name: OperationName; title: string; write: boolean }[] = [
  { name: 'list', title: 'list 50 secrets (locationCount, 5 locations, creator)', write: false },
  { name: 'node', title: 'one secret by node(id)', write: false },
  { name: 'page', title: 'page 500 by cursor', write: false },
  { name: 'update', title: 'updateSecret description', write: true },
  { name: 'rotate', title: 'rotateSecret', write: true },
  { name: 'mixed', title: 'mixed (90 % reads)', write: true },
];

const SECRET_FIELDS = /* GraphQL */ `
  fragment BenchSecret on Secret {
    id
    name
    description
    secretType
    authMethod
    createdAt
    locationCount
    locations(first: 5) {
      edges {
        node {
          id
          name
          bucketName
        }
      }
    }
    createdBy {
      id
      email
      name
    }
  }
`;

export const LIST_QUERY = /* GraphQL */ `
  query BenchList($teamId: ID!, $after: String) {
    team(id: $teamId) {
      secrets(first: 50, after: $after) {
        edges {
          node {
            ...BenchSecret
          }
        }
        pageInfo {
          endCursor
          hasNextPage
        }
      }
    }
  }
  ${SECRET_FIELDS}
`;

export const NODE_QUERY = /* GraphQL */ `
  query BenchNode($id: ID!) {
    node(id: $id) {
      ... on Secret {
        ...BenchSecret
      }
    }
  }
  ${SECRET_FIELDS}
`;

export const UPDATE_MUTATION = /* GraphQL */ `
  mutation BenchUpdate($input: UpdateSecretInput!) {
    updateSecret(input: $input) {
      __typename
      ... on UpdateSecretSuccess {
        secret {
          id
          version
          description
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`;

export const ROTATE_MUTATION = /* GraphQL */ `
  mutation BenchRotate($input: RotateSecretInput!) {
    rotateSecret(input: $input) {
      __typename
      ... on RotateSecretSuccess {
        secret {
          id
          version
          credentialFields {
            name
            maskedValue
          }
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`;

/** What the operations need from the seeded data. */
export interface OperationTargets {
  /** The team with the most secrets, and an OWNER token of it. */
  teamId: string;
  token: string;
  /** The cursor (in the subject's own format) that starts page 500 of that team's secrets. */
  page500Cursor: string;
  /** Global ids of secrets of that team (node, update, rotate pick from them in turn). */
  secretIds: readonly string[];
}

/** Fresh S3 credentials, like a client rotating its keys (never printed or stored by the bench). */
export function freshAccessKey(): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64') };
}

/** The body of the `index`th request of an operation (cycling through the secrets). */
export function graphqlBody(operation: Exclude<OperationName, 'mixed'>, targets: OperationTargets, index: number): string {
  const secretId = targets.secretIds[index % targets.secretIds.length]!;
  switch (operation) {
    case 'list':
      return JSON.stringify({ query: LIST_QUERY, variables: { teamId: targets.teamId } });
    case 'page':
      return JSON.stringify({ query: LIST_QUERY, variables: { teamId: targets.teamId, after: targets.page500Cursor } });
    case 'node':
      return JSON.stringify({ query: NODE_QUERY, variables: { id: secretId } });
    case 'update':
      // A description no earlier request set: cloakroom answers an update that changes nothing
      // without writing (no version, no audit row), while the raw baseline always writes.
      return JSON.stringify({ query: UPDATE_MUTATION, variables: { input: { id: secretId, description: `bench ${randomUUID()}` } } });
    case 'rotate':
      return JSON.stringify({
        query: ROTATE_MUTATION,
        variables: { input: { id: secretId, credentials: { accessKey: freshAccessKey() } } },
      });
  }
}

/** The mixed load's `index`th operation: 30 % each of list, node and page; 5 % each of update and rotate. */
export function mixedOperation(index: number): Exclude<OperationName, 'mixed'> {
  const slot = index % 20;
  if (slot < 6) return 'list';
  if (slot < 12) return 'node';
  if (slot < 18) return 'page';
  return slot === 18 ? 'update' : 'rotate';
}
