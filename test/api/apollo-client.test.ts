import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { ApolloClient, HttpLink, InMemoryCache, type PossibleTypesMap } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { filter, firstValueFrom, from } from 'rxjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import possibleTypesFile from '../../clients/possible-types.json' with { type: 'json' };
import { createHttpServer } from '../../src/http/node-server.ts';
import { CreateSecret, TeamSecrets } from '../helpers/documents.ts';
import { createS3Secret, fixtures, useTestApp } from '../helpers/fixtures.ts';

/**
 * The contract client teams rely on, proven with Apollo Client 4 over a real socket: Team.secrets
 * merges pages with `relayStylePagination()` both ways, and an error's `code` and `message`,
 * selected on the Error interface (documents.ts's ErrorFields, as a client's `... on Error { code
 * message }`), are read through clients/possible-types.json (without it, Apollo drops the fields).
 */

const NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];

const { t, team } = useTestApp();
let server: Server;
let url: string;

beforeAll(async () => {
  // Yoga answers its own failures (a 500): its promise is not awaited.
  server = createHttpServer((req, res) => void t.app(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  for (const name of NAMES) await createS3Secret(t.app, team, { name });
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

/** A client as a team would configure it: the generated possibleTypes (unless left out) and Relay-style merging of Team.secrets. */
function apolloClient(possibleTypes: PossibleTypesMap | undefined) {
  return new ApolloClient({
    link: new HttpLink({ uri: url, headers: { authorization: `Bearer ${team.ownerToken}` } }),
    cache: new InMemoryCache({
      possibleTypes,
      typePolicies: { Team: { fields: { secrets: relayStylePagination(['filter', 'orderBy']) } } },
    }),
  });
}

/** Watches the query, as a UI would, and waits for its first complete result; the subscription keeps it active for fetchMore. */
async function watch(client: ApolloClient, variables: { first?: number; last?: number }) {
  const observable = client.watchQuery({ query: TeamSecrets, variables: { teamId: team.teamId, ...variables } });
  const subscription = observable.subscribe(() => {});
  await firstValueFrom(from(observable).pipe(filter((result) => result.dataState === 'complete')));
  /** Resolves once the watching query shows `count` secrets (it is told after fetchMore resolves). */
  const shows = (count: number) =>
    firstValueFrom(from(observable).pipe(filter((result) => result.data?.team?.secrets?.edges?.length === count)));
  return { observable, subscription, shows };
}

/** The merged list as the cache holds it: relayStylePagination reads every page held, whatever page arguments a read names. */
function merged(client: ApolloClient) {
  const secrets = client.readQuery({ query: TeamSecrets, variables: { teamId: team.teamId } })?.team?.secrets;
  return { names: secrets?.edges.map((edge) => edge.node.name), pageInfo: secrets?.pageInfo };
}

describe('Apollo Client 4 with relayStylePagination() on Team.secrets', () => {
  test('two pages with fetchMore (first/after) merge into one list', async () => {
    const client = apolloClient(possibleTypesFile.possibleTypes);
    const { observable, subscription, shows } = await watch(client, { first: 2 });
    expect(merged(client)).toMatchObject({ names: NAMES.slice(0, 2), pageInfo: { hasNextPage: true, hasPreviousPage: false } });

    await observable.fetchMore({ variables: { after: merged(client).pageInfo!.endCursor } });
    expect(merged(client)).toMatchObject({ names: NAMES.slice(0, 4), pageInfo: { hasNextPage: true } });
    await observable.fetchMore({ variables: { after: merged(client).pageInfo!.endCursor } });
    expect(merged(client)).toMatchObject({ names: NAMES, pageInfo: { hasNextPage: false, hasPreviousPage: false } });
    const shown = await shows(NAMES.length);
    expect(shown.data?.team?.secrets?.edges?.map((edge) => edge?.node?.name)).toEqual(NAMES);
    subscription.unsubscribe();
    client.stop();
  });

  test('paging backward (last/before) prepends each page before the ones held, until hasPreviousPage is false', async () => {
    const client = apolloClient(possibleTypesFile.possibleTypes);
    const { observable, subscription, shows } = await watch(client, { last: 2 });
    expect(merged(client)).toMatchObject({ names: NAMES.slice(3), pageInfo: { hasNextPage: false, hasPreviousPage: true } });

    await observable.fetchMore({ variables: { last: 2, before: merged(client).pageInfo!.startCursor } });
    expect(merged(client)).toMatchObject({ names: NAMES.slice(1), pageInfo: { hasPreviousPage: true, hasNextPage: false } });
    await observable.fetchMore({ variables: { last: 2, before: merged(client).pageInfo!.startCursor } });
    expect(merged(client)).toMatchObject({ names: NAMES, pageInfo: { hasPreviousPage: false, hasNextPage: false } });
    const shown = await shows(NAMES.length);
    expect(shown.data?.team?.secrets?.edges?.map((edge) => edge?.node?.name)).toEqual(NAMES);
    subscription.unsubscribe();
    client.stop();
  });
});

describe('error results through possibleTypes', () => {
  const taken = () => ({
    input: { teamId: team.teamId, name: NAMES[0]!, secretType: 'S3' as const, credentials: { accessKey: fixtures.accessKey() } },
  });

  test('with clients/possible-types.json, `... on Error { code message }` of a ConflictError is read', async () => {
    const client = apolloClient(possibleTypesFile.possibleTypes);
    const { data } = await client.mutate({ mutation: CreateSecret, variables: taken() });
    expect(data?.createSecret).toMatchObject({ __typename: 'ConflictError', code: 'NAME_TAKEN', message: expect.any(String) });
    client.stop();
  });

  test('without possibleTypes, Apollo drops the code: the file is what makes the test above pass', async () => {
    const client = apolloClient(undefined);
    const { data } = await client.mutate({ mutation: CreateSecret, variables: taken() });
    expect(data?.createSecret?.__typename).toBe('ConflictError');
    expect(data?.createSecret).not.toHaveProperty('code');
    client.stop();
  });
});
