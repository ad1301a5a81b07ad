import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const INVALID_VARIABLE = /^Variable "\$(\w+)" got invalid value /;
/** What graphql-js appends after the value: the path inside the variable (field names and list indexes). */
const PATH_SUFFIX = /^ at "\w+(?:\.\w+|\[\d+\])*"$/;

/**
 * graphql-js quotes the value it could not coerce: `Variable "$input" got invalid value
 * { accessKey: { accessKeyId: "AKIA…", secretAccessKey: "…" }, … } at "input.credentials"; Exactly
 * one key must be specified…`, and scalars add it to the reason (`String cannot represent a non
 * string value: …`). That value is often a credential (two `@oneOf` members, a missing field), and
 * no error may hold one (DESIGN "Secrets never leave"). Keeps the variable, the path and the
 * reason; drops the value.
 */
export function withoutInvalidValue(error: GraphQLError): GraphQLError {
  const match = INVALID_VARIABLE.exec(error.message);
  if (!match) return error;
  const variable = match[1]!;
  const reason = error.originalError?.message ?? '';
  const head = reason && error.message.endsWith(`; ${reason}`) ? error.message.slice(0, -(reason.length + 2)) : error.message;
  const at = head.lastIndexOf(` at "${variable}`);
  const path = at >= 0 && PATH_SUFFIX.test(head.slice(at)) ? head.slice(at) : '';
  const safeReason = reason.replace(/(cannot represent[^:]*?value):[\s\S]*$/, '$1');
  return new GraphQLError(`Variable "$${variable}" got invalid value${path}${safeReason ? `; ${safeReason}` : ''}`, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    // Not the original error: its message quotes the value too.
    extensions: error.extensions,
  });
}

function sanitize<T>(result: T): T {
  if (Array.isArray(result)) return result.map(sanitize) as T;
  const { errors } = (result ?? {}) as { errors?: readonly GraphQLError[] };
  if (!errors?.length) return result;
  return { ...result, errors: errors.map((error) => (error instanceof GraphQLError ? withoutInvalidValue(error) : error)) } as T;
}

/** Variable coercion errors without the rejected value (see `withoutInvalidValue`). */
export function useSafeVariableErrors(): Plugin {
  return {
    onResultProcess: ({ result, setResult }) => {
      setResult(sanitize(result));
    },
  };
}
