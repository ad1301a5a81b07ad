import type { FieldNode, GraphQLResolveInfo } from 'graphql';
import { argumentsOf, fieldsBelow, type Selection } from '../../graphql/lookahead.ts';
import type { SecretListNesting, TeamSecretsFold } from './secret.service.ts';

/** What `fields`, a secret's selections, ask for that the statement reading the secret can fold in. */
export function secretNesting(info: Selection, fields: readonly FieldNode[]): SecretListNesting {
  const locations = fields.find((field) => field.name.value === 'locations');
  return {
    createdBy: fields.some((field) => field.name.value === 'createdBy'),
    locations: locations ? argumentsOf(info, 'Secret', locations) : null,
  };
}

/** What the items of the secrets list `listFields` ask for that its statement can fold in. */
export function secretListNesting(info: Selection, listFields: readonly FieldNode[]): SecretListNesting {
  return secretNesting(info, fieldsBelow(info, ['edges', 'node'], listFields));
}

/**
 * The `secrets` list asked of the team being resolved (`Query.team`), for its lookup to read the
 * page in the same statement; null when it asks none, or filters it (a filter's arguments are
 * decoded by the schema on their way to the list: folded only as the list would receive them).
 */
export function teamSecretsFold(info: GraphQLResolveInfo): TeamSecretsFold | null {
  const list = fieldsBelow(info, []).find((field) => field.name.value === 'secrets');
  const args = list && argumentsOf(info, 'Team', list);
  if (!list || !args || args.filter != null) return null;
  return { args, nesting: secretListNesting(info, [list]) };
}
