-- Intake finds customers by the first digits of a card or phone number as the agent types
-- them: a range `>= prefix AND < next` compared bytewise. The UNIQUE index on card_no and the
-- phone index use the database's collation (C.UTF-8, en_US…), which such a range cannot walk,
-- so PostgreSQL gets bytewise ("C") indexes as well. SQLite's indexes already compare
-- bytewise (see the SQLite migration of the same number).
CREATE INDEX customers_card_no_bytewise ON customers (card_no COLLATE "C");
CREATE INDEX customer_phones_phone_bytewise ON customer_phones (phone COLLATE "C");
