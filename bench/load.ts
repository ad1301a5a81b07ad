import autocannon from 'autocannon';
import { PGB_LIST, PGB_NODE, PGB_PAGE, postgraphileVariables } from './baselines/postgraphile-queries.ts';
import { graphqlBody, mixedOperation, type OperationName, type OperationTargets } from './operations.ts';
import type { SubjectName } from './subjects.ts';

/** What one subject needs to build its requests: the shared targets, with its own page-500 cursor. */
export interface SubjectTargets extends OperationTargets {
  subject: SubjectName;
}

/** The body of a subject's `index`th request of an operation. */
export function requestBody(targets: SubjectTargets, operation: OperationName, index: number): string {
  const single = operation === 'mixed' ? mixedOperation(index) : operation;
  if (targets.subject !== 'postgraphile') return graphqlBody(single, targets, index);
  const secretId = targets.secretIds[index % targets.secretIds.length]!;
  switch (single) {
    case 'list':
      return JSON.stringify({ query: PGB_LIST, variables: postgraphileVariables('list', { teamId: targets.teamId }) });
    case 'node':
      return JSON.stringify({ query: PGB_NODE, variables: postgraphileVariables('node', { teamId: targets.teamId, secretId }) });
    case 'page':
      return JSON.stringify({
        query: PGB_PAGE,
        variables: postgraphileVariables('page', { teamId: targets.teamId, after: targets.page500Cursor }),
      });
    default:
      throw new Error(`PostGraphile has no ${single} in this benchmark`);
  }
}

/**
 * An answer that did what was asked: HTTP 200, no GraphQL error, and for mutations no error
 * member of the result union (those all carry `code`; success payloads here never do).
 */
export function answeredOk(status: number, body: string): boolean {
  return status === 200 && !body.includes('"errors"') && !body.includes('"code"');
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Non-200 answers, GraphQL or union errors, and socket errors/timeouts. */
  failures: number;
}

/** Drives `url` with autocannon: `connections` keep-alive connections for `seconds`. */
export async function drive(
  url: string,
  targets: SubjectTargets,
  operation: OperationName,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  let index = 0;
  let failures = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${targets.token}` },
        setupRequest: (request) => ({ ...request, body: requestBody(targets, operation, index++) }),
        onResponse: (status, body) => {
          if (!answeredOk(status, body)) failures += 1;
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    failures: failures + result.errors + result.timeouts,
  };
}

/** Sends requests one at a time (the statement-counting pass); throws on the first bad answer. */
export async function sendSequentially(
  url: string,
  targets: SubjectTargets,
  operation: OperationName,
  count: number,
  firstIndex = 0,
): Promise<string> {
  let last = '';
  for (let index = firstIndex; index < firstIndex + count; index++) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${targets.token}` },
      body: requestBody(targets, operation, index),
    });
    last = await response.text();
    if (!answeredOk(response.status, last)) throw new Error(`${targets.subject} ${operation}: ${response.status} ${last.slice(0, 500)}`);
  }
  return last;
}
