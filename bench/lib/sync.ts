/** Setting up the benchmark collection through the admin API, and timing its runs. */
import type { GatewayProcess } from './gateway';

export interface RunResult {
  seconds: number;
  stats: { pages: number; requests: number; fetched: number; created: number; updated: number; unchanged: number; deleted: number; failed: number };
}

/** A source on `baseUrl` and a customers collection: offset paging, 5 mapped fields (text, number, datetime, JSON), incremental on `updated`. */
export async function createCustomers(gw: GatewayProcess, baseUrl: string, pageSize: number): Promise<string> {
  const source = (await gw.gql(`mutation($i: SourceInput!) { createSource(input: $i) { id } }`, { i: { name: 'bench', baseUrl } })).createSource;
  const collection = (
    await gw.gql(`mutation($i: CollectionInput!) { createCollection(input: $i) { id } }`, {
      i: {
        sourceId: source.id,
        name: 'customers',
        path: '/items',
        dataPath: '$.data',
        idPath: '$.id',
        pagination: { type: 'OFFSET', offsetParam: 'offset', limitParam: 'limit', pageSize },
        incremental: { cursorPath: '$.updated', sinceParam: 'updated_since', lookbackSeconds: 0 },
      },
    })
  ).createCollection;
  await gw.gql(`mutation($id: ID!, $f: [MappedFieldInput!]!) { setMapping(collectionId: $id, fields: $f) { fields { name } } }`, {
    id: collection.id,
    f: [
      { name: 'name', path: '$.name', type: 'TEXT' },
      { name: 'email', path: '$.email', type: 'TEXT' },
      { name: 'balance', path: '$.balance', type: 'NUMBER' },
      { name: 'updated', path: '$.updated', type: 'DATETIME' },
      { name: 'metadata', path: '$.metadata', type: 'JSON' },
    ],
  });
  return collection.id;
}

const RUN_FIELDS = 'status error stats { pages requests fetched created updated unchanged deleted failed }';

/**
 * Starts a run and waits for it: wall time from the mutation to the run's
 * end as the API reports it. Waits on the syncRunUpdated subscription (SSE),
 * as a client would, rather than polling: polls every few ms would be work
 * of the harness's own that the gateway pays for while it is being timed.
 */
export async function timedRun(gw: GatewayProcess, collectionId: string, mode: 'FULL' | 'INCREMENTAL'): Promise<RunResult> {
  const t0 = performance.now();
  const run = (await gw.gql(`mutation($id: ID!, $m: SyncMode!) { startSync(collectionId: $id, mode: $m) { id } }`, { id: collectionId, m: mode })).startSync;
  // The subscription answers with the run as it is now first, so a run already over is seen too.
  for await (const state of gw.subscribe(`subscription($id: ID!) { syncRunUpdated(runId: $id) { ${RUN_FIELDS} } }`, { id: run.id })) {
    const current = state.syncRunUpdated;
    if (['QUEUED', 'RUNNING'].includes(current.status)) continue;
    const seconds = (performance.now() - t0) / 1000;
    if (current.status !== 'SUCCEEDED') throw new Error(`${mode} run ${current.status}: ${current.error}`);
    return { seconds, stats: current.stats };
  }
  throw new Error(`${mode} run: the subscription ended before the run did`);
}
