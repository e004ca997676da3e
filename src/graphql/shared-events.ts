import { createSourceEventStream, execute, getOperationAST, GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * A subscription event is executed once per operation, not once per
 * subscriber. The event feed hands the same event object to every
 * subscriber of the instance (events/feed.ts); graphql-js would run the
 * selection set over it for each of them, which at 1,000 subscribers was a
 * quarter of the gateway's CPU and much of its garbage. Here the result is
 * kept on the event object, per operation, and handed to every subscriber
 * that sent the same operation; events a subscriber read on its own (a
 * replay) are executed for it alone, as before.
 *
 * Operations are the same when their text, operation name and variables
 * are. That the context does not enter the key rests on there being one
 * access level (the admin token): no resolver answers differently by who
 * asks. A per-caller scope would have to join the key.
 *
 * Otherwise this is graphql-js's own subscribe (source stream, then execute
 * per event with the event as root value, errors of the stream wrapped as
 * GraphQL errors), so envelop's hooks (masking included) see what they did.
 */
type Results = Map<string, ExecutionResult | Promise<ExecutionResult>>;
const executed = new WeakMap<object, Results>();

export function sharedEventExecution(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribeShared as never);
    },
  };
}

async function subscribeShared(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream;
  const key = operationKey(args);
  const iterator = stream[Symbol.asyncIterator]();
  const run = (payload: unknown) => execute({ ...args, rootValue: payload });
  let finished = false;
  const finish = async () => {
    if (finished) return;
    finished = true;
    await iterator.return?.();
  };
  const mapped: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      if (finished) return { done: true, value: undefined };
      let step: IteratorResult<unknown>;
      try {
        step = await iterator.next();
      } catch (err) {
        // The stream is broken: close it, and end here after this error.
        await finish().catch(() => {});
        throw wrapped(err, args);
      }
      if (step.done) {
        finished = true;
        return { done: true, value: undefined };
      }
      return { done: false, value: await executeOnce(step.value, key, run) };
    },
    async return() {
      await finish();
      return { done: true, value: undefined };
    },
    async throw(err: unknown) {
      await finish();
      throw err;
    },
    [Symbol.asyncIterator]: () => mapped,
  };
  return mapped;
}

function executeOnce(payload: unknown, key: string | null, run: (payload: unknown) => ReturnType<typeof execute>) {
  if (key === null || typeof payload !== 'object' || payload === null) return run(payload);
  let results = executed.get(payload);
  if (!results) executed.set(payload, (results = new Map()));
  let result = results.get(key);
  if (result === undefined) {
    result = run(payload);
    results.set(key, result);
  }
  return result;
}

/** Null (nothing shared) for a document parsed without its source text. */
function operationKey(args: ExecutionArgs): string | null {
  const text = args.document.loc?.source.body;
  if (text === undefined) return null;
  return `${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}\u0000${text}`;
}

/** As graphql-js does with an error the source stream throws: a GraphQL error located at the operation. */
function wrapped(err: unknown, args: ExecutionArgs): GraphQLError {
  if (err instanceof GraphQLError) return err;
  const error = err instanceof Error ? err : new Error(String(err));
  const operation = getOperationAST(args.document, args.operationName);
  return new GraphQLError(error.message, { originalError: error, nodes: operation });
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
