import { createSource, deleteSource, findSource, getSource, listSources, updateSource } from '../../catalog/sources';
import { listCollections } from '../../catalog/collections';
import { decodeId } from '../../catalog/ids';
import { AUTH_TYPES, type RateLimit, type RetryPolicy } from '../../domain';
import { builder } from '../builder';
import { CollectionRef, SourceRef } from './refs';

export const AuthTypeEnum = builder.enumType('AuthType', { values: AUTH_TYPES });
const ApiKeyLocation = builder.enumType('ApiKeyLocation', { values: ['HEADER', 'QUERY'] as const });

const AuthInput = builder.inputType('AuthInput', {
  description: 'Credentials are write-only: no query ever returns a secret value.',
  fields: (t) => ({
    type: t.field({ type: AuthTypeEnum, required: true }),
    apiKeyLocation: t.field({ type: ApiKeyLocation, description: 'API_KEY: where the key goes, and the header or query parameter name.' }),
    apiKeyName: t.string(),
    apiKey: t.string(),
    username: t.string({ description: 'BASIC' }),
    password: t.string(),
    token: t.string({ description: 'BEARER' }),
    tokenUrl: t.string({ description: 'OAUTH2_CLIENT_CREDENTIALS: token endpoint, absolute or relative to baseUrl.' }),
    clientId: t.string(),
    clientSecret: t.string(),
    scope: t.string(),
  }),
});

const RetryInput = builder.inputType('RetryInput', {
  fields: (t) => ({
    maxRetries: t.int({ description: 'Retries after the first attempt. Default 5.' }),
    baseDelayMs: t.int({ description: 'First backoff step in ms; doubles each retry, with jitter. Default 500.' }),
    maxDelayMs: t.int({ description: 'Longest single wait in ms, Retry-After included. Default 30000.' }),
  }),
});

const RateLimitInput = builder.inputType('RateLimitInput', {
  description: 'At most `requests` requests in any window of `perSeconds` seconds, per source.',
  fields: (t) => ({
    requests: t.int({ required: true }),
    perSeconds: t.float({ required: true }),
  }),
});

export const SourceInput = builder.inputType('SourceInput', {
  description: 'On update, a field left out keeps its stored value (secrets included); null resets it.',
  fields: (t) => ({
    name: t.string({ required: true }),
    baseUrl: t.string({ required: true, description: 'Absolute http(s) URL; every collection path is resolved against it.' }),
    auth: t.field({ type: AuthInput }),
    headers: t.field({ type: 'JSON', description: 'Extra headers sent on every request, as a JSON object of strings.' }),
    timeoutMs: t.int({ description: 'Per attempt: connect, headers and body. Default 30000.' }),
    retry: t.field({ type: RetryInput }),
    rateLimit: t.field({ type: RateLimitInput }),
  }),
});

const Retry = builder.objectRef<RetryPolicy>('Retry').implement({
  fields: (t) => ({
    maxRetries: t.exposeInt('maxRetries'),
    baseDelayMs: t.exposeInt('baseDelayMs'),
    maxDelayMs: t.exposeInt('maxDelayMs'),
  }),
});

const RateLimitRef = builder.objectRef<RateLimit>('RateLimit').implement({
  fields: (t) => ({
    requests: t.exposeInt('requests'),
    perSeconds: t.exposeFloat('perSeconds'),
  }),
});

builder.node(SourceRef, {
  id: { resolve: (s) => s.id },
  loadOne: (id, { rt }) => findSource(rt, id),
  fields: (t) => ({
    name: t.exposeString('name'),
    baseUrl: t.exposeString('baseUrl'),
    authType: t.field({ type: AuthTypeEnum, resolve: (s) => s.authType as (typeof AUTH_TYPES)[number] }),
    headerNames: t.stringList({ description: 'Names of the custom headers set; their values are write-only.', resolve: (s) => s.headerNames }),
    timeoutMs: t.exposeInt('timeoutMs'),
    retry: t.field({ type: Retry, resolve: (s) => s.retry as RetryPolicy }),
    rateLimit: t.field({ type: RateLimitRef, nullable: true, resolve: (s) => s.rateLimit as RateLimit | null }),
    collections: t.field({ type: [CollectionRef], resolve: (s, _args, { rt }) => listCollections(rt, s.id) }),
    createdAt: t.field({ type: 'DateTime', resolve: (s) => s.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (s) => s.updatedAt }),
  }),
});

builder.queryFields((t) => ({
  sources: t.field({ type: [SourceRef], resolve: (_root, _args, { rt }) => listSources(rt) }),
  source: t.field({
    type: SourceRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { rt }) => getSource(rt, decodeId('Source', id)),
  }),
}));

builder.mutationFields((t) => ({
  createSource: t.field({
    type: SourceRef,
    args: { input: t.arg({ type: SourceInput, required: true }) },
    resolve: (_root, { input }, { rt }) => createSource(rt, input),
  }),
  updateSource: t.field({
    type: SourceRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: SourceInput, required: true }) },
    resolve: (_root, { id, input }, { rt }) => updateSource(rt, decodeId('Source', id), input),
  }),
  deleteSource: t.id({
    description: 'Deletes the source with its collections, records and runs; answers the id given.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { rt }) => {
      await deleteSource(rt, decodeId('Source', id));
      return id;
    },
  }),
}));
