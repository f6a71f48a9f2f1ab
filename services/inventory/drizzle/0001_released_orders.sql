CREATE TABLE "released_orders" (
	"order_id" uuid PRIMARY KEY NOT NULL,
	"released_at" timestamp with time zone NOT NULL
);
