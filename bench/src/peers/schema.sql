-- The peers' tables: named and shaped as the services' own (services/*/drizzle), so the
-- bench's invariants run unchanged on a peer's one database. Money is NUMERIC(18,2).
create table orders (
  id uuid primary key,
  user_id uuid not null,
  status text not null,
  items jsonb not null,
  shipping_address jsonb,
  total_amount numeric(18, 2) not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table products (
  id uuid primary key,
  name text not null,
  price numeric(18, 2) not null,
  stock integer not null check (stock >= 0),
  reserved integer not null default 0 check (reserved >= 0),
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table reservations (
  id uuid primary key,
  order_id uuid not null,
  product_id uuid not null references products (id),
  quantity integer not null,
  status text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (order_id, product_id)
);

create table accounts (
  user_id uuid primary key,
  balance numeric(18, 2) not null check (balance >= 0),
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table payments (
  id uuid primary key,
  order_id uuid not null unique,
  user_id uuid not null,
  amount numeric(18, 2) not null,
  status text not null,
  reason text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index payments_user_idx on payments (user_id);

create table shipments (
  id uuid primary key,
  order_id uuid not null unique,
  status text not null,
  carrier text,
  tracking_number text,
  address jsonb,
  items jsonb,
  reason text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- The steps done, for the peers whose steps are not recorded by an engine (graphile-worker,
-- sql): a step's transaction inserts its row first and does nothing more if it was there.
create table inbox (
  order_id uuid not null,
  step text not null,
  primary key (order_id, step)
);
