ALTER TABLE "inbox" ADD COLUMN "correlation_id" text;--> statement-breakpoint
ALTER TABLE "inbox" ADD COLUMN "causation_id" text;--> statement-breakpoint
ALTER TABLE "inbox" ADD COLUMN "sender" text;--> statement-breakpoint
ALTER TABLE "inbox" ADD COLUMN "sent_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "inbox" ADD COLUMN "published_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "inbox_correlation_idx" ON "inbox" USING btree ("correlation_id");