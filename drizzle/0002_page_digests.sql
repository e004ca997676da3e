CREATE TABLE "page_digests" (
	"collection_id" uuid NOT NULL,
	"body_hash" text NOT NULL,
	"mapping_hash" text NOT NULL,
	"external_ids" text[] NOT NULL,
	"digest" text NOT NULL,
	"verified_event" bigint,
	CONSTRAINT "page_digests_collection_id_body_hash_pk" PRIMARY KEY("collection_id","body_hash")
);
--> statement-breakpoint
ALTER TABLE "page_digests" ADD CONSTRAINT "page_digests_collection_id_collections_id_fk" FOREIGN KEY ("collection_id") REFERENCES "public"."collections"("id") ON DELETE cascade ON UPDATE no action;