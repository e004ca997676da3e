import { createWebhook, deleteWebhook, findWebhook, listDeliveries, listWebhooks, resumeWebhook } from '../../catalog/webhooks';
import { decodeId, encodeId } from '../../catalog/ids';
import type { RecordEventType } from '../../domain';
import { builder } from '../builder';
import { DeliveryRef, WebhookRef } from './refs';
import { RecordEventTypeEnum } from './event';

const WebhookInput = builder.inputType('WebhookInput', {
  description:
    'Pushes events to your app: POST application/json {"events": [RecordEvent...]} in id order, at least once. Headers: X-Tributary-Delivery (the same on every retry of a batch) and, with a secret, X-Tributary-Signature: sha256=<hex HMAC-SHA256 of the raw body>. A batch is retried with backoff until a 2xx; later batches wait for it.',
  fields: (t) => ({
    url: t.string({ required: true }),
    collectionId: t.id(),
    types: t.field({ type: [RecordEventTypeEnum] }),
    secret: t.string({ description: 'Write-only; signs each body.' }),
  }),
});

const DeliveryStatusEnum = builder.enumType('DeliveryStatus', { values: ['PENDING', 'DELIVERED', 'FAILED'] as const });

const WebhookStatusEnum = builder.enumType('WebhookStatus', {
  values: {
    ACTIVE: { description: 'Delivering.' },
    PAUSED: { description: 'A batch used up its attempts; nothing is sent until resumeWebhook.' },
  } as const,
});

DeliveryRef.implement({
  description: 'One batch of events, retried under the same id (the X-Tributary-Delivery header) until the receiver answers 2xx.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Sent as X-Tributary-Delivery; the same on every retry of the batch.' }),
    status: t.field({ type: DeliveryStatusEnum, resolve: (d) => d.status as 'PENDING' | 'DELIVERED' | 'FAILED' }),
    attempts: t.exposeInt('attempts', { description: 'Attempts made so far (since the last resumeWebhook, for a resumed batch).' }),
    eventCount: t.exposeInt('eventCount'),
    firstEventId: t.id({ description: 'Id of the first event in the batch.', resolve: (d) => String(d.firstEventId) }),
    lastEventId: t.id({ description: 'Id of the last event in the batch.', resolve: (d) => String(d.lastEventId) }),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true, description: "The receiver's status on the last attempt; null when none came (timeout, refused)." }),
    lastError: t.exposeString('lastError', { nullable: true }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, description: 'When a PENDING batch is tried next.', resolve: (d) => d.nextAttemptAt }),
    createdAt: t.field({ type: 'DateTime', resolve: (d) => d.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (d) => d.updatedAt }),
  }),
});

builder.node(WebhookRef, {
  id: { resolve: (w) => w.id },
  loadOne: (id, { rt }) => findWebhook(rt, id),
  fields: (t) => ({
    url: t.exposeString('url'),
    collectionId: t.id({ nullable: true, resolve: (w) => (w.collectionId ? encodeId('Collection', w.collectionId) : null) }),
    types: t.field({
      type: [RecordEventTypeEnum],
      nullable: true,
      resolve: (w) => (w.types as RecordEventType[] | null) ?? null,
    }),
    status: t.field({
      type: WebhookStatusEnum,
      description: 'ACTIVE, or PAUSED after a delivery used up its attempts.',
      resolve: (w) => w.status as 'ACTIVE' | 'PAUSED',
    }),
    hasSecret: t.boolean({ description: 'Whether bodies are signed; the secret itself is write-only.', resolve: (w) => w.secret !== null }),
    lastEventId: t.id({
      description: 'Every event up to this id has been delivered or filtered out.',
      resolve: (w) => String(w.lastEventId),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (w) => w.createdAt }),
    deliveries: t.field({
      type: [DeliveryRef],
      description: 'Newest first.',
      args: { first: t.arg.int() },
      resolve: (w, { first }, { rt }) => listDeliveries(rt, w.id, Math.min(Math.max(first ?? 20, 0), 500)),
    }),
  }),
});

builder.queryFields((t) => ({
  webhooks: t.field({ type: [WebhookRef], resolve: (_root, _args, { rt }) => listWebhooks(rt) }),
}));

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: WebhookRef,
    args: { input: t.arg({ type: WebhookInput, required: true }) },
    resolve: (_root, { input }, { rt }) => createWebhook(rt, input),
  }),
  resumeWebhook: t.field({
    type: WebhookRef,
    description: 'Resumes a PAUSED webhook: its failed batch is retried first (same delivery id), then the later ones follow.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { rt }) => resumeWebhook(rt, decodeId('Webhook', id)),
  }),
  deleteWebhook: t.id({
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { rt }) => {
      await deleteWebhook(rt, decodeId('Webhook', id));
      return id;
    },
  }),
}));
