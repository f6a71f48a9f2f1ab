ALTER TABLE "order_sagas" ADD COLUMN "step_deadline_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "order_sagas" ADD COLUMN "deadline_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "order_sagas_step_deadline_idx" ON "order_sagas" USING btree ("step_deadline_at") WHERE "order_sagas"."step_deadline_at" is not null;--> statement-breakpoint
CREATE INDEX "order_sagas_deadline_idx" ON "order_sagas" USING btree ("deadline_at") WHERE "order_sagas"."deadline_at" is not null;