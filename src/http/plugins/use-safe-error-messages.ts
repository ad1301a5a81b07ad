import { GraphQLError, Kind, specifiedRules, ValuesOfCorrectTypeRule, type ASTNode, type ValidationRule, type ValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * graphql-js quotes the values it refuses, and those are often credentials (an inline literal, a
 * variable with two `@oneOf` members): `Variable "$input" got invalid value { accessKey: … }`,
 * `String cannot represent a non string value: "…"`, `Value "…" does not exist in "TeamRole"
 * enum`, `DateTime cannot represent an invalid date-time-string …`, `Syntax Error: Unexpected
 * String "…"`. No error may hold one (DESIGN "Secrets never leave"): every message here says what
 * was expected and where, never the value.
 */

/** A reason graphql-js or a scalar gives for refusing a value, without the value. */
function reasonWithoutValue(reason: string): string {
  // `String cannot represent a non string value: …`, `Enum "E" cannot represent non-enum value: …`
  const represent = /^(.*? cannot represent[^:]*? value):/.exec(reason);
  if (represent) return represent[1]!;
  // `Value "…" does not exist in "TeamRole" enum.` (and a suggestion, in development)
  const enumValue = /^Value "[\s\S]*" does not exist in "(\w+)" enum\./.exec(reason);
  if (enumValue) return `Value does not exist in "${enumValue[1]}" enum`;
  // `DateTime cannot represent an invalid date-time-string …` and other scalars' own wording.
  const scalar = /^(\w+) cannot /.exec(reason);
  if (scalar && !SAFE_REASONS.some((safe) => safe.test(reason))) return `${scalar[1]} cannot represent this value`;
  // `Expected type "T". <what parseValue threw>`
  const expected = /^Expected type "(\w+)"\./.exec(reason);
  if (expected) return `Expected type "${expected[1]}"`;
  return SAFE_REASONS.some((safe) => safe.test(reason)) ? reason : 'Invalid value';
}

/** Reasons that name only the schema (types, fields), never the input. */
const SAFE_REASONS = [
  /^Field "[\w.]+" (of required type "[\w![\]]+" was not provided|is not defined by type "\w+"|must be non-null)\./,
  /^Expected type "\w+" to be an object\.$/,
  /^Exactly one key must be specified/,
  /^OneOf Input Object "\w+" must specify exactly one key\.$/,
  /^DateTime cannot represent a date before the year 0001$/,
];

const INVALID_VARIABLE = /^Variable "\$(\w+)" got invalid value /;
/** What graphql-js appends after the value: the path inside the variable (field names and list indexes). */
const PATH_SUFFIX = /^ at "\w+(?:\.\w+|\[\d+\])*"$/;

/** `Variable "$v" got invalid value <value> at "v.path"; <reason>` → the variable, the path and the reason without the value. */
function variableErrorMessage(error: GraphQLError): string | null {
  const match = INVALID_VARIABLE.exec(error.message);
  if (!match) return null;
  const variable = match[1]!;
  const reason = error.originalError?.message ?? '';
  const head = reason && error.message.endsWith(`; ${reason}`) ? error.message.slice(0, -(reason.length + 2)) : error.message;
  const at = head.lastIndexOf(` at "${variable}`);
  const path = at >= 0 && PATH_SUFFIX.test(head.slice(at)) ? head.slice(at) : '';
  return `Variable "$${variable}" got invalid value${path}${reason ? `; ${reasonWithoutValue(reason)}` : ''}`;
}

/** `Syntax Error: Unexpected String "…".` → `Syntax Error: Unexpected String.` (the token's kind, not its text). */
function syntaxErrorMessage(message: string): string | null {
  const match = /^(Syntax Error: (?:Expected .+?, found|Unexpected)) (Name|Int|Float|String|BlockString) "[\s\S]*"\.$/.exec(message);
  return match ? `${match[1]} ${match[2]}.` : null;
}

/** At execution, an argument literal no validation saw (graphql-js quotes it). */
function argumentErrorMessage(message: string): string | null {
  const match = /^Argument "(\w+)" has invalid value [\s\S]*$/.exec(message);
  return match ? `Argument "${match[1]}" has an invalid value.` : null;
}

/**
 * The error with a message that quotes no value (the same error when it quoted none). Yoga adds
 * the JSON parser's error to a broken POST body's as `extensions.originalError`, whose message
 * quotes the body (`Unexpected token 'A', "AKIA…" is not valid JSON`): only its name is kept
 * (Yoga answers 400 rather than 200 because it is there).
 */
function withoutValue(error: GraphQLError): GraphQLError {
  const message = variableErrorMessage(error) ?? syntaxErrorMessage(error.message) ?? argumentErrorMessage(error.message);
  const { originalError } = error.extensions as { originalError?: { name?: unknown; message?: unknown } };
  const quotesBody = originalError?.message !== undefined;
  if (message === null && !quotesBody) return error;
  return new GraphQLError(message ?? error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    // Not the original error: its message quotes the value too.
    extensions: quotesBody ? { ...error.extensions, originalError: { name: originalError?.name } } : error.extensions,
  });
}

