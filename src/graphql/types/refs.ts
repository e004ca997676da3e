import type { CollectionRow } from '../../catalog/collections';
import type { SourceRow } from '../../catalog/sources';
import type { DeliveryRow, WebhookRow } from '../../catalog/webhooks';
import type { MappedField } from '../../domain';
import type { RecordRow } from '../../records/query';
import type { RunRow } from '../../sync/runs';
import { builder } from '../builder';

/**
 * Object refs, declared before any type is implemented, so type files can
 * point at each other (a Source lists Collections, a Collection names its
 * Source) without import cycles.
 */
export const SourceRef = builder.objectRef<SourceRow>('Source');
export const CollectionRef = builder.objectRef<CollectionRow>('Collection');
export const MappingRef = builder.objectRef<{ fields: MappedField[] }>('Mapping');
export const RecordRef = builder.objectRef<RecordRow>('Record');
export const SyncRunRef = builder.objectRef<RunRow>('SyncRun');
export const WebhookRef = builder.objectRef<WebhookRow>('Webhook');
export const DeliveryRef = builder.objectRef<DeliveryRow>('WebhookDelivery');
