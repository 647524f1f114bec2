import { Migration } from '@mikro-orm/migrations';

export class Migration20261122071001 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "coupons" ("id" text not null, "code" text not null, "name" text not null, "percent_off_bp" int null, "amount_off" bigint null, "amount_off_currency" text null, "duration" text check ("duration" in ('once', 'repeating', 'forever')) not null, "duration_periods" int null, "redeem_by" timestamptz null, "max_redemptions" int null, "times_redeemed" int not null default 0, "applies_to_plan_ids" jsonb null, "created_at" timestamptz not null default now(), constraint "coupons_pkey" primary key ("id"), constraint coupons_discount_check check ((percent_off_bp is not null and amount_off is null and amount_off_currency is null) or (percent_off_bp is null and amount_off is not null and amount_off_currency is not null)), constraint coupons_percent_check check (percent_off_bp is null or percent_off_bp >= 1 and percent_off_bp <= 10000), constraint coupons_amount_check check (amount_off is null or (amount_off > 0 and amount_off_currency ~ '^[A-Z]{3}$')), constraint coupons_duration_periods_check check ((duration = 'repeating') = (duration_periods is not null) and (duration_periods is null or duration_periods >= 1)), constraint coupons_redemptions_check check (times_redeemed >= 0 and (max_redemptions is null or times_redeemed <= max_redemptions)));`,
    );
    this.addSql(`alter table "coupons" add constraint "coupons_code_unique" unique ("code");`);

    this.addSql(
      `create table "customers" ("id" text not null, "email" text not null, "name" text not null, "locale" text check ("locale" in ('de', 'en')) not null default 'en', "country" text not null, "vat_id" text null, "address" jsonb null, "balance" bigint not null default 0, "balance_currency" text null, "test_clock_id" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "customers_pkey" primary key ("id"), constraint customers_country_check check (country ~ '^[A-Z]{2}$'), constraint customers_balance_check check (balance >= 0), constraint customers_balance_currency_check check ((balance = 0 or balance_currency is not null) and (balance_currency is null or balance_currency ~ '^[A-Z]{3}$')));`,
    );
    this.addSql(`create index "customers_email_index" on "customers" ("email");`);
    this.addSql(`create index "customers_test_clock_id_index" on "customers" ("test_clock_id");`);

    this.addSql(
      `create table "customer_balance_transactions" ("id" uuid not null default gen_random_uuid(), "customer_id" text not null, "amount" bigint not null, "currency" text not null, "balance_after" bigint not null, "source_key" text not null, "description" text not null, "created_at" timestamptz not null default now(), constraint "customer_balance_transactions_pkey" primary key ("id"), constraint customer_balance_transactions_amount_check check (amount <> 0), constraint customer_balance_transactions_balance_check check (balance_after >= 0), constraint customer_balance_transactions_currency_check check (currency ~ '^[A-Z]{3}$'));`,
    );
    this.addSql(
      `alter table "customer_balance_transactions" add constraint "customer_balance_transactions_source_key_unique" unique ("source_key");`,
    );
    this.addSql(
      `create index "customer_balance_transactions_customer_index" on "customer_balance_transactions" ("customer_id", "created_at");`,
    );

    this.addSql(
      `create table "events" ("id" text not null, "key" text not null, "subscription_id" text null, "customer_id" text null, "type" text not null, "data" jsonb not null, "occurred_at" timestamptz not null, "recorded_at" timestamptz not null default now(), constraint "events_pkey" primary key ("id"), constraint events_type_check check (type ~ '^[a-z_]+(\\.[a-z_]+)*$'));`,
    );
    this.addSql(`alter table "events" add constraint "events_key_unique" unique ("key");`);
    this.addSql(
      `create index "events_subscription_occurred_index" on "events" ("subscription_id", "occurred_at");`,
    );
    this.addSql(`create index "events_customer_occurred_index" on "events" ("customer_id", "occurred_at");`);
    this.addSql(`create index "events_type_occurred_index" on "events" ("type", "occurred_at");`);

    this.addSql(
      `create table "idempotency_records" ("id" uuid not null default gen_random_uuid(), "scope" text not null, "key" text not null, "request_method" text not null, "request_path" text not null, "request_hash" text not null, "response_status" int null, "response_body" jsonb null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, constraint "idempotency_records_pkey" primary key ("id"), constraint idempotency_records_status_check check (response_status is null or response_status >= 100 and response_status <= 599), constraint idempotency_records_expiry_check check (expires_at > created_at));`,
    );
    this.addSql(
      `create index "idempotency_records_expires_at_index" on "idempotency_records" ("expires_at");`,
    );
    this.addSql(
      `alter table "idempotency_records" add constraint "idempotency_records_scope_key_unique" unique ("scope", "key");`,
    );

    this.addSql(
      `create table "invoice_number_sequences" ("year" int not null, "last_number" int not null, "updated_at" timestamptz not null default now(), constraint "invoice_number_sequences_pkey" primary key ("year"), constraint invoice_number_sequences_year_check check (year >= 2000 and year <= 9999), constraint invoice_number_sequences_last_number_check check (last_number >= 1));`,
    );

    this.addSql(
      `create table "meters" ("id" text not null, "name" text not null, "event_name" text not null, "aggregation" text check ("aggregation" in ('sum', 'max', 'unique_count')) not null, "created_at" timestamptz not null default now(), constraint "meters_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "meters" add constraint "meters_event_name_unique" unique ("event_name");`);

    this.addSql(
      `create table "payment_methods" ("id" text not null, "customer_id" text not null, "gateway" text not null, "token" text not null, "brand" text null, "last4" text null, "exp_month" smallint null, "exp_year" smallint null, "is_default" boolean not null default false, "created_at" timestamptz not null default now(), "detached_at" timestamptz null, constraint "payment_methods_pkey" primary key ("id"), constraint payment_methods_last4_check check (last4 is null or last4 ~ '^[0-9]{4}$'), constraint payment_methods_exp_month_check check (exp_month is null or exp_month >= 1 and exp_month <= 12), constraint payment_methods_exp_year_check check (exp_year is null or exp_year >= 2000 and exp_year <= 2200));`,
    );
    this.addSql(`create index "payment_methods_customer_id_index" on "payment_methods" ("customer_id");`);
    this.addSql(
      `alter table "payment_methods" add constraint "payment_methods_gateway_token_unique" unique ("gateway", "token");`,
    );

    this.addSql(
      `create table "products" ("id" text not null, "name" text not null, "description" text null, "active" boolean not null default true, "created_at" timestamptz not null default now(), constraint "products_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "plans" ("id" text not null, "product_id" text not null, "name" text not null, "interval_unit" text check ("interval_unit" in ('day', 'week', 'month', 'year')) not null, "interval_count" int not null, "pricing_model" text check ("pricing_model" in ('flat', 'per_unit', 'package', 'graduated', 'volume')) not null, "meter_id" text null, "trial_days" int not null default 0, "tax_behavior" text check ("tax_behavior" in ('exclusive', 'inclusive')) not null default 'exclusive', "active" boolean not null default true, "created_at" timestamptz not null default now(), constraint "plans_pkey" primary key ("id"), constraint plans_interval_count_check check (interval_count >= 1), constraint plans_trial_days_check check (trial_days >= 0));`,
    );
    this.addSql(`create index "plans_product_id_index" on "plans" ("product_id");`);

    this.addSql(
      `create table "plan_prices" ("id" uuid not null default gen_random_uuid(), "plan_id" text not null, "currency" text not null, "scheme" jsonb not null, "setup_fee" bigint not null default 0, "created_at" timestamptz not null default now(), constraint "plan_prices_pkey" primary key ("id"), constraint plan_prices_currency_check check (currency ~ '^[A-Z]{3}$'), constraint plan_prices_setup_fee_check check (setup_fee >= 0));`,
    );
    this.addSql(
      `alter table "plan_prices" add constraint "plan_prices_plan_currency_unique" unique ("plan_id", "currency");`,
    );

    this.addSql(
      `create table "seller_settings" ("id" int not null default 1, "name" text not null, "address" jsonb not null, "country" text not null, "vat_id" text null, "invoice_prefix" text not null default '', "time_zone" text not null default 'UTC', "default_currency" text not null, "dunning_policy" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "seller_settings_pkey" primary key ("id"), constraint seller_settings_single_row check (id = 1), constraint seller_settings_country_check check (country ~ '^[A-Z]{2}$'), constraint seller_settings_currency_check check (default_currency ~ '^[A-Z]{3}$'), constraint seller_settings_prefix_check check (invoice_prefix ~ '^[A-Za-z0-9_/-]{0,12}$'));`,
    );

    this.addSql(
      `create table "subscriptions" ("id" text not null, "customer_id" text not null, "plan_id" text not null, "status" text check ("status" in ('incomplete', 'trialing', 'active', 'past_due', 'unpaid', 'paused', 'canceled', 'ended')) not null, "quantity" int not null default 1, "currency" text not null, "billing_anchor" timestamptz not null, "time_zone" text not null default 'UTC', "current_period_index" int not null default 0, "current_period_start" timestamptz not null, "current_period_end" timestamptz not null, "trial_end" timestamptz null, "cancel_at_period_end" boolean not null default false, "canceled_at" timestamptz null, "cancellation_reason" text null, "ended_at" timestamptz null, "paused_at" timestamptz null, "pause_at_period_end" boolean null, "resume_at" timestamptz null, "coupon_id" text null, "workflow_id" text not null, "version" int not null default 1, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "subscriptions_pkey" primary key ("id"), constraint subscriptions_quantity_check check (quantity >= 0), constraint subscriptions_currency_check check (currency ~ '^[A-Z]{3}$'), constraint subscriptions_period_check check (current_period_end > current_period_start), constraint subscriptions_period_index_check check (current_period_index >= 0), constraint subscriptions_paused_check check ((status = 'paused') = (paused_at is not null)));`,
    );
    this.addSql(
      `alter table "subscriptions" add constraint "subscriptions_workflow_id_unique" unique ("workflow_id");`,
    );
    this.addSql(`create index "subscriptions_customer_id_index" on "subscriptions" ("customer_id");`);
    this.addSql(
      `create index "subscriptions_status_period_end_index" on "subscriptions" ("status", "current_period_end");`,
    );

    this.addSql(
      `create table "invoices" ("id" text not null, "customer_id" text not null, "subscription_id" text null, "period_index" int null, "billing_reason" text check ("billing_reason" in ('subscription_cycle', 'subscription_update', 'manual')) not null, "status" text check ("status" in ('draft', 'open', 'paid', 'void', 'uncollectible')) not null default 'draft', "number" text null, "currency" text not null, "subtotal" bigint not null, "discount_total" bigint not null, "tax_total" bigint not null, "total" bigint not null, "credit_applied" bigint not null, "credit_to_balance" bigint not null, "amount_due" bigint not null, "amount_paid" bigint not null default 0, "amount_refunded" bigint not null default 0, "taxes" jsonb not null default '[]', "notes" jsonb not null default '[]', "period_start" timestamptz null, "period_end" timestamptz null, "due_at" timestamptz null, "finalized_at" timestamptz null, "paid_at" timestamptz null, "voided_at" timestamptz null, "marked_uncollectible_at" timestamptz null, "version" int not null default 1, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "invoices_pkey" primary key ("id"), constraint invoices_cycle_period_check check (billing_reason <> 'subscription_cycle' or (subscription_id is not null and period_index is not null)), constraint invoices_period_index_check check (period_index is null or period_index >= 0), constraint invoices_currency_check check (currency ~ '^[A-Z]{3}$'), constraint invoices_number_check check ((status = 'draft') = (number is null)), constraint invoices_finalized_check check ((status = 'draft') = (finalized_at is null)), constraint invoices_paid_check check (status <> 'paid' or paid_at is not null), constraint invoices_amounts_check check (discount_total >= 0 and credit_applied >= 0 and credit_to_balance >= 0 and amount_due >= 0 and amount_paid >= 0 and amount_refunded >= 0 and amount_refunded <= amount_paid), constraint invoices_due_check check (amount_due = total - credit_applied + credit_to_balance), constraint invoices_period_bounds_check check (period_start is null or period_end is null or period_end > period_start));`,
    );
    this.addSql(
      `create index "invoices_customer_created_index" on "invoices" ("customer_id", "created_at");`,
    );
    this.addSql(`create index "invoices_status_due_index" on "invoices" ("status", "due_at");`);
    this.addSql(`alter table "invoices" add constraint "invoices_number_unique" unique ("number");`);
    this.addSql(
      `alter table "invoices" add constraint "invoices_subscription_period_unique" unique ("subscription_id", "period_index");`,
    );

    this.addSql(
      `create table "payment_attempts" ("id" text not null, "invoice_id" text not null, "attempt" int not null, "idempotency_key" text not null, "amount" bigint not null, "currency" text not null, "gateway" text not null, "payment_method_id" text null, "status" text check ("status" in ('pending', 'succeeded', 'failed')) not null default 'pending', "gateway_reference" text null, "failure_code" text null, "failure_message" text null, "created_at" timestamptz not null default now(), "completed_at" timestamptz null, constraint "payment_attempts_pkey" primary key ("id"), constraint payment_attempts_attempt_check check (attempt >= 1), constraint payment_attempts_amount_check check (amount > 0), constraint payment_attempts_currency_check check (currency ~ '^[A-Z]{3}$'), constraint payment_attempts_outcome_check check ((status = 'pending') = (completed_at is null) and (status <> 'failed' or failure_code is not null) and (status <> 'succeeded' or failure_code is null)));`,
    );
    this.addSql(
      `alter table "payment_attempts" add constraint "payment_attempts_idempotency_key_unique" unique ("idempotency_key");`,
    );
    this.addSql(
      `alter table "payment_attempts" add constraint "payment_attempts_invoice_attempt_unique" unique ("invoice_id", "attempt");`,
    );
    this.addSql(
      `alter table "payment_attempts" add constraint "payment_attempts_gateway_reference_unique" unique ("gateway", "gateway_reference");`,
    );

    this.addSql(
      `create table "refunds" ("id" text not null, "payment_attempt_id" text not null, "invoice_id" text not null, "kind" text check ("kind" in ('refund', 'chargeback')) not null default 'refund', "amount" bigint not null, "currency" text not null, "reason" text null, "idempotency_key" text not null, "gateway_reference" text null, "created_at" timestamptz not null default now(), constraint "refunds_pkey" primary key ("id"), constraint refunds_amount_check check (amount > 0), constraint refunds_currency_check check (currency ~ '^[A-Z]{3}$'));`,
    );
    this.addSql(
      `alter table "refunds" add constraint "refunds_idempotency_key_unique" unique ("idempotency_key");`,
    );
    this.addSql(`create index "refunds_invoice_id_index" on "refunds" ("invoice_id");`);

    this.addSql(
      `create table "invoice_lines" ("id" uuid not null default gen_random_uuid(), "invoice_id" text not null, "position" int not null, "kind" text check ("kind" in ('subscription', 'proration', 'usage', 'setup_fee', 'discount')) not null, "description" text not null, "quantity" int not null, "unit_amount" bigint null, "amount" bigint not null, "period_start" timestamptz null, "period_end" timestamptz null, "coupon_id" text null, constraint "invoice_lines_pkey" primary key ("id"), constraint invoice_lines_quantity_check check (quantity >= 0), constraint invoice_lines_position_check check (position >= 0), constraint invoice_lines_discount_check check (kind <> 'discount' or amount <= 0));`,
    );
    this.addSql(
      `alter table "invoice_lines" add constraint "invoice_lines_invoice_position_unique" unique ("invoice_id", "position");`,
    );

    this.addSql(
      `create table "credit_notes" ("id" text not null, "invoice_id" text not null, "customer_id" text not null, "amount" bigint not null, "currency" text not null, "reason" text not null, "outcome" text check ("outcome" in ('credit_balance', 'refund', 'none')) not null, "idempotency_key" text not null, "created_at" timestamptz not null default now(), constraint "credit_notes_pkey" primary key ("id"), constraint credit_notes_amount_check check (amount > 0), constraint credit_notes_currency_check check (currency ~ '^[A-Z]{3}$'));`,
    );
    this.addSql(
      `alter table "credit_notes" add constraint "credit_notes_idempotency_key_unique" unique ("idempotency_key");`,
    );
    this.addSql(`create index "credit_notes_invoice_id_index" on "credit_notes" ("invoice_id");`);

    this.addSql(
      `create table "discounts" ("id" text not null, "coupon_id" text not null, "subscription_id" text not null, "start_period_index" int not null, "end_period_index" int null, "created_at" timestamptz not null default now(), constraint "discounts_pkey" primary key ("id"), constraint discounts_periods_check check (start_period_index >= 0 and (end_period_index is null or end_period_index > start_period_index)));`,
    );
    this.addSql(
      `alter table "discounts" add constraint "discounts_subscription_coupon_unique" unique ("subscription_id", "coupon_id");`,
    );

    this.addSql(
      `create table "usage_events" ("id" uuid not null default gen_random_uuid(), "subscription_id" text not null, "meter_id" text not null, "client_id" text not null, "quantity" bigint not null, "value" text null, "occurred_at" timestamptz not null, "received_at" timestamptz not null default now(), constraint "usage_events_pkey" primary key ("id"), constraint usage_events_quantity_check check (quantity >= 0));`,
    );
    this.addSql(
      `create index "usage_events_subscription_meter_time_index" on "usage_events" ("subscription_id", "meter_id", "occurred_at");`,
    );
    this.addSql(
      `alter table "usage_events" add constraint "usage_events_subscription_client_id_unique" unique ("subscription_id", "client_id");`,
    );

    this.addSql(
      `create table "webhook_endpoints" ("id" text not null, "url" text not null, "secret" text not null, "event_types" jsonb not null default '["*"]', "enabled" boolean not null default true, "created_at" timestamptz not null default now(), "disabled_at" timestamptz null, constraint "webhook_endpoints_pkey" primary key ("id"), constraint webhook_endpoints_url_check check (url ~ '^https?://'), constraint webhook_endpoints_enabled_check check (enabled = (disabled_at is null)));`,
    );

    this.addSql(
      `create table "webhook_deliveries" ("id" uuid not null default gen_random_uuid(), "endpoint_id" text not null, "event_id" text not null, "status" text check ("status" in ('pending', 'succeeded', 'failed')) not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz null, "last_response_status" int null, "last_error" text null, "delivered_at" timestamptz null, "created_at" timestamptz not null default now(), constraint "webhook_deliveries_pkey" primary key ("id"), constraint webhook_deliveries_attempts_check check (attempts >= 0), constraint webhook_deliveries_delivered_check check ((status = 'succeeded') = (delivered_at is not null)));`,
    );
    this.addSql(
      `create index "webhook_deliveries_due_index" on "webhook_deliveries" ("status", "next_attempt_at");`,
    );
    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_endpoint_event_unique" unique ("endpoint_id", "event_id");`,
    );

    this.addSql(
      `alter table "customer_balance_transactions" add constraint "customer_balance_transactions_customer_id_foreign" foreign key ("customer_id") references "customers" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "payment_methods" add constraint "payment_methods_customer_id_foreign" foreign key ("customer_id") references "customers" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "plans" add constraint "plans_product_id_foreign" foreign key ("product_id") references "products" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "plans" add constraint "plans_meter_id_foreign" foreign key ("meter_id") references "meters" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "plan_prices" add constraint "plan_prices_plan_id_foreign" foreign key ("plan_id") references "plans" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "subscriptions" add constraint "subscriptions_customer_id_foreign" foreign key ("customer_id") references "customers" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "subscriptions" add constraint "subscriptions_plan_id_foreign" foreign key ("plan_id") references "plans" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "subscriptions" add constraint "subscriptions_coupon_id_foreign" foreign key ("coupon_id") references "coupons" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "invoices" add constraint "invoices_customer_id_foreign" foreign key ("customer_id") references "customers" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "invoices" add constraint "invoices_subscription_id_foreign" foreign key ("subscription_id") references "subscriptions" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "payment_attempts" add constraint "payment_attempts_invoice_id_foreign" foreign key ("invoice_id") references "invoices" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "payment_attempts" add constraint "payment_attempts_payment_method_id_foreign" foreign key ("payment_method_id") references "payment_methods" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "refunds" add constraint "refunds_payment_attempt_id_foreign" foreign key ("payment_attempt_id") references "payment_attempts" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "refunds" add constraint "refunds_invoice_id_foreign" foreign key ("invoice_id") references "invoices" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "invoice_lines" add constraint "invoice_lines_invoice_id_foreign" foreign key ("invoice_id") references "invoices" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "credit_notes" add constraint "credit_notes_invoice_id_foreign" foreign key ("invoice_id") references "invoices" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "credit_notes" add constraint "credit_notes_customer_id_foreign" foreign key ("customer_id") references "customers" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "discounts" add constraint "discounts_coupon_id_foreign" foreign key ("coupon_id") references "coupons" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "discounts" add constraint "discounts_subscription_id_foreign" foreign key ("subscription_id") references "subscriptions" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "usage_events" add constraint "usage_events_subscription_id_foreign" foreign key ("subscription_id") references "subscriptions" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "usage_events" add constraint "usage_events_meter_id_foreign" foreign key ("meter_id") references "meters" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_endpoint_id_foreign" foreign key ("endpoint_id") references "webhook_endpoints" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_event_id_foreign" foreign key ("event_id") references "events" ("id") on update cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "subscriptions" drop constraint "subscriptions_coupon_id_foreign";`);

    this.addSql(`alter table "discounts" drop constraint "discounts_coupon_id_foreign";`);

    this.addSql(
      `alter table "customer_balance_transactions" drop constraint "customer_balance_transactions_customer_id_foreign";`,
    );

    this.addSql(`alter table "payment_methods" drop constraint "payment_methods_customer_id_foreign";`);

    this.addSql(`alter table "subscriptions" drop constraint "subscriptions_customer_id_foreign";`);

    this.addSql(`alter table "invoices" drop constraint "invoices_customer_id_foreign";`);

    this.addSql(`alter table "credit_notes" drop constraint "credit_notes_customer_id_foreign";`);

    this.addSql(`alter table "webhook_deliveries" drop constraint "webhook_deliveries_event_id_foreign";`);

    this.addSql(`alter table "plans" drop constraint "plans_meter_id_foreign";`);

    this.addSql(`alter table "usage_events" drop constraint "usage_events_meter_id_foreign";`);

    this.addSql(
      `alter table "payment_attempts" drop constraint "payment_attempts_payment_method_id_foreign";`,
    );

    this.addSql(`alter table "plans" drop constraint "plans_product_id_foreign";`);

    this.addSql(`alter table "plan_prices" drop constraint "plan_prices_plan_id_foreign";`);

    this.addSql(`alter table "subscriptions" drop constraint "subscriptions_plan_id_foreign";`);

    this.addSql(`alter table "invoices" drop constraint "invoices_subscription_id_foreign";`);

    this.addSql(`alter table "discounts" drop constraint "discounts_subscription_id_foreign";`);

    this.addSql(`alter table "usage_events" drop constraint "usage_events_subscription_id_foreign";`);

    this.addSql(`alter table "payment_attempts" drop constraint "payment_attempts_invoice_id_foreign";`);

    this.addSql(`alter table "refunds" drop constraint "refunds_invoice_id_foreign";`);

    this.addSql(`alter table "invoice_lines" drop constraint "invoice_lines_invoice_id_foreign";`);

    this.addSql(`alter table "credit_notes" drop constraint "credit_notes_invoice_id_foreign";`);

    this.addSql(`alter table "refunds" drop constraint "refunds_payment_attempt_id_foreign";`);

    this.addSql(`alter table "webhook_deliveries" drop constraint "webhook_deliveries_endpoint_id_foreign";`);

    this.addSql(`drop table if exists "coupons" cascade;`);

    this.addSql(`drop table if exists "customers" cascade;`);

    this.addSql(`drop table if exists "customer_balance_transactions" cascade;`);

    this.addSql(`drop table if exists "events" cascade;`);

    this.addSql(`drop table if exists "idempotency_records" cascade;`);

    this.addSql(`drop table if exists "invoice_number_sequences" cascade;`);

    this.addSql(`drop table if exists "meters" cascade;`);

    this.addSql(`drop table if exists "payment_methods" cascade;`);

    this.addSql(`drop table if exists "products" cascade;`);

    this.addSql(`drop table if exists "plans" cascade;`);

    this.addSql(`drop table if exists "plan_prices" cascade;`);

    this.addSql(`drop table if exists "seller_settings" cascade;`);

    this.addSql(`drop table if exists "subscriptions" cascade;`);

    this.addSql(`drop table if exists "invoices" cascade;`);

    this.addSql(`drop table if exists "payment_attempts" cascade;`);

    this.addSql(`drop table if exists "refunds" cascade;`);

    this.addSql(`drop table if exists "invoice_lines" cascade;`);

    this.addSql(`drop table if exists "credit_notes" cascade;`);

    this.addSql(`drop table if exists "discounts" cascade;`);

    this.addSql(`drop table if exists "usage_events" cascade;`);

    this.addSql(`drop table if exists "webhook_endpoints" cascade;`);

    this.addSql(`drop table if exists "webhook_deliveries" cascade;`);
  }
}