/** Where each value of an argument sits inside it: `input.credentials.accessKey`, `ids[2]`. */
function valuePaths(root: ValueNode, name: string, into: WeakMap<ASTNode, string>): void {
  into.set(root, name);
  if (root.kind === Kind.LIST) root.values.forEach((item, index) => valuePaths(item, `${name}[${index}]`, into));
  if (root.kind === Kind.OBJECT) for (const field of root.fields) valuePaths(field.value, `${name}.${field.name.value}`, into);
}

/** Messages of ValuesOfCorrectTypeRule that name only the schema (a missing or unknown field, `@oneOf`). */
const SAFE_LITERAL_ERROR = /^(Field "|OneOf Input Object ")/;

/**
 * graphql-js's rule for literals, reporting a refused literal as its expected type and where it
 * is (`Expected a value of type "TeamRole!" at "input.role" of "addTeamMember"`) with the reason
 * without the value.
 */
const SafeValuesOfCorrectTypeRule: ValidationRule = (context) => {
  const paths = new WeakMap<ASTNode, string>();
  const visitor = ValuesOfCorrectTypeRule(
    Object.create(context, {
      reportError: {
        value: (error: GraphQLError) => {
          if (SAFE_LITERAL_ERROR.test(error.message)) return context.reportError(error);
          const node = error.nodes?.[0];
          const path = node && paths.get(node);
          const owner = context.getDirective()?.name ?? context.getFieldDef()?.name;
          const where = path ? ` at "${path}"${owner ? ` of "${owner}"` : ''}` : '';
          const found =
            /^Expected value of type "[^"]+", found [\s\S]*?; ([\s\S]*)$/.exec(error.message)?.[1] ??
            (error.message.startsWith('Expected value of type') ? '' : error.message);
          const reason = found ? `: ${reasonWithoutValue(found)}` : '';
          context.reportError(
            new GraphQLError(`Expected a value of type "${String(context.getInputType())}"${where}${reason}`, { nodes: error.nodes }),
          );
        },
      },
    }) as typeof context,
  );
  return {
    ...visitor,
    Argument: (node) => valuePaths(node.value, node.name.value, paths),
  };
};

function sanitize<T>(result: T): T {
  if (Array.isArray(result)) return result.map(sanitize) as T;
  const { errors } = (result ?? {}) as { errors?: readonly GraphQLError[] };
  if (!errors?.length) return result;
  return { ...result, errors: errors.map((error) => (error instanceof GraphQLError ? withoutValue(error) : error)) };
}

/** Error messages without the values they refused: literals at validation, variables, syntax errors, argument values, broken JSON bodies. */
export function useSafeErrorMessages(): Plugin {
  return {
    onValidate: ({ validateFn, setValidationFn }) => {
      setValidationFn((schema, document, rules, ...rest) =>
        validateFn(
          schema,
          document,
          (rules ?? specifiedRules).map((rule: ValidationRule) => (rule === ValuesOfCorrectTypeRule ? SafeValuesOfCorrectTypeRule : rule)),
          ...rest,
        ),
      );
    },
    onResultProcess: ({ result, setResult }) => {
      setResult(sanitize(result));
    },
  };
}
