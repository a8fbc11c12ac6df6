-- Intake finds customers by the first digits of a card or phone number as the agent types
-- them: a range `>= prefix AND < next` compared bytewise. SQLite's UNIQUE index on card_no and
-- its phone index (0001) compare bytewise (BINARY) already and serve that range; PostgreSQL
-- needs bytewise indexes of its own (see the PostgreSQL migration of the same number). This
-- file keeps the two migration histories numbered alike.
SELECT 1;
