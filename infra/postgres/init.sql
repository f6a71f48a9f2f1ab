-- Runs once when the compose PostgreSQL starts on an empty volume: one database per
-- service, owned by a role of its own that can reach no other service's database.
-- Passwords are for local compose use; set real ones (and the services' *_DATABASE_URL) elsewhere.
CREATE ROLE order_service LOGIN PASSWORD 'order-secret';
CREATE ROLE inventory_service LOGIN PASSWORD 'inventory-secret';
CREATE ROLE billing_service LOGIN PASSWORD 'billing-secret';

CREATE DATABASE orders OWNER order_service;
CREATE DATABASE inventory OWNER inventory_service;
CREATE DATABASE billing OWNER billing_service;

REVOKE ALL ON DATABASE orders FROM PUBLIC;
REVOKE ALL ON DATABASE inventory FROM PUBLIC;
REVOKE ALL ON DATABASE billing FROM PUBLIC;
