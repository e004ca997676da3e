import { isObjectType, lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { encodeId } from '../catalog/ids';
import { builder } from './builder';
import './scalars';
import './types/source';
import './types/collection';
import './types/mapping';
import './types/record';
import './types/sync-run';
import './types/event';
import './types/webhook';
import './types/preview';

/**
 * The relay plugin resolves every Node's id through an async wrapper, so each
 * object in a list is a pending promise to graphql-js: for a page of 100
 * records that bookkeeping cost more than the rest of the page's execution.
 * Every node type here takes its id from its row's `id` (see the builder.node
 * calls), so the same global id, base64("Type:id") as the plugin encodes it,
 * is computed synchronously instead.
 */
function synchronousNodeIds(built: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(built.getTypeMap())) {
    if (!isObjectType(type) || !type.getInterfaces().some((i) => i.name === 'Node')) continue;
    const field = type.getFields().id;
    if (!field) throw new Error(`${type.name} implements Node without an id field`);
    const name = type.name;
    field.resolve = (parent: { id: string | number }) => encodeId(name, parent.id);
  }
  return built;
}

/** The whole API, built once; type files register themselves on the builder. */
export const schema = synchronousNodeIds(builder.toSchema());

export const sortedSchema = () => lexicographicSortSchema(schema);
