// The benchmark's reads against the PostGraphile baseline (bench/baselines/postgraphile.ts), each
// equivalent to a cloakroom read on the same tables: LIST (a team's first 50 secrets), NODE (one
// secret) and PAGE (50 secrets after a deep cursor). Every secret carries the same fields as
// cloakroom's list item: id (a global Node id, as cloakroom's), name, description, secretType,
// authMethod, createdAt, its location count, its first 5 locations and its creator.
//
// Ordering, and why it is the fair choice. Cloakroom lists secrets by (lower(name), id) using the
// index secrets_team_name_order_idx (team_id, lower(name), id), and a secret's locations by
// (lower(name), id) using locations_secret_name_idx (secret_id, lower(name), id). PostGraphile v5
// (Amber) only offers orderBy on columns that are a plain key of some index, and `name` is only
// ever indexed as lower(name), so there is no NAME_ASC at all (a smart tag could force one, but
// it would sort by `name`, not lower(name), and no index has (team_id, name): a sort of the whole
// team per page); lower(name) would need a plugin or SQL function. Of what it offers:
// - PRIMARY_KEY_ASC for a team's secrets is `WHERE team_id = $1 ORDER BY id`: no index has
//   (team_id, id), so PostgreSQL sorts the whole team, or walks the pkey filtering out other
//   teams; that would charge PostGraphile for an index cloakroom happens not to need.
// - CREATED_AT_ASC becomes `ORDER BY created_at, id` (PostGraphile adds the primary key as the
//   tie-breaker) under `WHERE team_id = $1`, which is exactly secrets_team_created_idx
//   (team_id, created_at, id): a keyset range scan reading 51 index entries, the same shape and
//   cost as cloakroom's (team_id, lower(name), id) scan. So secrets use CREATED_AT_ASC: a
//   different order from cloakroom's, the same work.
// - A secret's locations use PRIMARY_KEY_ASC (the default): the rows are found through
//   locations_secret_name_idx's leading secret_id and the few of one secret sorted in memory.
//   Different order from cloakroom's (lower(name), id); same rows fetched for secrets with ≤ 5.
// Location count is the connection's totalCount: a count(*) subquery per secret, as cloakroom's.
// Deep pages page with `after:` a PostGraphile cursor (keyset: `(created_at, id) > (…)`), never
// with `offset:`; postgraphileCursorAt() uses offset once, outside the timed run, to get one.
// Each document is one SQL statement (PostGraphile inlines locations, their count and the creator
// as subqueries/joins), checked with DEBUG=@dataplan/pg:PgExecutor:explain on 2 × 50,000 secrets:
// LIST and PAGE 500 are Index Scans on secrets_team_created_idx (PAGE's Index Cond includes the
// row comparison), reading 51 rows, < 1 ms; NODE is secrets_pkey. Ids: PostGraphile's node ids
// are base64 of ["Secret", uuid] (cloakroom's of "Secret:uuid"); the helpers below take either
// kind of cloakroom id, or a bare uuid, and convert.

/** A GraphQL document string that carries its result and variables types (for the bench's typing). */
export type PostgraphileDocument<TResult, TVariables> = string & { readonly __types?: [TResult, TVariables] };

export interface PgbSecret {
  id: string;
  name: string;
  description: string | null;
  secretType: string;
  authMethod: string;
  createdAt: string;
  locations: { totalCount: number; edges: { node: { id: string; name: string; bucketName: string } }[] };
  createdBy: { id: string; email: string; name: string | null } | null;
}

