ALTER TABLE "order_sagas" ADD COLUMN "definition_version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "order_sagas" ADD COLUMN "parked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "shipping_address" jsonb;--> statement-breakpoint
CREATE INDEX "order_sagas_parked_idx" ON "order_sagas" USING btree ("parked_at") WHERE "order_sagas"."parked_at" is not null;