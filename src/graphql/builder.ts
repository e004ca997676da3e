import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type { Runtime } from '../runtime';

/** Types that implement Node, i.e. what node(id:) can load. */
const NODE_TYPES = new Set(['Source', 'Collection', 'Record', 'SyncRun', 'Webhook']);

export interface Context {
  rt: Runtime;
}

/**
 * The one builder every type file registers on (schema.ts imports them all).
 * Outputs are non-null unless a field says otherwise, so the printed schema
 * is as strict as the contract or stricter.
 */
export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    /** Output: a Date, or a timestamp as PostgreSQL writes it (raw SQL rows), see scalars.ts. */
    DateTime: { Input: Date; Output: Date | string };
    ID: { Input: string; Output: string };
  };
}>({
  plugins: [RelayPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesOnConnection: false,
    // An id that is not one of ours is simply not found: node(id:) answers null
    // (the Relay convention), where the plugin would throw a decoding error.
    decodeGlobalID: (globalID) => {
      const decoded = Buffer.from(globalID, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      return sep > 0 ? { typename: decoded.slice(0, sep), id: decoded.slice(sep + 1) } : { typename: '', id: '' };
    },
    nodeQueryOptions: {
      nullable: true,
      resolve: (_root, { id }, _ctx, _info, resolveNode) => (NODE_TYPES.has(id.typename) ? resolveNode(id) : null),
    },
    nodesQueryOptions: false,
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