export interface PgbSecretPage {
  edges: { node: PgbSecret }[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}

export type PgbListResult = { teamByRowId: { secrets: PgbSecretPage } | null };

const SECRET_FIELDS = /* GraphQL */ `
  fragment PgbSecret on Secret {
    id
    name
    description
    secretType
    authMethod
    createdAt
    locations: locationsBySecretId(first: 5, orderBy: PRIMARY_KEY_ASC) {
      totalCount
      edges {
        node {
          id
          name
          bucketName
        }
      }
    }
    createdBy: userByCreatedBy {
      id
      email
      name
    }
  }
`;

/** LIST: a team's first 50 secrets. */
export const PGB_LIST: PostgraphileDocument<PgbListResult, { teamId: string }> = /* GraphQL */ `
  query PgbList($teamId: UUID!) {
    teamByRowId(rowId: $teamId) {
      secrets: secretsByTeamId(first: 50, orderBy: CREATED_AT_ASC) {
        edges {
          node {
            ...PgbSecret
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

/** NODE: one secret by its (PostGraphile) node id, through `node(id:)` as cloakroom's clients do. */
export const PGB_NODE: PostgraphileDocument<{ node: PgbSecret | null }, { id: string }> = /* GraphQL */ `
  query PgbNode($id: ID!) {
    node(id: $id) {
      ... on Secret {
        ...PgbSecret
      }
    }
  }
  ${SECRET_FIELDS}
`;

/** PAGE: the 50 secrets after a cursor (from postgraphileCursorAt or a previous page's endCursor). */
export const PGB_PAGE: PostgraphileDocument<PgbListResult, { teamId: string; after: string }> = /* GraphQL */ `
  query PgbPage($teamId: UUID!, $after: Cursor!) {
    teamByRowId(rowId: $teamId) {
      secrets: secretsByTeamId(first: 50, after: $after, orderBy: CREATED_AT_ASC) {
        edges {
          node {
            ...PgbSecret
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The row uuid in a bare uuid, a cloakroom global id (base64 "Type:uuid") or a PostGraphile node id. */
export function rowUuid(id: string): string {
  if (UUID.test(id)) return id;
  const decoded = Buffer.from(id, 'base64').toString('utf8');
  const uuid = decoded.startsWith('[') ? (JSON.parse(decoded) as unknown[])[1] : decoded.slice(decoded.indexOf(':') + 1);
  if (typeof uuid !== 'string' || !UUID.test(uuid)) throw new Error(`not a row id: ${id}`);
  return uuid;
}

/** PostGraphile's node id of a secret (any id rowUuid takes). */
export function postgraphileSecretNodeId(id: string): string {
  return Buffer.from(JSON.stringify(['Secret', rowUuid(id)])).toString('base64');
}

/** Variables for PGB_LIST / PGB_NODE / PGB_PAGE; teamId and secretId may be cloakroom's ids. */
export function postgraphileVariables(
  kind: 'list' | 'node' | 'page',
  ids: { teamId: string; secretId?: string; after?: string },
): Record<string, string> {
  if (kind === 'list') return { teamId: rowUuid(ids.teamId) };
  if (kind === 'node') return { id: postgraphileSecretNodeId(required(ids.secretId, 'secretId')) };
  return { teamId: rowUuid(ids.teamId), after: required(ids.after, 'after') };
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new Error(`postgraphileVariables('${name}' missing)`);
  return value;
}

const CURSOR_AT = /* GraphQL */ `
  query PgbCursorAt($teamId: UUID!, $offset: Int!) {
    teamByRowId(rowId: $teamId) {
      secretsByTeamId(first: 1, offset: $offset, orderBy: CREATED_AT_ASC) {
        edges {
          cursor
        }
      }
    }
  }
`;

/**
 * PostGraphile's own cursor for the team's secret at 0-based position `offset` in the PAGE
 * order, so the page `after:` it starts at position offset + 1: page 500 of 50 (1-based) comes
 * after postgraphileCursorAt(url, teamId, 499 * 50 - 1). One OFFSET query (it sorts the team:
 * ~150 ms at 50,000), to be run before the timed load. teamId: a uuid or cloakroom's team id.
 */
export async function postgraphileCursorAt(url: string, teamId: string, offset: number): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query: CURSOR_AT, variables: { teamId: rowUuid(teamId), offset } }),
  });
  const body = (await response.json()) as {
    data?: { teamByRowId: { secretsByTeamId: { edges: { cursor: string | null }[] } } | null };
    errors?: unknown[];
  };
  const cursor = body.data?.teamByRowId?.secretsByTeamId.edges[0]?.cursor;
  if (!response.ok || body.errors || !cursor) {
    throw new Error(`postgraphileCursorAt(${offset}): no row there (${response.status} ${JSON.stringify(body).slice(0, 300)})`);
  }
  return cursor;
}
