import { lexicographicSortSchema } from 'graphql';
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

/** The whole API, built once; type files register themselves on the builder. */
export const schema = builder.toSchema();

export const sortedSchema = () => lexicographicSortSchema(schema);
