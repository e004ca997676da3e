import { createWebhook, deleteWebhook, findWebhook, listDeliveries, listWebhooks } from '../../catalog/webhooks';
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

DeliveryRef.implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.field({ type: DeliveryStatusEnum, resolve: (d) => d.status as 'PENDING' | 'DELIVERED' | 'FAILED' }),
    attempts: t.exposeInt('attempts'),
    eventCount: t.exposeInt('eventCount'),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true }),
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
    status: t.exposeString('status', { description: 'ACTIVE, or PAUSED after a delivery used up its attempts.' }),
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
  deleteWebhook: t.id({
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { rt }) => {
      await deleteWebhook(rt, decodeId('Webhook', id));
      return id;
    },
  }),
}));
