ALTER TABLE "page_digests" ADD COLUMN "skeleton" text;--> statement-breakpoint
ALTER TABLE "page_digests" ADD COLUMN "size" integer;--> statement-breakpoint
ALTER TABLE "page_digests" ADD COLUMN "max_cursor" text;